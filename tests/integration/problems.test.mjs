// The problems plugin, route by route (docs/api-problems.md): capture,
// list and filters, edit, categories, "we have this too", comments and
// hiding them, links, the status workflow, merging duplicates, ranking,
// CSV export, full-text search with umlauts, events, privacy and the demo
// content. Visibility and anonymity: problems_visibility.test.mjs; bad
// input on every field: problems_input.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, stopAll } from './harness.mjs';
import {
  BASE, HOOD, PEOPLE, startProblemsServer, signIn, signInAll, assertError,
  createProblem, listAll, word, subscriber, until, sleep, parseCsv, sql,
} from './problems_helpers.mjs';

const servers = [];
let s;
let p; // signed-in people
before(async () => {
  s = await startProblemsServer();
  servers.push(s);
  p = await signInAll(s.url, ['coordinator', 'coach', 'thomas', 'jana', 'claudia', 'mehmet', 'sven', 'andreas', 'bernd']);
});
after(() => stopAll(servers));

const item = (id) => `${BASE}/${id}`;

test('the plugin is loaded, listed with its UI module, and serves it', async () => {
  assert.ok(s.logs().some((l) => /msg=plugin_loaded plugin=problems /.test(l)), s.logText());
  const r = await p.jana.get('/api/v1/plugins');
  const me = r.body.plugins.find((x) => x.name === 'problems');
  assert.ok(me, JSON.stringify(r.body));
  assert.equal(me.module, '/plugins/problems/index.js');
  const js = await fetch(s.url + me.module);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /javascript/);
  assert.match(await js.text(), /export default function register\(nb\)/);
});

test('demo content: realistic problems of the demo firms, several shared by many firms', async () => {
  const all = await listAll(p.coach, BASE);
  assert.ok(all.length >= 12, `${all.length} demo problems`);
  const shared = all.filter((x) => x.affected_firms >= 3);
  assert.ok(shared.length >= 4, `${shared.length} problems shared by three or more firms`);
  assert.deepEqual(new Set(all.map((x) => x.visibility)), new Set(['open', 'anonymous', 'private']));
  assert.ok(all.some((x) => x.status === 'planned' && x.workshop_ref), 'one is planned with a workshop');
  assert.ok(all.some((x) => x.status === 'triaged'));
  for (const t of ['Rechnungsprüfung', 'Datenschutz', 'Büro']) assert.ok(all.some((x) => `${x.title} ${x.description}`.includes(t)), t);
  const firms = new Set(all.map((x) => x.firm?.name));
  assert.ok(firms.size >= 10, `problems of ${firms.size} firms`);
  // Comments and a status history came with it.
  const planned = all.find((x) => x.status === 'planned');
  const d = await p.coach.get(item(planned.id));
  assert.deepEqual(d.body.history.map((h) => [h.from, h.to]), [['new', 'triaged'], ['triaged', 'planned']]);
  assert.equal(d.body.history[0].by.name, 'Jonas Reinhardt');
  assert.ok(d.body.comments >= 1);
});

test('categories: seeded in German and English, the coach edits the taxonomy, members read it', async () => {
  const r = await p.jana.get(`${BASE}/categories`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.items.map((c) => c.key), ['communication', 'bookkeeping', 'data-protection', 'it-security',
    'industry-software', 'website', 'staff-skills', 'hardware-network']);
  const book = r.body.items.find((c) => c.key === 'bookkeeping');
  assert.equal(book.label, 'Buchhaltung und E-Rechnung'); // Jana's locale is de
  assert.equal(book.label_en, 'Bookkeeping and e-invoicing');
  for (const c of r.body.items) assert.ok(c.label_de && c.label_en && c.archived === false, JSON.stringify(c));

  assertError(await p.jana.post(`${BASE}/categories`, { key: 'x', label_de: 'X', label_en: 'X' }), 403, 'forbidden');
  const made = await p.coach.post(`${BASE}/categories`, { key: 'online-shop', label_de: 'Onlineshop', label_en: 'Online shop' });
  assert.equal(made.status, 201, made.text);
  assert.deepEqual([made.body.key, made.body.label_de, made.body.label_en, made.body.archived], ['online-shop', 'Onlineshop', 'Online shop', false]);
  assert.ok(made.body.position > 80, 'added at the end');
  assertError(await p.coach.post(`${BASE}/categories`, { key: 'online-shop', label_de: 'A', label_en: 'B' }), 409, 'exists', 'key');
  const ren = await p.coordinator.patch(`${BASE}/categories/online-shop`, { label_de: 'Onlineshop und Marktplätze', position: 5 });
  assert.equal(ren.status, 200, ren.text);
  assert.equal(ren.body.label_de, 'Onlineshop und Marktplätze');
  assert.equal(ren.body.label_en, 'Online shop');
  assert.equal((await p.jana.get(`${BASE}/categories`)).body.items[0].key, 'online-shop', 'ordered by position');
  assertError(await p.jana.patch(`${BASE}/categories/online-shop`, { label_de: 'Y' }), 403, 'forbidden');
  assertError(await p.coach.patch(`${BASE}/categories/nope`, { label_de: 'Y' }), 404, 'not_found', 'key');

  // In use: it cannot be deleted, only archived; archived ones take no new problems.
  const used = await createProblem(p.jana, { category: 'online-shop' });
  assert.equal(used.category_label, 'Onlineshop und Marktplätze');
  assertError(await p.coach.del(`${BASE}/categories/online-shop`), 409, 'in_use', 'key');
  const arch = await p.coach.patch(`${BASE}/categories/online-shop`, { archived: true });
  assert.equal(arch.body.archived, true);
  assert.ok(!(await p.jana.get(`${BASE}/categories`)).body.items.some((c) => c.key === 'online-shop'), 'members do not see archived ones');
  assert.ok(!(await p.jana.get(`${BASE}/categories?all=1`)).body.items.some((c) => c.key === 'online-shop'), 'not even with all=1');
  assert.ok((await p.coach.get(`${BASE}/categories?all=1`)).body.items.some((c) => c.key === 'online-shop' && c.archived), 'coaches see them with all=1');
  assertError(await p.jana.post(BASE, { title: 'T', category: 'online-shop', visibility: 'open' }), 400, 'invalid', 'category');
  assert.equal((await p.jana.get(item(used.id))).body.category, 'online-shop', 'existing problems keep it');

  // Unused: deleted.
  assert.equal((await p.coach.post(`${BASE}/categories`, { key: 'tmp', label_de: 'Tmp', label_en: 'Tmp' })).status, 201);
  const del = await p.coach.del(`${BASE}/categories/tmp`);
  assert.equal(del.status, 204);
  assertError(await p.coach.del(`${BASE}/categories/tmp`), 404, 'not_found', 'key');
});

