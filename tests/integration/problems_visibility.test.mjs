// The problems plugin's visibility rules, checked in every place a firm
// could be named: answers (detail, list, search, ranking, supporters,
// comments), live events to WebSocket subscribers of other firms (live
// and replayed), the CSV export, and after merges. Private problems reach
// their firm and the coaches only; anonymous ones show their content to
// the neighbourhood and their firm to nobody else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from './harness.mjs';
import {
  BASE, HOOD, startProblemsServer, signInAll, assertError, createProblem,
  listAll, word, subscriber, until, sleep, parseCsv, assertNotNamed,
} from './problems_helpers.mjs';

const servers = [];
let s;
let p;
// What would give Glaserei Hoffmann away (its people and its firm id).
let glaserei;
before(async () => {
  s = await startProblemsServer();
  servers.push(s);
  p = await signInAll(s.url, ['coordinator', 'coach', 'thomas', 'jana', 'claudia', 'mehmet', 'sven', 'aylin', 'andreas']);
  glaserei = ['Glaserei', 'Hoffmann', 'Jana Roth', 'Thomas', `"id":${p.jana.firm.id},"name"`];
});
after(() => stopAll(servers));

const item = (id) => `${BASE}/${id}`;

/** Every answer a person can get about problem `id` (and lists with it). */
async function everything(client, id, q) {
  const out = {};
  out.detail = await client.get(item(id));
  out.comments = await client.get(`${item(id)}/comments`);
  out.list = (await listAll(client, BASE)).filter((x) => x.id === id);
  out.search = (await client.get(`${BASE}?q=${encodeURIComponent(q)}`)).body.items;
  out.ranking = (await client.get(`${BASE}/ranking?limit=200`)).body.items.filter((x) => x.id === id);
  return out;
}

test('private: only the firm and the coaches see it — everyone else gets 404 and finds nothing', async () => {
  const q = word('Privat');
  const ws = { claudia: await subscriber(p.claudia), thomas: await subscriber(p.thomas), coach: await subscriber(p.coach) };
  const x = await createProblem(p.jana, { title: `Unser Server ${q}`, visibility: 'private' });
  await p.thomas.post(`${item(x.id)}/comments`, { body: 'intern' });
  await p.coach.post(`${item(x.id)}/status`, { status: 'triaged' });
  for (const who of ['claudia', 'mehmet', 'sven']) {
    const c = p[who];
    const all = await everything(c, x.id, q);
    assertError(all.detail, 404, 'not_found');
    assertError(all.comments, 404, 'not_found');
    assert.deepEqual([all.list, all.search, all.ranking], [[], [], []], who);
    assertError(await c.post(`${item(x.id)}/join`, {}), 404, 'not_found');
    assertError(await c.post(`${item(x.id)}/comments`, { body: 'x' }), 404, 'not_found');
    assertError(await c.post(`${item(x.id)}/links`, { url: 'https://example.org' }), 404, 'not_found');
    assertError(await c.patch(item(x.id), { title: 'x' }), 404, 'not_found');
    assert.deepEqual((await c.get(`${BASE}?firm_id=${p.jana.firm.id}&q=${q}`)).body.items, []);
  }
  // The firm and the coaches see it, named.
  for (const who of ['thomas', 'coach', 'coordinator']) {
    const all = await everything(p[who], x.id, q);
    assert.equal(all.detail.status, 200, who);
    assert.equal(all.detail.body.firm.name, 'Glaserei Hoffmann');
    assert.equal(all.list.length, 1);
    assert.equal(all.search.length, 1);
    assert.equal(all.ranking.length, 1);
    assert.equal(all.comments.body.items.length, 1);
  }
  // Events reach the firm and the coaches only.
  await until(() => ws.thomas.about(x.id).length === 3 && ws.coach.about(x.id).length === 3, 5000, 'firm events');
  assert.deepEqual(ws.thomas.about(x.id).map((e) => e.type), ['problem.created', 'problem.commented', 'problem.status']);
  assert.equal(ws.thomas.about(x.id)[0].data.problem.firm.name, 'Glaserei Hoffmann');
  await sleep(200);
  assert.deepEqual(ws.claudia.about(x.id), []);
  assertNotNamed(ws.claudia.msgs, [q], 'an event to another firm');
  // Not in the CSV either.
  const csv = await p.coordinator.get(`${BASE}/export.csv`);
  assertNotNamed(csv.text, [q], 'the CSV');
  for (const w of Object.values(ws)) w.close();
});

