// Invitations and people administration: a coordinator invites a firm, its
// admin invites staff, links are single-use and expire, password-reset
// links, role assignment, removing a person, and the audit entry each of
// these leaves (docs/api.md "Invitations").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, stopAll } from './harness.mjs';
import {
  HOOD, DEMO, signIn, trySignIn, assertError, sql, sqlValue, q, freshEmail,
  linkToken, listAll,
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

const now = () => Math.floor(Date.now() / 1000);
const people = () => listAll(coord, coord.hood('/people'));
const audit = async () => (await coord.get(coord.hood('/audit?limit=200'))).body.items;
const showLink = (token) => api(s.url, 'GET', `/api/v1/invites/${token}`);
const accept = (token, password) => api(s.url, 'POST', `/api/v1/invites/${token}/accept`, { password });

// Shared across the flow below (tests run in order).
const firm = { email: freshEmail('chefin'), name: 'Birte Böttcher', firmName: 'Böttcherei Böttcher', pw: 'Fassdauben-und-Reifen-1' };
const staff = { email: freshEmail('geselle'), name: 'Gerd Geselle', pw: 'Eichenholz-Fass-2026' };

test('a coordinator invites a firm: the firm exists, its first admin is pending, the link says what it grants', async () => {
  const auditBefore = (await audit()).length;
  const t0 = now();
  const r = await coord.post(coord.hood('/invites'), { email: firm.email, display_name: firm.name, firm_name: firm.firmName, locale: 'en' });
  assert.equal(r.status, 201, r.text);
  for (const k of ['added', 'expires_at', 'firm_id', 'link', 'person_id', 'role']) assert.ok(k in r.body, `${k} in ${r.text}`);
  assert.equal(r.body.role, 'admin');
  assert.equal(r.body.added, false);
  assert.equal(typeof r.body.firm_id, 'number');
  assert.equal(typeof r.body.person_id, 'number');
  assert.ok(Math.abs(r.body.expires_at - (t0 + 7 * 86400)) <= 5, `expires after invite_valid_days (7): ${r.body.expires_at}`);
  assert.match(r.body.link, /^\/#\/invite\/[A-Za-z0-9_-]{43}$/, 'relative link when public_origin is empty');
  firm.token = linkToken(r.body.link);
  firm.id = r.body.firm_id;
  firm.personId = r.body.person_id;
  // Only a hash of the token is stored.
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_invites WHERE hash = ${q(firm.token)}`), 0);
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_invites WHERE person_id = ${firm.personId} AND used_at IS NULL`), 1);

  const show = await showLink(firm.token);
  assert.equal(show.status, 200, show.text);
  assert.deepEqual(show.body, {
    kind: 'invite', email: firm.email, display_name: firm.name, hood: 'Gewerbegebiet Peiner Straße',
    firm: firm.firmName, role: 'admin', expires_at: r.body.expires_at,
  });
  // The firm is in the directory; the person is listed as not yet active.
  const f = await coord.get(coord.hood(`/firms/${firm.id}`));
  assert.equal(f.status, 200);
  assert.equal(f.body.name, firm.firmName);
  assert.equal(f.body.contact, firm.name);
  const p = (await people()).find((x) => x.id === firm.personId);
  assert.deepEqual([p.email, p.display_name, p.locale, p.active, p.roles], [firm.email, firm.name, 'en', false, []]);
  assert.deepEqual(p.firms, [{ id: firm.id, name: firm.firmName, role: 'admin' }]);
  // A pending person cannot sign in.
  assertError(await trySignIn(s.url, firm.email, firm.pw), 401, 'invalid_credentials');
  // Audit.
  const a = await audit();
  assert.equal(a.length, auditBefore + 1);
  assert.equal(a[0].action, 'invite.created');
  assert.equal(a[0].source, 'core');
  assert.equal(a[0].object_type, 'person');
  assert.equal(a[0].object_id, String(firm.personId));
  assert.equal(a[0].actor, 'Sabine Wolters');
  assert.deepEqual(a[0].detail, { email: firm.email, kind: 'firm', role: 'admin' });
  assert.match(a[0].ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
});

test('accepting sets the password; the new firm admin signs in and sees the firm', async () => {
  assertError(await accept(firm.token, 'kurz'), 400, 'weak_password', 'password');
  assertError(await api(s.url, 'POST', `/api/v1/invites/${firm.token}/accept`, {}), 400, 'required', 'password');
  assertError(await api(s.url, 'POST', `/api/v1/invites/${firm.token}/accept`, { password: firm.pw, email: 'x@y' }), 400, 'unknown_field', 'email');
  const r = await accept(firm.token, firm.pw);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { ok: true });
  firm.client = await signIn(s.url, firm.email, firm.pw);
  assert.deepEqual(firm.client.me.hoods.map((h) => [h.slug, h.roles, h.firms]),
    [[HOOD, [], [{ id: firm.id, name: firm.firmName, role: 'admin' }]]]);
  assert.equal(firm.client.me.locale, 'en');
  const p = (await people()).find((x) => x.id === firm.personId);
  assert.equal(p.active, true);
});

