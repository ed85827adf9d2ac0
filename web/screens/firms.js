// The firm directory ("who here can help with …", ?q= searches name,
// sector, profile, offers and tags) and a firm's profile page, which the
// firm's admins and the coordinators can edit. A firm admin can also
// invite colleagues from there.
import { html, useEffect, useRef, useState } from '../lib/preact.js';
import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { Field, Select, Button, ErrorText, Empty } from '../lib/ui.js';
import { hoodHref, replaceQuiet } from '../lib/router.js';
import * as store from '../lib/store.js';
import { InviteForm, OpenInvites } from './invite-form.js';

const base = (hood) => `/api/v1/n/${encodeURIComponent(hood)}`;
export const SIZES = ['1-9', '10-49', '50-249', '250+'];

function Tags({ tags }) {
  if (!tags?.length) return null;
  return html`<ul class="tags" aria-label=${t('firm.tags')}>${tags.map((x) => html`<li>${x}</li>`)}</ul>`;
}

export function Firms({ hood, query }) {
  const [q, setQ] = useState(query.q || '');
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const seq = useRef(0);

  const load = async (term, cursor = null) => {
    const n = ++seq.current;
    setBusy(true);
    const params = new URLSearchParams();
    if (term) params.set('q', term);
    if (cursor) params.set('cursor', cursor);
    try {
      const qs = params.toString();
      const r = await api('GET', `${base(hood)}/firms${qs ? `?${qs}` : ''}`);
      if (n !== seq.current) return; // a newer search answered first
      setItems((old) => (cursor ? [...(old || []), ...r.items] : r.items));
      setNext(r.next_cursor ?? null);
      setError(null);
    } catch (err) {
      if (n === seq.current) setError(err);
    }
    if (n === seq.current) setBusy(false);
  };

  // Search as one types (debounced); the address keeps ?q= for sharing.
  useEffect(() => {
    const id = setTimeout(() => {
      load(q.trim());
      replaceQuiet(hoodHref(hood, q.trim() ? `/firms?q=${encodeURIComponent(q.trim())}` : '/firms'));
    }, items === null ? 0 : 250);
    return () => clearTimeout(id);
  }, [q, hood]);

  return html`<h1>${t('firms.title')}</h1>
    <form role="search" class="search" onSubmit=${(e) => { e.preventDefault(); load(q.trim()); }}>
      <${Field} label=${t('firms.search')} name="q" type="search" value=${q} onInput=${setQ}
        hint=${t('firms.searchHint')} autocomplete="off" error=${error} />
    </form>
    <${ErrorText} error=${error} fields=${['q']} />
    <p class="count" role="status">${items === null ? t('ui.loading') : t('firms.count', { count: items.length })}</p>
    ${items && items.length === 0 && html`<${Empty}>${q.trim() ? t('firms.noMatch', { q: q.trim() }) : t('firms.none')}<//>`}
    ${items && items.length > 0 && html`<ul class="firm-list">
      ${items.map((f) => html`<li key=${f.id} class="firm-item">
        <h2><a href=${hoodHref(hood, `/firms/${f.id}`)}>${f.name}</a></h2>
        <p class="meta">${[f.sector, f.size && t('firm.sizeBand', { band: f.size }), f.address].filter(Boolean).join(' · ')}</p>
        ${f.offers && html`<p><span class="label">${t('firm.offers')}:</span> ${f.offers}</p>`}
        <${Tags} tags=${f.tags} />
      </li>`)}
    </ul>`}
    ${next && html`<${Button} busy=${busy} onClick=${() => load(q.trim(), next)}>${t('ui.more')}<//>`}`;
}

function editable(firm) {
  return {
    name: firm.name || '', sector: firm.sector || '', size: firm.size || '', address: firm.address || '',
    profile: firm.profile || '', offers: firm.offers || '', tags: (firm.tags || []).join(', '),
  };
}

function FirmEdit({ hood, firm, onSaved, onCancel }) {
  const [form, setForm] = useState(() => editable(firm));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const up = (k) => (v) => setForm({ ...form, [k]: v });
  const submit = async (e) => {
    e.preventDefault();
    const was = editable(firm);
    const body = {};
    for (const k of Object.keys(form)) {
      if (form[k] === was[k]) continue;
      body[k] = k === 'tags' ? form.tags.split(',').map((x) => x.trim()).filter(Boolean) : form[k].trim();
    }
    if (!Object.keys(body).length) return onCancel();
    setBusy(true);
    setError(null);
    try {
      onSaved(await api('PATCH', `${base(hood)}/firms/${firm.id}`, body));
    } catch (err) {
      setError(err); // the form keeps every change
      setBusy(false);
    }
  };
  const sizes = [{ value: '', label: t('firm.sizeUnknown') }, ...SIZES.map((s) => ({ value: s, label: t('firm.sizeBand', { band: s }) }))];
  return html`<form class="firm-edit" onSubmit=${submit} novalidate>
    <h2>${t('firm.edit')}</h2>
    <${Field} label=${t('firm.name')} name="name" required value=${form.name} onInput=${up('name')} error=${error} />
    <div class="row">
      <${Field} label=${t('firm.sector')} name="sector" value=${form.sector} onInput=${up('sector')} error=${error} />
      <${Select} label=${t('firm.size')} name="size" value=${form.size} options=${sizes} onChange=${up('size')} error=${error} />
    </div>
    <${Field} label=${t('firm.address')} name="address" autocomplete="street-address" value=${form.address} onInput=${up('address')} error=${error} />
    <${Field} label=${t('firm.profile')} name="profile" type="textarea" rows="4" value=${form.profile} onInput=${up('profile')} error=${error} />
    <${Field} label=${t('firm.offers')} name="offers" type="textarea" rows="3" value=${form.offers}
      onInput=${up('offers')} error=${error} hint=${t('firm.offersHint')} />
    <${Field} label=${t('firm.tags')} name="tags" value=${form.tags} onInput=${up('tags')} error=${error} hint=${t('firm.tagsHint')} />
    <${ErrorText} error=${error} fields=${Object.keys(form)} />
    <div class="actions">
      <${Button} kind="primary" type="submit" busy=${busy}>${t('ui.save')}<//>
      <${Button} onClick=${onCancel}>${t('ui.cancel')}<//>
    </div>
  </form>`;
}

export function FirmPage({ hood, params }) {
  store.useStore();
  const [firm, setFirm] = useState(null);
  const [error, setError] = useState(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const [inviting, setInviting] = useState(false);
  const [invited, setInvited] = useState(0);
  const load = () => api('GET', `${base(hood)}/firms/${encodeURIComponent(params.id)}`).then(setFirm, setError);
  useEffect(() => { setFirm(null); load(); }, [hood, params.id]);

  if (error) {
    return html`<h1>${t('firm.title')}</h1><p class="error-text" role="alert">${error.message}</p>
      <p><a href=${hoodHref(hood, '/firms')}>${t('firm.back')}</a></p>`;
  }
  if (!firm) return html`<h1>${t('firm.title')}</h1><p class="loading" role="status">${t('ui.loading')}</p>`;
  const admin = store.isFirmAdmin(firm.id);
  const mayEdit = admin || store.isCoordinator();
  return html`<p class="crumbs"><a href=${hoodHref(hood, '/firms')}>${t('firm.back')}</a></p>
    <h1>${firm.name}</h1>
    ${saved && html`<p class="notice nb-fresh" role="status">${t('firm.saved')}</p>`}
    ${editing ? html`<${FirmEdit} hood=${hood} firm=${firm} onCancel=${() => setEditing(false)}
        onSaved=${() => { setEditing(false); setSaved(true); load(); }} />` : html`
      <dl class="facts">
        ${firm.sector && html`<dt>${t('firm.sector')}</dt><dd>${firm.sector}</dd>`}
        ${firm.size && html`<dt>${t('firm.size')}</dt><dd>${t('firm.sizeBand', { band: firm.size })}</dd>`}
        ${firm.address && html`<dt>${t('firm.address')}</dt><dd>${firm.address}</dd>`}
        ${firm.contact && html`<dt>${t('firm.contact')}</dt><dd>${firm.contact}</dd>`}
      </dl>
      ${firm.profile && html`<p class="profile">${firm.profile}</p>`}
      ${firm.offers && html`<h2>${t('firm.offers')}</h2><p>${firm.offers}</p>`}
      <${Tags} tags=${firm.tags} />
      ${mayEdit && html`<p><${Button} kind="primary" onClick=${() => { setSaved(false); setEditing(true); }}>${t('firm.edit')}<//></p>`}`}
    <h2>${t('firm.people')}</h2>
    ${firm.people?.length ? html`<ul class="people">
      ${firm.people.map((p) => html`<li key=${p.id}>${p.display_name}${p.role === 'admin' ? html` <span class="badge">${t('role.admin')}</span>` : null}</li>`)}
    </ul>` : html`<${Empty}>${t('firm.noPeople')}<//>`}
    ${mayEdit && html`<section class="subsection">
      <h2>${t('firm.invite')}</h2>
      ${inviting ? html`<${InviteForm} hood=${hood} firm=${firm} onDone=${() => { setInvited(invited + 1); load(); }} />`
        : html`<${Button} onClick=${() => setInviting(true)}>${t('firm.inviteStart')}<//>`}
      <h3>${t('invites.open')}</h3>
      <${OpenInvites} hood=${hood} firmId=${firm.id} version=${invited} />
    </section>`}`;
}
