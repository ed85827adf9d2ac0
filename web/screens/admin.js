// The coordinator area of a neighbourhood: firms, people and their roles,
// invitations (links shown once, copyable; open ones can be withdrawn),
// plugins enabled here, and the audit log.
import { html, useEffect, useState } from '../lib/preact.js';
import { api } from '../lib/api.js';
import { t, dateTime } from '../lib/i18n.js';
import { Field, Button, ErrorText, Empty, CopyText } from '../lib/ui.js';
import { hoodHref } from '../lib/router.js';
import * as store from '../lib/store.js';
import * as registry from '../lib/plugins.js';
import { refreshMe } from '../lib/session.js';
import { InviteForm, OpenInvites, absolute } from './invite-form.js';

const TABS = ['firms', 'people', 'invites', 'plugins', 'audit'];
const base = (hood) => `/api/v1/n/${encodeURIComponent(hood)}`;

/* Every page of a list ({items, next_cursor}). */
async function all(path) {
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api('GET', cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    items.push(...r.items);
    cursor = r.next_cursor ?? null;
  } while (cursor);
  return items;
}

function useList(path, deps) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const load = () => all(path).then((x) => { setItems(x); setError(null); }, setError);
  useEffect(() => { setItems(null); load(); }, deps);
  return [items, error, load];
}

function Loading() {
  return html`<p class="loading" role="status">${t('ui.loading')}</p>`;
}

function FirmsTab({ hood }) {
  const [items, error] = useList(`${base(hood)}/firms`, [hood]);
  if (error) return html`<${ErrorText} error=${error} />`;
  if (!items) return html`<${Loading} />`;
  return html`<p><a href=${hoodHref(hood, '/admin/invites')}>${t('admin.inviteFirm')}</a></p>
    ${items.length === 0 ? html`<${Empty}>${t('firms.none')}<//>` : html`<div class="table-wrap"><table>
      <caption class="visually-hidden">${t('admin.tab.firms')}</caption>
      <thead><tr><th scope="col">${t('firm.name')}</th><th scope="col">${t('firm.sector')}</th>
        <th scope="col">${t('firm.size')}</th><th scope="col">${t('firm.contact')}</th></tr></thead>
      <tbody>${items.map((f) => html`<tr key=${f.id}>
        <td><a href=${hoodHref(hood, `/firms/${f.id}`)}>${f.name}</a></td><td>${f.sector}</td>
        <td>${f.size && t('firm.sizeBand', { band: f.size })}</td><td>${f.contact || '–'}</td>
      </tr>`)}</tbody>
    </table></div>`}`;
}