test('an accepted link cannot be used again', async () => {
  assertError(await showLink(firm.token), 410, 'link_expired');
  assertError(await accept(firm.token, 'Ganz-anderes-Passwort-9'), 410, 'link_expired');
  // The password did not change.
  assertError(await trySignIn(s.url, firm.email, 'Ganz-anderes-Passwort-9'), 401, 'invalid_credentials');
  assert.equal((await trySignIn(s.url, firm.email, firm.pw)).status, 200);
  // Unknown tokens.
  assertError(await showLink('A'.repeat(43)), 404, 'not_found');
  assertError(await accept('A'.repeat(43), 'Irgendein-Passwort-1'), 404, 'not_found');
});

test('the firm admin invites staff of their own firm; the staff member accepts and signs in', async () => {
  const fa = firm.client;
  const auditBefore = (await audit()).length;
  const r = await fa.post(fa.hood('/invites'), { email: staff.email, display_name: staff.name, firm_id: firm.id });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.role, 'member', 'member by default');
  assert.equal(r.body.firm_id, firm.id);
  assert.equal(r.body.added, false);
  staff.personId = r.body.person_id;
  const token = linkToken(r.body.link);
  const show = await showLink(token);
  assert.deepEqual([show.body.kind, show.body.firm, show.body.role, show.body.email], ['invite', firm.firmName, 'member', staff.email]);
  assert.equal((await accept(token, staff.pw)).status, 200);
  staff.client = await signIn(s.url, staff.email, staff.pw);
  assert.deepEqual(staff.client.me.hoods[0].firms, [{ id: firm.id, name: firm.firmName, role: 'member' }]);
  const a = await audit();
  assert.equal(a.length, auditBefore + 1);
  assert.deepEqual([a[0].action, a[0].actor, a[0].object_id, a[0].detail], ['invite.created', firm.name, String(staff.personId), { email: staff.email, kind: 'staff', role: 'member' }]);
  // The new member cannot invite; the admin cannot invite coaches or other firms.
  assertError(await staff.client.post(staff.client.hood('/invites'), { email: freshEmail('x'), display_name: 'X', firm_id: firm.id }), 403, 'forbidden');
  assertError(await fa.post(fa.hood('/invites'), { email: freshEmail('x'), display_name: 'X', role: 'coach' }), 403, 'forbidden');
  assertError(await fa.post(fa.hood('/invites'), { email: freshEmail('x'), display_name: 'X', firm_name: 'Noch eine Firma' }), 403, 'forbidden');
  assertError(await fa.post(fa.hood('/invites'), { email: freshEmail('x'), display_name: 'X', firm_id: firm.id, role: 'coach' }), 400, 'invalid', 'role');
  assert.equal((await audit()).length, auditBefore + 1, 'refused invitations leave no trace');
});