test('anonymous: the content is shared, the firm is named nowhere — detail, list, search, ranking, supporters, comments, events, CSV', async () => {
  const q = word('Anonym');
  const wsOthers = [await subscriber(p.claudia), await subscriber(p.sven)];
  const wsOwn = await subscriber(p.thomas);
  const wsCoach = await subscriber(p.coach);
  const x = await createProblem(p.jana, { title: `Buchhaltung chaotisch ${q}`, description: 'Belege überall', visibility: 'anonymous', hours_per_week: 3, category: 'bookkeeping' });
  // The recording person and the firm see whose it is.
  assert.deepEqual([x.firm.name, x.author.name, x.mine], ['Glaserei Hoffmann', 'Jana Roth', true]);
  // Neighbours join, comment; the firm comments on its own problem; the coach comments and triages.
  assert.equal((await p.claudia.post(`${item(x.id)}/join`, { note: 'Auch bei uns', hours_per_week: 2 })).status, 201);
  assert.equal((await p.sven.post(`${item(x.id)}/join`, { anonymous: false })).status, 201);
  assert.equal((await p.jana.post(`${item(x.id)}/comments`, { body: 'Wir nutzen noch Ordner.' })).status, 201);
  assert.equal((await p.mehmet.post(`${item(x.id)}/comments`, { body: 'Wir auch!' })).status, 201);
  assert.equal((await p.coach.post(`${item(x.id)}/comments`, { body: 'Ich kümmere mich.' })).status, 201);
  assert.equal((await p.coach.post(`${item(x.id)}/status`, { status: 'triaged' })).status, 200);
  assert.equal((await p.thomas.patch(item(x.id), { urgency: 'high' })).status, 200);
  assert.equal((await p.coach.post(`${item(x.id)}/links`, { url: 'https://example.org/belege' })).status, 201);

  // Another firm (Metallbau, who joined; and Elektro Schulz, who did not).
  for (const who of ['aylin', 'andreas']) {
    const all = await everything(p[who], x.id, q);
    assert.equal(all.detail.status, 200);
    const d = all.detail.body;
    assert.equal(d.title, `Buchhaltung chaotisch ${q}`, 'the content is shared');
    assert.deepEqual([d.firm, d.author, d.mine], [null, null, false]);
    assert.deepEqual([d.affected_firms, d.hours_total], [3, 5]);
    // Every supporter of an anonymous problem is unnamed to others, even one who asked to be named.
    assert.deepEqual(d.supporters.map((y) => [y.firm, y.mine]), who === 'aylin'
      ? [[null, false], [{ id: p.sven.firm.id, name: 'Metallbau Krüger' }, true]]
      : [[null, false], [null, false]]);
    assert.equal(d.supporters[0].note, 'Auch bei uns', 'notes are content');
    // Comment authors of firms are unnamed; the coach is named.
    const cs = all.comments.body.items;
    assert.deepEqual(cs.map((c) => [c.body, c.author?.name ?? null, c.firm, c.role]), [
      ['Wir nutzen noch Ordner.', null, null, 'firm'],
      ['Wir auch!', null, null, 'firm'],
      ['Ich kümmere mich.', 'Jonas Reinhardt', null, 'coach'],
    ]);
    assert.equal(all.list.length, 1);
    assert.deepEqual([all.list[0].firm, all.list[0].author], [null, null]);
    assert.equal(all.search.length, 1);
    assert.deepEqual([all.search[0].firm, all.search[0].author], [null, null]);
    assert.equal(all.ranking.length, 1);
    assert.deepEqual([all.ranking[0].firm, all.ranking[0].author], [null, null]);
    for (const [k, v] of Object.entries(all)) assertNotNamed(v.body ?? v, [...glaserei, 'Druck & Etikett', 'Mehmet', 'Claudia'], `${who}: ${k}`);
    // Filtering by the firm does not find it; searching the firm's name does not either.
    assert.ok(!(await listAll(p[who], `${BASE}?firm_id=${p.jana.firm.id}`)).some((y) => y.id === x.id), 'firm_id filter');
    assert.ok(!(await p[who].get(`${BASE}?q=Glaserei`)).body.items.some((y) => y.id === x.id), 'search for the firm');
    assert.ok(!(await p[who].get(`${BASE}?q=Hoffmann%20${q}`)).body.items.some((y) => y.id === x.id));
  }
  // Druck & Etikett (a supporter) sees itself named, the problem's firm not.
  const dc = (await p.mehmet.get(item(x.id))).body;
  assert.equal(dc.firm, null);
  assert.deepEqual(dc.supporters.map((y) => y.firm?.name ?? null), ['Druck & Etikett Brandes', null]);
  const mc = (await p.mehmet.get(`${item(x.id)}/comments`)).body.items;
  assert.deepEqual(mc.map((c) => c.firm?.name ?? null), [null, 'Druck & Etikett Brandes', null], 'their own comment shows their firm');
  // The firm itself sees its people, not the supporters.
  const own = (await p.thomas.get(item(x.id))).body;
  assert.deepEqual([own.firm.name, own.author.name, own.mine], ['Glaserei Hoffmann', 'Jana Roth', true]);
  assert.deepEqual(own.supporters.map((y) => y.firm), [null, null]);
  const oc = (await p.thomas.get(`${item(x.id)}/comments`)).body.items;
  assert.deepEqual(oc.map((c) => c.author?.name ?? null), ['Jana Roth', null, 'Jonas Reinhardt']);
  // The coaches see everyone.
  const co = (await p.coach.get(item(x.id))).body;
  assert.deepEqual([co.firm.name, co.author.name], ['Glaserei Hoffmann', 'Jana Roth']);
  assert.deepEqual(co.supporters.map((y) => y.firm.name), ['Druck & Etikett Brandes', 'Metallbau Krüger']);
  const cc = (await p.coach.get(`${item(x.id)}/comments`)).body.items;
  assert.deepEqual(cc.map((c) => c.author.name), ['Jana Roth', 'Mehmet Aydin', 'Jonas Reinhardt']);

  // Events: the neighbourhood gets them all, none names the firm or a firm's person.
  const types = ['problem.created', 'problem.joined', 'problem.joined', 'problem.commented', 'problem.commented', 'problem.commented', 'problem.status', 'problem.updated', 'problem.updated'];
  for (const ws of [...wsOthers, wsOwn, wsCoach]) {
    await until(() => ws.about(x.id).length >= types.length, 5000, 'anonymous events');
    assert.deepEqual(ws.about(x.id).map((e) => e.type), types);
    assertNotNamed(ws.about(x.id), [...glaserei, 'Druck & Etikett', 'Mehmet', 'Metallbau', 'Sven'], 'an event of an anonymous problem');
    const created = ws.about(x.id)[0].data.problem;
    assert.deepEqual([created.title, created.firm, created.author], [`Buchhaltung chaotisch ${q}`, null, null]);
    assert.equal(ws.about(x.id)[5].data.comment.author.name, 'Jonas Reinhardt', 'the coach is named');
    assert.equal(ws.about(x.id)[6].data.by.name, 'Jonas Reinhardt');
  }
  // Replayed events are the same: a late subscriber replaying from 0.
  const late = await subscriber(p.andreas, ['problems'], 0);
  assert.equal(late.about(x.id).length, types.length);
  assertNotNamed(late.about(x.id), [...glaserei, 'Druck & Etikett', 'Mehmet', 'Metallbau', 'Sven'], 'a replayed event');

  // The CSV counts the firms, names none of them.
  const csv = await p.coordinator.get(`${BASE}/export.csv?category=bookkeeping`);
  const row = parseCsv(csv.text.replace(/^\uFEFF/, '')).find((r) => r[1] === String(x.id));
  assert.ok(row, csv.text);
  assert.deepEqual([row[7], row[9], row[10], row[11]], ['3', 'anonymous', '', '3']);
  assertNotNamed(row, [...glaserei, 'Druck & Etikett', 'Metallbau'], 'the CSV row');
  for (const w of [...wsOthers, wsOwn, wsCoach, late]) w.close();
});

