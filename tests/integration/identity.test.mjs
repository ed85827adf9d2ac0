// Identity: sign-in and sign-out, /api/v1/me, the session cookie, session
// idle and absolute expiry, signing out everywhere, CSRF defence, personal
// access tokens, login throttling, the same answer for unknown accounts and
// wrong passwords, and the password policy (docs/api.md "Signing in,
// sessions, tokens, CSRF").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, stopAll } from './harness.mjs';
import {
  HOOD, DEMO, DEMO_PASSWORD, Client, signIn, trySignIn, bearer, assertError,
  sql, sqlValue, q, freshEmail, linkToken, sleep,
} from './accounts.mjs';

const servers = [];
let s; // the main server: demo data, default [auth] settings
before(async () => {
  s = await startServer({ args: ['--demo'] });
  servers.push(s);
});
after(() => stopAll(servers));

const now = () => Math.floor(Date.now() / 1000);
const sessionRow = (srv, csrf) => sql(srv, `SELECT * FROM nb_sessions WHERE csrf = ${q(csrf)}`)[0];
const personId = (srv, email) => sqlValue(srv, `SELECT id FROM nb_people WHERE email = ${q(email)}`);

test('sign-in answers the /me document plus csrf and sets an HttpOnly, SameSite=Lax cookie without Secure over http', async () => {
  const r = await trySignIn(s.url, DEMO.thomas);
  assert.equal(r.status, 200, r.text);
  const sc = r.headers.get('set-cookie');
  assert.ok(sc, 'Set-Cookie present');
  const parts = sc.split(';').map((p) => p.trim());
  const [name, value] = parts[0].split('=');
  assert.equal(name, 'nb_session');
  assert.match(value, /^[A-Za-z0-9_-]{43}$/, 'a random 32-byte id, base64url');
  const attrs = parts.slice(1).map((p) => p.toLowerCase());
  assert.ok(attrs.includes('httponly'), sc);
  assert.ok(attrs.includes('samesite=lax'), sc);
  assert.ok(attrs.includes('path=/'), sc);
  assert.ok(attrs.includes(`max-age=${30 * 86400}`), `Max-Age is session_max_days: ${sc}`);
  assert.ok(!attrs.includes('secure'), `no Secure over plain http: ${sc}`);
  assert.equal(r.headers.get('cache-control'), 'no-store');

  const b = r.body;
  assert.equal(b.email, DEMO.thomas);
  assert.equal(b.display_name, 'Thomas Hoffmann');
  assert.equal(b.locale, 'de');
  assert.equal(b.is_operator, false);
  assert.equal(typeof b.id, 'number');
  assert.match(b.csrf, /^[A-Za-z0-9_-]{20,}$/);
  assert.equal(b.hoods.length, 1);
  const h = b.hoods[0];
  assert.equal(h.slug, HOOD);
  assert.equal(h.name, 'Gewerbegebiet Peiner Straße');
  assert.equal(h.region, 'Region Braunschweig');
  assert.equal(h.timezone, 'Europe/Berlin');
  assert.deepEqual(h.roles, []);
  assert.equal(h.firms.length, 1);
  assert.equal(h.firms[0].name, 'Glaserei Hoffmann');
  assert.equal(h.firms[0].role, 'admin');
  assert.equal(typeof h.firms[0].id, 'number');

  // The server stores a hash of the cookie value, never the value.
  const row = sessionRow(s, b.csrf);
  assert.ok(row, 'a session row');
  assert.notEqual(row.id_hash, value);
  assert.match(row.id_hash, /^[0-9a-f]{64}$/);
  assert.equal(row.person_id, b.id);
  assert.equal(row.expires_at - row.created_at, 30 * 86400);
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_sessions WHERE id_hash = ${q(value)}`), 0);
});

test('GET /api/v1/me: 401 without a session, the person with roles and firms with one', async () => {
  assertError(await api(s.url, 'GET', '/api/v1/me'), 401, 'sign_in_required');
  assertError(await api(s.url, 'GET', '/api/v1/me', undefined, { cookie: 'nb_session=notasession' }), 401, 'sign_in_required');
  assertError(await api(s.url, 'GET', '/api/v1/me', undefined, { cookie: `nb_session=${'A'.repeat(43)}` }), 401, 'sign_in_required');

  const coach = await signIn(s.url, DEMO.coach);
  const me = await coach.get('/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.display_name, 'Jonas Reinhardt');
  assert.deepEqual(me.body.hoods.map((h) => [h.slug, h.roles, h.firms]), [[HOOD, ['coach'], []]]);
  assert.equal(me.body.csrf, coach.csrf, '/me repeats the session\'s CSRF token');
  // The sign-in answer is the same document.
  assert.deepEqual(me.body, coach.me);

  const jana = await signIn(s.url, DEMO.jana);
  const mj = await jana.get('/api/v1/me');
  assert.deepEqual(mj.body.hoods[0].firms.map((f) => [f.name, f.role]), [['Glaserei Hoffmann', 'member']]);
  assert.notEqual(mj.body.csrf, coach.csrf, 'every session has its own CSRF token');
});

test('sign-in input errors: 400 with the field, 415 for another media type', async () => {
  assertError(await api(s.url, 'POST', '/api/v1/session', { email: DEMO.jana }), 400, 'required', 'password');
  assertError(await api(s.url, 'POST', '/api/v1/session', { password: 'x' }), 400, 'required', 'email');
  assertError(await api(s.url, 'POST', '/api/v1/session', { email: DEMO.jana, password: DEMO_PASSWORD, remember: true }), 400, 'unknown_field', 'remember');
  assertError(await api(s.url, 'POST', '/api/v1/session', { email: DEMO.jana, password: 42 }), 400, 'invalid', 'password');
  assertError(await api(s.url, 'POST', '/api/v1/session', '{"email":'), 400, 'bad_json');
  const r = await api(s.url, 'POST', '/api/v1/session', `email=${DEMO.jana}&password=${DEMO_PASSWORD}`, { 'content-type': 'application/x-www-form-urlencoded' });
  assertError(r, 415, 'unsupported_media_type');
  assert.equal(r.headers.get('set-cookie'), null, 'no session from a refused sign-in');
});

test('unknown account and wrong password get the same 401 after the same work', async () => {
  const unknown = [];
  const wrong = [];
  let uBody;
  let wBody;
  // Interleaved, so a busy machine slows both alike.
  for (let i = 0; i < 3; i++) {
    let t0 = performance.now();
    const u = await trySignIn(s.url, `nobody-${i}@nowhere.example`, 'some-password-1');
    unknown.push(performance.now() - t0);
    t0 = performance.now();
    const w = await trySignIn(s.url, DEMO.paul, `wrong-password-${i}`);
    wrong.push(performance.now() - t0);
    assertError(u, 401, 'invalid_credentials');
    assertError(w, 401, 'invalid_credentials');
    assert.equal(u.cookie, null);
    assert.equal(w.cookie, null);
    uBody = u.body;
    wBody = w.body;
  }
  assert.deepEqual(uBody, wBody, 'the same body, word for word');
  // A pending account (invited, no password yet) answers the same.
  const coord = await signIn(s.url, DEMO.coordinator);
  const email = freshEmail('pending');
  const inv = await coord.post(coord.hood('/invites'), { email, display_name: 'Pending Person', role: 'coach' });
  assert.equal(inv.status, 201, inv.text);
  const p = await trySignIn(s.url, email, 'any-password-1');
  assert.deepEqual(p.body, wBody);
  assert.equal(p.status, 401);
  // argon2id runs for unknown addresses too: not a fraction of the time.
  const med = (a) => [...a].sort((x, y) => x - y)[1];
  assert.ok(med(unknown) > med(wrong) * 0.3,
    `unknown ${unknown.map(Math.round)} ms vs wrong ${wrong.map(Math.round)} ms`);
  assert.ok(med(wrong) > 5, 'a password check costs real work');
});

test('signing out ends this session only; the cookie is cleared', async () => {
  const a = await signIn(s.url, DEMO.mehmet);
  const b = await signIn(s.url, DEMO.mehmet);
  const r = await a.del('/api/v1/session');
  assert.equal(r.status, 204);
  const sc = r.headers.get('set-cookie');
  assert.match(sc, /^nb_session=;/);
  assert.match(sc, /Max-Age=0/);
  assertError(await a.get('/api/v1/me'), 401, 'sign_in_required');
  assert.equal(sessionRow(s, a.csrf), undefined, 'the row is gone');
  const still = await b.get('/api/v1/me');
  assert.equal(still.status, 200, 'the other session goes on');
  // Signing out again with the dead cookie: not signed in.
  assertError(await a.del('/api/v1/session'), 401, 'sign_in_required');
  // Not signed in at all.
  assertError(await api(s.url, 'DELETE', '/api/v1/session'), 401, 'sign_in_required');
});

test('DELETE /api/v1/session?all=1 ends every session of the person, nobody else\'s', async () => {
  const a = await signIn(s.url, DEMO.nina);
  const b = await signIn(s.url, DEMO.nina);
  const other = await signIn(s.url, DEMO.andreas);
  const tok = await a.post('/api/v1/me/tokens', { name: 'script', scope: 'read' });
  assert.equal(tok.status, 201);
  const pid = a.me.id;
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_sessions WHERE person_id = ${pid}`), 2);
  const r = await a.del('/api/v1/session?all=1');
  assert.equal(r.status, 204);
  assertError(await a.get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await b.get('/api/v1/me'), 401, 'sign_in_required');
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_sessions WHERE person_id = ${pid}`), 0);
  assert.equal((await other.get('/api/v1/me')).status, 200, 'another person stays signed in');
  // Tokens are not sessions: a script keeps working.
  const viaToken = await bearer(s.url, tok.body.token).get('/api/v1/me');
  assert.equal(viaToken.status, 200);
  assert.equal(viaToken.body.email, DEMO.nina);
});

test('a session ends after session_idle_minutes without use; use keeps it alive', async () => {
  const idle = 1440 * 60;
  const a = await signIn(s.url, DEMO.sven);
  // Unused for almost the idle time: still valid, and the use is recorded.
  sql(s, `UPDATE nb_sessions SET last_seen = ${now() - idle + 120} WHERE csrf = ${q(a.csrf)}`);
  const ok = await a.get('/api/v1/me');
  assert.equal(ok.status, 200);
  const seen = sessionRow(s, a.csrf).last_seen;
  assert.ok(Math.abs(seen - now()) <= 5, `last_seen moved to now (${seen} vs ${now()})`);
  // Unused for longer than the idle time: gone.
  sql(s, `UPDATE nb_sessions SET last_seen = ${now() - idle - 5} WHERE csrf = ${q(a.csrf)}`);
  assertError(await a.get('/api/v1/me'), 401, 'sign_in_required');
  assert.equal(sessionRow(s, a.csrf), undefined, 'the expired row is deleted');
  // And a state-changing request with it does nothing.
  const before = sqlValue(s, `SELECT count(*) FROM nb_tokens WHERE person_id = ${a.me.id}`);
  assertError(await a.post('/api/v1/me/tokens', { name: 'x', scope: 'read' }), 401, 'sign_in_required');
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_tokens WHERE person_id = ${a.me.id}`), before);
});

