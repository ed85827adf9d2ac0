// Privacy: GET /api/v1/me/export holds the core data and the hello
// plugin's data of the person, nobody else's; DELETE /api/v1/me removes
// sign-in, sessions, tokens, memberships and roles, keeps contributions as
// from "former member", or deletes them with delete_content (docs/api.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, stopAll } from './harness.mjs';
import {
  HOOD, DEMO, signIn, trySignIn, bearer, assertError, sql, sqlValue, q,
  listAll, wsConnect, wsSubscribe, wsEvents,
} from './accounts.mjs';

const servers = [];
let s;
let coord;
before(async () => {
  s = await startServer({ args: ['--demo'] });
  servers.push(s);
  coord = await signIn(s.url, DEMO.coordinator);
});
after(() => stopAll(servers));

const wave = (c, message, priv = false) => c.post(c.hood('/hello/waves'), { message, private: priv });

test('GET /api/v1/me/export: the person\'s core data and hello waves, as a download, nothing of others', async () => {
  assertError(await api(s.url, 'GET', '/api/v1/me/export'), 401, 'sign_in_required');
  const thomas = await signIn(s.url, DEMO.thomas);
  const jana = await signIn(s.url, DEMO.jana);
  const tok = await thomas.post('/api/v1/me/tokens', { name: 'export-test', scope: 'read' });
  assert.equal(tok.status, 201);
  assert.equal((await wave(thomas, 'Moin aus der Glaserei')).status, 201);
  assert.equal((await wave(thomas, 'nur für die Firma', true)).status, 201);
  assert.equal((await wave(jana, 'Janas eigene Welle')).status, 201);
  // An admin action of Thomas's, so the audit part has something.
  const inv = await thomas.post(thomas.hood('/invites'), { email: 'lehrling@glaserei-hoffmann.example', display_name: 'Lukas Lehrling', firm_id: thomas.me.hoods[0].firms[0].id });
  assert.equal(inv.status, 201, inv.text);

  const r = await thomas.get('/api/v1/me/export');
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-disposition') || '', /^attachment;\s*filename="?nachbar-export\.json"?/);
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const e = r.body;
  assert.equal(e.format, 'nachbar-export-1');
  for (const k of ['person', 'tokens', 'sessions', 'audit', 'plugins']) assert.ok(k in e, k);
  assert.equal(e.person.id, thomas.me.id);
  assert.equal(e.person.email, DEMO.thomas);
  assert.equal(e.person.display_name, 'Thomas Hoffmann');
  assert.deepEqual(e.person.hoods.map((h) => [h.slug, h.firms.map((f) => [f.name, f.role])]), [[HOOD, [['Glaserei Hoffmann', 'admin']]]]);
  assert.deepEqual(e.tokens.map((t) => [t.id, t.name, t.scope]), [[tok.body.id, 'export-test', 'read']]);
  assert.ok(e.sessions.length >= 1, 'the sessions');
  assert.ok(e.audit.some((a) => a.action === 'invite.created' && a.object_id === String(inv.body.person_id)), JSON.stringify(e.audit));
  // The hello plugin's part: Thomas's waves, the private one flagged, not Jana's.
  assert.ok(e.plugins.hello, 'the hello plugin exports');
  assert.deepEqual(e.plugins.hello.waves.map((w) => [w.message, w.private]), [['Moin aus der Glaserei', 0], ['nur für die Firma', 1]]);
  assert.ok(!r.text.includes('Janas eigene Welle'), 'no one else\'s waves');
  assert.ok(!r.text.includes(DEMO.jana), 'no one else\'s address');
  // No secrets: no password hash, no token value or hash, no session id or CSRF token.
  assert.ok(!/argon2/.test(r.text), 'no password hash');
  assert.ok(!r.text.includes(tok.body.token), 'no token value');
  assert.ok(!r.text.includes(thomas.csrf), 'no CSRF token');
  assert.ok(!r.text.includes(thomas.cookie.split('=')[1]), 'no session id');
  for (const h of sql(s, `SELECT id_hash FROM nb_sessions WHERE person_id = ${thomas.me.id}`)) assert.ok(!r.text.includes(h.id_hash));
  assert.ok(!r.text.includes(sqlValue(s, `SELECT hash FROM nb_tokens WHERE id = ${tok.body.id}`)), 'no token hash');
  // Jana's export has her wave only.
  const ej = await jana.get('/api/v1/me/export');
  assert.deepEqual(ej.body.plugins.hello.waves.map((w) => w.message), ['Janas eigene Welle']);
  assert.deepEqual(ej.body.tokens, []);
  assert.deepEqual(ej.body.audit, []);
  // A bearer token may read it too.
  const viaToken = await bearer(s.url, tok.body.token).get('/api/v1/me/export');
  assert.equal(viaToken.status, 200);
  assert.equal(viaToken.body.person.email, DEMO.thomas);
});

