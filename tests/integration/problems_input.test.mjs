// Bad input on every field of every route of the problems plugin: the
// right status, {"error": {code, message, field}}, and nothing written —
// no row in any of the plugin's tables, no event.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopAll } from './harness.mjs';
import {
  BASE, HOOD, startProblemsServer, signInAll, assertError, createProblem,
  counts, eventCount,
} from './problems_helpers.mjs';

const servers = [];
let s;
let p;
let x; // an open problem of Glaserei Hoffmann
let cid; // a comment on it
let merged; // a problem merged into x
before(async () => {
  s = await startProblemsServer({ config: { limits: { max_body: 16384 } } });
  servers.push(s);
  p = await signInAll(s.url, ['coordinator', 'coach', 'jana', 'claudia', 'sven']);
  x = await createProblem(p.jana);
  cid = (await p.claudia.post(`${BASE}/${x.id}/comments`, { body: 'Kommentar' })).body.id;
  merged = await createProblem(p.sven);
  assert.equal((await p.coach.post(`${BASE}/${merged.id}/merge`, { into: x.id })).status, 200);
});
after(() => stopAll(servers));

/** Run `cases` ([label, promise-returning fn, status, code, field]) and
 * check that none of them wrote a row or an event. */
async function refused(cases) {
  const rows = counts(s);
  const events = eventCount(s);
  for (const [label, run, status, code, field] of cases) {
    const r = await run();
    try {
      assertError(r, status, code, field);
    } catch (e) {
      e.message = `${label}: ${e.message}`;
      throw e;
    }
  }
  assert.deepEqual(counts(s), rows, 'nothing was written');
  assert.equal(eventCount(s), events, 'no event was published');
}

const long = (n) => 'x'.repeat(n);
const ok = { title: 'Titel', category: 'communication', visibility: 'open' };