test('a session ends at expires_at however much it is used', async () => {
  const a = await signIn(s.url, DEMO.aylin);
  sql(s, `UPDATE nb_sessions SET expires_at = ${now() - 1}, last_seen = ${now()} WHERE csrf = ${q(a.csrf)}`);
  assertError(await a.get('/api/v1/me'), 401, 'sign_in_required');
  assert.equal(sessionRow(s, a.csrf), undefined);
});

test('short [auth] session settings: the cookie lives session_max_days, idle ends after session_idle_minutes', async () => {
  const s2 = await startServer({ args: ['--demo'], config: { auth: { session_idle_minutes: 5, session_max_days: 1 } } });
  servers.push(s2);
  const r = await trySignIn(s2.url, DEMO.jana);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('set-cookie'), /Max-Age=86400(;|$)/);
  const c = new Client(s2.url, { cookie: r.cookie, csrf: r.body.csrf });
  const row = sessionRow(s2, c.csrf);
  assert.equal(row.expires_at - row.created_at, 86400);
  sql(s2, `UPDATE nb_sessions SET last_seen = ${now() - 4 * 60} WHERE csrf = ${q(c.csrf)}`);
  assert.equal((await c.get('/api/v1/me')).status, 200, '4 minutes idle is fine');
  sql(s2, `UPDATE nb_sessions SET last_seen = ${now() - 5 * 60 - 2} WHERE csrf = ${q(c.csrf)}`);
  assertError(await c.get('/api/v1/me'), 401, 'sign_in_required');
  await s2.stop();
});