test('DELETE /api/v1/me: wrong or missing confirmation, bad types and no CSRF token change nothing', async () => {
  const c = await signIn(s.url, DEMO.claudia);
  assertError(await c.del('/api/v1/me', {}), 400, 'required', 'confirm');
  assertError(await c.del('/api/v1/me', { confirm: 'claudia@druck-brandes.example' }), 400, 'invalid', 'confirm');
  assertError(await c.del('/api/v1/me', { confirm: DEMO.mehmet }), 400, 'invalid', 'confirm');
  assertError(await c.del('/api/v1/me', { confirm: DEMO.claudia, delete_content: 'yes' }), 400, 'invalid', 'delete_content');
  assertError(await c.del('/api/v1/me', { confirm: DEMO.claudia, reason: 'x' }), 400, 'unknown_field', 'reason');
  assertError(await api(s.url, 'DELETE', '/api/v1/me', { confirm: DEMO.claudia }, { cookie: c.cookie }), 403, 'csrf');
  assertError(await api(s.url, 'DELETE', '/api/v1/me', { confirm: DEMO.claudia }), 401, 'sign_in_required');
  const readTok = await c.post('/api/v1/me/tokens', { name: 'r', scope: 'read' });
  assertError(await bearer(s.url, readTok.body.token).del('/api/v1/me', { confirm: DEMO.claudia }), 403, 'token_read_only');
  // Still all there.
  assert.equal((await c.get('/api/v1/me')).status, 200);
  assert.equal(sqlValue(s, `SELECT deleted_at IS NULL AND password_hash IS NOT NULL FROM nb_people WHERE id = ${c.me.id}`), 1);
  assert.equal((await trySignIn(s.url, DEMO.claudia)).status, 200);
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_memberships WHERE person_id = ${c.me.id}`), 1);
});

test('DELETE /api/v1/me keeps contributions as from "former member" and removes everything that signs in', async () => {
  const thomas = await signIn(s.url, DEMO.thomas);
  const second = await signIn(s.url, DEMO.thomas);
  const pid = thomas.me.id;
  const firmId = thomas.me.hoods[0].firms[0].id;
  const tok = await thomas.post('/api/v1/me/tokens', { name: 'bye', scope: 'write' });
  assert.equal(tok.status, 201);
  const waves = sqlValue(s, `SELECT count(*) FROM hello_waves WHERE person_id = ${pid}`);
  assert.ok(waves >= 2, 'waves from the export test');
  assert.equal((await coord.get(coord.hood(`/firms/${firmId}`))).body.contact, 'Thomas Hoffmann');

  const r = await thomas.del('/api/v1/me', { confirm: DEMO.thomas });
  assert.equal(r.status, 204, r.text);
  assert.match(r.headers.get('set-cookie') || '', /^nb_session=;.*Max-Age=0/);
  // Sessions, tokens and the password are gone.
  assertError(await thomas.get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await second.get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await bearer(s.url, tok.body.token).get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await trySignIn(s.url, DEMO.thomas), 401, 'invalid_credentials');
  for (const t of ['nb_sessions', 'nb_tokens', 'nb_memberships', 'nb_hood_roles', 'nb_invites']) {
    assert.equal(sqlValue(s, `SELECT count(*) FROM ${t} WHERE person_id = ${pid}`), 0, t);
  }
  const row = sql(s, `SELECT email, display_name, password_hash, deleted_at FROM nb_people WHERE id = ${pid}`)[0];
  assert.equal(row.display_name, 'former member');
  assert.equal(row.password_hash, null);
  assert.notEqual(row.email, DEMO.thomas);
  assert.ok(!row.email.includes('thomas'), `address replaced: ${row.email}`);
  assert.ok(row.deleted_at);
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_people WHERE display_name LIKE '%Hoffmann%' AND id = ${pid}`), 0);
  // Gone from the neighbourhood's lists.
  assert.ok(!(await listAll(coord, coord.hood('/people'))).some((p) => p.id === pid || p.email === DEMO.thomas));
  const firm = await coord.get(coord.hood(`/firms/${firmId}`));
  assert.equal(firm.body.contact, null, 'no longer the firm\'s contact');
  assert.ok(!firm.body.people.some((p) => p.id === pid));
  // Contributions stay, without the person.
  assert.equal(sqlValue(s, `SELECT count(*) FROM hello_waves WHERE message = 'Moin aus der Glaserei' AND person_id IS NULL`), 1);
  // The audit log shows the actions as from "former member".
  const audit = (await coord.get(coord.hood('/audit?limit=200'))).body.items;
  const mine = audit.filter((a) => a.actor_id === pid);
  assert.ok(mine.length >= 1);
  assert.ok(mine.every((a) => a.actor === 'former member'), JSON.stringify(mine));
  assert.ok(!JSON.stringify(audit).includes('Thomas Hoffmann'));
  // The address is free: a new invitation makes a new, separate person.
  const again = await coord.post(coord.hood('/invites'), { email: DEMO.thomas, display_name: 'Thomas Hoffmann', firm_id: firmId });
  assert.equal(again.status, 201, again.text);
  assert.equal(again.body.added, false);
  assert.notEqual(again.body.person_id, pid);
});