test('POST problems: every field', async () => {
  const post = (body) => () => p.jana.post(BASE, body);
  const without = (k) => { const b = { ...ok }; delete b[k]; return b; };
  await refused([
    ['no body', () => p.jana.req('POST', BASE, ''), 400, 'required', 'title'],
    ['not JSON', () => p.jana.req('POST', BASE, '{"title":'), 400, 'bad_json', null],
    ['an array', post([1]), 400, 'invalid', null],
    ['a string', () => p.jana.req('POST', BASE, '"x"'), 400, 'invalid', null],
    ['duplicate keys', () => p.jana.req('POST', BASE, '{"title":"a","title":"b"}'), 400, 'bad_json', null],
    ['text/plain', () => p.jana.req('POST', BASE, JSON.stringify(ok), { 'content-type': 'text/plain' }), 415, 'unsupported_media_type', null],
    ['too large', post({ ...ok, description: long(20000) }), 413, 'body_too_large', null],
    ['unknown field', post({ ...ok, status: 'solved' }), 400, 'unknown_field', 'status'],
    ['unknown field 2', post({ ...ok, firm: 1 }), 400, 'unknown_field', 'firm'],
    ['title missing', post(without('title')), 400, 'required', 'title'],
    ['title null', post({ ...ok, title: null }), 400, 'required', 'title'],
    ['title number', post({ ...ok, title: 5 }), 400, 'invalid', 'title'],
    ['title empty', post({ ...ok, title: '' }), 400, 'invalid', 'title'],
    ['title blank', post({ ...ok, title: '  \t ' }), 400, 'invalid', 'title'],
    ['title too long', post({ ...ok, title: long(201) }), 400, 'invalid', 'title'],
    ['title two lines', post({ ...ok, title: 'a\nb' }), 400, 'invalid', 'title'],
    ['title control', post({ ...ok, title: 'a\u0007b' }), 400, 'invalid', 'title'],
    ['title bidi override', post({ ...ok, title: 'a\u202eb' }), 400, 'invalid', 'title'],
    ['description number', post({ ...ok, description: 1 }), 400, 'invalid', 'description'],
    ['description too long', post({ ...ok, description: long(10001) }), 400, 'invalid', 'description'],
    ['description NUL', post({ ...ok, description: 'a\u0000b' }), 400, 'bad_json', null],
    ['description control', post({ ...ok, description: 'a\u0007b' }), 400, 'invalid', 'description'],
    ['category missing', post(without('category')), 400, 'required', 'category'],
    ['category unknown', post({ ...ok, category: 'astrologie' }), 400, 'invalid', 'category'],
    ['category array', post({ ...ok, category: ['website'] }), 400, 'invalid', 'category'],
    ['category too long', post({ ...ok, category: long(41) }), 400, 'invalid', 'category'],
    ['urgency unknown', post({ ...ok, urgency: 'sofort' }), 400, 'invalid', 'urgency'],
    ['urgency number', post({ ...ok, urgency: 3 }), 400, 'invalid', 'urgency'],
    ['urgency uppercase', post({ ...ok, urgency: 'HIGH' }), 400, 'invalid', 'urgency'],
    ['hours negative', post({ ...ok, hours_per_week: -1 }), 400, 'invalid', 'hours_per_week'],
    ['hours > 168', post({ ...ok, hours_per_week: 168.5 }), 400, 'invalid', 'hours_per_week'],
    ['hours string', post({ ...ok, hours_per_week: '5' }), 400, 'invalid', 'hours_per_week'],
    ['visibility missing', post(without('visibility')), 400, 'required', 'visibility'],
    ['visibility unknown', post({ ...ok, visibility: 'public' }), 400, 'invalid', 'visibility'],
    ['visibility bool', post({ ...ok, visibility: true }), 400, 'invalid', 'visibility'],
    ['firm_id of another firm', post({ ...ok, firm_id: p.claudia.firm.id }), 403, 'forbidden', 'firm_id'],
    ['firm_id string', post({ ...ok, firm_id: '1' }), 400, 'invalid', 'firm_id'],
    ['firm_id 0', post({ ...ok, firm_id: 0 }), 400, 'invalid', 'firm_id'],
    ['firm_id real', post({ ...ok, firm_id: 1.5 }), 400, 'invalid', 'firm_id'],
    ['coach: firm_id unknown', () => p.coach.post(BASE, { ...ok, firm_id: 987654 }), 400, 'invalid', 'firm_id'],
    ['coach: no firm_id', () => p.coach.post(BASE, ok), 400, 'required', 'firm_id'],
  ]);
});

