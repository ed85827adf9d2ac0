// The list of problems with filters (search, category, status, my firm)
// and the capture form, made to be filled in on a phone in well under two
// minutes: a title, a category, how urgent, who may see it — the rest is
// optional.
import { STATUSES, OPEN_STATUSES, URGENCIES, VISIBILITIES } from './common.js';

export function makeList(nb, c) {
  const { html, t } = nb;
  const { useState, useEffect } = nb.hooks;
  const { Field, Select, Button, ErrorText, Empty } = nb.ui;

  function ProblemsPage({ query }) {
    const [f, setF] = useState(() => ({
      q: query.q || '', category: query.category || '', status: query.status ?? OPEN_STATUSES, mine: query.mine === '1',
    }));
    const [q, setQ] = useState(f.q); // debounced into f.q
    const [extra, setExtra] = useState([]); // further pages
    const [next, setNext] = useState(null);
    const [busy, setBusy] = useState(false);
    const [moreError, setMoreError] = useState(null);
    const cats = c.useCategories();

    useEffect(() => {
      const id = setTimeout(() => setF((old) => ({ ...old, q: q.trim() })), 250);
      return () => clearTimeout(id);
    }, [q]);

    const params = (cursor) => {
      const p = new URLSearchParams();
      if (f.q) p.set('q', f.q);
      if (f.category) p.set('category', f.category);
      if (f.status) p.set('status', f.status);
      if (f.mine) p.set('mine', '1');
      if (cursor) p.set('cursor', cursor);
      p.set('limit', '30');
      return p.toString();
    };
    const [page, error] = c.useLive(async () => {
      const r = await nb.api('GET', `problems?${params()}`);
      setExtra([]);
      setNext(r.next_cursor);
      return r.items;
    }, [f.q, f.category, f.status, f.mine]);

    const more = async () => {
      setBusy(true);
      try {
        const r = await nb.api('GET', `problems?${params(next)}`);
        setExtra((old) => [...old, ...r.items]);
        setNext(r.next_cursor);
        setMoreError(null);
      } catch (err) {
        setMoreError(err);
      }
      setBusy(false);
    };

    const items = page ? [...page, ...extra] : null;
    const statusOptions = [
      { value: OPEN_STATUSES, label: t('problems.openStatuses') },
      { value: '', label: t('problems.anyStatus') },
      ...STATUSES.map((s) => ({ value: s, label: c.statusLabel(s) })),
    ];
    return html`<h1>${t('problems.title')}</h1>
      <p class="lead">${t('problems.lead')}</p>
      <p class="actions">
        <a class="btn btn-primary" href=${c.href('/problems/new')}>${t('problems.new')}</a>
        <a class="btn btn-secondary" href=${c.href('/problems/ranking')}>${t('problems.ranking')}</a>
        ${c.isCoach() ? html`<a class="btn btn-secondary" href=${c.href('/problems/triage')}>${t('problems.triage')}</a>` : null}
      </p>
      <form role="search" class="problems-filters" onSubmit=${(e) => { e.preventDefault(); setF({ ...f, q: q.trim() }); }}>
        <${Field} label=${t('problems.search')} name="q" type="search" value=${q} onInput=${setQ}
          hint=${t('problems.searchHint')} autocomplete="off" error=${error} />
        <div class="row">
          <${Select} label=${t('problems.category')} name="category" value=${f.category}
            options=${[{ value: '', label: t('problems.anyCategory') }, ...(cats || []).map((x) => ({ value: x.key, label: x.label }))]}
            onChange=${(v) => setF({ ...f, category: v })} />
          <${Select} label=${t('problems.status')} name="status" value=${f.status} options=${statusOptions}
            onChange=${(v) => setF({ ...f, status: v })} />
        </div>
        ${c.myFirms().length > 0 && html`<${Field} type="checkbox" name="mine" label=${t('problems.onlyMine')}
          value=${f.mine} onInput=${(v) => setF({ ...f, mine: v })} />`}
      </form>
      <${ErrorText} error=${error} fields=${['q']} />
      <p class="count" role="status">${items === null ? t('problems.loading') : t('problems.count', { count: items.length })}</p>
      ${items && items.length === 0 && html`<${Empty}>${t('problems.none')}<//>`}
      ${items && items.length > 0 && html`<ul class="problems-list">${items.map((p) => html`<${c.Item} key=${p.id} p=${p} />`)}</ul>`}
      <${ErrorText} error=${moreError} />
      ${next && html`<${Button} busy=${busy} onClick=${more}>${t('problems.more')}<//>`}`;
  }

  /** The fields of a problem, shared by capture and edit. */
  function ProblemFields({ form, set, error, cats, capture }) {
    const urgencyOptions = URGENCIES.map((u) => ({ value: u, label: c.urgencyLabel(u) }));
    return html`
      <${Field} label=${t('problems.form.title')} name="title" required maxlength="200" value=${form.title}
        onInput=${(v) => set({ title: v })} error=${error} hint=${capture ? t('problems.form.titleHint') : null}
        autocomplete="off" enterkeyhint="next" />
      <div class="row">
        <${Select} label=${t('problems.category')} name="category" value=${form.category}
          options=${(cats || []).map((x) => ({ value: x.key, label: x.label }))} onChange=${(v) => set({ category: v })} error=${error} />
        <${Select} label=${t('problems.urgency')} name="urgency" value=${form.urgency} options=${urgencyOptions}
          onChange=${(v) => set({ urgency: v })} error=${error} />
      </div>
      <${Field} label=${t('problems.form.hours')} name="hours_per_week" inputmode="decimal" autocomplete="off"
        value=${form.hours_per_week} onInput=${(v) => set({ hours_per_week: v })} error=${error} />
      <${Field} label=${t('problems.form.description')} name="description" type="textarea" rows="4" maxlength="10000"
        value=${form.description} onInput=${(v) => set({ description: v })} error=${error}
        hint=${capture ? t('problems.form.descriptionHint') : null} />
      ${form.visibility !== undefined && html`<fieldset class="problems-visibility">
        <legend>${t('problems.visibility')}</legend>
        ${VISIBILITIES.map((v) => html`<label class="problems-radio">
          <input type="radio" name="visibility" value=${v} checked=${form.visibility === v}
            onChange=${() => set({ visibility: v })} />
          <span>${t(`problems.visibility.${v}`)}</span>
        </label>`)}
        ${error?.field === 'visibility' && html`<p class="field-error" role="alert">${error.message}</p>`}
      </fieldset>`}`;
  }

  /** The body of a POST/PATCH from the form: hours as a number or null. */
  function body(form) {
    const b = { ...form };
    const h = String(form.hours_per_week ?? '').trim().replace(',', '.');
    b.hours_per_week = h === '' ? null : Number(h);
    if (Number.isNaN(b.hours_per_week)) b.hours_per_week = h; // the server names the field
    if (b.firm_id === '' || b.firm_id === undefined) delete b.firm_id;
    else if (b.firm_id !== undefined) b.firm_id = Number(b.firm_id);
    return b;
  }

  function CapturePage() {
    const cats = c.useCategories();
    const firms = c.myFirms();
    const coach = c.isCoach();
    const [allFirms, setAllFirms] = useState(null);
    const [form, setForm] = useState(() => ({
      title: '', category: '', urgency: 'medium', hours_per_week: '', description: '', visibility: 'anonymous',
      firm_id: firms.length === 1 ? String(firms[0].id) : '',
    }));
    const [error, setError] = useState(null);
    const [busy, setBusy] = useState(false);
    const set = (patch) => setForm((old) => ({ ...old, ...patch }));

    useEffect(() => { if (cats && cats.length && !form.category) set({ category: cats[0].key }); }, [cats]);
    // A coach without a firm records problems for the firm visited.
    useEffect(() => {
      if (coach && firms.length === 0) {
        nb.api('GET', 'firms?limit=200').then((r) => setAllFirms(r.items), () => setAllFirms([]));
      }
    }, []);
    const firmChoices = firms.length > 1 ? firms : allFirms;

    const submit = async (e) => {
      e.preventDefault();
      setBusy(true);
      setError(null);
      try {
        const p = await nb.api('POST', 'problems', body(form));
        nb.navigate(`/problems/${p.id}`);
      } catch (err) {
        setError(err);
        setBusy(false);
      }
    };

    return html`<h1>${t('problems.new')}</h1>
      <form class="problems-capture" onSubmit=${submit} novalidate>
        ${firmChoices && html`<${Select} label=${t('problems.form.firm')} name="firm_id" value=${form.firm_id}
          options=${[{ value: '', label: t('problems.form.pickFirm') }, ...firmChoices.map((x) => ({ value: String(x.id), label: x.name }))]}
          onChange=${(v) => set({ firm_id: v })} error=${error} />`}
        <${ProblemFields} form=${form} set=${set} error=${error} cats=${cats} capture=${true} />
        <${ErrorText} error=${error} fields=${['title', 'category', 'urgency', 'hours_per_week', 'description', 'visibility', 'firm_id']} />
        <${Button} kind="primary" type="submit" busy=${busy}>${t('problems.form.submit')}<//>
      </form>`;
  }

  return { ProblemsPage, CapturePage, ProblemFields, body };
}