test('record a problem: 201 with Location, the firm and author, defaults; GET answers the same', async () => {
  const before = (await p.jana.get(BASE)).body.items[0]?.id || 0;
  const r = await p.jana.post(BASE, {
    title: '  Angebote per Mail gehen unter  ',
    description: 'Mehrere Kolleginnen lesen info@ –\nniemand fühlt sich zuständig.',
    category: 'communication',
    urgency: 'high',
    hours_per_week: 4.5,
    visibility: 'open',
  });
  assert.equal(r.status, 201, r.text);
  const x = r.body;
  assert.equal(r.headers.get('location'), `${BASE}/${x.id}`);
  assert.ok(x.id > before);
  assert.equal(x.title, 'Angebote per Mail gehen unter', 'trimmed');
  assert.equal(x.description, 'Mehrere Kolleginnen lesen info@ –\nniemand fühlt sich zuständig.');
  assert.deepEqual([x.category, x.category_label, x.urgency, x.urgency_max, x.hours_per_week, x.visibility, x.status],
    ['communication', 'Kommunikation und E-Mail', 'high', 'high', 4.5, 'open', 'new']);
  assert.deepEqual(x.firm, { id: p.jana.firm.id, name: 'Glaserei Hoffmann' });
  assert.deepEqual(x.author, { id: p.jana.me.id, name: 'Jana Roth' });
  assert.deepEqual([x.mine, x.joined, x.affected_firms, x.hours_total, x.comments, x.workshop_ref], [true, false, 1, 4.5, 0, null]);
  assert.deepEqual([x.supporters, x.links, x.history], [[], [], []]);
  assert.ok(x.created_at && x.updated_at);
  const g = await p.jana.get(item(x.id));
  assert.equal(g.status, 200);
  assert.deepEqual(g.body, x);
  // Seen by another firm: the same, not mine.
  const other = await p.claudia.get(item(x.id));
  assert.equal(other.body.mine, false);
  assert.deepEqual(other.body.firm, x.firm);
  // Defaults: urgency medium, no hours, empty description.
  const d = await createProblem(p.jana, { description: undefined, urgency: undefined });
  assert.deepEqual([d.urgency, d.hours_per_week, d.description], ['medium', null, '']);
  // It is first in the list (newest first).
  assert.equal((await p.jana.get(BASE)).body.items[0].id, d.id);
  // A coach without a firm records for a firm, naming it.
  const c = await createProblem(p.coach, { firm_id: p.bernd.firm.id, title: 'Beim Firmenbesuch notiert' });
  assert.deepEqual(c.firm, { id: p.bernd.firm.id, name: 'Bäckerei Meyer' });
  assert.equal(c.author.name, 'Jonas Reinhardt');
  assert.equal(c.mine, false);
  assert.equal((await p.bernd.get(item(c.id))).body.mine, true);
  assertError(await p.coach.post(BASE, { title: 'x', category: 'website', visibility: 'open' }), 400, 'required', 'firm_id');
});

test('list: pages of limit items, stable under concurrent inserts; filters category, status, visibility, mine, joined, firm_id', async () => {
  await p.coach.post(`${BASE}/categories`, { key: 'paging', label_de: 'Seiten', label_en: 'Paging' });
  const made = [];
  for (let i = 0; i < 5; i++) made.push((await createProblem(p.sven, { category: 'paging' })).id);
  const page1 = await p.sven.get(`${BASE}?category=paging&limit=2`);
  assert.equal(page1.status, 200);
  assert.deepEqual(page1.body.items.map((x) => x.id), [made[4], made[3]]);
  assert.equal(page1.body.next_cursor, made[3]);
  const late = await createProblem(p.sven, { category: 'paging' }); // arrives between pages
  const page2 = await p.sven.get(`${BASE}?category=paging&limit=2&cursor=${page1.body.next_cursor}`);
  assert.deepEqual(page2.body.items.map((x) => x.id), [made[2], made[1]]);
  const page3 = await p.sven.get(`${BASE}?category=paging&limit=2&cursor=${page2.body.next_cursor}`);
  assert.deepEqual(page3.body.items.map((x) => x.id), [made[0]]);
  assert.equal(page3.body.next_cursor, null);
  assert.equal((await p.sven.get(`${BASE}?category=paging`)).body.items[0].id, late.id);

  // status (one or a comma list) and visibility
  await p.coach.post(`${item(made[0])}/status`, { status: 'triaged' });
  await p.coach.post(`${item(made[1])}/status`, { status: 'declined', reason: 'Doppelt' });
  const triaged = await p.sven.get(`${BASE}?category=paging&status=triaged`);
  assert.deepEqual(triaged.body.items.map((x) => x.id), [made[0]]);
  const two = await p.sven.get(`${BASE}?category=paging&status=triaged,declined`);
  assert.deepEqual(two.body.items.map((x) => x.id), [made[1], made[0]]);
  const anon = await createProblem(p.sven, { category: 'paging', visibility: 'anonymous' });
  assert.deepEqual((await p.sven.get(`${BASE}?category=paging&visibility=anonymous`)).body.items.map((x) => x.id), [anon.id]);
  // mine and joined
  const mine = await listAll(p.sven, `${BASE}?mine=1`);
  assert.ok(mine.length >= 7 && mine.every((x) => x.mine), 'only my firm\'s');
  const other = await createProblem(p.andreas, { category: 'paging' });
  assert.equal((await p.sven.post(`${item(other.id)}/join`, {})).status, 201);
  const joined = await listAll(p.sven, `${BASE}?joined=1`);
  assert.ok(joined.some((x) => x.id === other.id) && joined.every((x) => x.joined));
  // firm_id: one firm's problems
  const byFirm = await listAll(p.claudia, `${BASE}?firm_id=${p.andreas.firm.id}`);
  assert.ok(byFirm.some((x) => x.id === other.id) && byFirm.every((x) => x.firm.id === p.andreas.firm.id));
  // Merged problems are not listed.
  const dup = await createProblem(p.andreas, { category: 'paging' });
  await p.coach.post(`${item(dup.id)}/merge`, { into: other.id });
  assert.ok(!(await listAll(p.coach, `${BASE}?category=paging`)).some((x) => x.id === dup.id));
});