function PersonRow({ hood, person, onChanged, meId }) {
  const [roles, setRoles] = useState(person.roles || []);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [link, setLink] = useState(null);
  const dirty = [...roles].sort().join() !== [...(person.roles || [])].sort().join();
  const toggle = (r) => (on) => setRoles(on ? [...roles, r] : roles.filter((x) => x !== r));
  const run = async (fn) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (err) {
      setError(err);
    }
    setBusy(false);
  };
  const save = () => run(async () => {
    await api('PUT', `${base(hood)}/people/${person.id}/roles`, { roles });
    if (person.id === meId) await refreshMe();
    onChanged();
  });
  const reset = () => run(async () => setLink(await api('POST', `${base(hood)}/people/${person.id}/reset`)));
  const remove = () => {
    if (!confirm(t('people.confirmRemove', { name: person.display_name }))) return;
    run(async () => {
      await api('DELETE', `${base(hood)}/people/${person.id}`);
      onChanged();
    });
  };
  return html`<tr>
    <th scope="row">${person.display_name}<div class="meta">${person.email}</div></th>
    <td>${(person.firms || []).map((f) => html`<div>${f.name} <span class="meta">(${t(`role.${f.role}`)})</span></div>`)}</td>
    <td>
      <fieldset class="roles">
        <legend class="visually-hidden">${t('people.rolesOf', { name: person.display_name })}</legend>
        ${['coach', 'coordinator'].map((r) => html`<${Field} type="checkbox" name=${`role-${r}`}
          label=${t(`role.${r}`)} value=${roles.includes(r)} onInput=${toggle(r)} />`)}
      </fieldset>
      ${dirty && html`<${Button} kind="primary" busy=${busy} onClick=${save}
        aria-label=${t('people.saveRolesOf', { name: person.display_name })}>${t('ui.save')}<//>`}
    </td>
    <td>${person.active ? t('people.active') : t('people.pending')}</td>
    <td class="actions">
      <${Button} busy=${busy} onClick=${reset} aria-label=${t('people.resetOf', { name: person.display_name })}>${t('people.reset')}<//>
      <${Button} kind="danger" busy=${busy} onClick=${remove} disabled=${person.id === meId}
        aria-label=${t('people.removeOf', { name: person.display_name })}>${t('people.remove')}<//>
      <${ErrorText} error=${error} />
      ${link && html`<${CopyText} label=${t('people.resetLink', { name: person.display_name })} value=${absolute(link.link)} />`}
    </td>
  </tr>`;
}

function PeopleTab({ hood }) {
  const { me } = store.get();
  const [items, error, load] = useList(`${base(hood)}/people`, [hood]);
  if (error) return html`<${ErrorText} error=${error} />`;
  if (!items) return html`<${Loading} />`;
  return html`<div class="table-wrap"><table class="people-table">
    <caption class="visually-hidden">${t('admin.tab.people')}</caption>
    <thead><tr><th scope="col">${t('people.person')}</th><th scope="col">${t('people.firms')}</th>
      <th scope="col">${t('people.roles')}</th><th scope="col">${t('people.status')}</th>
      <th scope="col"><span class="visually-hidden">${t('ui.actions')}</span></th></tr></thead>
    <tbody>${items.map((p) => html`<${PersonRow} key=${p.id} hood=${hood} person=${p} meId=${me.id} onChanged=${load} />`)}</tbody>
  </table></div>`;
}

function InvitesTab({ hood }) {
  const [firms] = useList(`${base(hood)}/firms`, [hood]);
  const [version, setVersion] = useState(0);
  return html`<h2>${t('invites.new')}</h2>
    <${InviteForm} hood=${hood} firms=${firms || []} onDone=${() => setVersion(version + 1)} />
    <h2>${t('invites.open')}</h2>
    <${OpenInvites} hood=${hood} version=${version} />`;
}

function PluginsTab({ hood }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(null);
  const load = () => api('GET', `${base(hood)}/plugins`).then((r) => setItems(r.plugins), setError);
  useEffect(() => { load(); }, [hood]);
  const set = async (p, enabled) => {
    setBusy(p.name);
    setError(null);
    setItems((old) => old.map((x) => (x.name === p.name ? { ...x, enabled } : x))); // shown at once
    try {
      await api('PUT', `${base(hood)}/plugins/${encodeURIComponent(p.name)}`, { enabled });
      await registry.reloadHood(hood); // navigation and cards follow at once
    } catch (err) {
      setError(err);
    }
    await load().catch(setError);
    setBusy(null);
  };
  if (!items) return error ? html`<${ErrorText} error=${error} />` : html`<${Loading} />`;
  return html`<p>${t('plugins.lead')}</p>
    <${ErrorText} error=${error} />
    ${items.length === 0 ? html`<${Empty}>${t('plugins.none')}<//>` : html`<ul class="plugin-list">
      ${items.map((p) => html`<li key=${p.name}>
        <${Field} type="checkbox" name=${`plugin-${p.name}`} label=${t('plugins.enable', { name: p.name })}
          value=${p.enabled} disabled=${busy === p.name} onInput=${(v) => set(p, v)}
          hint=${`${p.description} (${t('plugins.version', { version: p.version })})`} />
      </li>`)}
    </ul>`}`;
}

function AuditTab({ hood }) {
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const load = async (cursor = null) => {
    try {
      const r = await api('GET', `${base(hood)}/audit?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      setItems((old) => (cursor ? [...(old || []), ...r.items] : r.items));
      setNext(r.next_cursor ?? null);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => { load(); }, [hood]);
  if (!items) return error ? html`<${ErrorText} error=${error} />` : html`<${Loading} />`;
  return html`${items.length === 0 ? html`<${Empty}>${t('audit.none')}<//>` : html`<div class="table-wrap"><table>
      <caption class="visually-hidden">${t('admin.tab.audit')}</caption>
      <thead><tr><th scope="col">${t('audit.when')}</th><th scope="col">${t('audit.who')}</th>
        <th scope="col">${t('audit.action')}</th><th scope="col">${t('audit.object')}</th><th scope="col">${t('audit.detail')}</th></tr></thead>
      <tbody>${items.map((a) => html`<tr key=${a.id}>
        <td><time datetime=${a.ts}>${dateTime(a.ts)}</time></td>
        <td>${a.actor === 'system' ? t('audit.system') : a.actor === 'former member' ? t('audit.formerMember') : a.actor}</td>
        <td><code>${a.action}</code></td>
        <td>${[a.object_type, a.object_id].filter(Boolean).join(' ')}</td>
        <td class="detail">${Object.entries(a.detail || {}).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ')}</td>
      </tr>`)}</tbody>
    </table></div>`}
    <${ErrorText} error=${error} />
    ${next && html`<${Button} onClick=${() => load(next)}>${t('ui.more')}<//>`}`;
}

const PANES = { firms: FirmsTab, people: PeopleTab, invites: InvitesTab, plugins: PluginsTab, audit: AuditTab };

export function Admin({ hood, params }) {
  store.useStore();
  if (!store.isCoordinator()) {
    return html`<h1>${t('admin.title')}</h1><p class="error-text" role="alert">${t('admin.forbidden')}</p>`;
  }
  const tab = TABS.includes(params.tab) ? params.tab : 'firms';
  const Pane = PANES[tab];
  return html`<h1>${t('admin.title')}</h1>
    <nav class="tabs" aria-label=${t('admin.sections')}>
      <ul>${TABS.map((x) => html`<li><a href=${hoodHref(hood, `/admin/${x}`)}
        aria-current=${x === tab ? 'page' : undefined}>${t(`admin.tab.${x}`)}</a></li>`)}</ul>
    </nav>
    <section class="pane" aria-label=${t(`admin.tab.${tab}`)}>
      <${Pane} key=${`${hood}-${tab}`} hood=${hood} />
    </section>`;
}