test('after DELETE /api/v1/me, replayed events no longer carry the person\'s name', async () => {
  const mehmet = await signIn(s.url, DEMO.mehmet);
  const ws = await wsConnect(mehmet);
  const r = await wsSubscribe(ws, HOOD, ['hello'], 0);
  assert.equal(r.op, 'replayed');
  const evs = wsEvents(ws);
  assert.ok(evs.length >= 1);
  ws.close();
  const text = JSON.stringify(evs);
  assert.ok(text.includes('Moin aus der Glaserei'), 'the content stays');
  assert.ok(!text.includes('Thomas Hoffmann'), `no name of a deleted account in the events: ${text}`);
});

test('DELETE /api/v1/me with delete_content: true removes the person\'s contributions, nobody else\'s', async () => {
  const jana = await signIn(s.url, DEMO.jana);
  const pid = jana.me.id;
  assert.equal((await wave(jana, 'noch eine von Jana')).status, 201);
  const hers = sqlValue(s, `SELECT count(*) FROM hello_waves WHERE person_id = ${pid}`);
  assert.equal(hers, 2);
  const others = sqlValue(s, `SELECT count(*) FROM hello_waves WHERE person_id IS NOT ${pid}`);
  const r = await jana.del('/api/v1/me', { confirm: DEMO.jana.toUpperCase(), delete_content: true });
  assert.equal(r.status, 204, r.text);
  assert.equal(sqlValue(s, `SELECT count(*) FROM hello_waves WHERE message IN ('Janas eigene Welle', 'noch eine von Jana')`), 0);
  assert.equal(sqlValue(s, `SELECT count(*) FROM hello_waves WHERE person_id IS NOT ${pid}`), others, 'other people\'s waves stay');
  assertError(await jana.get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await trySignIn(s.url, DEMO.jana), 401, 'invalid_credentials');
  assert.equal(sqlValue(s, `SELECT display_name FROM nb_people WHERE id = ${pid}`), 'former member');
  // A deleted account cannot export anything.
  assertError(await jana.get('/api/v1/me/export'), 401, 'sign_in_required');
});

test('after DELETE /api/v1/me with delete_content, replayed events no longer carry the deleted contributions', async () => {
  const mehmet = await signIn(s.url, DEMO.mehmet);
  const ws = await wsConnect(mehmet);
  const r = await wsSubscribe(ws, HOOD, ['hello'], 0);
  assert.equal(r.op, 'replayed');
  const text = JSON.stringify(wsEvents(ws));
  ws.close();
  assert.ok(text.includes('Moin aus der Glaserei'), 'kept content is still there');
  assert.ok(!text.includes('Janas eigene Welle') && !text.includes('noch eine von Jana'), `deleted content replayed: ${text}`);
  assert.ok(!text.includes('Jana Roth'));
});