test('the cookie carries Secure when public_origin is https', async () => {
  const s3 = await startServer({ args: ['--demo'], config: { server: { public_origin: 'https://nachbar.example.org' } } });
  servers.push(s3);
  const r = await trySignIn(s3.url, DEMO.jana);
  assert.equal(r.status, 200);
  const attrs = r.headers.get('set-cookie').split(';').map((p) => p.trim().toLowerCase());
  assert.ok(attrs.includes('secure'), r.headers.get('set-cookie'));
  assert.ok(attrs.includes('httponly'));
  assert.ok(attrs.includes('samesite=lax'));
  // With public_origin set, a request from that origin passes the Origin check.
  const c = new Client(s3.url, { cookie: r.cookie, csrf: r.body.csrf });
  const ok = await c.post('/api/v1/me/tokens', { name: 'from-proxy', scope: 'read' }, { origin: 'https://nachbar.example.org' });
  assert.equal(ok.status, 201, ok.text);
  assertError(await c.post('/api/v1/me/tokens', { name: 'evil', scope: 'read' }, { origin: 'https://evil.example' }), 403, 'csrf');
  await s3.stop();
});

test('CSRF: cookie requests need the X-CSRF-Token and a same-site Origin/Referer; refused ones write nothing', async () => {
  const a = await signIn(s.url, DEMO.lea);
  const other = await signIn(s.url, DEMO.frank);
  const tokens = () => sqlValue(s, `SELECT count(*) FROM nb_tokens WHERE person_id = ${a.me.id}`);
  const body = { name: 'csrf-probe', scope: 'write' };
  const self = s.url; // http://127.0.0.1:PORT, what a browser on this server sends
  const refused = [
    ['no X-CSRF-Token, no Origin or Referer', { 'x-csrf-token': undefined }],
    ['an empty X-CSRF-Token', { 'x-csrf-token': '' }],
    ['a wrong X-CSRF-Token', { 'x-csrf-token': 'x'.repeat(32) }],
    ['a longer token that starts with the right one', { 'x-csrf-token': `${a.csrf}x` }],
    ['another session\'s X-CSRF-Token', { 'x-csrf-token': other.csrf }],
    ['a foreign Origin with the right token', { origin: 'https://evil.example' }],
    ['Origin null with the right token', { origin: 'null' }],
    ['an Origin that only starts like this server', { origin: `${self}.evil.example` }],
    ['a foreign Referer without Origin', { referer: 'https://evil.example/page' }],
    ['a Referer that only starts like this server', { referer: `${self}.evil.example/` }],
    ['a same-site Referer but a foreign Origin', { origin: 'https://evil.example', referer: `${self}/` }],
  ];
  for (const [what, h] of refused) {
    const headers = { ...a.headers(), ...h };
    for (const [k, v] of Object.entries(headers)) if (v === undefined) delete headers[k];
    const r = await api(s.url, 'POST', '/api/v1/me/tokens', body, headers);
    assertError(r, 403, 'csrf');
    assert.equal(tokens(), 0, `nothing written after: ${what}`);
  }
  // The same request from this server passes, with Origin, with Referer, or without either.
  assert.equal((await a.post('/api/v1/me/tokens', body, { origin: self })).status, 201);
  assert.equal((await a.post('/api/v1/me/tokens', body, { referer: `${self}/#/settings` })).status, 201);
  assert.equal((await a.post('/api/v1/me/tokens', body)).status, 201);
  assert.equal(tokens(), 3);
  // GET is not state-changing: no token needed, any Origin.
  assert.equal((await api(s.url, 'GET', '/api/v1/me', undefined, { cookie: a.cookie, origin: 'https://evil.example' })).status, 200);
});