test('edit: the firm edits its problem, a coach corrects content, others get 403; updated_at moves', async () => {
  const x = await createProblem(p.jana, { hours_per_week: 2 });
  await sleep(5);
  const r = await p.thomas.patch(item(x.id), { title: 'Neuer Titel', description: 'Neu', urgency: 'critical', hours_per_week: 3, visibility: 'anonymous' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.title, r.body.description, r.body.urgency, r.body.hours_per_week, r.body.visibility], ['Neuer Titel', 'Neu', 'critical', 3, 'anonymous']);
  assert.ok(r.body.updated_at > x.updated_at);
  assert.equal(r.body.created_at, x.created_at);
  // hours_per_week null clears the estimate; description null empties it
  const c = await p.jana.patch(item(x.id), { hours_per_week: null, description: null });
  assert.deepEqual([c.body.hours_per_week, c.body.description, c.body.hours_total], [null, '', 0]);
  // Another firm may not.
  assertError(await p.claudia.patch(item(x.id), { title: 'Fremd' }), 403, 'forbidden', 'title');
  assertError(await p.claudia.patch(item(x.id), { visibility: 'open' }), 403, 'forbidden', 'visibility');
  // A coach corrects title and category, not visibility or the firm's hours.
  const t = await p.coach.patch(item(x.id), { title: 'Triage-Titel', category: 'it-security' });
  assert.equal(t.status, 200, t.text);
  assert.deepEqual([t.body.title, t.body.category, t.body.category_label], ['Triage-Titel', 'it-security', 'IT-Sicherheit']);
  assertError(await p.coach.patch(item(x.id), { visibility: 'open' }), 403, 'forbidden', 'visibility');
  assertError(await p.coach.patch(item(x.id), { hours_per_week: 1 }), 403, 'forbidden', 'hours_per_week');
  // Unknown problem
  assertError(await p.jana.patch(item(999999), { title: 'x' }), 404, 'not_found');
});

test('we have this too: another firm joins with a note and hours, counts and total hours follow, it can leave again', async () => {
  const x = await createProblem(p.jana, { hours_per_week: 4, urgency: 'low' });
  const j = await p.claudia.post(`${item(x.id)}/join`, { note: 'Bei uns genauso, vor allem montags.', hours_per_week: 2.5, urgency: 'high' });
  assert.equal(j.status, 201, j.text);
  assert.deepEqual([j.body.affected_firms, j.body.hours_total, j.body.joined, j.body.urgency, j.body.urgency_max], [2, 6.5, true, 'low', 'high']);
  assert.equal(j.body.supporters.length, 1);
  const sup = j.body.supporters[0];
  assert.deepEqual([sup.firm, sup.note, sup.hours_per_week, sup.urgency, sup.anonymous, sup.mine],
    [{ id: p.claudia.firm.id, name: 'Druck & Etikett Brandes' }, 'Bei uns genauso, vor allem montags.', 2.5, 'high', false, true]);
  // A colleague of the same firm: already joined.
  assertError(await p.mehmet.post(`${item(x.id)}/join`, {}), 409, 'already_joined', 'firm_id');
  // The problem's own firm counts already.
  assertError(await p.thomas.post(`${item(x.id)}/join`, {}), 409, 'own_problem', 'firm_id');
  // A third firm without note or hours.
  const k = await p.sven.post(`${item(x.id)}/join`);
  assert.equal(k.status, 201);
  assert.deepEqual([k.body.affected_firms, k.body.hours_total], [3, 6.5]);
  // The list shows the counts too.
  const listed = (await listAll(p.jana, BASE)).find((y) => y.id === x.id);
  assert.deepEqual([listed.affected_firms, listed.hours_total, listed.joined], [3, 6.5, false]);
  // Leave (any person of the firm).
  const l = await p.mehmet.del(`${item(x.id)}/join`);
  assert.equal(l.status, 200, l.text);
  assert.deepEqual([l.body.affected_firms, l.body.hours_total, l.body.joined], [2, 4, false]);
  assertError(await p.mehmet.del(`${item(x.id)}/join`), 404, 'not_joined', 'firm_id');
  // A coach joins on behalf of a firm, naming it (coaches have no firm of their own here).
  assertError(await p.coach.post(`${item(x.id)}/join`, {}), 400, 'required', 'firm_id');
  const cj = await p.coach.post(`${item(x.id)}/join`, { firm_id: p.bernd.firm.id });
  assert.equal(cj.status, 201, cj.text);
  assert.ok(cj.body.supporters.some((y) => y.firm?.name === 'Bäckerei Meyer'));
  const cl = await p.coach.del(`${item(x.id)}/join?firm_id=${p.bernd.firm.id}`);
  assert.equal(cl.status, 200, cl.text);
  // A member acts only for their own firm.
  assertError(await p.sven.del(`${item(x.id)}/join?firm_id=${p.bernd.firm.id}`), 403, 'forbidden', 'firm_id');
  // A private problem cannot be joined (another firm cannot even see it).
  const priv = await createProblem(p.jana, { visibility: 'private' });
  assertError(await p.claudia.post(`${item(priv.id)}/join`, {}), 404, 'not_found');
  assertError(await p.coach.post(`${item(priv.id)}/join`, { firm_id: p.bernd.firm.id }), 409, 'private');
});

test('comments: written, listed in pages; a coach hides one (audit-logged) and shows it again', async () => {
  const x = await createProblem(p.jana);
  const bodies = ['Erster Kommentar', 'Zweiter\nmit Zeilenumbruch', 'Dritter'];
  const made = [];
  made.push((await p.claudia.post(`${item(x.id)}/comments`, { body: bodies[0] })));
  made.push((await p.jana.post(`${item(x.id)}/comments`, { body: bodies[1] })));
  made.push((await p.coach.post(`${item(x.id)}/comments`, { body: `  ${bodies[2]}  ` })));
  for (const m of made) assert.equal(m.status, 201, m.text);
  const c0 = made[0].body;
  assert.deepEqual([c0.body, c0.hidden, c0.role, c0.mine, c0.author, c0.firm],
    [bodies[0], false, 'firm', true, { id: p.claudia.me.id, name: 'Claudia Brandes' }, { id: p.claudia.firm.id, name: 'Druck & Etikett Brandes' }]);
  const c2 = made[2].body;
  assert.deepEqual([c2.body, c2.role, c2.firm, c2.author.name], ['Dritter', 'coach', null, 'Jonas Reinhardt']);
  const page1 = await p.sven.get(`${item(x.id)}/comments?limit=2`);
  assert.equal(page1.status, 200, page1.text);
  assert.deepEqual(page1.body.items.map((c) => c.body), [bodies[0], bodies[1]]);
  assert.equal(page1.body.items[0].mine, false);
  const page2 = await p.sven.get(`${item(x.id)}/comments?limit=2&cursor=${page1.body.next_cursor}`);
  assert.deepEqual(page2.body.items.map((c) => c.body), ['Dritter']);
  assert.equal(page2.body.next_cursor, null);
  assert.equal((await p.sven.get(item(x.id))).body.comments, 3);

  // Hide: coaches only; members see that a comment was hidden, not what it said.
  const cid = c0.id;
  assertError(await p.jana.post(`${item(x.id)}/comments/${cid}/hide`, { reason: 'x' }), 403, 'forbidden');
  const h = await p.coach.post(`${item(x.id)}/comments/${cid}/hide`, { reason: 'Werbung' });
  assert.equal(h.status, 200, h.text);
  assert.deepEqual([h.body.hidden, h.body.body, h.body.hidden_reason], [true, bodies[0], 'Werbung']);
  const seen = (await p.sven.get(`${item(x.id)}/comments`)).body.items[0];
  assert.deepEqual([seen.id, seen.hidden, seen.body], [cid, true, null]);
  assert.ok(!('hidden_reason' in seen));
  assert.equal((await p.sven.get(item(x.id))).body.comments, 2, 'hidden ones are not counted');
  assertError(await p.coach.post(`${item(x.id)}/comments/${cid}/hide`, {}), 409, 'already_hidden');
  // Audit: the coordinator reads who hid which comment and why.
  const audit = await p.coordinator.get(`/api/v1/n/${HOOD}/audit`);
  const entry = audit.body.items.find((a) => a.action === 'problem.comment_hidden' && a.object_id === String(cid));
  assert.ok(entry, JSON.stringify(audit.body.items.slice(0, 5)));
  assert.equal(entry.object_type, 'comment');
  assert.equal(entry.source, 'problems');
  assert.deepEqual(entry.detail, { problem_id: x.id, reason: 'Werbung' });
  // Shown again.
  const u = await p.coordinator.del(`${item(x.id)}/comments/${cid}/hide`);
  assert.equal(u.status, 200, u.text);
  assert.equal(u.body.hidden, false);
  assert.equal((await p.sven.get(`${item(x.id)}/comments`)).body.items[0].body, bodies[0]);
  assertError(await p.coach.del(`${item(x.id)}/comments/${cid}/hide`), 409, 'not_hidden');
  const audit2 = await p.coordinator.get(`/api/v1/n/${HOOD}/audit`);
  assert.ok(audit2.body.items.some((a) => a.action === 'problem.comment_shown' && a.object_id === String(cid)));
  // A comment of another problem is not found under this one.
  const y = await createProblem(p.jana);
  assertError(await p.coach.post(`${item(y.id)}/comments/${cid}/hide`, {}), 404, 'not_found', 'cid');
});