test('inviting someone who has an account adds them at once, without a link', async () => {
  const r = await coord.post(coord.hood('/invites'), { email: DEMO.mehmet, display_name: 'ignored', firm_id: firm.id, role: 'admin' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.added, true);
  assert.equal(r.body.link, null);
  assert.equal(r.body.expires_at, null);
  assert.equal(r.body.role, 'admin');
  const mehmet = await signIn(s.url, DEMO.mehmet);
  assert.deepEqual(mehmet.me.hoods[0].firms.map((f) => [f.name, f.role]).sort(),
    [[firm.firmName, 'admin'], ['Druck & Etikett Brandes', 'member']].sort());
  assert.equal(mehmet.me.display_name, 'Mehmet Aydin', 'an existing account keeps its name');
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_invites WHERE person_id = ${mehmet.me.id}`), 0);
});

test('invitation input errors: status, code and field; nothing is written', async () => {
  const before = (await people()).length;
  const auditBefore = (await audit()).length;
  const firmsBefore = sqlValue(s, 'SELECT count(*) FROM nb_firms');
  const e = freshEmail('bad');
  const cases = [
    [{ display_name: 'X', role: 'coach' }, 400, 'required', 'email'],
    [{ email: e, role: 'coach' }, 400, 'required', 'display_name'],
    [{ email: 'kein-at-zeichen', display_name: 'X', role: 'coach' }, 400, 'invalid', 'email'],
    [{ email: 'a b@c.example', display_name: 'X', role: 'coach' }, 400, 'invalid', 'email'],
    [{ email: e, display_name: 'X', role: 'coach', locale: 'fr' }, 400, 'invalid', 'locale'],
    [{ email: e, display_name: 'X' }, 400, 'invalid', 'role'],
    [{ email: e, display_name: 'X', role: 'king' }, 400, 'invalid', 'role'],
    [{ email: e, display_name: 'X', firm_id: firm.id, role: 'coordinator' }, 400, 'invalid', 'role'],
    [{ email: e, display_name: 'X', firm_name: 'Neu', firm_id: firm.id }, 400, 'invalid', 'firm_id'],
    [{ email: e, display_name: 'X', firm_id: 999999 }, 404, 'not_found', 'firm_id'],
    [{ email: e, display_name: 'X', firm_id: 'eins' }, 400, 'invalid', 'firm_id'],
    [{ email: e, display_name: '', role: 'coach' }, 400, 'invalid', 'display_name'],
    [{ email: e, display_name: 'X', role: 'coach', admin: true }, 400, 'unknown_field', 'admin'],
    [{ email: e, display_name: 'X', firm_name: firm.firmName }, 409, 'exists', 'firm_name'],
  ];
  for (const [body, status, code, field] of cases) {
    assertError(await coord.post(coord.hood('/invites'), body), status, code, field);
  }
  assert.equal((await people()).length, before);
  assert.equal((await audit()).length, auditBefore);
  assert.equal(sqlValue(s, 'SELECT count(*) FROM nb_firms'), firmsBefore);
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_people WHERE email = ${q(e)}`), 0, 'the 409 rolled the new person back too');
});

test('an expired invitation is refused and changes nothing', async () => {
  const email = freshEmail('spaet');
  const r = await coord.post(coord.hood('/invites'), { email, display_name: 'Svenja Spät', role: 'coach' });
  assert.equal(r.status, 201);
  const token = linkToken(r.body.link);
  sql(s, `UPDATE nb_invites SET expires_at = ${now() - 1} WHERE person_id = ${r.body.person_id}`);
  assertError(await showLink(token), 410, 'link_expired');
  assertError(await accept(token, 'Zu-spaet-gekommen-1'), 410, 'link_expired');
  assert.equal(sqlValue(s, `SELECT password_hash IS NULL FROM nb_people WHERE id = ${r.body.person_id}`), 1);
  assert.equal(sqlValue(s, `SELECT used_at IS NULL FROM nb_invites WHERE person_id = ${r.body.person_id}`), 1);
  assertError(await trySignIn(s.url, email, 'Zu-spaet-gekommen-1'), 401, 'invalid_credentials');
});