test('PATCH problems/:id: every field, ids, rights', async () => {
  const patch = (body, who = p.jana, id = x.id) => () => who.patch(`${BASE}/${id}`, body);
  await refused([
    ['empty object', patch({}), 400, 'invalid', null],
    ['unknown field', patch({ firm_id: 3 }), 400, 'unknown_field', 'firm_id'],
    ['title null', patch({ title: null }), 400, 'invalid', 'title'],
    ['title blank', patch({ title: ' ' }), 400, 'invalid', 'title'],
    ['title too long', patch({ title: long(201) }), 400, 'invalid', 'title'],
    ['title control', patch({ title: 'a\rb' }), 400, 'invalid', 'title'],
    ['description too long', patch({ description: long(10001) }), 400, 'invalid', 'description'],
    ['category null', patch({ category: null }), 400, 'invalid', 'category'],
    ['category unknown', patch({ category: 'nope' }), 400, 'invalid', 'category'],
    ['urgency null', patch({ urgency: null }), 400, 'invalid', 'urgency'],
    ['urgency bad', patch({ urgency: 'egal' }), 400, 'invalid', 'urgency'],
    ['hours bad', patch({ hours_per_week: 200 }), 400, 'invalid', 'hours_per_week'],
    ['visibility null', patch({ visibility: null }), 400, 'invalid', 'visibility'],
    ['visibility bad', patch({ visibility: 'secret' }), 400, 'invalid', 'visibility'],
    ['member: status', patch({ status: 'triaged' }), 403, 'forbidden', 'status'],
    ['member: status_reason', patch({ status_reason: 'x' }), 403, 'forbidden', 'status_reason'],
    ['member: workshop_ref', patch({ workshop_ref: '5' }), 403, 'forbidden', 'workshop_ref'],
    ['other firm: title', patch({ title: 'x' }, p.claudia), 403, 'forbidden', 'title'],
    ['other firm: hours', patch({ hours_per_week: 1 }, p.claudia), 403, 'forbidden', 'hours_per_week'],
    ['coach: visibility', patch({ visibility: 'private' }, p.coach), 403, 'forbidden', 'visibility'],
    ['coach: status null', patch({ status: null }, p.coach), 400, 'invalid', 'status'],
    ['coach: status bad', patch({ status: 'done' }, p.coach), 400, 'invalid', 'status'],
    ['coach: status skips', patch({ status: 'solved' }, p.coach), 409, 'invalid_transition', 'status'],
    ['coach: status same', patch({ status: 'new' }, p.coach), 409, 'invalid_transition', 'status'],
    ['coach: reason without status', patch({ status_reason: 'weil' }, p.coach), 400, 'invalid', 'status_reason'],
    ['coach: reason control', patch({ status: 'triaged', status_reason: 'a\u0001' }, p.coach), 400, 'invalid', 'status_reason'],
    ['coach: workshop_ref javascript', patch({ workshop_ref: 'javascript:alert(1)' }, p.coach), 400, 'invalid', 'workshop_ref'],
    ['coach: workshop_ref spaces', patch({ workshop_ref: 'a b' }, p.coach), 400, 'invalid', 'workshop_ref'],
    ['coach: workshop_ref //', patch({ workshop_ref: '//evil.example' }, p.coach), 400, 'invalid', 'workshop_ref'],
    ['coach: workshop_ref number', patch({ workshop_ref: 5 }, p.coach), 400, 'invalid', 'workshop_ref'],
    ['coach: workshop_ref too long', patch({ workshop_ref: long(501) }, p.coach), 400, 'invalid', 'workshop_ref'],
    ['coach: declined without reason', patch({ status: 'declined' }, p.coach), 400, 'required', 'status_reason'],
    ['id not a number', patch({ title: 'x' }, p.jana, 'abc'), 400, 'invalid', 'id'],
    ['id 0', patch({ title: 'x' }, p.jana, '0'), 400, 'invalid', 'id'],
    ['id negative', patch({ title: 'x' }, p.jana, '-3'), 400, 'invalid', 'id'],
    ['id huge', patch({ title: 'x' }, p.jana, '99999999999999999999'), 400, 'invalid', 'id'],
    ['id 1e3', patch({ title: 'x' }, p.jana, '1e3'), 400, 'invalid', 'id'],
    ['id unknown', patch({ title: 'x' }, p.jana, '987654'), 404, 'not_found', null],
    ['merged', patch({ title: 'x' }, p.sven, merged.id), 409, 'merged', null],
  ]);
});