test('links: anyone who sees the problem adds one; its author or a coach removes it', async () => {
  const x = await createProblem(p.jana);
  const a = await p.claudia.post(`${item(x.id)}/links`, { url: 'https://www.e-rechnung-bund.de/faq', title: 'FAQ E-Rechnung' });
  assert.equal(a.status, 201, a.text);
  assert.deepEqual([a.body.url, a.body.title, a.body.mine], ['https://www.e-rechnung-bund.de/faq', 'FAQ E-Rechnung', true]);
  const b = await p.sven.post(`${item(x.id)}/links`, { url: 'http://example.org/x?a=1&b=2' });
  assert.equal(b.body.title, '');
  const d = await p.jana.get(item(x.id));
  assert.deepEqual(d.body.links.map((l) => [l.url, l.mine]), [['https://www.e-rechnung-bund.de/faq', false], ['http://example.org/x?a=1&b=2', false]]);
  assertError(await p.jana.del(`${item(x.id)}/links/${a.body.id}`), 403, 'forbidden');
  assert.equal((await p.claudia.del(`${item(x.id)}/links/${a.body.id}`)).status, 204);
  assert.equal((await p.coach.del(`${item(x.id)}/links/${b.body.id}`)).status, 204);
  assertError(await p.coach.del(`${item(x.id)}/links/${b.body.id}`), 404, 'not_found', 'lid');
  assert.deepEqual((await p.jana.get(item(x.id))).body.links, []);
});

test('status workflow: new → triaged → planned (workshop) → solved, declined with a reason, reopen; members get 403; history says who, when, from, to, why', async () => {
  const x = await createProblem(p.jana);
  // Members cannot change the status, through either route.
  assertError(await p.jana.post(`${item(x.id)}/status`, { status: 'triaged' }), 403, 'forbidden');
  assertError(await p.thomas.patch(item(x.id), { status: 'triaged' }), 403, 'forbidden', 'status');
  assertError(await p.claudia.patch(item(x.id), { workshop_ref: '42' }), 403, 'forbidden', 'workshop_ref');
  // Skipping a step is refused.
  assertError(await p.coach.post(`${item(x.id)}/status`, { status: 'planned', workshop_ref: '7' }), 409, 'invalid_transition', 'status');
  assertError(await p.coach.post(`${item(x.id)}/status`, { status: 'solved' }), 409, 'invalid_transition', 'status');
  assertError(await p.coach.post(`${item(x.id)}/status`, { status: 'new' }), 409, 'invalid_transition', 'status');
  const t = await p.coach.post(`${item(x.id)}/status`, { status: 'triaged', reason: 'Viele Betriebe betroffen' });
  assert.equal(t.status, 200, t.text);
  assert.equal(t.body.status, 'triaged');
  // planned needs the workshop that tackles it
  assertError(await p.coach.post(`${item(x.id)}/status`, { status: 'planned' }), 400, 'required', 'workshop_ref');
  const pl = await p.coordinator.post(`${item(x.id)}/status`, { status: 'planned', workshop_ref: 'https://workshops.example/e-rechnung?tag=1' });
  assert.equal(pl.status, 200, pl.text);
  assert.deepEqual([pl.body.status, pl.body.workshop_ref], ['planned', 'https://workshops.example/e-rechnung?tag=1']);
  // The workshop link can change while planned (PATCH), not be removed.
  const ch = await p.coach.patch(item(x.id), { workshop_ref: '/api/v1/n/peiner-strasse/workshops/12' });
  assert.equal(ch.status, 200, ch.text);
  assert.equal(ch.body.workshop_ref, '/api/v1/n/peiner-strasse/workshops/12');
  assertError(await p.coach.patch(item(x.id), { workshop_ref: null }), 409, 'workshop_required', 'workshop_ref');
  const so = await p.coach.patch(item(x.id), { status: 'solved', status_reason: 'Workshop war ein Erfolg' });
  assert.equal(so.status, 200, so.text);
  assertError(await p.coach.post(`${item(x.id)}/status`, { status: 'solved' }), 409, 'invalid_transition', 'status');
  assert.equal((await p.coach.post(`${item(x.id)}/status`, { status: 'triaged', reason: 'Wieder aufgetaucht' })).status, 200);
  assertError(await p.coach.post(`${item(x.id)}/status`, { status: 'declined' }), 400, 'required', 'reason');
  assertError(await p.coach.post(`${item(x.id)}/status`, { status: 'declined', reason: '   ' }), 400, 'required', 'reason');
  const de = await p.coach.post(`${item(x.id)}/status`, { status: 'declined', reason: 'Kein Digitalisierungsthema' });
  assert.equal(de.status, 200);
  const h = de.body.history;
  assert.deepEqual(h.map((e) => [e.kind, e.from, e.to, e.reason]), [
    ['status', 'new', 'triaged', 'Viele Betriebe betroffen'],
    ['status', 'triaged', 'planned', null],
    ['workshop', null, null, null],
    ['status', 'planned', 'solved', 'Workshop war ein Erfolg'],
    ['status', 'solved', 'triaged', 'Wieder aufgetaucht'],
    ['status', 'triaged', 'declined', 'Kein Digitalisierungsthema'],
  ]);
  assert.equal(h[1].workshop_ref, 'https://workshops.example/e-rechnung?tag=1');
  assert.equal(h[2].workshop_ref, '/api/v1/n/peiner-strasse/workshops/12');
  assert.deepEqual(h.map((e) => e.by.name), ['Jonas Reinhardt', 'Sabine Wolters', 'Jonas Reinhardt', 'Jonas Reinhardt', 'Jonas Reinhardt', 'Jonas Reinhardt']);
  for (const e of h) assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // The firm sees the history too.
  assert.deepEqual((await p.jana.get(item(x.id))).body.history.length, 6);
});

