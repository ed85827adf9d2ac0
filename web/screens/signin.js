// Sign in with e-mail and password. Before sign-in the language follows
// the browser (German for German browsers) or the choice made here.
import { html, useEffect, useState } from '../lib/preact.js';
import { api } from '../lib/api.js';
import { t, getLocale, setLocale, LOCALES } from '../lib/i18n.js';
import { Field, Button, ErrorText } from '../lib/ui.js';
import * as store from '../lib/store.js';

export function LanguageChoice() {
  const [, force] = useState(0);
  const pick = (l) => {
    setLocale(l, { remember: true });
    force((n) => n + 1);
    store.set({}); // re-render the whole page in the new language
  };
  return html`<div class="lang-choice" role="group" aria-label=${t('signin.language')}>
    ${LOCALES.map((l) => html`<button type="button" class="btn btn-link" lang=${l}
      aria-pressed=${getLocale() === l ? 'true' : 'false'} onClick=${() => pick(l)}>${t(`lang.${l}`)}</button>`)}
  </div>`;
}

export function SignIn({ onSignedIn }) {
  const { notice } = store.useStore();
  const [form, setForm] = useState({ email: '', password: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const up = (k) => (v) => setForm({ ...form, [k]: v });
  useEffect(() => { document.title = `${t('signin.title')} · nachbar`; });

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const me = await api('POST', '/api/v1/session', { email: form.email.trim(), password: form.password });
      onSignedIn(me);
    } catch (err) {
      setError(err); // the form keeps what was typed
      setBusy(false);
    }
  };

  return html`<div class="centered">
    <main id="main" class="signin" tabindex="-1">
      <${LanguageChoice} />
      <div class="signin-brand"><img src="icon.svg" alt="" width="48" height="48" /><span>nachbar</span></div>
      <h1>${t('signin.title')}</h1>
      <p class="lead">${t('signin.lead')}</p>
      ${notice && html`<p class="notice" role="status">${t(`notice.${notice}`)}</p>`}
      <form onSubmit=${submit} novalidate>
        <${Field} label=${t('signin.email')} name="email" type="email" autocomplete="username"
          inputmode="email" required value=${form.email} onInput=${up('email')} error=${error} />
        <${Field} label=${t('signin.password')} name="password" type="password"
          autocomplete="current-password" required value=${form.password} onInput=${up('password')} error=${error} />
        <${ErrorText} error=${error} fields=${['email', 'password']} />
        <${Button} kind="primary" type="submit" busy=${busy}>${t('signin.submit')}<//>
      </form>
      <p class="hint">${t('signin.noAccount')}</p>
    </main>
  </div>`;
}