test('GET problems and problems/:id: query arguments and ids', async () => {
  const get = (q, who = p.jana) => () => who.get(`${BASE}${q}`);
  await refused([
    ['limit 0', get('?limit=0'), 400, 'invalid', 'limit'],
    ['limit 201', get('?limit=201'), 400, 'invalid', 'limit'],
    ['limit abc', get('?limit=abc'), 400, 'invalid', 'limit'],
    ['limit empty', get('?limit='), 400, 'invalid', 'limit'],
    ['limit -1', get('?limit=-1'), 400, 'invalid', 'limit'],
    ['cursor abc', get('?cursor=abc'), 400, 'invalid', 'cursor'],
    ['cursor -5', get('?cursor=-5'), 400, 'invalid', 'cursor'],
    ['cursor 0', get('?cursor=0'), 400, 'invalid', 'cursor'],
    ['status bogus', get('?status=bogus'), 400, 'invalid', 'status'],
    ['status list with bogus', get('?status=new,bogus'), 400, 'invalid', 'status'],
    ['status commas only', get('?status=,,'), 400, 'invalid', 'status'],
    ['category bad', get('?category=BAD!'), 400, 'invalid', 'category'],
    ['category too long', get(`?category=${long(41)}`), 400, 'invalid', 'category'],
    ['visibility bad', get('?visibility=hidden'), 400, 'invalid', 'visibility'],
    ['firm_id bad', get('?firm_id=abc'), 400, 'invalid', 'firm_id'],
    ['firm_id 0', get('?firm_id=0'), 400, 'invalid', 'firm_id'],
    ['mine bad', get('?mine=maybe'), 400, 'invalid', 'mine'],
    ['joined bad', get('?joined=2'), 400, 'invalid', 'joined'],
    ['q too long', get(`?q=${long(201)}`), 400, 'invalid', 'q'],
    ['q only punctuation', get('?q=%21%3F%22'), 400, 'invalid', 'q'],
    ['a long argument does not hide later ones', get(`?q=${long(150)}&limit=0`), 400, 'invalid', 'limit'],
    ['id bad', get('/x1'), 400, 'invalid', 'id'],
    ['id unknown', get('/987654'), 404, 'not_found', null],
    ['comments: id bad', get('/abc/comments'), 400, 'invalid', 'id'],
    ['comments: limit bad', get(`/${x.id}/comments?limit=1000`), 400, 'invalid', 'limit'],
    ['comments: cursor bad', get(`/${x.id}/comments?cursor=x`), 400, 'invalid', 'cursor'],
    ['comments: unknown problem', get('/987654/comments'), 404, 'not_found', null],
    ['ranking: status bad', get('/ranking?status=x'), 400, 'invalid', 'status'],
    ['ranking: shared bad', get('/ranking?shared=yes'), 400, 'invalid', 'shared'],
    ['ranking: limit bad', get('/ranking?limit=0'), 400, 'invalid', 'limit'],
    ['ranking: cursor bad', get('/ranking?cursor=a'), 400, 'invalid', 'cursor'],
    ['categories: all bad', get('/categories?all=x'), 400, 'invalid', 'all'],
    ['csv: member', get('/export.csv'), 403, 'forbidden', null],
    ['csv: delimiter bad', get('/export.csv?delimiter=tab', p.coordinator), 400, 'invalid', 'delimiter'],
    ['csv: status bad', get('/export.csv?status=x', p.coordinator), 400, 'invalid', 'status'],
    ['csv: category bad', get('/export.csv?category=%20', p.coordinator), 400, 'invalid', 'category'],
  ]);
});

test('join and leave: every field', async () => {
  const join = (body, who = p.claudia, id = x.id) => () => who.post(`${BASE}/${id}/join`, body);
  await refused([
    ['unknown field', join({ firm: 1 }), 400, 'unknown_field', 'firm'],
    ['note number', join({ note: 5 }), 400, 'invalid', 'note'],
    ['note too long', join({ note: long(1001) }), 400, 'invalid', 'note'],
    ['note control', join({ note: 'a\u0008' }), 400, 'invalid', 'note'],
    ['hours negative', join({ hours_per_week: -0.5 }), 400, 'invalid', 'hours_per_week'],
    ['hours string', join({ hours_per_week: 'viel' }), 400, 'invalid', 'hours_per_week'],
    ['urgency bad', join({ urgency: 'dringend' }), 400, 'invalid', 'urgency'],
    ['anonymous string', join({ anonymous: 'yes' }), 400, 'invalid', 'anonymous'],
    ['firm_id of another firm', join({ firm_id: p.sven.firm.id }), 403, 'forbidden', 'firm_id'],
    ['firm_id string', join({ firm_id: 'x' }), 400, 'invalid', 'firm_id'],
    ['own problem', join({}, p.jana), 409, 'own_problem', 'firm_id'],
    ['coach without firm_id', join({}, p.coach), 400, 'required', 'firm_id'],
    ['coach, unknown firm', join({ firm_id: 987654 }, p.coach), 400, 'invalid', 'firm_id'],
    ['id bad', join({}, p.claudia, 'x'), 400, 'invalid', 'id'],
    ['unknown problem', join({}, p.claudia, 987654), 404, 'not_found', null],
    ['merged problem', join({}, p.claudia, merged.id), 409, 'merged', null],
    ['leave: not joined', () => p.claudia.del(`${BASE}/${x.id}/join`), 404, 'not_joined', 'firm_id'],
    ['leave: firm_id bad', () => p.claudia.del(`${BASE}/${x.id}/join?firm_id=abc`), 400, 'invalid', 'firm_id'],
    ['leave: firm_id empty', () => p.claudia.del(`${BASE}/${x.id}/join?firm_id=`), 400, 'invalid', 'firm_id'],
    ['leave: other firm', () => p.claudia.del(`${BASE}/${x.id}/join?firm_id=${p.sven.firm.id}`), 403, 'forbidden', 'firm_id'],
    ['leave: id bad', () => p.claudia.del(`${BASE}/0/join`), 400, 'invalid', 'id'],
  ]);
  assert.equal((await p.claudia.post(`${BASE}/${x.id}/join`, {})).status, 201);
  await refused([['again', join({}), 409, 'already_joined', 'firm_id']]);
});