test('merge: supporters, comments and links move to the kept problem; the old URL redirects (308)', async () => {
  const kept = await createProblem(p.jana, { title: `Behalten ${word()}`, hours_per_week: 3 });
  const dupWord = word('Dublette');
  const dup = await createProblem(p.claudia, { title: `Doppelt ${dupWord}`, hours_per_week: 2, urgency: 'critical' });
  const older = await createProblem(p.andreas, { title: 'Noch älter' });
  // dup already absorbed an older duplicate
  assert.equal((await p.coach.post(`${item(older.id)}/merge`, { into: dup.id })).status, 200);
  assert.equal((await p.sven.post(`${item(dup.id)}/join`, { hours_per_week: 1 })).status, 201);
  assert.equal((await p.thomas.post(`${item(dup.id)}/join`, { note: 'auch wir' })).status, 201); // the kept one's own firm
  assert.equal((await p.bernd.post(`${item(kept.id)}/join`, {})).status, 201);
  assert.equal((await p.sven.post(`${item(dup.id)}/comments`, { body: 'Kommentar an der Dublette' })).status, 201);
  assert.equal((await p.sven.post(`${item(dup.id)}/links`, { url: 'https://example.org/dup' })).status, 201);

  assertError(await p.jana.post(`${item(dup.id)}/merge`, { into: kept.id }), 403, 'forbidden');
  assertError(await p.coach.post(`${item(dup.id)}/merge`, { into: dup.id }), 400, 'invalid', 'into');
  assertError(await p.coach.post(`${item(dup.id)}/merge`, { into: older.id }), 409, 'merged', 'into');
  assertError(await p.coach.post(`${item(dup.id)}/merge`, { into: 999999 }), 404, 'not_found', 'into');
  const m = await p.coach.post(`${item(dup.id)}/merge`, { into: kept.id, reason: 'Gleiches Thema' });
  assert.equal(m.status, 200, m.text);
  const k = m.body;
  assert.equal(k.id, kept.id);
  // Glaserei (kept) + Meyer (kept's supporter) + Druck (dup's firm) + Andreas's firm
  // (older's firm, a supporter of dup by then) + Metallbau; Glaserei's support of dup is dropped.
  const names = k.supporters.map((x) => x.firm.name).sort();
  assert.deepEqual(names, ['Bäckerei Meyer', 'Druck & Etikett Brandes', 'Elektro Schulz', 'Metallbau Krüger']);
  assert.equal(k.affected_firms, 5);
  assert.equal(k.hours_total, 3 + 2 + 1);
  assert.equal(k.urgency_max, 'critical');
  assert.equal(k.comments, 1);
  assert.deepEqual(k.links.map((l) => l.url), ['https://example.org/dup']);
  assert.deepEqual(k.history.map((h) => [h.kind, h.other_id, h.reason]), [['merged_from', dup.id, 'Gleiches Thema']]);
  const cs = await p.jana.get(`${item(kept.id)}/comments`);
  assert.deepEqual(cs.body.items.map((c) => c.body), ['Kommentar an der Dublette']);

  // The old URLs redirect: 308 with Location, fetch follows it.
  const raw = await fetch(s.url + item(dup.id), { headers: p.jana.headers(), redirect: 'manual' });
  assert.equal(raw.status, 308);
  assert.equal(raw.headers.get('location'), item(kept.id));
  assert.deepEqual(await raw.json(), { id: dup.id, merged_into: kept.id, location: item(kept.id) });
  const followed = await p.jana.get(item(dup.id));
  assert.equal(followed.status, 200);
  assert.equal(followed.body.id, kept.id);
  const olderRaw = await fetch(s.url + item(older.id), { headers: p.jana.headers(), redirect: 'manual' });
  assert.equal(olderRaw.headers.get('location'), item(kept.id), 'what was merged into the duplicate follows');
  const cRaw = await fetch(s.url + `${item(dup.id)}/comments`, { headers: p.jana.headers(), redirect: 'manual' });
  assert.equal(cRaw.status, 308);
  assert.equal(cRaw.headers.get('location'), `${item(kept.id)}/comments`);
  // Changes to the merged one are refused, not silently redirected.
  assertError(await p.claudia.patch(item(dup.id), { title: 'x' }), 409, 'merged');
  assertError(await p.mehmet.post(`${item(dup.id)}/comments`, { body: 'x' }), 409, 'merged');
  assertError(await p.coach.post(`${item(dup.id)}/status`, { status: 'triaged' }), 409, 'merged');
  assertError(await p.coach.post(`${item(dup.id)}/merge`, { into: kept.id }), 409, 'merged');
  // The duplicate is out of lists, search and ranking.
  assert.ok(!(await listAll(p.coach, BASE)).some((x) => x.id === dup.id));
  assert.deepEqual((await p.coach.get(`${BASE}?q=${dupWord}`)).body.items, []);
  assert.ok(!(await p.coach.get(`${BASE}/ranking?limit=200`)).body.items.some((x) => x.id === dup.id));
  // History of the duplicate
  const dh = sql(s, `SELECT kind, other_id FROM problems_history WHERE problem_id = ${dup.id} ORDER BY id`);
  assert.deepEqual(dh.map((h) => [h.kind, h.other_id]), [['merged_from', older.id], ['merged_into', kept.id]]);
});

