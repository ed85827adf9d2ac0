// The invitation form: coordinators invite a new firm (its first admin),
// staff of a firm, coaches and coordinators; a firm admin invites staff of
// their own firm (`firm` fixed). The answer's single-use link is shown once
// with a Copy button: no mail server is assumed, the inviter passes it on.
import { html, useEffect, useState } from '../lib/preact.js';
import { api } from '../lib/api.js';
import { t, getLocale, dateTime } from '../lib/i18n.js';
import { Field, Select, Button, ErrorText, Empty, CopyText } from '../lib/ui.js';

const blank = (kind) => ({ kind, email: '', display_name: '', firm_name: '', firm_id: '', role: 'member', locale: getLocale() });

/**
 * <InviteForm hood firms=[{id, name}] firm?={id, name} onDone?/>: with
 * `firm` only that firm's staff can be invited (a firm admin's view).
 */
export function InviteForm({ hood, firms = [], firm = null, onDone }) {
  const [form, setForm] = useState(() => blank(firm ? 'staff' : 'firm'));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null);
  const up = (k) => (v) => setForm({ ...form, [k]: v });

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = { email: form.email.trim(), display_name: form.display_name.trim(), locale: form.locale };
    if (form.kind === 'firm') body.firm_name = form.firm_name.trim();
    else if (form.kind === 'staff') {
      body.firm_id = Number(firm ? firm.id : form.firm_id) || 0;
      body.role = form.role;
    } else body.role = form.kind;
    try {
      const r = await api('POST', `/api/v1/n/${encodeURIComponent(hood)}/invites`, body);
      setResult({ ...r, email: body.email, name: body.display_name });
      setForm(blank(form.kind));
      onDone?.(r);
    } catch (err) {
      setError(err); // keep what was typed
    }
    setBusy(false);
  };

  const kinds = [
    { value: 'firm', label: t('invites.kind.firm') },
    { value: 'staff', label: t('invites.kind.staff') },
    { value: 'coach', label: t('invites.kind.coach') },
    { value: 'coordinator', label: t('invites.kind.coordinator') },
  ];
  const fields = ['email', 'display_name', 'firm_name', 'firm_id', 'role', 'locale'];
  return html`<form class="invite-form" onSubmit=${submit} novalidate>
    ${!firm && html`<${Select} label=${t('invites.kind')} name="kind" value=${form.kind}
      options=${kinds} onChange=${(v) => { setForm({ ...form, kind: v }); setError(null); }} />`}
    ${form.kind === 'firm' && html`<${Field} label=${t('invites.firmName')} name="firm_name" required
      value=${form.firm_name} onInput=${up('firm_name')} error=${error} />`}
    ${form.kind === 'staff' && !firm && html`<${Select} label=${t('invites.firm')} name="firm_id" value=${form.firm_id}
      options=${[{ value: '', label: t('invites.chooseFirm') }, ...firms.map((f) => ({ value: String(f.id), label: f.name }))]}
      onChange=${up('firm_id')} error=${error} />`}
    ${form.kind === 'staff' && html`<${Select} label=${t('invites.role')} name="role" value=${form.role}
      options=${[{ value: 'member', label: t('role.member') }, { value: 'admin', label: t('role.admin') }]}
      onChange=${up('role')} error=${error} />`}
    <div class="row">
      <${Field} label=${t('invites.name')} name="display_name" required autocomplete="off"
        value=${form.display_name} onInput=${up('display_name')} error=${error} />
      <${Field} label=${t('invites.email')} name="email" type="email" required autocomplete="off"
        value=${form.email} onInput=${up('email')} error=${error} />
    </div>
    <${Select} label=${t('invites.locale')} name="locale" value=${form.locale}
      options=${[{ value: 'de', label: t('lang.de') }, { value: 'en', label: t('lang.en') }]}
      onChange=${up('locale')} error=${error} />
    <${ErrorText} error=${error} fields=${fields} />
    <${Button} kind="primary" type="submit" busy=${busy}>${t('invites.submit')}<//>
    ${result && html`<div class="result" role="status">
      ${result.added ? html`<p>${t('invites.added', { name: result.name })}</p>` : html`
        <p>${t(result.mailed ? 'invites.createdMailed' : 'invites.created', { name: result.name, email: result.email })}</p>
        <${CopyText} label=${t('invites.link')} value=${absolute(result.link)} />
        <p class="hint">${t('invites.linkHint', { when: dateTime(result.expires_at) })}</p>`}
    </div>`}
  </form>`;
}

/* The server answers a relative link when [server] public_origin is empty. */
export function absolute(link) {
  if (!link) return '';
  return /^https?:\/\//.test(link) ? link : new URL(link, location.origin).href;
}

/**
 * <OpenInvites hood firmId? version/>: the open invitations (coordinators
 * see all, firm admins their firm's; `firmId` narrows the list), each with
 * a button to withdraw it. Bump `version` to reload.
 */
export function OpenInvites({ hood, firmId = null, version = 0 }) {
  const [open, setOpen] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api('GET', `/api/v1/n/${encodeURIComponent(hood)}/invites`).then((r) => {
    setOpen(firmId ? r.items.filter((i) => i.firm?.id === firmId) : r.items);
    setError(null);
  }, setError);
  useEffect(() => { load(); }, [hood, firmId, version]);
  const revoke = async (inv) => {
    if (!confirm(t('invites.confirmRevoke', { email: inv.email }))) return;
    try {
      await api('DELETE', `/api/v1/n/${encodeURIComponent(hood)}/invites/${inv.id}`);
      load();
    } catch (err) {
      setError(err);
    }
  };
  if (open === null) return error ? html`<${ErrorText} error=${error} />` : html`<p class="loading" role="status">${t('ui.loading')}</p>`;
  return html`<${ErrorText} error=${error} />
    ${open.length === 0 ? html`<${Empty}>${t('invites.none')}<//>` : html`
      <p class="hint">${t('invites.openHint')}</p>
      <div class="table-wrap"><table>
        <caption class="visually-hidden">${t('invites.open')}</caption>
        <thead><tr><th scope="col">${t('people.person')}</th><th scope="col">${t('invites.grants')}</th>
          <th scope="col">${t('invites.createdAt')}</th><th scope="col">${t('invites.expiresAt')}</th>
          <th scope="col"><span class="visually-hidden">${t('ui.actions')}</span></th></tr></thead>
        <tbody>${open.map((inv) => html`<tr key=${inv.id}>
          <th scope="row">${inv.display_name}<div class="meta">${inv.email}</div></th>
          <td>${inv.firm ? `${inv.firm.name} (${t(`role.${inv.role}`)})` : t(`role.${inv.role}`)}</td>
          <td>${dateTime(inv.created_at)}${inv.created_by ? html`<div class="meta">${t('invites.by', { name: inv.created_by })}</div>` : null}</td>
          <td>${dateTime(inv.expires_at)}</td>
          <td><${Button} kind="danger" onClick=${() => revoke(inv)}
            aria-label=${t('invites.revokeOf', { email: inv.email })}>${t('invites.revoke')}<//></td>
        </tr>`)}</tbody>
      </table></div>`}`;
}