test('comments, hiding, links: every field', async () => {
  const c = (body, who = p.claudia, id = x.id) => () => who.post(`${BASE}/${id}/comments`, body);
  const hide = (body, who = p.coach, comment = cid, id = x.id) => () => who.post(`${BASE}/${id}/comments/${comment}/hide`, body);
  const link = (body, who = p.claudia) => () => who.post(`${BASE}/${x.id}/links`, body);
  await refused([
    ['body missing', c({}), 400, 'required', 'body'],
    ['body empty', c({ body: '' }), 400, 'invalid', 'body'],
    ['body blank', c({ body: ' \n\t ' }), 400, 'invalid', 'body'],
    ['body too long', c({ body: long(5001) }), 400, 'invalid', 'body'],
    ['body object', c({ body: { text: 'x' } }), 400, 'invalid', 'body'],
    ['body control', c({ body: 'a\u001bb' }), 400, 'invalid', 'body'],
    ['anonymous number', c({ body: 'x', anonymous: 1 }), 400, 'invalid', 'anonymous'],
    ['unknown field', c({ body: 'x', author: 'y' }), 400, 'unknown_field', 'author'],
    ['unknown problem', c({ body: 'x' }, p.claudia, 987654), 404, 'not_found', null],
    ['merged problem', c({ body: 'x' }, p.claudia, merged.id), 409, 'merged', null],
    ['hide: member', hide({}, p.claudia), 403, 'forbidden', null],
    ['hide: reason number', hide({ reason: 1 }), 400, 'invalid', 'reason'],
    ['hide: reason too long', hide({ reason: long(1001) }), 400, 'invalid', 'reason'],
    ['hide: reason control', hide({ reason: 'a\u0002' }), 400, 'invalid', 'reason'],
    ['hide: unknown field', hide({ why: 'x' }), 400, 'unknown_field', 'why'],
    ['hide: cid bad', hide({}, p.coach, 'abc'), 400, 'invalid', 'cid'],
    ['hide: cid unknown', hide({}, p.coach, 987654), 404, 'not_found', 'cid'],
    ['hide: not hidden yet, show', () => p.coach.del(`${BASE}/${x.id}/comments/${cid}/hide`), 409, 'not_hidden', null],
    ['link: url missing', link({}), 400, 'required', 'url'],
    ['link: javascript', link({ url: 'javascript:alert(1)' }), 400, 'invalid', 'url'],
    ['link: data', link({ url: 'data:text/html,x' }), 400, 'invalid', 'url'],
    ['link: relative', link({ url: '/foo' }), 400, 'invalid', 'url'],
    ['link: ftp', link({ url: 'ftp://example.org' }), 400, 'invalid', 'url'],
    ['link: no host', link({ url: 'https://' }), 400, 'invalid', 'url'],
    ['link: space', link({ url: 'https://exa mple.org' }), 400, 'invalid', 'url'],
    ['link: quote', link({ url: 'https://example.org/"onmouseover=x' }), 400, 'invalid', 'url'],
    ['link: too long', link({ url: `https://example.org/${long(2000)}` }), 400, 'invalid', 'url'],
    ['link: title too long', link({ url: 'https://example.org', title: long(201) }), 400, 'invalid', 'title'],
    ['link: title two lines', link({ url: 'https://example.org', title: 'a\nb' }), 400, 'invalid', 'title'],
    ['link remove: bad id', () => p.claudia.del(`${BASE}/${x.id}/links/x`), 400, 'invalid', 'lid'],
    ['link remove: unknown', () => p.claudia.del(`${BASE}/${x.id}/links/987654`), 404, 'not_found', 'lid'],
  ]);
});