test('open problems: a supporter or commenter who asks to stay anonymous is named to nobody else', async () => {
  const ws = await subscriber(p.claudia);
  const x = await createProblem(p.jana, { title: 'Offenes Problem' });
  assert.equal((await p.sven.post(`${item(x.id)}/join`, { anonymous: true, note: 'lieber anonym' })).status, 201);
  assert.equal((await p.andreas.post(`${item(x.id)}/join`, {})).status, 201);
  assert.equal((await p.aylin.post(`${item(x.id)}/comments`, { body: 'Anonymer Kommentar', anonymous: true })).status, 201);
  assert.equal((await p.aylin.post(`${item(x.id)}/comments`, { body: 'Offener Kommentar' })).status, 201);
  const d = (await p.claudia.get(item(x.id))).body;
  assert.equal(d.firm.name, 'Glaserei Hoffmann');
  assert.deepEqual(d.supporters.map((y) => [y.firm?.name ?? null, y.anonymous]), [[null, true], ['Elektro Schulz', false]]);
  const cs = (await p.claudia.get(`${item(x.id)}/comments`)).body.items;
  assert.deepEqual(cs.map((c) => c.author?.name ?? null), [null, 'Aylin Demir']);
  // Even the problem's own firm does not learn who stays anonymous.
  assert.equal((await p.thomas.get(item(x.id))).body.supporters[0].firm, null);
  // The supporter's own firm and the coach do.
  assert.equal((await p.aylin.get(item(x.id))).body.supporters[0].firm.name, 'Metallbau Krüger');
  assert.equal((await p.coach.get(item(x.id))).body.supporters[0].firm.name, 'Metallbau Krüger');
  await until(() => ws.about(x.id).length >= 5, 5000, 'events');
  const [, j1, j2, c1, c2] = ws.about(x.id);
  assert.deepEqual([j1.type, j1.data.firm, j2.data.firm.name], ['problem.joined', null, 'Elektro Schulz']);
  assert.deepEqual([c1.data.comment.author, c1.data.comment.firm, c2.data.comment.author.name], [null, null, 'Aylin Demir']);
  // Leaving anonymously stays anonymous.
  assert.equal((await p.sven.del(`${item(x.id)}/join`)).status, 200);
  await until(() => ws.about(x.id).length >= 6, 5000, 'left event');
  assert.deepEqual([ws.about(x.id)[5].type, ws.about(x.id)[5].data.firm], ['problem.left', null]);
  // In the CSV: the firm and the named supporter, one unnamed count gone with Sven's leaving.
  const row = parseCsv((await p.coordinator.get(`${BASE}/export.csv`)).text.replace(/^\uFEFF/, '')).find((r) => r[1] === String(x.id));
  assert.deepEqual([row[7], row[10], row[11]], ['2', 'Glaserei Hoffmann; Elektro Schulz', '0']);
  assertNotNamed([j1, c1], ['Metallbau', 'Sven', 'Aylin'], 'the anonymous join and comment events');
  ws.close();
});

