// Pieces the problems screens share: the workflow, the category list of
// the current neighbourhood (loaded once per neighbourhood), small
// components for badges and meta lines, and a hook that reloads on live
// events. Everything comes through `nb`; nothing of the shell is imported.

export const STATUSES = ['new', 'triaged', 'planned', 'solved', 'declined'];
export const OPEN_STATUSES = 'new,triaged,planned';
export const URGENCIES = ['low', 'medium', 'high', 'critical'];
export const VISIBILITIES = ['anonymous', 'open', 'private'];

/** The workflow (mirrors routes_moderation.c). */
export const NEXT = {
  new: ['triaged', 'declined'],
  triaged: ['planned', 'solved', 'declined'],
  planned: ['solved', 'declined', 'triaged'],
  solved: ['triaged'],
  declined: ['triaged'],
};

export function makeCommon(nb) {
  const { html, t } = nb;
  const { useState, useEffect, useRef } = nb.hooks;
  const categoryCache = new Map(); // hood slug -> Promise of items

  const ctx = () => nb.ctx();
  const isCoach = () => {
    const roles = ctx().hood?.roles || [];
    return roles.includes('coach') || roles.includes('coordinator');
  };
  const isCoordinator = () => (ctx().hood?.roles || []).includes('coordinator');
  const myFirms = () => ctx().hood?.firms || [];

  function categories(all = false) {
    const key = `${ctx().hood.slug}|${all ? 'all' : ''}`;
    if (!categoryCache.has(key)) {
      const p = nb.api('GET', `problems/categories${all ? '?all=1' : ''}`).then((r) => r.items);
      p.catch(() => categoryCache.delete(key));
      categoryCache.set(key, p);
    }
    return categoryCache.get(key);
  }

  /** The categories of the neighbourhood (null while loading). */
  function useCategories() {
    const [items, setItems] = useState(null);
    useEffect(() => {
      let alive = true;
      categories().then((x) => alive && setItems(x), () => alive && setItems([]));
      return () => { alive = false; };
    }, [ctx().hood?.slug]);
    return items;
  }

  /**
   * Load `fn()` now and again whenever an event on topic "problems"
   * arrives that `relevant(event)` accepts (debounced), and after a
   * resync. Returns [data, error, reload].
   */
  function useLive(fn, deps, relevant = () => true) {
    const [data, setData] = useState(null);
    const [error, setError] = useState(null);
    const seq = useRef(0);
    const timer = useRef(null);
    const load = async () => {
      const n = ++seq.current;
      try {
        const d = await fn();
        if (n === seq.current) { setData(d); setError(null); }
      } catch (err) {
        if (n === seq.current) setError(err);
      }
    };
    useEffect(() => { load(); }, deps);
    useEffect(() => {
      const later = () => { clearTimeout(timer.current); timer.current = setTimeout(load, 150); };
      const off = nb.live.subscribe('problems', (e) => { if (relevant(e)) later(); }, { onResync: later });
      return () => { clearTimeout(timer.current); off(); };
    }, deps);
    return [data, error, load];
  }

  const href = (path) => `#/n/${encodeURIComponent(ctx().hood.slug)}${path}`;
  const statusLabel = (s) => t(`problems.status.${s}`);
  const urgencyLabel = (u) => (u ? t(`problems.urgency.${u}`) : '');

  /** Who recorded it: the firm, "your firm", or "a firm (anonymous)". */
  function firmLabel(p) {
    if (p.firm) return p.mine ? `${p.firm.name} (${t('problems.yourFirm')})` : p.firm.name;
    return t('problems.anonymousFirm');
  }

  function Badges({ p }) {
    return html`<span class="problems-badges">
      <span class=${`badge problems-status problems-status-${p.status}`}>${statusLabel(p.status)}</span>
      ${' '}<span class="badge">${p.category_label || p.category}</span>
      ${' '}<span class="badge">${t(`problems.vis.${p.visibility}`)}</span>
      ${p.joined ? html` <span class="badge problems-joined">${t('problems.joinedMark')}</span>` : null}
    </span>`;
  }

  function Meta({ p }) {
    const bits = [
      firmLabel(p),
      t('problems.affected', { count: p.affected_firms }),
      p.hours_total ? t('problems.hoursTotal', { hours: nb.fmt.number(p.hours_total) }) : null,
      `${t('problems.urgency')}: ${urgencyLabel(p.urgency_max || p.urgency)}`,
      p.comments ? t('problems.comments', { count: p.comments }) : null,
    ].filter(Boolean);
    return html`<p class="meta">${bits.join(' · ')}</p>`;
  }

  /** One problem in a list. */
  function Item({ p, fresh }) {
    return html`<li class=${`problems-item ${fresh ? 'nb-fresh' : ''}`}>
      <h2><a href=${href(`/problems/${p.id}`)}>${p.title}</a></h2>
      <${Badges} p=${p} />
      <${Meta} p=${p} />
    </li>`;
  }

  return {
    ctx, isCoach, isCoordinator, myFirms, categories, useCategories, useLive,
    href, statusLabel, urgencyLabel, firmLabel, Badges, Meta, Item,
  };
}
