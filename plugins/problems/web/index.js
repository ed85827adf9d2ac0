// UI module of the problems plugin (docs/api-problems.md). The shell
// imports this file and calls register(nb) with its registration API
// (docs/plugin-guide.md, "UI modules"); everything comes through `nb`.
//
// What it adds:
//   - navigation "Probleme" and the pages /problems (list, filters,
//     search), /problems/new (the capture form), /problems/:id (detail:
//     join, comments, links, history; editing; the coach's moderation),
//     /problems/triage (the coach's board) and /problems/ranking (table,
//     SVG chart, CSV for coordinators);
//   - a dashboard card "my firm's open problems";
//   - the problems' events in the dashboard's "what is new" feed.
// Every screen reloads when an event on topic "problems" concerns it.
import messages from './messages.js';
import { makeCommon, OPEN_STATUSES } from './common.js';
import { makeList } from './list.js';
import { makeDetail } from './detail.js';
import { makeBoard } from './board.js';

/* The plugin's stylesheet, once per page (the CSP allows 'self' styles). */
function addStylesheet() {
  if (typeof document === 'undefined' || document.querySelector('link[data-nb-plugin="problems"]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./problems.css', import.meta.url).href;
  link.dataset.nbPlugin = 'problems';
  document.head.appendChild(link);
}

export default function register(nb) {
  const { html, t } = nb;
  nb.addMessages(messages);
  addStylesheet();
  const c = makeCommon(nb);
  const list = makeList(nb, c);
  const { DetailPage } = makeDetail(nb, c, list);
  const { TriagePage, RankingPage } = makeBoard(nb, c);

  function OpenProblemsCard() {
    const firms = c.myFirms();
    const [items, error] = c.useLive(
      async () => (firms.length ? (await nb.api('GET', `problems?mine=1&status=${OPEN_STATUSES}&limit=5`)).items : []),
      [c.ctx().hood?.slug]);
    const { Empty, ErrorText } = nb.ui;
    return html`<${ErrorText} error=${error} />
      ${items && (items.length === 0 ? html`<${Empty}>${t('problems.cardNone')}<//>` : html`<ul class="feed">
        ${items.map((p) => html`<li key=${p.id}>
          <a href=${c.href(`/problems/${p.id}`)}>${p.title}</a>
          <span class="meta">${c.statusLabel(p.status)} · ${t('problems.affected', { count: p.affected_firms })}</span>
        </li>`)}
      </ul>`)}
      <p class="actions">
        <a class="btn btn-primary" href=${c.href('/problems/new')}>${t('problems.new')}</a>
        <a class="btn btn-link" href=${c.href('/problems')}>${t('problems.cardAll')}</a>
      </p>`;
  }

  nb.nav({ id: 'problems', label: 'problems.nav', path: '/problems', order: 20 });
  // Literal paths first: the shell takes the first page whose path matches.
  nb.page({ path: '/problems', component: list.ProblemsPage });
  nb.page({ path: '/problems/new', component: list.CapturePage });
  nb.page({ path: '/problems/triage', component: TriagePage });
  nb.page({ path: '/problems/ranking', component: RankingPage });
  nb.page({ path: '/problems/:id', component: DetailPage });
  nb.card({ id: 'my-problems', title: 'problems.card', component: OpenProblemsCard, order: 20 });

  const title = (e) => e.data?.problem?.title;
  nb.feed({
    topics: ['problems'],
    text: (e) => {
      const kind = e.type.replace('problem.', '');
      const p = e.data?.problem || {};
      if (!title(e)) return t('problems.feed.other');
      switch (kind) {
        case 'created': case 'updated': case 'commented': case 'merged':
          return t(`problems.feed.${kind}`, { title: p.title });
        case 'joined': case 'left':
          return t(`problems.feed.${kind}`, { title: p.title, count: e.data.affected_firms });
        case 'status':
          return t('problems.feed.status', { title: p.title, status: c.statusLabel(e.data.to) });
        default:
          return t('problems.feed.other');
      }
    },
    href: (e) => {
      const id = e.data?.problem?.id ?? e.data?.problem_id;
      return id ? `/problems/${id}` : null;
    },
  });
}
