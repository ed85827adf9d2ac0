// #/invite/<token>: accept an invitation (or a password-reset link) by
// choosing a password, then sign in with it.
import { html, useEffect, useState } from '../lib/preact.js';
import { api } from '../lib/api.js';
import { t, dateTime } from '../lib/i18n.js';
import { Field, Button, ErrorText } from '../lib/ui.js';
import { LanguageChoice } from './signin.js';
import * as store from '../lib/store.js';

export function Invite({ token, onSignedIn }) {
  store.useStore(); // re-render on a language change
  const [invite, setInvite] = useState(null);
  const [loadError, setLoadError] = useState(null);
  const [form, setForm] = useState({ password: '', repeat: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const up = (k) => (v) => setForm({ ...form, [k]: v });

  useEffect(() => {
    api('GET', `/api/v1/invites/${encodeURIComponent(token)}`).then(setInvite, setLoadError);
  }, [token]);
  const reset = invite?.kind === 'reset';
  const title = reset ? t('invite.resetTitle') : t('invite.title');
  useEffect(() => { document.title = `${title} · nachbar`; });

  const submit = async (e) => {
    e.preventDefault();
    if (form.password !== form.repeat) {
      setError({ field: 'repeat', message: t('invite.mismatch') });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/api/v1/invites/${encodeURIComponent(token)}/accept`, { password: form.password });
      const me = await api('POST', '/api/v1/session', { email: invite.email, password: form.password });
      onSignedIn(me);
      location.replace('#/');
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  let body;
  if (loadError) {
    body = html`<p class="error-text" role="alert">${loadError.status === 410 ? t('invite.expired')
      : loadError.status === 404 ? t('invite.unknown') : loadError.message}</p>
      <p><a href="#/signin">${t('invite.toSignIn')}</a></p>`;
  } else if (!invite) {
    body = html`<p class="loading" role="status">${t('ui.loading')}</p>`;
  } else {
    const grant = invite.firm
      ? t(invite.role === 'admin' ? 'invite.grantFirmAdmin' : 'invite.grantFirm', { firm: invite.firm, hood: invite.hood })
      : t(`invite.grantRole.${invite.role}`, { hood: invite.hood });
    body = html`
      <p class="lead">${reset ? t('invite.resetLead', { name: invite.display_name })
        : t('invite.lead', { name: invite.display_name, hood: invite.hood })}</p>
      ${!reset && html`<p>${grant}</p>`}
      <p class="hint">${t('invite.expires', { when: dateTime(invite.expires_at) })}</p>
      <form onSubmit=${submit} novalidate>
        <${Field} label=${t('signin.email')} name="email" type="email" autocomplete="username" value=${invite.email} readonly />
        <${Field} label=${t('invite.password')} name="password" type="password" autocomplete="new-password"
          required value=${form.password} onInput=${up('password')} error=${error} hint=${t('invite.passwordHint')} />
        <${Field} label=${t('invite.repeat')} name="repeat" type="password" autocomplete="new-password"
          required value=${form.repeat} onInput=${up('repeat')} error=${error} />
        <${ErrorText} error=${error} fields=${['password', 'repeat']} />
        <${Button} kind="primary" type="submit" busy=${busy}>${reset ? t('invite.resetSubmit') : t('invite.submit')}<//>
      </form>`;
  }
  return html`<div class="centered">
    <main id="main" class="signin" tabindex="-1">
      <${LanguageChoice} />
      <div class="signin-brand"><img src="icon.svg" alt="" width="48" height="48" /><span>nachbar</span></div>
      <h1>${title}</h1>
      ${body}
    </main>
  </div>`;
}