test('changing visibility: private hides it at once and tells others only its id; anonymous stops naming the firm', async () => {
  const ws = await subscriber(p.claudia);
  const q = word('Wechsel');
  const x = await createProblem(p.jana, { title: `Sichtbarkeit ${q}` });
  assert.equal((await p.claudia.get(item(x.id))).status, 200);
  assert.equal((await p.thomas.patch(item(x.id), { visibility: 'private' })).status, 200);
  assertError(await p.claudia.get(item(x.id)), 404, 'not_found');
  assert.deepEqual((await p.claudia.get(`${BASE}?q=${q}`)).body.items, []);
  await until(() => ws.about(x.id).length >= 2, 5000, 'events');
  const gone = ws.about(x.id)[1];
  assert.equal(gone.type, 'problem.updated');
  assert.deepEqual(gone.data.problem, { id: x.id, visibility: 'private' });
  // While private, edits reach nobody outside.
  assert.equal((await p.jana.patch(item(x.id), { description: 'geheim' })).status, 200);
  await sleep(200);
  assert.equal(ws.about(x.id).length, 2);
  assertNotNamed(ws.msgs, ['geheim'], 'events to others');
  // Anonymous: content back, firm not.
  assert.equal((await p.jana.patch(item(x.id), { visibility: 'anonymous' })).status, 200);
  const d = (await p.claudia.get(item(x.id))).body;
  assert.deepEqual([d.firm, d.author, d.description], [null, null, 'geheim']);
  await until(() => ws.about(x.id).length >= 3, 5000, 'event');
  assertNotNamed(ws.about(x.id)[2], glaserei, 'the event after going anonymous');
  ws.close();
});

