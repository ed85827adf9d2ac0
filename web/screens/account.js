// My account: name and language, password, personal access tokens (the
// token is shown once), data export, sign out everywhere, delete account.
import { html, useEffect, useState } from '../lib/preact.js';
import { api } from '../lib/api.js';
import { t, dateTime } from '../lib/i18n.js';
import { Field, Select, Button, ErrorText, Empty, CopyText } from '../lib/ui.js';
import * as store from '../lib/store.js';
import { signedIn, signedOut, signOut, setLeaving } from '../lib/session.js';
import { go } from '../lib/router.js';

function Section({ id, title, children }) {
  return html`<section class="subsection" aria-labelledby=${id}><h2 id=${id}>${title}</h2>${children}</section>`;
}

function Profile() {
  const { me } = store.get();
  const [form, setForm] = useState({ display_name: me.display_name, locale: me.locale || 'de' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const up = (k) => (v) => { setForm({ ...form, [k]: v }); setDone(false); };
  const submit = async (e) => {
    e.preventDefault();
    const body = {};
    if (form.display_name.trim() !== me.display_name) body.display_name = form.display_name.trim();
    if (form.locale !== me.locale) body.locale = form.locale;
    if (!Object.keys(body).length) { setDone(true); return; }
    setBusy(true);
    setError(null);
    try {
      signedIn(await api('PATCH', '/api/v1/me', body)); // the language switches with it
      setDone(true);
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  };
  return html`<form onSubmit=${submit} novalidate>
    <${Field} label=${t('account.name')} name="display_name" required autocomplete="name"
      value=${form.display_name} onInput=${up('display_name')} error=${error} />
    <${Select} label=${t('account.language')} name="locale" value=${form.locale} onChange=${up('locale')} error=${error}
      options=${[{ value: 'de', label: t('lang.de') }, { value: 'en', label: t('lang.en') }]} />
    <p class="hint">${t('account.email', { email: me.email })}</p>
    <${ErrorText} error=${error} fields=${['display_name', 'locale']} />
    <${Button} kind="primary" type="submit" busy=${busy}>${t('ui.save')}<//>
    ${done && html`<p class="notice" role="status">${t('account.saved')}</p>`}
  </form>`;
}

function Password() {
  const empty = { current: '', password: '', repeat: '' };
  const [form, setForm] = useState(empty);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const up = (k) => (v) => { setForm({ ...form, [k]: v }); setDone(false); };
  const submit = async (e) => {
    e.preventDefault();
    if (form.password !== form.repeat) {
      setError({ field: 'repeat', message: t('invite.mismatch') });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('PUT', '/api/v1/me/password', { current: form.current, password: form.password });
      setForm(empty);
      setDone(true);
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  };
  return html`<form onSubmit=${submit} novalidate>
    <input type="text" name="username" autocomplete="username" value=${store.get().me.email} hidden readonly />
    <${Field} label=${t('account.currentPassword')} name="current" type="password" autocomplete="current-password"
      required value=${form.current} onInput=${up('current')} error=${error} />
    <${Field} label=${t('account.newPassword')} name="password" type="password" autocomplete="new-password"
      required value=${form.password} onInput=${up('password')} error=${error} hint=${t('invite.passwordHint')} />
    <${Field} label=${t('invite.repeat')} name="repeat" type="password" autocomplete="new-password"
      required value=${form.repeat} onInput=${up('repeat')} error=${error} />
    <${ErrorText} error=${error} fields=${['current', 'password', 'repeat']} />
    <${Button} kind="primary" type="submit" busy=${busy}>${t('account.changePassword')}<//>
    ${done && html`<p class="notice" role="status">${t('account.passwordChanged')}</p>`}
  </form>`;
}

function Tokens() {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [form, setForm] = useState({ name: '', scope: 'read' });
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState(null);
  const load = () => api('GET', '/api/v1/me/tokens').then((r) => setItems(r.items), setError);
  useEffect(() => { load(); }, []);
  const create = async (e) => {
    e.preventDefault();
    setBusy(true);
    setFormError(null);
    try {
      const tok = await api('POST', '/api/v1/me/tokens', { name: form.name.trim(), scope: form.scope });
      setCreated(tok);
      setForm({ name: '', scope: 'read' });
      load();
    } catch (err) {
      setFormError(err);
    }
    setBusy(false);
  };
  const revoke = async (tok) => {
    if (!confirm(t('tokens.confirmRevoke', { name: tok.name }))) return;
    try {
      await api('DELETE', `/api/v1/me/tokens/${tok.id}`);
      if (created?.id === tok.id) setCreated(null);
      load();
    } catch (err) {
      setError(err);
    }
  };
  return html`
    <p>${t('tokens.lead')}</p>
    <${ErrorText} error=${error} />
    ${items === null ? html`<p class="loading" role="status">${t('ui.loading')}</p>`
      : items.length === 0 ? html`<${Empty}>${t('tokens.none')}<//>` : html`
      <div class="table-wrap"><table>
        <caption class="visually-hidden">${t('tokens.title')}</caption>
        <thead><tr><th scope="col">${t('tokens.name')}</th><th scope="col">${t('tokens.scope')}</th>
          <th scope="col">${t('tokens.created')}</th><th scope="col">${t('tokens.lastUsed')}</th><th scope="col"><span class="visually-hidden">${t('ui.actions')}</span></th></tr></thead>
        <tbody>${items.map((tok) => html`<tr key=${tok.id}>
          <td>${tok.name}</td><td>${t(`tokens.scope.${tok.scope}`)}</td>
          <td>${dateTime(tok.created_at)}</td><td>${tok.last_used_at ? dateTime(tok.last_used_at) : t('tokens.never')}</td>
          <td><${Button} kind="danger" onClick=${() => revoke(tok)} aria-label=${t('tokens.revokeNamed', { name: tok.name })}>${t('tokens.revoke')}<//></td>
        </tr>`)}</tbody>
      </table></div>`}
    ${created && html`<div class="result" role="status">
      <${CopyText} label=${t('tokens.newToken', { name: created.name })} value=${created.token} />
      <p class="hint">${t('tokens.onlyOnce')}</p>
    </div>`}
    <form class="inline-form" onSubmit=${create} novalidate>
      <h3>${t('tokens.create')}</h3>
      <div class="row">
        <${Field} label=${t('tokens.name')} name="name" required autocomplete="off" value=${form.name}
          onInput=${(v) => setForm({ ...form, name: v })} error=${formError} hint=${t('tokens.nameHint')} />
        <${Select} label=${t('tokens.scope')} name="scope" value=${form.scope} error=${formError}
          onChange=${(v) => setForm({ ...form, scope: v })}
          options=${[{ value: 'read', label: t('tokens.scope.read') }, { value: 'write', label: t('tokens.scope.write') }]} />
      </div>
      <${ErrorText} error=${formError} fields=${['name', 'scope']} />
      <${Button} kind="primary" type="submit" busy=${busy}>${t('tokens.createSubmit')}<//>
    </form>`;
}

function DeleteAccount() {
  const { me } = store.get();
  const [form, setForm] = useState({ confirm: '', delete_content: false });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setLeaving(true);
    try {
      await api('DELETE', '/api/v1/me', { confirm: form.confirm.trim(), delete_content: form.delete_content });
      signedOut('account_deleted');
      go('#/signin');
    } catch (err) {
      setLeaving(false);
      setError(err);
      setBusy(false);
    }
  };
  return html`<form onSubmit=${submit} novalidate>
    <p>${t('delete.lead')}</p>
    <${Field} label=${t('delete.confirm', { email: me.email })} name="confirm" type="email" autocomplete="off"
      required value=${form.confirm} onInput=${(v) => setForm({ ...form, confirm: v })} error=${error} />
    <${Field} type="checkbox" label=${t('delete.content')} name="delete_content" value=${form.delete_content}
      onInput=${(v) => setForm({ ...form, delete_content: v })} error=${error} hint=${t('delete.contentHint')} />
    <${ErrorText} error=${error} fields=${['confirm', 'delete_content']} />
    <${Button} kind="danger" type="submit" busy=${busy}
      disabled=${form.confirm.trim().toLowerCase() !== me.email.toLowerCase()}>${t('delete.submit')}<//>
  </form>`;
}

export function Account() {
  store.useStore();
  return html`<h1>${t('account.title')}</h1>
    <${Section} id="acc-profile" title=${t('account.profile')}><${Profile} /><//>
    <${Section} id="acc-password" title=${t('account.password')}><${Password} /><//>
    <${Section} id="acc-tokens" title=${t('tokens.title')}><${Tokens} /><//>
    <${Section} id="acc-export" title=${t('export.title')}>
      <p>${t('export.lead')}</p>
      <p><a class="btn btn-secondary" href="/api/v1/me/export" download="nachbar-export.json">${t('export.download')}</a></p>
    <//>
    <${Section} id="acc-sessions" title=${t('sessions.title')}>
      <p>${t('sessions.lead')}</p>
      <${Button} onClick=${() => signOut(true)}>${t('sessions.signOutAll')}<//>
    <//>
    <${Section} id="acc-delete" title=${t('delete.title')}><${DeleteAccount} /><//>`;
}