test('status and merge: every field', async () => {
  const st = (body, who = p.coach, id = x.id) => () => who.post(`${BASE}/${id}/status`, body);
  const mg = (body, who = p.coach, id = x.id) => () => who.post(`${BASE}/${id}/merge`, body);
  const other = await createProblem(p.claudia);
  const foreignPrivate = await createProblem(p.sven, { visibility: 'private' });
  await refused([
    ['member', st({ status: 'triaged' }, p.jana), 403, 'forbidden', null],
    ['status missing', st({}), 400, 'required', 'status'],
    ['status bad', st({ status: 'erledigt' }), 400, 'invalid', 'status'],
    ['status number', st({ status: 2 }), 400, 'invalid', 'status'],
    ['status skips', st({ status: 'planned', workshop_ref: '1' }), 409, 'invalid_transition', 'status'],
    ['reason too long', st({ status: 'triaged', reason: long(1001) }), 400, 'invalid', 'reason'],
    ['reason NUL', st({ status: 'triaged', reason: '\u0000' }), 400, 'bad_json', null],
    ['reason control', st({ status: 'triaged', reason: 'a\u007f' }), 400, 'invalid', 'reason'],
    ['declined without reason', st({ status: 'declined' }), 400, 'required', 'reason'],
    ['workshop_ref bad', st({ status: 'triaged', workshop_ref: 'vbscript:x' }), 400, 'invalid', 'workshop_ref'],
    ['unknown field', st({ status: 'triaged', note: 'x' }), 400, 'unknown_field', 'note'],
    ['id bad', st({ status: 'triaged' }, p.coach, 'x'), 400, 'invalid', 'id'],
    ['unknown problem', st({ status: 'triaged' }, p.coach, 987654), 404, 'not_found', null],
    ['merged problem', st({ status: 'triaged' }, p.coach, merged.id), 409, 'merged', null],
    ['merge: member', mg({ into: other.id }, p.jana), 403, 'forbidden', null],
    ['merge: into missing', mg({}), 400, 'required', 'into'],
    ['merge: into string', mg({ into: String(other.id) }), 400, 'invalid', 'into'],
    ['merge: into 0', mg({ into: 0 }), 400, 'invalid', 'into'],
    ['merge: into itself', mg({ into: x.id }), 400, 'invalid', 'into'],
    ['merge: into unknown', mg({ into: 987654 }), 404, 'not_found', 'into'],
    ['merge: into merged', mg({ into: merged.id }, p.coach, other.id), 409, 'merged', 'into'],
    ['merge: into another firm\'s private', mg({ into: foreignPrivate.id }, p.coach, other.id), 409, 'visibility_conflict', 'into'],
    ['merge: merged source', mg({ into: other.id }, p.coach, merged.id), 409, 'merged', null],
    ['merge: reason number', mg({ into: other.id, reason: 3 }), 400, 'invalid', 'reason'],
    ['merge: reason control', mg({ into: other.id, reason: 'a\u0003' }), 400, 'invalid', 'reason'],
    ['merge: unknown field', mg({ into: other.id, keep: true }), 400, 'unknown_field', 'keep'],
  ]);
});