test('ranking: by affected firms, then urgency, then hours; filterable by category and status; paged by position', async () => {
  await p.coach.post(`${BASE}/categories`, { key: 'rank-test', label_de: 'Rang', label_en: 'Rank' });
  const mk = (c, f) => createProblem(c, { category: 'rank-test', ...f });
  const a = await mk(p.jana, { urgency: 'low', hours_per_week: 1 });
  const b = await mk(p.claudia, { urgency: 'low', hours_per_week: 1 });
  const c = await mk(p.sven, { urgency: 'critical', hours_per_week: 1 });
  const d = await mk(p.andreas, { urgency: 'critical', hours_per_week: 9 });
  const e = await mk(p.bernd, { urgency: 'low', visibility: 'private' });
  for (const who of ['claudia', 'sven', 'andreas']) assert.equal((await p[who].post(`${item(a.id)}/join`, {})).status, 201);
  assert.equal((await p.jana.post(`${item(b.id)}/join`, { urgency: 'high' })).status, 201);
  const r = await p.jana.get(`${BASE}/ranking?category=rank-test`);
  assert.equal(r.status, 200, r.text);
  // a: 4 firms; b: 2 firms; then c and d with one firm: critical both, d has more hours; e is private (Meyer's)
  assert.deepEqual(r.body.items.map((x) => [x.rank, x.id]), [[1, a.id], [2, b.id], [3, d.id], [4, c.id]]);
  assert.deepEqual(r.body.items.map((x) => x.affected_firms), [4, 2, 1, 1]);
  assert.equal(r.body.items[1].urgency_max, 'high');
  assert.equal(r.body.next_cursor, null);
  // The coach sees the private one too.
  const rc = await p.coach.get(`${BASE}/ranking?category=rank-test`);
  assert.deepEqual(rc.body.items.map((x) => x.id), [a.id, b.id, d.id, c.id, e.id]);
  // Paged by position.
  const p1 = await p.coach.get(`${BASE}/ranking?category=rank-test&limit=2`);
  assert.deepEqual(p1.body.items.map((x) => x.rank), [1, 2]);
  assert.equal(p1.body.next_cursor, 2);
  const p2 = await p.coach.get(`${BASE}/ranking?category=rank-test&limit=2&cursor=2`);
  assert.deepEqual(p2.body.items.map((x) => [x.rank, x.id]), [[3, d.id], [4, c.id]]);
  // shared=1: only problems of more than one firm
  assert.deepEqual((await p.coach.get(`${BASE}/ranking?category=rank-test&shared=1`)).body.items.map((x) => x.id), [a.id, b.id]);
  // status filter; a join changes the ranking
  await p.coach.post(`${item(a.id)}/status`, { status: 'triaged' });
  assert.deepEqual((await p.coach.get(`${BASE}/ranking?category=rank-test&status=triaged`)).body.items.map((x) => x.id), [a.id]);
  assert.deepEqual((await p.coach.get(`${BASE}/ranking?category=rank-test&status=new`)).body.items.map((x) => x.id), [b.id, d.id, c.id, e.id]);
  for (const who of ['jana', 'claudia']) assert.equal((await p[who].post(`${item(c.id)}/join`, {})).status, 201);
  const again = await p.coach.get(`${BASE}/ranking?category=rank-test&status=new`);
  assert.deepEqual(again.body.items.map((x) => x.id), [c.id, b.id, d.id, e.id], 'c climbs with two more firms');
});