test('merging keeps protection: a private duplicate\'s firm, comments and links stay hidden; an anonymous duplicate\'s firm stays unnamed', async () => {
  const wsOther = await subscriber(p.claudia);
  const wsDupFirm = await subscriber(p.aylin);
  const kept = await createProblem(p.jana, { title: 'Offen und behalten' });
  // A private duplicate of Metallbau, with an internal comment and link.
  const priv = await createProblem(p.sven, { title: 'Privat doppelt', visibility: 'private', hours_per_week: 4 });
  assert.equal((await p.sven.post(`${item(priv.id)}/comments`, { body: 'Nur intern bei Krüger' })).status, 201);
  assert.equal((await p.coach.post(`${item(priv.id)}/comments`, { body: 'Coach an Krüger privat' })).status, 201);
  assert.equal((await p.sven.post(`${item(priv.id)}/links`, { url: 'https://intern.example/krueger' })).status, 201);
  // An anonymous duplicate of Elektro Schulz, with a comment of its own firm.
  const anon = await createProblem(p.andreas, { title: 'Anonym doppelt', visibility: 'anonymous' });
  assert.equal((await p.andreas.post(`${item(anon.id)}/comments`, { body: 'Schulz schreibt anonym' })).status, 201);
  // Not into another firm's private problem.
  assertError(await p.coach.post(`${item(anon.id)}/merge`, { into: priv.id }), 409, 'visibility_conflict', 'into');
  for (const dup of [priv, anon]) assert.equal((await p.coach.post(`${item(dup.id)}/merge`, { into: kept.id })).status, 200);

  const d = (await p.claudia.get(item(kept.id))).body;
  assert.equal(d.affected_firms, 3);
  assert.equal(d.hours_total, 4);
  assert.deepEqual(d.supporters.map((y) => [y.firm, y.anonymous]), [[null, true], [null, true]]);
  assert.deepEqual(d.links, [], 'the private link stays private');
  const cs = (await p.claudia.get(`${item(kept.id)}/comments`)).body.items;
  assert.deepEqual(cs.map((c) => [c.body, c.author, c.firm]), [['Schulz schreibt anonym', null, null]]);
  assert.equal(d.comments, 1);
  assertNotNamed([d, cs], ['Krüger', 'Metallbau', 'Sven', 'Schulz"', 'Elektro', 'Andreas', 'intern'], 'the kept problem for another firm');
  // Metallbau still sees its own comments, link and support.
  const m = (await p.aylin.get(item(kept.id))).body;
  assert.deepEqual(m.supporters.map((y) => y.firm?.name ?? null), ['Metallbau Krüger', null]);
  assert.deepEqual(m.links.map((l) => l.url), ['https://intern.example/krueger']);
  const mc = (await p.aylin.get(`${item(kept.id)}/comments`)).body.items;
  assert.deepEqual(mc.map((c) => c.body), ['Nur intern bei Krüger', 'Coach an Krüger privat', 'Schulz schreibt anonym']);
  // The coach sees all.
  const cc = (await p.coach.get(`${item(kept.id)}/comments`)).body.items;
  assert.deepEqual(cc.map((c) => c.author.name), ['Sven Krüger', 'Jonas Reinhardt', 'Andreas Schulz']);
  // The private duplicate still answers 404 to others; its firm is redirected.
  assertError(await p.claudia.get(item(priv.id)), 404, 'not_found');
  const r = await fetch(s.url + item(priv.id), { headers: p.aylin.headers(), redirect: 'manual' });
  assert.equal(r.status, 308);
  // Events: the private merge reached Metallbau (and the coaches); the others learned of the kept problem only.
  await until(() => wsDupFirm.events().some((e) => e.type === 'problem.merged' && e.data.from === priv.id), 5000, 'merged event');
  await until(() => wsOther.about(kept.id).some((e) => e.type === 'problem.updated'), 5000, 'updated event');
  assert.ok(!wsOther.events().some((e) => e.type === 'problem.merged' && e.data.from === priv.id), 'no private merge event to others');
  assert.ok(wsOther.events().some((e) => e.type === 'problem.merged' && e.data.from === anon.id));
  assertNotNamed(wsOther.msgs, ['Krüger', 'Metallbau', 'Sven', 'Privat doppelt', 'Elektro Schulz', 'Andreas', 'intern'], 'events to another firm');
  // The CSV: three affected, one named.
  const row = parseCsv((await p.coordinator.get(`${BASE}/export.csv`)).text.replace(/^\uFEFF/, '')).find((x) => x[1] === String(kept.id));
  assert.deepEqual([row[7], row[10], row[11]], ['3', 'Glaserei Hoffmann', '2']);
  wsOther.close();
  wsDupFirm.close();
});
