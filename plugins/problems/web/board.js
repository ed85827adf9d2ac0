// The coach's screens: the triage board (one column per status, each card
// with the next steps of the workflow as buttons) and the ranking of
// shared problems as a table and a bar chart (plain SVG), with the CSV
// download for coordinators. Both follow live events.
import { STATUSES, NEXT, OPEN_STATUSES } from './common.js';

export function makeBoard(nb, c) {
  const { html, t } = nb;
  const { useState } = nb.hooks;
  const { Field, Select, Button, ErrorText, Empty } = nb.ui;

  function BoardCard({ p, onDone }) {
    const [step, setStep] = useState(null); // a status that needs a reason or a workshop
    const [extra, setExtra] = useState('');
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const move = async (to, value) => {
      const b = { status: to };
      if (to === 'planned') b.workshop_ref = value;
      if (to === 'declined') b.reason = value;
      setBusy(true);
      setError(null);
      try {
        await nb.api('POST', `problems/${p.id}/status`, b);
        setStep(null);
        setExtra('');
        onDone();
      } catch (err) {
        setError(err);
      }
      setBusy(false);
    };
    const needs = (to) => (to === 'planned' && !p.workshop_ref) || to === 'declined';
    return html`<li class="problems-board-card">
      <a href=${c.href(`/problems/${p.id}`)}>${p.title}</a>
      <p class="meta">${c.firmLabel(p)} · ${t('problems.affected', { count: p.affected_firms })} · ${c.urgencyLabel(p.urgency_max)}</p>
      ${step ? html`<form onSubmit=${(e) => { e.preventDefault(); move(step, extra); }} novalidate>
          <${Field} label=${step === 'planned' ? t('problems.workshopRef') : t('problems.reason')}
            name=${step === 'planned' ? 'workshop_ref' : 'reason'} value=${extra} onInput=${setExtra} error=${error} />
          <div class="actions">
            <${Button} kind="primary" type="submit" busy=${busy}>${t('problems.moveTo', { status: c.statusLabel(step) })}<//>
            <${Button} kind="link" onClick=${() => setStep(null)}>${t('problems.cancel')}<//>
          </div>
        </form>`
        : html`<div class="actions">${(NEXT[p.status] || []).map((to) => html`<${Button} key=${to} busy=${busy}
            onClick=${() => (needs(to) ? setStep(to) : move(to))}>${t('problems.moveTo', { status: c.statusLabel(to) })}<//>`)}</div>`}
      <${ErrorText} error=${error} fields=${['workshop_ref', 'reason']} />
    </li>`;
  }

  function TriagePage() {
    const [category, setCategory] = useState('');
    const cats = c.useCategories();
    const [items, error, reload] = c.useLive(async () => {
      const out = [];
      let cursor = null;
      for (let i = 0; i < 10; i++) {
        const q = new URLSearchParams({ limit: '200' });
        if (category) q.set('category', category);
        if (cursor) q.set('cursor', cursor);
        const r = await nb.api('GET', `problems?${q}`);
        out.push(...r.items);
        if (!r.next_cursor) break;
        cursor = r.next_cursor;
      }
      return out;
    }, [category]);
    if (!c.isCoach()) return html`<h1>${t('problems.triageTitle')}</h1><${Empty}>${t('problems.none')}<//>`;
    return html`<h1>${t('problems.triageTitle')}</h1>
      <p class="lead">${t('problems.triageLead')}</p>
      <${Select} label=${t('problems.category')} name="category" value=${category}
        options=${[{ value: '', label: t('problems.anyCategory') }, ...(cats || []).map((x) => ({ value: x.key, label: x.label }))]}
        onChange=${setCategory} />
      <${ErrorText} error=${error} />
      ${items === null ? html`<p class="loading">${t('problems.loading')}</p>` : html`<div class="problems-board">
        ${STATUSES.map((s) => {
          const col = items.filter((p) => p.status === s);
          return html`<section class="problems-column" aria-labelledby=${`col-${s}`}>
            <h2 id=${`col-${s}`}>${c.statusLabel(s)} <span class="badge">${col.length}</span></h2>
            ${col.length === 0 ? html`<${Empty}>${t('problems.boardEmpty')}<//>`
              : html`<ul>${col.map((p) => html`<${BoardCard} key=${p.id} p=${p} onDone=${reload} />`)}</ul>`}
          </section>`;
        })}
      </div>`}`;
  }

  /** Horizontal bars: firms affected per problem (top `n`). */
  function Chart({ items }) {
    const top = items.slice(0, 10);
    if (!top.length) return null;
    const max = Math.max(...top.map((p) => p.affected_firms), 1);
    const row = 28;
    const label = 260;
    const width = 640;
    const bar = width - label - 40;
    const cut = (s) => (s.length > 38 ? `${s.slice(0, 37)}…` : s);
    return html`<figure class="problems-chart">
      <svg viewBox=${`0 0 ${width} ${top.length * row + 8}`} role="img" aria-labelledby="problems-chart-title"
        xmlns="http://www.w3.org/2000/svg" width="100%">
        <title id="problems-chart-title">${t('problems.chart', { count: top.length })}</title>
        ${top.map((p, i) => {
          const w = Math.max(2, Math.round((p.affected_firms / max) * bar));
          const y = i * row + 4;
          return html`<g key=${p.id}>
            <text x=${label - 8} y=${y + 17} text-anchor="end" font-size="13" fill="currentColor">${p.rank}. ${cut(p.title)}</text>
            <rect x=${label} y=${y + 3} width=${w} height=${row - 10} rx="3" fill="#2b5f9e" />
            <text x=${label + w + 6} y=${y + 17} font-size="13" fill="currentColor">${p.affected_firms}</text>
          </g>`;
        })}
      </svg>
      <figcaption class="hint">${t('problems.chart', { count: top.length })}</figcaption>
    </figure>`;
  }

  function RankingPage({ query }) {
    const [f, setF] = useState(() => ({ category: query.category || '', status: query.status ?? OPEN_STATUSES, shared: query.shared === '1' }));
    const cats = c.useCategories();
    const qs = () => {
      const q = new URLSearchParams();
      if (f.category) q.set('category', f.category);
      if (f.status) q.set('status', f.status);
      if (f.shared) q.set('shared', '1');
      return q;
    };
    const [items, error] = c.useLive(async () => {
      const q = qs();
      q.set('limit', '50');
      return (await nb.api('GET', `problems/ranking?${q}`)).items;
    }, [f.category, f.status, f.shared]);
    const csv = () => {
      const q = qs();
      if (nb.ctx().locale === 'de') q.set('delimiter', 'semicolon');
      return `/api/v1/n/${encodeURIComponent(nb.ctx().hood.slug)}/problems/export.csv?${q}`;
    };
    const statusOptions = [
      { value: OPEN_STATUSES, label: t('problems.openStatuses') },
      { value: '', label: t('problems.anyStatus') },
      ...STATUSES.map((s) => ({ value: s, label: c.statusLabel(s) })),
    ];
    return html`<h1>${t('problems.rankingTitle')}</h1>
      <p class="lead">${t('problems.rankingLead')}</p>
      <form class="row" onSubmit=${(e) => e.preventDefault()}>
        <${Select} label=${t('problems.category')} name="category" value=${f.category}
          options=${[{ value: '', label: t('problems.anyCategory') }, ...(cats || []).map((x) => ({ value: x.key, label: x.label }))]}
          onChange=${(v) => setF({ ...f, category: v })} />
        <${Select} label=${t('problems.status')} name="status" value=${f.status} options=${statusOptions}
          onChange=${(v) => setF({ ...f, status: v })} />
        <${Field} type="checkbox" name="shared" label=${t('problems.onlyShared')} value=${f.shared}
          onInput=${(v) => setF({ ...f, shared: v })} />
      </form>
      ${c.isCoordinator() && html`<p><a class="btn btn-secondary" href=${csv()} download>${t('problems.csv')}</a></p>`}
      <${ErrorText} error=${error} />
      ${items === null ? html`<p class="loading">${t('problems.loading')}</p>` : items.length === 0 ? html`<${Empty}>${t('problems.none')}<//>` : html`
        <${Chart} items=${items} />
        <div class="table-wrap"><table class="problems-ranking">
          <thead><tr>
            <th scope="col">${t('problems.rank')}</th><th scope="col">${t('problems.problem')}</th>
            <th scope="col">${t('problems.category')}</th><th scope="col">${t('problems.firmsCol')}</th>
            <th scope="col">${t('problems.urgency')}</th><th scope="col">${t('problems.hoursCol')}</th>
            <th scope="col">${t('problems.status')}</th>
          </tr></thead>
          <tbody>${items.map((p) => html`<tr key=${p.id}>
            <td>${p.rank}</td>
            <td><a href=${c.href(`/problems/${p.id}`)}>${p.title}</a><br /><span class="meta">${c.firmLabel(p)}</span></td>
            <td>${p.category_label || p.category}</td>
            <td>${p.affected_firms}</td>
            <td>${c.urgencyLabel(p.urgency_max)}</td>
            <td>${nb.fmt.number(p.hours_total || 0)}</td>
            <td>${c.statusLabel(p.status)}</td>
          </tr>`)}</tbody>
        </table></div>`}`;
  }

  return { TriagePage, RankingPage };
}
