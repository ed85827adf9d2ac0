// Answers are never older than the database. The server keeps request
// identities (session, token, roles and firms in a neighbourhood) and firm
// directory pages in memory while nothing is written (core/memo.c); these
// tests read something so it is kept, change what it depends on (through
// the API, or through the sqlite3 tool as another process), and expect
// the very next answer to show the change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopAll } from './harness.mjs';
import { HOOD, DEMO, signIn, bearer, assertError, sql, sqlValue, q } from './accounts.mjs';

const servers = [];
let s;

before(async () => {
  s = await startServer({ args: ['--demo'] });
  servers.push(s);
});
after(() => stopAll(servers));

const firmsPath = `/api/v1/n/${HOOD}/firms`;

async function metric(name) {
  const r = await fetch(`${s.url}/metrics`);
  const m = (await r.text()).match(new RegExp(`^${name} (\\d+)`, 'm'));
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

async function directory(client) {
  const r = await client.get(firmsPath);
  assert.equal(r.status, 200, r.text);
  return r.body.items;
}

test('a repeated directory read is answered from memory, and /metrics counts it', async () => {
  const jana = await signIn(s.url, DEMO.jana);
  await directory(jana);
  const hits0 = await metric('nachbar_memo_directory_hits');
  const auth0 = await metric('nachbar_memo_auth_hits');
  const first = await directory(jana);
  const second = await directory(jana);
  assert.deepEqual(second, first, 'the same page both times');
  assert.ok(await metric('nachbar_memo_directory_hits') >= hits0 + 2, 'both reads came from memory');
  assert.ok(await metric('nachbar_memo_auth_hits') >= auth0 + 2, 'the session was not read again');
});

test('any write, also a plugin\'s, makes the next directory read rebuild the page', async () => {
  const jana = await signIn(s.url, DEMO.jana);
  const thomas = await signIn(s.url, DEMO.thomas);
  await directory(jana);
  await directory(jana);
  const misses0 = await metric('nachbar_memo_directory_misses');
  await directory(jana);
  assert.equal(await metric('nachbar_memo_directory_misses'), misses0, 'kept while nothing is written');
  const w = await thomas.post(thomas.hood('/hello/waves'), { message: 'Moin' });
  assert.equal(w.status, 201);
  await directory(jana);
  assert.equal(await metric('nachbar_memo_directory_misses'), misses0 + 1, 'read again after the wave');
});

test('a firm profile edited through the API shows in the next directory read of another member', async () => {
  const thomas = await signIn(s.url, DEMO.thomas);
  const claudia = await signIn(s.url, DEMO.claudia);
  const firm = (await directory(claudia)).find((f) => f.name === 'Glaserei Hoffmann');
  await directory(claudia); // kept now
  const text = `Notdienst ab ${Date.now()}`;
  const r = await thomas.req('PATCH', `${firmsPath}/${firm.id}`, { offers: text });
  assert.equal(r.status, 200, r.text);
  const after = (await directory(claudia)).find((f) => f.id === firm.id);
  assert.equal(after.offers, text);
});

test('a firm renamed by another process (sqlite3) shows in the next directory read', async () => {
  const jana = await signIn(s.url, DEMO.jana);
  const firm = (await directory(jana)).find((f) => f.name === 'Druck & Etikett Brandes');
  await directory(jana);
  const name = `Druckerei Brandes ${Date.now()}`;
  sql(s, `UPDATE nb_firms SET name = ${q(name)} WHERE id = ${firm.id}`);
  try {
    assert.equal((await directory(jana)).find((f) => f.id === firm.id).name, name);
  } finally {
    sql(s, `UPDATE nb_firms SET name = 'Druck & Etikett Brandes' WHERE id = ${firm.id}`);
  }
  assert.equal((await directory(jana)).find((f) => f.id === firm.id).name, 'Druck & Etikett Brandes');
});

test('a revoked token stops working at once, even right after it was used', async () => {
  const nina = await signIn(s.url, DEMO.nina);
  const tok = await nina.post('/api/v1/me/tokens', { name: 'freshness', scope: 'read' });
  assert.equal(tok.status, 201);
  const script = bearer(s.url, tok.body.token);
  await directory(script);
  await directory(script);
  assert.equal((await nina.del(`/api/v1/me/tokens/${tok.body.id}`)).status, 204);
  assertError(await script.get(firmsPath), 401, 'sign_in_required');
});

test('a session deleted by another process (sqlite3) is signed out on the next request', async () => {
  const paul = await signIn(s.url, DEMO.paul);
  await directory(paul);
  await directory(paul);
  sql(s, `DELETE FROM nb_sessions WHERE csrf = ${q(paul.csrf)}`);
  assertError(await paul.get(firmsPath), 401, 'sign_in_required');
});

test('a person removed from the neighbourhood loses it on the next request', async () => {
  const coord = await signIn(s.url, DEMO.coordinator);
  const lea = await signIn(s.url, DEMO.lea);
  await directory(lea);
  await directory(lea);
  const r = await coord.del(coord.hood(`/people/${lea.me.id}`));
  assert.ok(r.status === 200 || r.status === 204, r.text);
  assertError(await lea.get(firmsPath), 404, 'not_found');
});

test('a role taken away by another process (sqlite3) is gone on the next request', async () => {
  const coach = await signIn(s.url, DEMO.coach);
  const audit = coach.hood('/audit'); // coordinators only
  sql(s, `INSERT INTO nb_hood_roles(person_id, hood_id, role) SELECT ${coach.me.id}, id, 'coordinator' FROM nb_hoods WHERE slug = ${q(HOOD)}`);
  assert.equal((await coach.get(audit)).status, 200);
  assert.equal((await coach.get(audit)).status, 200);
  sql(s, `DELETE FROM nb_hood_roles WHERE person_id = ${coach.me.id} AND role = 'coordinator'`);
  assertError(await coach.get(audit), 403, 'forbidden');
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_hood_roles WHERE person_id = ${coach.me.id} AND role = 'coach'`), 1, 'the coach role stays');
});