test('CSV export for the coordinator: text/csv, quoted cells, formula injection defused, private problems left out', async () => {
  await p.coach.post(`${BASE}/categories`, { key: 'csv-test', label_de: 'CSV-Test', label_en: 'CSV test' });
  const evil = await createProblem(p.jana, { category: 'csv-test', title: '=HYPERLINK("http://evil.example","Klick")', description: '+49 123; "zitiert", mit Komma\nund Zeile', hours_per_week: 2 });
  const minus = await createProblem(p.claudia, { category: 'csv-test', title: '-2+3', description: '@SUM(A1)' });
  await createProblem(p.sven, { category: 'csv-test', title: 'Geheim privat', visibility: 'private' });
  assert.equal((await p.claudia.post(`${item(evil.id)}/join`, { hours_per_week: 1.5 })).status, 201);

  assertError(await p.coach.get(`${BASE}/export.csv`), 403, 'forbidden');
  assertError(await p.jana.get(`${BASE}/export.csv`), 403, 'forbidden');
  const r = await fetch(`${s.url}${BASE}/export.csv?category=csv-test`, { headers: p.coordinator.headers() });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.equal(r.headers.get('content-disposition'), `attachment; filename="problems-${HOOD}.csv"`);
  const buf = Buffer.from(await r.arrayBuffer());
  assert.deepEqual([...buf.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for spreadsheets');
  const text = buf.subarray(3).toString('utf8');
  assert.ok(text.endsWith('\r\n'));
  const rows = parseCsv(text);
  assert.deepEqual(rows[0], ['Rang', 'Nr.', 'Titel', 'Beschreibung', 'Kategorie', 'Status', 'Dringlichkeit', 'Betroffene Betriebe',
    'Stunden pro Woche gesamt', 'Sichtbarkeit', 'Genannte Betriebe', 'Nicht genannte Betriebe', 'Workshop', 'Erfasst am']);
  assert.equal(rows.length, 3, 'the private problem is left out');
  const [first, second] = rows.slice(1);
  assert.deepEqual(first.slice(0, 12), ['1', String(evil.id), '\'=HYPERLINK("http://evil.example","Klick")', '\'+49 123; "zitiert", mit Komma\nund Zeile',
    'CSV-Test', 'new', 'medium', '2', '3.5', 'open', 'Glaserei Hoffmann; Druck & Etikett Brandes', '0']);
  assert.deepEqual(second.slice(0, 4), ['2', String(minus.id), '\'-2+3', '\'@SUM(A1)']);
  for (const row of rows) assert.equal(row.length, 14);
  // Every cell is quoted; quotes are doubled.
  assert.ok(text.includes('"\'=HYPERLINK(""http://evil.example"",""Klick"")"'));
  assert.ok(!/(^|[,\n])[=+\-@]/.test(text), 'no cell starts with a formula character');
  // semicolon for German spreadsheets
  const semi = await p.coordinator.get(`${BASE}/export.csv?category=csv-test&delimiter=semicolon`);
  assert.equal(semi.status, 200);
  assert.equal(parseCsv(semi.text.replace(/^\uFEFF/, ''), ';')[1][1], String(evil.id));
  assertError(await p.coordinator.get(`${BASE}/export.csv?delimiter=tab`), 400, 'invalid', 'delimiter');
  // Filters as in the ranking
  const none = await p.coordinator.get(`${BASE}/export.csv?category=csv-test&status=solved`);
  assert.equal(parseCsv(none.text.replace(/^\uFEFF/, '')).length, 1, 'only the header');
});

test('search: umlauts folded, prefixes, German spellings without umlauts, any text is safe, the index follows edits', async () => {
  const t = word('Suche');
  const a = await createProblem(p.jana, { title: `Rechnungsprüfung dauert ${t}`, description: 'Eingangsrechnungen von Hand prüfen' });
  const b = await createProblem(p.claudia, { title: `Datenschutz im Büro ${t}`, description: 'Wer ist zuständig? Straße und Hausnummer der Kunden' });
  const c = await createProblem(p.sven, { title: `Kalkulation mit Herrn Mueller ${t}`, description: 'Ärger mit der Software' });
  const ids = async (q) => {
    const r = await p.andreas.get(`${BASE}?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    return r.body.items.map((x) => x.id).filter((id) => [a.id, b.id, c.id].includes(id)).sort((x, y) => x - y);
  };
  assert.deepEqual(await ids('rechnungspr'), [a.id]);
  assert.deepEqual(await ids('Rechnungsprüfung'), [a.id]);
  assert.deepEqual(await ids('RECHNUNGSPRUEF'), [a.id]);
  assert.deepEqual(await ids('datensch'), [b.id]);
  assert.deepEqual(await ids('buro'), [b.id]);
  assert.deepEqual(await ids('Büro'), [b.id]);
  assert.deepEqual(await ids('buero'), [b.id]);
  assert.deepEqual(await ids('BÜRO'), [b.id]);
  assert.deepEqual(await ids('strasse'), [b.id]);
  assert.deepEqual(await ids('straße'), [b.id]);
  assert.deepEqual(await ids('Müller'), [c.id]);
  assert.deepEqual(await ids('arger'), [c.id]);
  assert.deepEqual(await ids('aerger'), [c.id]);
  assert.deepEqual(await ids(`${t} büro`), [b.id], 'all words must match');
  assert.deepEqual(await ids(t), [a.id, b.id, c.id]);
  assert.deepEqual(await ids(`${t}!!`), [a.id, b.id, c.id], 'punctuation separates');
  assert.deepEqual(await ids(`– ${t} —`), [a.id, b.id, c.id], 'dashes separate');
  assert.deepEqual(await ids('zzzunbekanntzzz'), []);
  // FTS syntax and odd text are plain words, never an error.
  for (const q of ['"', 'AND', 'a OR b', 'NEAR(a b)', 'title:x', '*', 'x*', '(((', 'büro"', "'; DROP TABLE problems; --", '😀 büro', 'x'.repeat(200)]) {
    const r = await p.jana.get(`${BASE}?q=${encodeURIComponent(q)}`);
    assert.ok([200, 400].includes(r.status), `${q}: ${r.status} ${r.text}`);
    if (r.status === 400) assertError(r, 400, 'invalid', 'q');
  }
  // Search combines with filters and pages.
  assert.deepEqual((await p.andreas.get(`${BASE}?q=${t}&mine=1`)).body.items, []);
  const pg = await p.andreas.get(`${BASE}?q=${t}&limit=2`);
  assert.equal(pg.body.items.length, 2);
  const pg2 = await p.andreas.get(`${BASE}?q=${t}&limit=2&cursor=${pg.body.next_cursor}`);
  assert.deepEqual(pg2.body.items.map((x) => x.id), [a.id]);
  // The index follows edits.
  await p.jana.patch(item(a.id), { title: `Belegprüfung dauert ${t}` });
  assert.deepEqual(await ids('rechnungspr'), []);
  assert.deepEqual(await ids('belegpruef'), [a.id]);
  await p.claudia.patch(item(b.id), { description: 'nichts mehr' });
  assert.deepEqual(await ids('strasse'), []);
  assert.deepEqual(await ids('buero'), [b.id], 'the title still holds Büro');
});

test('events on topic problems: created, updated, joined, left, commented, comment_hidden, status, merged — published with the change', async () => {
  const wsClaudia = await subscriber(p.claudia);
  const wsCoach = await subscriber(p.coach);
  const x = await createProblem(p.jana, { title: 'Live-Problem', hours_per_week: 2 });
  const y = await createProblem(p.jana, { title: 'Live-Dublette' });
  await p.jana.patch(item(x.id), { urgency: 'high' });
  await p.claudia.post(`${item(x.id)}/join`, { note: 'Wir auch' });
  const cm = await p.sven.post(`${item(x.id)}/comments`, { body: 'Live-Kommentar' });
  await p.coach.post(`${item(x.id)}/comments/${cm.body.id}/hide`, { reason: 'Test' });
  await p.coach.post(`${item(x.id)}/status`, { status: 'triaged', reason: 'Live' });
  await p.mehmet.del(`${item(x.id)}/join`);
  await p.coach.post(`${item(y.id)}/merge`, { into: x.id });
  const want = ['problem.created', 'problem.updated', 'problem.joined', 'problem.commented', 'problem.comment_hidden', 'problem.status', 'problem.left', 'problem.merged'];
  for (const ws of [wsClaudia, wsCoach]) {
    await until(() => ws.about(x.id).length >= want.length, 5000, 'events');
    const evs = ws.about(x.id);
    assert.deepEqual(evs.map((e) => e.type), want);
    for (const e of evs) {
      assert.equal(e.topic, 'problems');
      assert.equal(e.hood, HOOD);
      assert.ok(!('actor' in e) && !('actor_id' in e), 'the actor is never sent');
    }
    const [created, updated, joined, commented, hidden, status, left, merged] = evs;
    assert.deepEqual([created.data.problem.id, created.data.problem.title, created.data.problem.firm.name], [x.id, 'Live-Problem', 'Glaserei Hoffmann']);
    assert.deepEqual([updated.data.changed, updated.data.problem.urgency], [['urgency'], 'high']);
    assert.deepEqual([joined.data.problem_id, joined.data.firm.name, joined.data.affected_firms, joined.data.hours_total], [x.id, 'Druck & Etikett Brandes', 2, 2]);
    assert.deepEqual([commented.data.comment.body, commented.data.comment.author.name, commented.data.comment.firm.name], ['Live-Kommentar', 'Sven Krüger', 'Metallbau Krüger']);
    assert.ok(!('mine' in commented.data.comment));
    assert.deepEqual([hidden.data.comment_id, hidden.data.hidden], [cm.body.id, true]);
    assert.ok(!JSON.stringify(hidden.data).includes('Test'), 'the reason stays with the coaches');
    assert.deepEqual([status.data.from, status.data.to, status.data.reason, status.data.by.name, status.data.problem.status], ['new', 'triaged', 'Live', 'Jonas Reinhardt', 'triaged']);
    assert.deepEqual([left.data.affected_firms, left.data.firm.name], [1, 'Druck & Etikett Brandes']);
    assert.deepEqual([merged.data.from, merged.data.into, merged.data.problem.id], [y.id, x.id, x.id]);
  }
  // Each event row was written in the change's transaction: its data is in the log.
  const logged = sql(s, `SELECT type FROM nb_events WHERE topic = 'problems' AND json_extract(data, '$.problem.id') = ${x.id} ORDER BY id`);
  assert.ok(logged.length >= 4);
  wsClaudia.close();
  wsCoach.close();
});

test('a refused change publishes nothing and writes nothing', async () => {
  const x = await createProblem(p.jana);
  const ws = await subscriber(p.coach);
  const before = sql(s, "SELECT max(id) AS id FROM nb_events WHERE topic = 'problems'")[0].id;
  const rowsBefore = sql(s, `SELECT (SELECT count(*) FROM problems_supporters) AS s, (SELECT count(*) FROM problems_comments) AS c, (SELECT count(*) FROM problems_history) AS h`)[0];
  assertError(await p.thomas.post(`${item(x.id)}/join`, {}), 409, 'own_problem', 'firm_id');
  assertError(await p.coach.post(`${item(x.id)}/status`, { status: 'declined' }), 400, 'required', 'reason');
  assertError(await p.claudia.post(`${item(x.id)}/comments`, { body: ' \n ' }), 400, 'invalid', 'body');
  assertError(await p.coach.post(`${item(x.id)}/merge`, { into: x.id }), 400, 'invalid', 'into');
  await sleep(200);
  assert.deepEqual(ws.about(x.id), []);
  assert.equal(sql(s, "SELECT max(id) AS id FROM nb_events WHERE topic = 'problems'")[0].id, before);
  assert.deepEqual(sql(s, `SELECT (SELECT count(*) FROM problems_supporters) AS s, (SELECT count(*) FROM problems_comments) AS c, (SELECT count(*) FROM problems_history) AS h`)[0], rowsBefore);
  ws.close();
});

test('a coordinator switches the plugin off: its routes answer 404 and it publishes nothing; on again, all is there', async () => {
  const x = await createProblem(p.jana);
  const off = await p.coordinator.put(`/api/v1/n/${HOOD}/plugins/problems`, { enabled: false });
  assert.equal(off.status, 200, off.text);
  try {
    assert.equal((await p.jana.get(BASE)).status, 404);
    assert.equal((await p.jana.get(item(x.id))).status, 404);
  } finally {
    assert.equal((await p.coordinator.put(`/api/v1/n/${HOOD}/plugins/problems`, { enabled: true })).status, 200);
  }
  assert.equal((await p.jana.get(item(x.id))).status, 200);
});

test('not signed in: 401; another neighbourhood: 404', async () => {
  assertError(await api(s.url, 'GET', BASE), 401, 'sign_in_required');
  assertError(await api(s.url, 'POST', BASE, { title: 'x' }), 401, 'sign_in_required');
  assertError(await p.jana.get('/api/v1/n/elsewhere/problems'), 404, 'not_found');
});

test('privacy: the export holds a person\'s problems, supports, comments and links; erase keeps or deletes them', async () => {
  const s2 = await startProblemsServer();
  servers.push(s2);
  const coord = await signIn(s2.url, PEOPLE.coordinator);
  // Two new people at Glaserei Hoffmann, so the demo people stay intact.
  const people = [];
  for (const name of ['Lukas Lehrling', 'Mira Meister']) {
    const email = `${name.split(' ')[0].toLowerCase()}-${process.pid}@glaserei.example`;
    const firmId = (await coord.get(`/api/v1/n/${HOOD}/firms?q=Glaserei`)).body.items[0].id;
    const inv = await coord.post(`/api/v1/n/${HOOD}/invites`, { email, display_name: name, firm_id: firmId, role: 'member' });
    assert.equal(inv.status, 201, inv.text);
    const token = inv.body.link.split('/').pop();
    const acc = await api(s2.url, 'POST', `/api/v1/invites/${token}/accept`, { password: 'ein-langes-passwort-42' });
    assert.ok([200, 204].includes(acc.status), acc.text);
    people.push({ email, client: await signIn(s2.url, email, 'ein-langes-passwort-42') });
  }
  const [lukas, mira] = people.map((x) => x.client);
  const other = await signIn(s2.url, PEOPLE.claudia);
  const theirs = await createProblem(other, { title: 'Von Claudia' });
  const l1 = await createProblem(lukas, { title: 'Lukas Problem', visibility: 'anonymous' });
  await lukas.post(`${BASE}/${theirs.id}/join`, { note: 'Lukas unterstützt' });
  await lukas.post(`${BASE}/${theirs.id}/comments`, { body: 'Lukas kommentiert' });
  await lukas.post(`${BASE}/${theirs.id}/links`, { url: 'https://example.org/lukas' });
  const m1 = await createProblem(mira, { title: 'Miras Problem' });
  await mira.post(`${BASE}/${theirs.id}/comments`, { body: 'Mira kommentiert' });
  await other.post(`${BASE}/${m1.id}/join`, {});
  await other.post(`${BASE}/${m1.id}/comments`, { body: 'Claudia an Mira' });

  const ex = await lukas.get('/api/v1/me/export');
  assert.equal(ex.status, 200);
  const e = ex.body.plugins.problems;
  assert.deepEqual(e.problems.map((x) => [x.id, x.title, x.visibility]), [[l1.id, 'Lukas Problem', 'anonymous']]);
  assert.deepEqual(e.supports.map((x) => [x.problem_id, x.note]), [[theirs.id, 'Lukas unterstützt']]);
  assert.deepEqual(e.comments.map((x) => x.body), ['Lukas kommentiert']);
  assert.deepEqual(e.links.map((x) => x.url), ['https://example.org/lukas']);
  assert.deepEqual(e.moderation, []);
  assert.ok(!ex.text.includes('Mira kommentiert') && !ex.text.includes('Von Claudia'), 'nothing of others');
  // The coach's export holds the status changes.
  const coach = await signIn(s2.url, PEOPLE.coach);
  await coach.post(`${BASE}/${theirs.id}/status`, { status: 'triaged' });
  const mod = (await coach.get('/api/v1/me/export')).body.plugins.problems.moderation;
  assert.deepEqual(mod.filter((x) => x.problem_id === theirs.id).map((x) => [x.kind, x.from, x.to]), [['status', 'new', 'triaged']]);
  assert.ok(mod.length > 1, 'and the demo\'s status changes by the coach');

  // Lukas leaves, keeping his contributions: they stay, without his name.
  const gone = await lukas.del('/api/v1/me', { confirm: people[0].email });
  assert.equal(gone.status, 204, gone.text);
  const kept = await other.get(`${BASE}/${l1.id}`);
  assert.equal(kept.status, 200);
  assert.equal(kept.body.author, null);
  const cs = await other.get(`${BASE}/${theirs.id}/comments`);
  assert.ok(cs.body.items.some((c) => c.body === 'Lukas kommentiert' && c.author === null));
  assert.ok(!JSON.stringify((await coach.get(`${BASE}/${theirs.id}`)).body).includes('Lukas Lehrling'));
  // Mira leaves and deletes her content: her problem, its support and comments, her comments elsewhere.
  const gone2 = await mira.del('/api/v1/me', { confirm: people[1].email, delete_content: true });
  assert.equal(gone2.status, 204, gone2.text);
  assertError(await other.get(`${BASE}/${m1.id}`), 404, 'not_found');
  const cs2 = await other.get(`${BASE}/${theirs.id}/comments`);
  assert.ok(!cs2.body.items.some((c) => c.body === 'Mira kommentiert'));
  assert.equal(sql(s2, `SELECT count(*) AS n FROM problems_comments WHERE body = 'Claudia an Mira'`)[0].n, 0);
  assert.equal(sql(s2, `SELECT count(*) AS n FROM problems_fts WHERE rowid = ${m1.id}`)[0].n, 0);
  assert.deepEqual((await other.get(`${BASE}?q=Miras`)).body.items, []);
  await s2.stop();
});