test('CSRF: signing out, revoking and deleting without the token are refused and change nothing', async () => {
  const a = await signIn(s.url, DEMO.karin);
  const t = await a.post('/api/v1/me/tokens', { name: 'keep', scope: 'read' });
  assert.equal(t.status, 201);
  const noToken = { cookie: a.cookie };
  assertError(await api(s.url, 'DELETE', '/api/v1/session', undefined, noToken), 403, 'csrf');
  assertError(await api(s.url, 'DELETE', '/api/v1/session?all=1', undefined, noToken), 403, 'csrf');
  assertError(await api(s.url, 'DELETE', `/api/v1/me/tokens/${t.body.id}`, undefined, noToken), 403, 'csrf');
  assertError(await api(s.url, 'DELETE', '/api/v1/me', { confirm: DEMO.karin }, noToken), 403, 'csrf');
  assert.equal((await a.get('/api/v1/me')).status, 200, 'still signed in');
  assert.equal((await bearer(s.url, t.body.token).get('/api/v1/me')).status, 200, 'token not revoked');
  assert.equal(sqlValue(s, `SELECT deleted_at IS NULL FROM nb_people WHERE id = ${a.me.id}`), 1);
});

test('CSRF: a sign-in posted from another site is refused and sets no cookie (login CSRF)', async () => {
  const r = await trySignIn(s.url, DEMO.paul, DEMO_PASSWORD, { origin: 'https://evil.example' });
  assertError(r, 403, 'csrf');
  assert.equal(r.cookie, null);
  const r2 = await trySignIn(s.url, DEMO.paul, DEMO_PASSWORD, { referer: 'https://evil.example/login' });
  assertError(r2, 403, 'csrf');
  assert.equal(r2.cookie, null);
});

