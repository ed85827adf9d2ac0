// Editing what a person owns: name and language (PATCH /api/v1/me), the
// password (PUT /api/v1/me/password), a firm's directory profile (PATCH
// /api/v1/n/:hood/firms/:id), and open invitations (list, revoke).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, stopAll } from './harness.mjs';

const HOOD = 'peiner-strasse';
const PW = 'nachbar-demo';
const servers = [];
let s;

before(async () => {
  s = await startServer({ args: ['--demo'] });
  servers.push(s);
});
after(() => stopAll(servers));

async function login(email, password = PW) {
  const r = await fetch(`${s.url}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = await r.json();
  if (r.status !== 200) return { status: r.status, body };
  return { status: 200, cookie: r.headers.get('set-cookie').split(';')[0], csrf: body.csrf };
}

// A cookie request the way the browser makes it: Origin and CSRF token.
async function call(who, method, path, body) {
  const headers = { cookie: who.cookie, origin: s.url, 'x-csrf-token': who.csrf };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(s.url + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* empty */ }
  return { status: r.status, body: parsed, headers: r.headers };
}

function assertError(r, status, code, field) {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error.code, code);
  if (field) assert.equal(r.body.error.field, field);
}

const firmIdOf = async (who, name) => {
  const r = await call(who, 'GET', `/api/v1/n/${HOOD}/firms?q=${encodeURIComponent(name)}`);
  return r.body.items.find((f) => f.name === name).id;
};

test('PATCH /me changes name and language, and /me shows it', async () => {
  const jana = await login('jana@glaserei-hoffmann.demo.example');
  const r = await call(jana, 'PATCH', '/api/v1/me', { display_name: 'Jana H.', locale: 'en' });
  assert.equal(r.status, 200);
  assert.equal(r.body.display_name, 'Jana H.');
  assert.equal(r.body.locale, 'en');
  const me = await call(jana, 'GET', '/api/v1/me');
  assert.equal(me.body.display_name, 'Jana H.');
  assert.equal(me.body.locale, 'en');
  // Only what is given changes.
  const r2 = await call(jana, 'PATCH', '/api/v1/me', { locale: 'de' });
  assert.equal(r2.body.display_name, 'Jana H.');
  assert.equal(r2.body.locale, 'de');
});

test('PATCH /me refuses bad values and changes nothing', async () => {
  const jana = await login('jana@glaserei-hoffmann.demo.example');
  const before = (await call(jana, 'GET', '/api/v1/me')).body;
  assertError(await call(jana, 'PATCH', '/api/v1/me', { locale: 'fr' }), 400, 'invalid', 'locale');
  assertError(await call(jana, 'PATCH', '/api/v1/me', { display_name: '   ' }), 400, 'invalid', 'display_name');
  assertError(await call(jana, 'PATCH', '/api/v1/me', { display_name: 'x'.repeat(121) }), 400, 'invalid', 'display_name');
  assertError(await call(jana, 'PATCH', '/api/v1/me', { email: 'new@x.example' }), 400, 'unknown_field', 'email');
  assertError(await call(jana, 'PATCH', '/api/v1/me', { display_name: 'Neu', locale: 'xx' }), 400, 'invalid', 'locale');
  const after_ = (await call(jana, 'GET', '/api/v1/me')).body;
  assert.equal(after_.display_name, before.display_name);
  assert.equal(after_.locale, before.locale);
  const anon = await fetch(`${s.url}/api/v1/me`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"locale":"en"}',
  });
  assert.equal(anon.status, 401);
});

test('password change: wrong current is 403, weak new is 400, success ends other sessions only', async () => {
  const email = 'claudia@druck-brandes.demo.example';
  const a = await login(email);
  const b = await login(email);
  assertError(await call(a, 'PUT', '/api/v1/me/password', { current: 'wrong-password', password: 'Sehr-sicheres-Passwort-42' }),
    403, 'wrong_password', 'current');
  assertError(await call(a, 'PUT', '/api/v1/me/password', { current: PW, password: 'short' }),
    400, 'weak_password', 'password');
  assertError(await call(a, 'PUT', '/api/v1/me/password', { current: PW }), 400, 'required', 'password');
  // Nothing changed so far: the old password still signs in.
  assert.equal((await login(email)).status, 200);

  const ok = await call(a, 'PUT', '/api/v1/me/password', { current: PW, password: 'Sehr-sicheres-Passwort-42' });
  assert.equal(ok.status, 204);
  assert.equal((await call(a, 'GET', '/api/v1/me')).status, 200, 'the changing session stays');
  assert.equal((await call(b, 'GET', '/api/v1/me')).status, 401, 'other sessions end');
  assert.equal((await login(email)).status, 401, 'old password no longer works');
  assert.equal((await login(email, 'Sehr-sicheres-Passwort-42')).status, 200);
});

test('password change without the CSRF token is refused', async () => {
  const who = await login('thomas@glaserei-hoffmann.demo.example');
  const r = await fetch(`${s.url}/api/v1/me/password`, {
    method: 'PUT',
    headers: { cookie: who.cookie, origin: s.url, 'content-type': 'application/json' },
    body: JSON.stringify({ current: PW, password: 'Anderes-Passwort-2026' }),
  });
  assert.equal(r.status, 403);
  assert.equal((await login('thomas@glaserei-hoffmann.demo.example')).status, 200);
});

test('a firm admin edits the own firm profile; it shows in the directory', async () => {
  const thomas = await login('thomas@glaserei-hoffmann.demo.example');
  const id = await firmIdOf(thomas, 'Glaserei Hoffmann');
  const r = await call(thomas, 'PATCH', `/api/v1/n/${HOOD}/firms/${id}`, {
    profile: 'Glas für Werkstatt und Büro, Notdienst rund um die Uhr.',
    offers: 'Glasreparatur, Beratung zu Sicherheitsglas',
    tags: ['glas', 'notdienst'],
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.id, id);
  assert.equal(r.body.profile, 'Glas für Werkstatt und Büro, Notdienst rund um die Uhr.');
  assert.deepEqual(r.body.tags, ['glas', 'notdienst']);
  assert.ok(Array.isArray(r.body.people));
  const found = await call(thomas, 'GET', `/api/v1/n/${HOOD}/firms?q=notdienst`);
  assert.ok(found.body.items.some((f) => f.id === id), 'directory search finds the new tag');
  const audit = await call(await login('coordinator@demo.example'), 'GET', `/api/v1/n/${HOOD}/audit`);
  assert.ok(audit.body.items.some((e) => e.action === 'firm.updated' && String(e.object_id) === String(id)));
});

test('a member, another firm\'s admin and a coach cannot edit a firm; a coordinator can', async () => {
  const coord = await login('coordinator@demo.example');
  const id = await firmIdOf(coord, 'Glaserei Hoffmann');
  const before = (await call(coord, 'GET', `/api/v1/n/${HOOD}/firms/${id}`)).body;
  for (const email of ['jana@glaserei-hoffmann.demo.example', 'claudia@druck-brandes.demo.example', 'coach@demo.example']) {
    const who = await login(email);
    if (who.status !== 200) continue; // claudia's password changed above
    assertError(await call(who, 'PATCH', `/api/v1/n/${HOOD}/firms/${id}`, { profile: 'hijacked' }), 403, 'forbidden');
  }
  const unchanged = (await call(coord, 'GET', `/api/v1/n/${HOOD}/firms/${id}`)).body;
  assert.equal(unchanged.profile, before.profile);
  const r = await call(coord, 'PATCH', `/api/v1/n/${HOOD}/firms/${id}`, { sector: 'Glaserei und Fensterbau' });
  assert.equal(r.status, 200);
  assert.equal(r.body.sector, 'Glaserei und Fensterbau');
});

test('firm edit: bad input is refused with the field, nothing written; unknown firm is 404', async () => {
  const thomas = await login('thomas@glaserei-hoffmann.demo.example');
  const id = await firmIdOf(thomas, 'Glaserei Hoffmann');
  const before = (await call(thomas, 'GET', `/api/v1/n/${HOOD}/firms/${id}`)).body;
  assertError(await call(thomas, 'PATCH', `/api/v1/n/${HOOD}/firms/${id}`, { tags: 'glas' }), 400, 'invalid', 'tags');
  assertError(await call(thomas, 'PATCH', `/api/v1/n/${HOOD}/firms/${id}`, { tags: [1, 2] }), 400, 'invalid', 'tags');
  assertError(await call(thomas, 'PATCH', `/api/v1/n/${HOOD}/firms/${id}`, { name: '' }), 400, 'invalid', 'name');
  assertError(await call(thomas, 'PATCH', `/api/v1/n/${HOOD}/firms/${id}`, { profile: 'p'.repeat(4001) }), 400, 'invalid', 'profile');
  assertError(await call(thomas, 'PATCH', `/api/v1/n/${HOOD}/firms/${id}`, { website: 'x' }), 400, 'unknown_field', 'website');
  assertError(await call(thomas, 'PATCH', `/api/v1/n/${HOOD}/firms/${id}`, { name: 'Druck & Etikett Brandes' }), 409, 'name_taken', 'name');
  assert.deepEqual((await call(thomas, 'GET', `/api/v1/n/${HOOD}/firms/${id}`)).body, before);
  assertError(await call(thomas, 'PATCH', `/api/v1/n/${HOOD}/firms/999999`, { profile: 'x' }), 404, 'not_found');
  assertError(await call(thomas, 'PATCH', `/api/v1/n/${HOOD}/firms/abc`, { profile: 'x' }), 400, 'invalid', 'id');
  assertError(await call(thomas, 'PATCH', `/api/v1/n/elsewhere/firms/${id}`, { profile: 'x' }), 404, 'not_found');
});

test('open invitations: listed for coordinators and the firm admin, revoked links stop working', async () => {
  const coord = await login('coordinator@demo.example');
  const thomas = await login('thomas@glaserei-hoffmann.demo.example');
  const firmId = await firmIdOf(coord, 'Glaserei Hoffmann');
  const inv = await call(thomas, 'POST', `/api/v1/n/${HOOD}/invites`, {
    email: 'azubi@glaserei-hoffmann.demo.example', display_name: 'Azubi Lena', firm_id: firmId,
  });
  assert.equal(inv.status, 201, JSON.stringify(inv.body));
  const token = inv.body.link.split('/#/invite/')[1];

  const byCoord = await call(coord, 'GET', `/api/v1/n/${HOOD}/invites`);
  assert.equal(byCoord.status, 200);
  const item = byCoord.body.items.find((i) => i.email === 'azubi@glaserei-hoffmann.demo.example');
  assert.ok(item, 'the coordinator sees the invitation');
  assert.equal(item.firm.id, firmId);
  assert.equal(item.role, 'member');
  assert.match(item.expires_at, /^\d{4}-\d\d-\d\dT/);
  assert.ok(!('link' in item) && !('hash' in item), 'links are only shown once');

  const byAdmin = await call(thomas, 'GET', `/api/v1/n/${HOOD}/invites`);
  assert.ok(byAdmin.body.items.some((i) => i.id === item.id));
  const otherAdmin = await login('frank@nordmann-rohrbau.demo.example');
  assert.equal(otherAdmin.status, 200);
  {
    const theirs = await call(otherAdmin, 'GET', `/api/v1/n/${HOOD}/invites`);
    assert.ok(!theirs.body.items?.some((i) => i.id === item.id), 'another firm\'s admin does not see it');
    assertError(await call(otherAdmin, 'DELETE', `/api/v1/n/${HOOD}/invites/${item.id}`), 403, 'forbidden');
  }
  assertError(await call(await login('jana@glaserei-hoffmann.demo.example'), 'GET', `/api/v1/n/${HOOD}/invites`), 403, 'forbidden');

  assert.equal((await fetch(`${s.url}/api/v1/invites/${token}`)).status, 200);
  const del = await call(thomas, 'DELETE', `/api/v1/n/${HOOD}/invites/${item.id}`);
  assert.equal(del.status, 204);
  assert.notEqual((await fetch(`${s.url}/api/v1/invites/${token}`)).status, 200, 'the link is dead');
  const acc = await fetch(`${s.url}/api/v1/invites/${token}/accept`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: 'Ein-gutes-Passwort-2026' }),
  });
  assert.ok(acc.status >= 400, 'a revoked invitation cannot be accepted');
  const list = await call(coord, 'GET', `/api/v1/n/${HOOD}/invites`);
  assert.ok(!list.body.items.some((i) => i.id === item.id), 'no longer listed');
  const firm = await call(coord, 'GET', `/api/v1/n/${HOOD}/firms/${firmId}`);
  assert.ok(!firm.body.people.some((p) => p.display_name === 'Azubi Lena'), 'the pending person is gone from the firm');
  assertError(await call(thomas, 'DELETE', `/api/v1/n/${HOOD}/invites/${item.id}`), 404, 'not_found');
  assertError(await call(thomas, 'DELETE', `/api/v1/n/${HOOD}/invites/nope`), 400, 'invalid', 'id');
});

test('a second invitation for an address with an open one is refused until the first is revoked', async () => {
  const coord = await login('coordinator@demo.example');
  const thomas = await login('thomas@glaserei-hoffmann.demo.example');
  const firmId = await firmIdOf(coord, 'Glaserei Hoffmann');
  const email = 'doppelt@beispiel.example';
  const first = await call(coord, 'POST', `/api/v1/n/${HOOD}/invites`, { email, display_name: 'Erst', role: 'coach' });
  assert.equal(first.status, 201);
  const second = await call(thomas, 'POST', `/api/v1/n/${HOOD}/invites`, { email, display_name: 'Zweit', firm_id: firmId });
  assertError(second, 409, 'invite_pending', 'email');
  const people = (await call(coord, 'GET', `/api/v1/n/${HOOD}/people`)).body.items;
  const p = people.find((x) => x.email === email);
  assert.equal(p.display_name, 'Erst', 'the refused invitation changed nothing');
  const open = (await call(coord, 'GET', `/api/v1/n/${HOOD}/invites`)).body.items.find((i) => i.email === email);
  assert.equal((await call(coord, 'DELETE', `/api/v1/n/${HOOD}/invites/${open.id}`)).status, 204);
  const again = await call(thomas, 'POST', `/api/v1/n/${HOOD}/invites`, { email, display_name: 'Zweit', firm_id: firmId });
  assert.equal(again.status, 201, JSON.stringify(again.body));
});

test('a plain member learns nothing about invitation ids: 403 before any lookup', async () => {
  const jana = await login('jana@glaserei-hoffmann.demo.example');
  assertError(await call(jana, 'DELETE', `/api/v1/n/${HOOD}/invites/1`), 403, 'forbidden');
  assertError(await call(jana, 'DELETE', `/api/v1/n/${HOOD}/invites/999999`), 403, 'forbidden');
});

test('the only coordinator cannot delete the own account; the coordinators see deletions in their audit log', async () => {
  const coord = await login('coordinator@demo.example');
  const r = await call(coord, 'DELETE', '/api/v1/me', { confirm: 'coordinator@demo.example' });
  assertError(r, 409, 'last_coordinator');
  assert.equal((await call(coord, 'GET', '/api/v1/me')).status, 200, 'still there');
  const aylin = await login('aylin@metallbau-krueger.demo.example');
  const me = (await call(aylin, 'GET', '/api/v1/me')).body;
  assert.equal((await call(aylin, 'DELETE', '/api/v1/me', { confirm: 'aylin@metallbau-krueger.demo.example' })).status, 204);
  const audit = (await call(coord, 'GET', `/api/v1/n/${HOOD}/audit`)).body.items;
  assert.ok(audit.some((e) => e.action === 'account.deleted' && String(e.object_id) === String(me.id)));
});

test('wrong current passwords are throttled like sign-ins: 429 with Retry-After, even for the right one then', async () => {
  const sophie = await login('sophie@tischlerei-lange.demo.example');
  const change = (current) => call(sophie, 'PUT', '/api/v1/me/password', { current, password: 'Neues-Passwort-fuer-Sophie-1' });
  for (let i = 0; i < 5; i++) assertError(await change(`falsch-${i}-passwort`), 403, 'wrong_password', 'current');
  const r = await change(PW);
  assertError(r, 429, 'too_many_attempts');
  assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After in seconds');
  assert.equal((await login('sophie@tischlerei-lange.demo.example')).status, 200, 'the password did not change');
});