test('password reset: a coordinator makes a link; using it sets the password and ends every session', async () => {
  const target = staff;
  const other = await signIn(s.url, target.email, target.pw); // a second session
  const auditBefore = (await audit()).length;
  const t0 = now();
  const r = await coord.post(coord.hood(`/people/${target.personId}/reset`), {});
  assert.equal(r.status, 201, r.text);
  for (const k of ['expires_at', 'link']) assert.ok(k in r.body, `${k} in ${r.text}`);
  assert.ok(Math.abs(r.body.expires_at - (t0 + 7 * 86400)) <= 5);
  const token = linkToken(r.body.link);
  const show = await showLink(token);
  assert.equal(show.status, 200);
  assert.equal(show.body.kind, 'reset');
  assert.equal(show.body.email, target.email);
  // Making the link changes nothing yet.
  assert.equal((await other.get('/api/v1/me')).status, 200);
  assertError(await accept(token, 'password123'), 400, 'weak_password', 'password');
  const newPw = 'Neues-Fass-Passwort-3';
  assert.equal((await accept(token, newPw)).status, 200);
  assertError(await target.client.get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await other.get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await trySignIn(s.url, target.email, target.pw), 401, 'invalid_credentials');
  target.pw = newPw;
  target.client = await signIn(s.url, target.email, newPw);
  assert.deepEqual(target.client.me.hoods[0].firms.map((f) => f.role), ['member'], 'memberships untouched');
  assertError(await accept(token, 'Noch-ein-Passwort-4'), 410, 'link_expired');
  const a = await audit();
  assert.equal(a.length, auditBefore + 1);
  assert.deepEqual([a[0].action, a[0].object_type, a[0].object_id, a[0].actor], ['password.reset_link', 'person', String(target.personId), 'Sabine Wolters']);
  // Unknown people.
  assertError(await coord.post(coord.hood('/people/999999/reset'), {}), 404, 'not_found');
  assertError(await coord.post(coord.hood('/people/abc/reset'), {}), 404, 'not_found');
  assert.equal((await audit()).length, auditBefore + 1);
});