test('personal access tokens: shown once, scoped, revocable', async () => {
  const a = await signIn(s.url, DEMO.claudia);
  // Bad input first: nothing is created.
  assertError(await a.post('/api/v1/me/tokens', { name: 'x', scope: 'admin' }), 400, 'invalid', 'scope');
  assertError(await a.post('/api/v1/me/tokens', { scope: 'read' }), 400, 'required', 'name');
  assertError(await a.post('/api/v1/me/tokens', { name: 'x' }), 400, 'required', 'scope');
  assertError(await a.post('/api/v1/me/tokens', { name: '', scope: 'read' }), 400, 'invalid', 'name');
  assertError(await a.post('/api/v1/me/tokens', { name: 'n'.repeat(81), scope: 'read' }), 400, 'invalid', 'name');
  assertError(await a.post('/api/v1/me/tokens', { name: 'x', scope: 'read', expires: 3 }), 400, 'unknown_field', 'expires');
  assert.deepEqual((await a.get('/api/v1/me/tokens')).body.items, []);

  const read = await a.post('/api/v1/me/tokens', { name: 'dashboard', scope: 'read' });
  assert.equal(read.status, 201);
  assert.deepEqual(Object.keys(read.body).sort(), ['created_at', 'id', 'name', 'scope', 'token']);
  assert.equal(read.body.name, 'dashboard');
  assert.equal(read.body.scope, 'read');
  assert.match(read.body.token, /^nb_[A-Za-z0-9_-]{43}$/);
  const write = await a.post('/api/v1/me/tokens', { name: 'importer', scope: 'write' });
  assert.equal(write.status, 201);
  assert.notEqual(write.body.token, read.body.token);

  // Shown once: the list has no secret, the database only a hash.
  const list = await a.get('/api/v1/me/tokens');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items.map((t) => [t.id, t.name, t.scope, t.last_used_at]),
    [[read.body.id, 'dashboard', 'read', null], [write.body.id, 'importer', 'write', null]]);
  assert.ok(!list.text.includes(read.body.token) && !list.text.includes('"token"'));
  assert.ok(!list.text.includes('hash'));
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_tokens WHERE hash = ${q(read.body.token)}`), 0);

  // A read token reads, refuses changes with 403 token_read_only, writes nothing.
  const rt = bearer(s.url, read.body.token);
  const me = await rt.get('/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.body.email, DEMO.claudia);
  assert.equal(me.body.csrf, undefined, 'no CSRF token for a bearer');
  assert.equal((await rt.get(rt.hood('/firms'))).status, 200);
  assertError(await rt.post('/api/v1/me/tokens', { name: 'more', scope: 'write' }), 403, 'token_read_only');
  assertError(await rt.post(rt.hood('/hello/waves'), { message: 'via read token' }), 403, 'token_read_only');
  assertError(await rt.del(`/api/v1/me/tokens/${write.body.id}`), 403, 'token_read_only');
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_tokens WHERE person_id = ${a.me.id}`), 2);
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_tokens WHERE person_id = ${a.me.id} AND revoked_at IS NOT NULL`), 0);
  assert.equal(sqlValue(s, `SELECT count(*) FROM hello_waves WHERE message = 'via read token'`), 0);
  const used = (await a.get('/api/v1/me/tokens')).body.items.find((t) => t.id === read.body.id);
  assert.match(used.last_used_at, /^\d{4}-\d\d-\d\dT/, 'last_used_at is recorded');

  // A write token changes things without CSRF token (no cookie involved).
  const wt = bearer(s.url, write.body.token);
  const wave = await wt.post(wt.hood('/hello/waves'), { message: 'via write token' });
  assert.equal(wave.status, 201, wave.text);
  assert.equal(wave.body.from, 'Claudia Brandes');
  // ... but not from another site's page.
  assertError(await wt.post(wt.hood('/hello/waves'), { message: 'cross-site' }, { origin: 'https://evil.example' }), 403, 'csrf');
  assert.equal(sqlValue(s, `SELECT count(*) FROM hello_waves WHERE message = 'cross-site'`), 0);

  // Revocation: 204, then 401 for the token, 404 a second time.
  const rv = await a.del(`/api/v1/me/tokens/${read.body.id}`);
  assert.equal(rv.status, 204);
  assertError(await rt.get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await a.del(`/api/v1/me/tokens/${read.body.id}`), 404, 'not_found');
  assertError(await a.del('/api/v1/me/tokens/999999'), 404, 'not_found');
  assertError(await a.del('/api/v1/me/tokens/abc'), 400, 'invalid', 'id');
  assert.deepEqual((await a.get('/api/v1/me/tokens')).body.items.map((t) => t.id), [write.body.id]);

  // Another person cannot revoke it.
  const mehmet = await signIn(s.url, DEMO.mehmet);
  assertError(await mehmet.del(`/api/v1/me/tokens/${write.body.id}`), 404, 'not_found');
  assert.equal((await wt.get('/api/v1/me')).status, 200, 'still valid');
  assert.deepEqual((await mehmet.get('/api/v1/me/tokens')).body.items, [], 'nobody sees another\'s tokens');

  // Garbage and look-alike tokens.
  assertError(await bearer(s.url, 'nb_nope').get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await bearer(s.url, write.body.token.slice(0, -1)).get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await api(s.url, 'GET', '/api/v1/me', undefined, { authorization: `Basic ${write.body.token}` }), 401, 'sign_in_required');
});

test('login throttling per account: 429 with Retry-After, even for the right password, until the window ends', async () => {
  const t = await startServer({ args: ['--demo'], config: { auth: { login_max_failures: 2, login_window_seconds: 10 } } });
  servers.push(t);
  for (let i = 0; i < 2; i++) assertError(await trySignIn(t.url, DEMO.jana, `wrong-${i}-password`), 401, 'invalid_credentials');
  const r = await trySignIn(t.url, DEMO.jana, DEMO_PASSWORD);
  assertError(r, 429, 'too_many_attempts');
  assert.equal(r.cookie, null, 'no session while throttled');
  const ra = Number(r.headers.get('retry-after'));
  assert.ok(Number.isInteger(ra) && ra >= 1 && ra <= 10, `Retry-After in seconds within the window: ${r.headers.get('retry-after')}`);
  // The account key ignores case.
  assertError(await trySignIn(t.url, DEMO.jana.toUpperCase(), DEMO_PASSWORD), 429, 'too_many_attempts');
  // Another account from the same address is not affected yet.
  assert.equal((await trySignIn(t.url, DEMO.thomas)).status, 200);
  // After the window the right password works again.
  await sleep((ra + 1) * 1000);
  const ok = await trySignIn(t.url, DEMO.jana);
  assert.equal(ok.status, 200, ok.text);
  await t.stop();
});

test('login throttling per client address: four times the account limit', async () => {
  const t = await startServer({ args: ['--demo'], config: { auth: { login_max_failures: 2, login_window_seconds: 60 } } });
  servers.push(t);
  // Eight failures, each on a different address so no account reaches its limit.
  for (let i = 0; i < 8; i++) assertError(await trySignIn(t.url, `stranger-${i}@nowhere.example`, 'guess-password'), 401, 'invalid_credentials');
  const r = await trySignIn(t.url, DEMO.coordinator, DEMO_PASSWORD);
  assertError(r, 429, 'too_many_attempts');
  const ra = Number(r.headers.get('retry-after'));
  assert.ok(ra >= 1 && ra <= 60, `Retry-After ${ra}`);
  assert.equal(r.cookie, null);
  await t.stop();
});

test('password policy: too short, common, one repeated character, the own e-mail or name are refused', async () => {
  const coord = await signIn(s.url, DEMO.coordinator);
  const email = freshEmail('policy');
  const inv = await coord.post(coord.hood('/invites'), { email, display_name: 'Petra Pflaumenbaum', role: 'coach' });
  assert.equal(inv.status, 201, inv.text);
  const token = linkToken(inv.body.link);
  const weak = ['kurz-123', 'password123', 'PASSWORT123', 'qwertzuiop', 'zzzzzzzzzzzz', email, 'petra pflaumenbaum'];
  for (const pw of weak) {
    const r = await api(s.url, 'POST', `/api/v1/invites/${token}/accept`, { password: pw });
    assertError(r, 400, 'weak_password', 'password');
  }
  const short = await api(s.url, 'POST', `/api/v1/invites/${token}/accept`, { password: 'kurz-123' });
  assert.match(short.body.error.message, /10/, 'says how long it must be');
  // Nothing was set: the link still works, the account has no password.
  assert.equal((await api(s.url, 'GET', `/api/v1/invites/${token}`)).status, 200);
  assert.equal(sqlValue(s, `SELECT password_hash IS NULL FROM nb_people WHERE email = ${q(email)}`), 1);
  assertError(await trySignIn(s.url, email, 'password123'), 401, 'invalid_credentials');
  // A good one is taken.
  const ok = await api(s.url, 'POST', `/api/v1/invites/${token}/accept`, { password: 'Zwetschgen-Kuchen-42' });
  assert.equal(ok.status, 200, ok.text);
  const me = await signIn(s.url, email, 'Zwetschgen-Kuchen-42');
  assert.deepEqual(me.me.hoods.map((h) => [h.slug, h.roles]), [[HOOD, ['coach']]]);
  assert.ok(personId(s, email));
});

test('password_min_length from the config is enforced', async () => {
  const t = await startServer({ args: ['--demo'], config: { auth: { password_min_length: 16 } } });
  servers.push(t);
  const coord = await signIn(t.url, DEMO.coordinator);
  const inv = await coord.post(coord.hood('/invites'), { email: freshEmail('len'), display_name: 'Lena Lang', role: 'coach' });
  assert.equal(inv.status, 201);
  const token = linkToken(inv.body.link);
  const r = await api(t.url, 'POST', `/api/v1/invites/${token}/accept`, { password: 'Fuenfzehn-Zeich' });
  assertError(r, 400, 'weak_password', 'password');
  assert.match(r.body.error.message, /16/);
  assert.equal((await api(t.url, 'POST', `/api/v1/invites/${token}/accept`, { password: 'Sechzehn-Zeichen-1' })).status, 200);
  await t.stop();
});
