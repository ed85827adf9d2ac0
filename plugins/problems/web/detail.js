// One problem: what it is, who is affected ("we have this too"),
// comments, links, the status history; the firm edits it, coaches moderate
// (status, workshop, hiding comments, merging). It reloads when an event
// about it arrives, and follows a merged problem to the one that was kept.
import { NEXT } from './common.js';

export function makeDetail(nb, c, list) {
  const { html, t } = nb;
  const { useState, useEffect } = nb.hooks;
  const { Field, Select, Button, ErrorText, Empty } = nb.ui;

  const about = (id) => (e) => [e.data?.problem?.id, e.data?.problem_id, e.data?.from, e.data?.into].includes(id);

  /** A workshop reference: links when it is a path or a URL. */
  function Ref({ value }) {
    if (!value) return null;
    const link = /^(https?:\/\/|\/)/.test(value);
    return html`<p><span class="label">${t('problems.workshop')}:</span> ${link ? html`<a href=${value} rel="noopener">${value}</a>` : value}</p>`;
  }

  function personName(x) {
    if (!x.author) return x.role === 'coach' ? t('problems.coach') : t('problems.anonymousPerson');
    return x.author.name === 'former member' ? t('problems.formerMember') : x.author.name;
  }

  function JoinPanel({ p, reload }) {
    const firms = c.myFirms();
    const [form, setForm] = useState({ note: '', hours_per_week: '', anonymous: false });
    const [open, setOpen] = useState(false);
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    if (p.mine) return html`<p class="hint">${t('problems.ownProblem')}</p>`;
    if (p.visibility === 'private' || firms.length === 0) return null;
    const act = async (method, b) => {
      setBusy(true);
      setError(null);
      try {
        await nb.api(method, `problems/${p.id}/join`, b);
        setOpen(false);
        await reload();
      } catch (err) {
        setError(err);
      }
      setBusy(false);
    };
    if (p.joined) {
      return html`<div class="actions">
        <${Button} kind="secondary" busy=${busy} onClick=${() => act('DELETE')}>${t('problems.leave')}<//>
        <${ErrorText} error=${error} />
      </div>`;
    }
    if (!open) return html`<p><${Button} kind="primary" onClick=${() => setOpen(true)}>${t('problems.join')}<//></p>`;
    const submit = (e) => {
      e.preventDefault();
      const b = list.body({ hours_per_week: form.hours_per_week });
      const out = { hours_per_week: b.hours_per_week };
      if (form.note.trim()) out.note = form.note;
      if (form.anonymous) out.anonymous = true;
      if (firms.length > 1) out.firm_id = firms[0].id;
      act('POST', out);
    };
    return html`<form class="subsection" onSubmit=${submit} novalidate>
      <h2>${t('problems.joinTitle')}</h2>
      <${Field} label=${t('problems.joinNote')} name="note" type="textarea" rows="2" maxlength="1000" value=${form.note}
        onInput=${(v) => setForm({ ...form, note: v })} error=${error} />
      <${Field} label=${t('problems.form.hours')} name="hours_per_week" inputmode="decimal" autocomplete="off"
        value=${form.hours_per_week} onInput=${(v) => setForm({ ...form, hours_per_week: v })} error=${error} />
      ${p.visibility === 'open' && html`<${Field} type="checkbox" name="anonymous" label=${t('problems.joinAnonymous')}
        value=${form.anonymous} onInput=${(v) => setForm({ ...form, anonymous: v })} error=${error} />`}
      <${ErrorText} error=${error} fields=${['note', 'hours_per_week', 'anonymous']} />
      <div class="actions">
        <${Button} kind="primary" type="submit" busy=${busy}>${t('problems.joinSubmit')}<//>
        <${Button} kind="link" onClick=${() => setOpen(false)}>${t('problems.cancel')}<//>
      </div>
    </form>`;
  }

  function Supporters({ p }) {
    return html`<h2>${t('problems.supporters')}</h2>
      <p>${t('problems.affected', { count: p.affected_firms })}${p.hours_total ? ` · ${t('problems.hoursTotal', { hours: nb.fmt.number(p.hours_total) })}` : ''}</p>
      ${p.supporters.length === 0 ? html`<${Empty}>${t('problems.noSupporters')}<//>` : html`<ul class="feed">
        ${p.supporters.map((s) => html`<li key=${s.id}>
          <span><strong>${s.firm ? s.firm.name : t('problems.anonymousFirm')}</strong>${s.note ? `: ${s.note}` : ''}
            ${s.hours_per_week ? html` <span class="meta">(${t('problems.hoursTotal', { hours: nb.fmt.number(s.hours_per_week) })})</span>` : null}</span>
          <time datetime=${s.created_at}>${nb.fmt.date(s.created_at)}</time>
        </li>`)}
      </ul>`}`;
  }

  function Comments({ p }) {
    const [body, setBody] = useState('');
    const [anon, setAnon] = useState(false);
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const [items, loadError, reload] = c.useLive(
      async () => (await nb.api('GET', `problems/${p.id}/comments?limit=200`)).items, [p.id], about(p.id));
    const coach = c.isCoach();
    const submit = async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        await nb.api('POST', `problems/${p.id}/comments`, anon ? { body, anonymous: true } : { body });
        setBody('');
        await reload();
      } catch (err) {
        setError(err);
      }
      setBusy(false);
    };
    const moderate = async (cm) => {
      try {
        if (cm.hidden) await nb.api('DELETE', `problems/${p.id}/comments/${cm.id}/hide`);
        else await nb.api('POST', `problems/${p.id}/comments/${cm.id}/hide`, {});
        await reload();
      } catch (err) {
        setError(err);
      }
    };
    return html`<h2>${t('problems.commentsTitle')}</h2>
      <${ErrorText} error=${loadError} />
      ${items && items.length === 0 && html`<${Empty}>${t('problems.noComments')}<//>`}
      ${items && items.length > 0 && html`<ol class="problems-comments">
        ${items.map((cm) => html`<li key=${cm.id} class=${cm.hidden ? 'problems-hidden' : ''}>
          <p class="meta"><strong>${personName(cm)}</strong>${cm.firm ? ` · ${cm.firm.name}` : ''}
            · <time datetime=${cm.created_at}>${nb.fmt.dateTime(cm.created_at)}</time></p>
          ${cm.hidden && html`<p class="hint">${t('problems.commentHidden')}${cm.hidden_reason ? ` (${cm.hidden_reason})` : ''}</p>`}
          ${cm.body !== null && html`<p class="problems-text">${cm.body}</p>`}
          ${coach && html`<${Button} kind="link" onClick=${() => moderate(cm)}>${cm.hidden ? t('problems.show') : t('problems.hide')}<//>`}
        </li>`)}
      </ol>`}
      <form onSubmit=${submit} novalidate>
        <${Field} label=${t('problems.comment')} name="body" type="textarea" rows="3" required maxlength="5000"
          value=${body} onInput=${setBody} error=${error} />
        ${!coach && p.visibility === 'open' && c.myFirms().length > 0 && html`<${Field} type="checkbox" name="anonymous"
          label=${t('problems.commentAnonymous')} value=${anon} onInput=${setAnon} error=${error} />`}
        <${ErrorText} error=${error} fields=${['body', 'anonymous']} />
        <${Button} kind="primary" type="submit" busy=${busy}>${t('problems.commentSubmit')}<//>
      </form>`;
  }

  function Links({ p, reload }) {
    const [form, setForm] = useState({ url: '', title: '' });
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const coach = c.isCoach();
    const add = async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        await nb.api('POST', `problems/${p.id}/links`, form.title.trim() ? form : { url: form.url });
        setForm({ url: '', title: '' });
        await reload();
      } catch (err) {
        setError(err);
      }
      setBusy(false);
    };
    const remove = async (l) => {
      try {
        await nb.api('DELETE', `problems/${p.id}/links/${l.id}`);
        await reload();
      } catch (err) {
        setError(err);
      }
    };
    return html`<h2>${t('problems.links')}</h2>
      ${p.links.length === 0 ? html`<${Empty}>${t('problems.noLinks')}<//>` : html`<ul class="feed">
        ${p.links.map((l) => html`<li key=${l.id}><a href=${l.url} rel="noopener noreferrer" target="_blank">${l.title || l.url}</a>
          ${(l.mine || coach) && html`<${Button} kind="link" onClick=${() => remove(l)}>${t('problems.linkRemove')}<//>`}</li>`)}
      </ul>`}
      <form class="row" onSubmit=${add} novalidate>
        <${Field} label=${t('problems.linkUrl')} name="url" type="url" inputmode="url" value=${form.url}
          onInput=${(v) => setForm({ ...form, url: v })} error=${error} />
        <${Field} label=${t('problems.linkTitle')} name="title" maxlength="200" value=${form.title}
          onInput=${(v) => setForm({ ...form, title: v })} error=${error} />
        <div class="actions"><${Button} type="submit" busy=${busy}>${t('problems.linkAdd')}<//></div>
      </form>
      <${ErrorText} error=${error} fields=${['url', 'title']} />`;
  }

  function History({ p }) {
    if (p.history.length === 0) return html`<h2>${t('problems.history')}</h2><${Empty}>${t('problems.noHistory')}<//>`;
    return html`<h2>${t('problems.history')}</h2>
      <ol class="feed">${p.history.map((h) => html`<li key=${h.id}>
        <span>${t(`problems.history.${h.kind}`, {
          by: h.by ? h.by.name : t('problems.formerMember'),
          from: h.from ? c.statusLabel(h.from) : '', to: h.to ? c.statusLabel(h.to) : '', other: h.other_id,
        })}${h.reason ? t('problems.history.reason', { reason: h.reason }) : ''}${h.workshop_ref
          ? t('problems.history.ref', { ref: h.workshop_ref }) : ''}</span>
        <time datetime=${h.at}>${nb.fmt.dateTime(h.at)}</time>
      </li>`)}</ol>`;
  }

  function Edit({ p, reload, done }) {
    const own = p.mine;
    const cats = c.useCategories();
    const start = {
      title: p.title, category: p.category, urgency: p.urgency, description: p.description,
      hours_per_week: p.hours_per_week ?? '', visibility: own ? p.visibility : undefined,
    };
    const [form, setForm] = useState(start);
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const submit = async (e) => {
      e.preventDefault();
      const b = list.body(form);
      const changed = {};
      for (const k of Object.keys(b)) {
        const before = k === 'hours_per_week' ? (p.hours_per_week ?? null) : start[k];
        if (b[k] !== before && b[k] !== undefined) changed[k] = b[k];
      }
      if (Object.keys(changed).length === 0) return done();
      setBusy(true);
      setError(null);
      try {
        await nb.api('PATCH', `problems/${p.id}`, changed);
        await reload();
        done();
      } catch (err) {
        setError(err);
        setBusy(false);
      }
    };
    return html`<form class="subsection" onSubmit=${submit} novalidate>
      <h2>${t('problems.editTitle')}</h2>
      <${list.ProblemFields} form=${form} set=${(x) => setForm((o) => ({ ...o, ...x }))} error=${error} cats=${cats} />
      <${ErrorText} error=${error} fields=${['title', 'category', 'urgency', 'hours_per_week', 'description', 'visibility']} />
      <div class="actions">
        <${Button} kind="primary" type="submit" busy=${busy}>${t('problems.save')}<//>
        <${Button} kind="link" onClick=${done}>${t('problems.cancel')}<//>
      </div>
    </form>`;
  }

  function Moderation({ p, reload }) {
    const options = NEXT[p.status] || [];
    const [form, setForm] = useState({ status: options[0] || '', reason: '', workshop_ref: p.workshop_ref || '' });
    const [into, setInto] = useState('');
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    useEffect(() => setForm({ status: options[0] || '', reason: '', workshop_ref: p.workshop_ref || '' }), [p.status]);
    const setStatus = async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      const b = { status: form.status };
      if (form.reason.trim()) b.reason = form.reason;
      if (form.workshop_ref.trim() && form.workshop_ref !== p.workshop_ref) b.workshop_ref = form.workshop_ref.trim();
      try {
        await nb.api('POST', `problems/${p.id}/status`, b);
        await reload();
      } catch (err) {
        setError(err);
      }
      setBusy(false);
    };
    const merge = async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        const kept = await nb.api('POST', `problems/${p.id}/merge`, { into: Number(into) || into });
        nb.navigate(`/problems/${kept.id}`);
      } catch (err) {
        setError(err);
      }
      setBusy(false);
    };
    return html`<section class="subsection" aria-labelledby="problems-moderation">
      <h2 id="problems-moderation">${t('problems.moderation')}</h2>
      <form onSubmit=${setStatus} novalidate>
        <div class="row">
          <${Select} label=${t('problems.newStatus')} name="status" value=${form.status}
            options=${options.map((s) => ({ value: s, label: c.statusLabel(s) }))} onChange=${(v) => setForm({ ...form, status: v })} error=${error} />
          <${Field} label=${t('problems.workshopRef')} name="workshop_ref" maxlength="500" value=${form.workshop_ref}
            hint=${t('problems.workshopHint')} onInput=${(v) => setForm({ ...form, workshop_ref: v })} error=${error} />
        </div>
        <${Field} label=${t('problems.reason')} name="reason" type="textarea" rows="2" maxlength="1000" value=${form.reason}
          hint=${t('problems.reasonHint')} onInput=${(v) => setForm({ ...form, reason: v })} error=${error} />
        <${Button} kind="primary" type="submit" busy=${busy}>${t('problems.setStatus')}<//>
      </form>
      <form class="problems-merge" onSubmit=${merge} novalidate>
        <${Field} label=${t('problems.mergeInto')} name="into" type="number" inputmode="numeric" min="1" value=${into}
          hint=${t('problems.mergeHint')} onInput=${setInto} error=${error} />
        <${Button} kind="danger" type="submit" busy=${busy}>${t('problems.merge')}<//>
      </form>
      <${ErrorText} error=${error} fields=${['status', 'reason', 'workshop_ref', 'into']} />
    </section>`;
  }

  function DetailPage({ params }) {
    const id = Number(params.id);
    const [editing, setEditing] = useState(false);
    // Remember which id was asked for: the data of the previous page must
    // not be taken for a redirect.
    const [got, error, reload] = c.useLive(
      async () => ({ asked: params.id, p: await nb.api('GET', `problems/${params.id}`) }), [params.id], about(id));
    const p = got && got.asked === params.id ? got.p : null;
    // A merged problem redirects (308); fetch followed it: show the kept one's address.
    useEffect(() => { if (p && p.id !== id) nb.navigate(`/problems/${p.id}`); }, [p, id]);
    if (error) {
      return html`<h1>${t('problems.nav')}</h1>
        ${error.status === 404 || error.status === 400 ? html`<${Empty}>${t('problems.notFound')}<//>` : html`<${ErrorText} error=${error} />`}
        <p><a href=${c.href('/problems')}>${t('problems.back')}</a></p>`;
    }
    if (!p) return html`<h1>${t('problems.nav')}</h1><p class="loading">${t('problems.loading')}</p>`;
    const canEdit = p.mine || c.isCoach();
    return html`<p class="crumbs"><a href=${c.href('/problems')}>${t('problems.back')}</a></p>
      <h1>${p.title}</h1>
      <${c.Badges} p=${p} />
      <${c.Meta} p=${p} />
      ${p.description && html`<p class="problems-text">${p.description}</p>`}
      <${Ref} value=${p.workshop_ref} />
      ${canEdit && !editing && html`<p><${Button} kind="link" onClick=${() => setEditing(true)}>${t('problems.edit')}<//></p>`}
      ${editing && html`<${Edit} p=${p} reload=${reload} done=${() => setEditing(false)} />`}
      <${JoinPanel} p=${p} reload=${reload} />
      <${Supporters} p=${p} />
      <${Comments} p=${p} />
      <${Links} p=${p} reload=${reload} />
      <${History} p=${p} />
      ${c.isCoach() && html`<${Moderation} p=${p} reload=${reload} />`}`;
  }

  return { DetailPage };
}