test('role assignment: replace roles, 409 for the last coordinator, bad input refused', async () => {
  const target = firm; // the firm admin becomes coach as well
  const auditBefore = (await audit()).length;
  const r = await coord.put(coord.hood(`/people/${target.personId}/roles`), { roles: ['coach'] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, { id: target.personId, roles: ['coach'] });
  const me = await target.client.get('/api/v1/me');
  assert.deepEqual(me.body.hoods[0].roles, ['coach']);
  assert.equal(me.body.hoods[0].firms[0].role, 'admin', 'firm role untouched');
  // Coach powers apply at once (audit stays coordinator-only).
  assertError(await target.client.get(target.client.hood('/audit')), 403, 'forbidden');
  let a = await audit();
  assert.equal(a.length, auditBefore + 1);
  assert.deepEqual([a[0].action, a[0].object_id, a[0].detail, a[0].actor], ['roles.set', String(target.personId), { roles: ['coach'] }, 'Sabine Wolters']);
  // Both roles, then none.
  assert.deepEqual((await coord.put(coord.hood(`/people/${target.personId}/roles`), { roles: ['coach', 'coordinator'] })).body.roles, ['coach', 'coordinator']);
  assert.equal((await target.client.get(target.client.hood('/audit'))).status, 200, 'now a coordinator');
  assert.deepEqual((await coord.put(coord.hood(`/people/${target.personId}/roles`), { roles: [] })).body.roles, []);
  assertError(await target.client.get(target.client.hood('/people')), 403, 'forbidden');
  const rolesNow = () => sql(s, `SELECT person_id, role FROM nb_hood_roles ORDER BY person_id, role`);
  const before = rolesNow();
  const auditMid = (await audit()).length;
  // The only coordinator cannot drop the role.
  assertError(await coord.put(coord.hood(`/people/${coord.me.id}/roles`), { roles: [] }), 409, 'last_coordinator', 'roles');
  assertError(await coord.put(coord.hood(`/people/${coord.me.id}/roles`), { roles: ['coach'] }), 409, 'last_coordinator', 'roles');
  // Bad input.
  assertError(await coord.put(coord.hood(`/people/${target.personId}/roles`), { roles: ['king'] }), 400, 'invalid', 'roles');
  assertError(await coord.put(coord.hood(`/people/${target.personId}/roles`), { roles: 'coach' }), 400, 'invalid', 'roles');
  assertError(await coord.put(coord.hood(`/people/${target.personId}/roles`), { roles: [1] }), 400, 'invalid', 'roles');
  assertError(await coord.put(coord.hood(`/people/${target.personId}/roles`), { roles: ['coach', 'coordinator', 'coach'] }), 400, 'invalid', 'roles');
  assertError(await coord.put(coord.hood(`/people/${target.personId}/roles`), {}), 400, 'required', 'roles');
  assertError(await coord.put(coord.hood(`/people/${target.personId}/roles`), { roles: [], firm: 1 }), 400, 'unknown_field', 'firm');
  assertError(await coord.put(coord.hood('/people/999999/roles'), { roles: ['coach'] }), 404, 'not_found');
  assert.deepEqual(rolesNow(), before, 'nothing changed');
  a = await audit();
  assert.equal(a.length, auditMid);
});

test('removing a person takes their firms and roles here; they keep their account', async () => {
  // Make a person with a firm membership and a role.
  const email = freshEmail('weg');
  const inv = await coord.post(coord.hood('/invites'), { email, display_name: 'Wilma Weg', firm_id: firm.id });
  assert.equal(inv.status, 201);
  assert.equal((await accept(linkToken(inv.body.link), 'Auf-Wiedersehen-55')).status, 200);
  const pid = inv.body.person_id;
  assert.equal((await coord.put(coord.hood(`/people/${pid}/roles`), { roles: ['coach'] })).status, 200);
  const wilma = await signIn(s.url, email, 'Auf-Wiedersehen-55');
  assert.equal((await wilma.get(wilma.hood('/firms'))).status, 200);
  const auditBefore = (await audit()).length;

  const r = await coord.del(coord.hood(`/people/${pid}`));
  assert.equal(r.status, 204, r.text);
  assert.ok(!(await people()).some((p) => p.id === pid), 'gone from the people list');
  const f = await coord.get(coord.hood(`/firms/${firm.id}`));
  assert.ok(!f.body.people.some((p) => p.id === pid), 'gone from the firm');
  const me = await wilma.get('/api/v1/me');
  assert.equal(me.status, 200, 'the account itself stays');
  assert.deepEqual(me.body.hoods, []);
  assertError(await wilma.get(wilma.hood('/firms')), 404, 'not_found');
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_memberships WHERE person_id = ${pid}`), 0);
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_hood_roles WHERE person_id = ${pid}`), 0);
  const a = await audit();
  assert.equal(a.length, auditBefore + 1);
  assert.deepEqual([a[0].action, a[0].object_type, a[0].object_id, a[0].actor], ['person.removed', 'person', String(pid), 'Sabine Wolters']);
  // Again, unknown people and oneself.
  assertError(await coord.del(coord.hood(`/people/${pid}`)), 404, 'not_found');
  assertError(await coord.del(coord.hood('/people/999999')), 404, 'not_found');
  assertError(await coord.del(coord.hood(`/people/${coord.me.id}`)), 409, 'self');
  assert.equal((await coord.get('/api/v1/me')).body.hoods[0].roles[0], 'coordinator');
  assert.equal((await audit()).length, auditBefore + 1);
  // Only coordinators remove people, the firm admin neither.
  assertError(await firm.client.del(firm.client.hood(`/people/${staff.personId}`)), 403, 'forbidden');
  assert.ok((await people()).some((p) => p.id === staff.personId));
});

test('the audit log is newest first and paginated', async () => {
  const all = await audit();
  assert.ok(all.length >= 8);
  const ids = all.map((e) => e.id);
  assert.deepEqual(ids, [...ids].sort((x, y) => y - x));
  for (const e of all) {
    assert.deepEqual(Object.keys(e).sort(), ['action', 'actor', 'actor_id', 'detail', 'id', 'object_id', 'object_type', 'source', 'ts'].sort());
  }
  const p1 = await coord.get(coord.hood('/audit?limit=3'));
  assert.equal(p1.status, 200);
  assert.deepEqual(p1.body.items.map((e) => e.id), ids.slice(0, 3));
  assert.equal(p1.body.next_cursor, ids[2]);
  const p2 = await coord.get(coord.hood(`/audit?limit=3&cursor=${p1.body.next_cursor}`));
  assert.deepEqual(p2.body.items.map((e) => e.id), ids.slice(3, 6));
  assertError(await coord.get(coord.hood('/audit?limit=0')), 400, 'invalid', 'limit');
  assertError(await coord.get(coord.hood('/audit?cursor=x')), 400, 'invalid', 'cursor');
  const actions = new Set(all.map((e) => e.action));
  for (const want of ['invite.created', 'password.reset_link', 'roles.set', 'person.removed']) assert.ok(actions.has(want), want);
});