test('categories: every field', async () => {
  const mk = (body, who = p.coach) => () => who.post(`${BASE}/categories`, body);
  const ed = (key, body, who = p.coach) => () => who.patch(`${BASE}/categories/${key}`, body);
  const good = { key: 'neu', label_de: 'Neu', label_en: 'New' };
  await refused([
    ['member', mk(good, p.jana), 403, 'forbidden', null],
    ['key missing', mk({ label_de: 'a', label_en: 'b' }), 400, 'required', 'key'],
    ['key uppercase', mk({ ...good, key: 'Neu' }), 400, 'invalid', 'key'],
    ['key space', mk({ ...good, key: 'a b' }), 400, 'invalid', 'key'],
    ['key umlaut', mk({ ...good, key: 'büro' }), 400, 'invalid', 'key'],
    ['key leading dash', mk({ ...good, key: '-a' }), 400, 'invalid', 'key'],
    ['key too long', mk({ ...good, key: long(41) }), 400, 'invalid', 'key'],
    ['key exists', mk({ ...good, key: 'website' }), 409, 'exists', 'key'],
    ['label_de missing', mk({ key: 'a', label_en: 'b' }), 400, 'required', 'label_de'],
    ['label_de blank', mk({ ...good, label_de: '  ' }), 400, 'invalid', 'label_de'],
    ['label_en too long', mk({ ...good, label_en: long(81) }), 400, 'invalid', 'label_en'],
    ['label_en control', mk({ ...good, label_en: 'a\nb' }), 400, 'invalid', 'label_en'],
    ['position string', mk({ ...good, position: '1' }), 400, 'invalid', 'position'],
    ['position negative', mk({ ...good, position: -1 }), 400, 'invalid', 'position'],
    ['archived string', mk({ ...good, archived: 'no' }), 400, 'invalid', 'archived'],
    ['unknown field', mk({ ...good, colour: 'red' }), 400, 'unknown_field', 'colour'],
    ['patch: unknown key', ed('nope', { label_de: 'x' }), 404, 'not_found', 'key'],
    ['patch: member', ed('website', { label_de: 'x' }, p.jana), 403, 'forbidden', null],
    ['patch: key field', ed('website', { key: 'web' }), 400, 'unknown_field', 'key'],
    ['patch: label blank', ed('website', { label_de: ' ' }), 400, 'invalid', 'label_de'],
    ['patch: archived number', ed('website', { archived: 1 }), 400, 'invalid', 'archived'],
    ['delete: member', () => p.jana.del(`${BASE}/categories/website`), 403, 'forbidden', null],
    ['delete: in use', () => p.coach.del(`${BASE}/categories/communication`), 409, 'in_use', 'key'],
    ['delete: unknown', () => p.coach.del(`${BASE}/categories/nope`), 404, 'not_found', 'key'],
  ]);
});

test('without sign-in, in another neighbourhood, without the CSRF token', async () => {
  const { api } = await import('./harness.mjs');
  await refused([
    ['anonymous POST', () => api(s.url, 'POST', BASE, ok), 401, 'sign_in_required', null],
    ['anonymous join', () => api(s.url, 'POST', `${BASE}/${x.id}/join`, {}), 401, 'sign_in_required', null],
    ['other hood', () => p.jana.post('/api/v1/n/anderswo/problems', ok), 404, 'not_found', null],
    ['no CSRF token', () => p.jana.post(BASE, ok, { 'x-csrf-token': '' }), 403, 'csrf', null],
  ]);
  assert.equal(HOOD, 'peiner-strasse');
});

// Core routes read query arguments through the same lookup: a long one
// must not hide the arguments after it (it did, while core used lws's own
// lookup, which stops at the first fragment that does not fit the buffer).
test('core: a long query argument must not hide the ones after it', async () => {
  assertError(await p.jana.get(`/api/v1/n/${HOOD}/firms?q=${long(41)}&limit=0`), 400, 'invalid', 'limit');
});
