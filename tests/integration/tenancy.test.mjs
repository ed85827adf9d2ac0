// Tenancy: the roles table of DESIGN.md as far as core implements it
// (invite firms and people, assign roles, enable plugins, audit, people
// list) for member, firm admin, coach and coordinator; neighbourhoods
// sealed from each other on every core /api/v1/n/:hood/... route; firms
// sealed from each other; plugins switched on and off per neighbourhood.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, api, runCli, stopAll } from './harness.mjs';
import {
  HOOD, DEMO, signIn, trySignIn, assertError, sql, sqlValue, q, freshEmail,
  linkToken, listAll, sleep, until, wsConnect, wsSubscribe, wsEvents,
} from './accounts.mjs';

const HOOD_B = 'hafen-ost';
const COORD_B = 'koordination@hafen-ost.example';
const COORD_B_PW = 'Leuchtturm-am-Kai-7';
const FIRM_B_ADMIN = 'jan@werft-janssen.example';
const FIRM_B_PW = 'Schiffsschraube-99';

const servers = [];
let s;
const who = {}; // signed-in clients by name
let firmB; // {id} of the firm in hood B
let firmBAdminId;
let coordBId;

before(async () => {
  s = await startServer({ args: ['--demo'] });
  servers.push(s);
  // A second neighbourhood with its own coordinator, made by the operator CLI
  // on the running server's database.
  const mk = await runCli(['admin', 'create-neighbourhood', '--slug', HOOD_B, '--name', 'Gewerbegebiet Hafen Ost', '--region', 'Emden', '--config', s.configPath]);
  assert.equal(mk.code, 0, mk.stderr);
  const cu = await runCli(['admin', 'create-user', '--email', COORD_B, '--name', 'Hauke Hafen', '--role', 'coordinator', '--hood', HOOD_B, '--config', s.configPath],
    { env: { NACHBAR_PASSWORD: COORD_B_PW } });
  assert.equal(cu.code, 0, cu.stderr);
  const names = ['coordinator', 'coach', 'thomas', 'jana', 'claudia', 'mehmet'];
  for (const n of names) who[n] = await signIn(s.url, DEMO[n]);
  who.coordB = await signIn(s.url, COORD_B, COORD_B_PW);
  coordBId = who.coordB.me.id;
  // Hood B gets a firm with an admin who accepted the invitation.
  const inv = await who.coordB.post(who.coordB.hood('/invites', HOOD_B), { email: FIRM_B_ADMIN, display_name: 'Jan Janssen', firm_name: 'Werft Janssen' });
  assert.equal(inv.status, 201, inv.text);
  firmB = { id: inv.body.firm_id };
  firmBAdminId = inv.body.person_id;
  const acc = await api(s.url, 'POST', `/api/v1/invites/${linkToken(inv.body.link)}/accept`, { password: FIRM_B_PW });
  assert.equal(acc.status, 200, acc.text);
  who.firmB = await signIn(s.url, FIRM_B_ADMIN, FIRM_B_PW);
});
after(() => stopAll(servers));

const firmOf = (c) => c.me.hoods[0].firms[0].id;
const auditOf = async (hood = HOOD) => (await who[hood === HOOD ? 'coordinator' : 'coordB'].get(`/api/v1/n/${hood}/audit?limit=200`)).body.items;
const peopleOf = async (hood = HOOD) => listAll(who[hood === HOOD ? 'coordinator' : 'coordB'], `/api/v1/n/${hood}/people`);

test('the second neighbourhood exists only for its own people', async () => {
  const a = await who.coordinator.get('/api/v1/hoods');
  assert.equal(a.status, 200);
  assert.deepEqual(a.body.items.map((h) => h.slug), [HOOD]);
  const b = await who.coordB.get('/api/v1/hoods');
  assert.deepEqual(b.body.items.map((h) => [h.slug, h.name, h.region]), [[HOOD_B, 'Gewerbegebiet Hafen Ost', 'Emden']]);
  assert.deepEqual(who.firmB.me.hoods.map((h) => [h.slug, h.roles, h.firms.map((f) => [f.name, f.role])]),
    [[HOOD_B, [], [['Werft Janssen', 'admin']]]]);
  assertError(await api(s.url, 'GET', '/api/v1/hoods'), 401, 'sign_in_required');
});

test('roles table: who may invite firms and people, assign roles, enable plugins, read the audit log and the people list', async () => {
  const firm1 = firmOf(who.thomas); // Glaserei Hoffmann: thomas admin, jana member
  const firm2 = firmOf(who.claudia); // Druck & Etikett Brandes
  const lea = (await peopleOf()).find((p) => p.email === DEMO.lea);
  const actors = ['jana', 'thomas', 'coach', 'coordinator'];
  const tried = [];
  let helperAudits = 0; // invitations the revoke row makes first
  // expected status per actor: member, firm admin, coach, coordinator;
  // whether an allowed call leaves an audit entry
  const rows = [
    ['invite a new firm', (c) => { const email = freshEmail('firm'); tried.push(email); return c.post(c.hood('/invites'), { email, display_name: 'Neue Chefin', firm_name: `Firma ${email}` }); }, [403, 403, 403, 201], true],
    ['invite staff of the own firm (Glaserei)', (c) => { const email = freshEmail('staff1'); tried.push(email); return c.post(c.hood('/invites'), { email, display_name: 'Neuer Geselle', firm_id: firm1 }); }, [403, 201, 403, 201], true],
    ['invite an admin for the own firm', (c) => { const email = freshEmail('admin1'); tried.push(email); return c.post(c.hood('/invites'), { email, display_name: 'Neue Meisterin', firm_id: firm1, role: 'admin' }); }, [403, 201, 403, 201], true],
    ['invite staff of another firm (Brandes)', (c) => { const email = freshEmail('staff2'); tried.push(email); return c.post(c.hood('/invites'), { email, display_name: 'Fremder Drucker', firm_id: firm2 }); }, [403, 403, 403, 201], true],
    ['invite a coach', (c) => { const email = freshEmail('coach'); tried.push(email); return c.post(c.hood('/invites'), { email, display_name: 'Neuer Coach', role: 'coach' }); }, [403, 403, 403, 201], true],
    ['invite a coordinator', (c) => { const email = freshEmail('coord'); tried.push(email); return c.post(c.hood('/invites'), { email, display_name: 'Neue Koordinatorin', role: 'coordinator' }); }, [403, 403, 403, 201], true],
    ['list open invitations', (c) => c.get(c.hood('/invites')), [403, 200, 403, 200], false],
    ['revoke an invitation into the own firm', async (c) => {
      const inv = await who.coordinator.post(who.coordinator.hood('/invites'), { email: freshEmail('revoke'), display_name: 'Widerruf', firm_id: firm1 });
      assert.equal(inv.status, 201, inv.text);
      helperAudits += 1;
      const id = sqlValue(s, `SELECT max(id) FROM nb_invites WHERE person_id = ${inv.body.person_id}`);
      return c.del(c.hood(`/invites/${id}`));
    }, [403, 204, 403, 204], true],
    ['assign roles', (c) => c.put(c.hood(`/people/${lea.id}/roles`), { roles: ['coach'] }), [403, 403, 403, 200], true],
    ['enable a plugin', (c) => c.put(c.hood('/plugins/hello'), { enabled: true }), [403, 403, 403, 200], true],
    ['make a password-reset link', (c) => c.post(c.hood(`/people/${lea.id}/reset`), {}), [403, 403, 403, 201], true],
    ['read the audit log', (c) => c.get(c.hood('/audit')), [403, 403, 403, 200], false],
    ['list the people', (c) => c.get(c.hood('/people')), [403, 403, 403, 200], false],
    ['read the firm directory', (c) => c.get(c.hood('/firms')), [200, 200, 200, 200], false],
    ['read a firm', (c) => c.get(c.hood(`/firms/${firm2}`)), [200, 200, 200, 200], false],
    ['list the neighbourhood\'s plugins', (c) => c.get(c.hood('/plugins')), [200, 200, 200, 200], false],
  ];
  const auditBefore = (await auditOf()).length;
  const resetsBefore = sqlValue(s, `SELECT count(*) FROM nb_invites WHERE kind = 'reset'`);
  let audited = 0;

  for (const [what, fn, expect, writes] of rows) {
    for (let i = 0; i < actors.length; i++) {
      const r = await fn(who[actors[i]]);
      if (expect[i] === 403) {
        assertError(r, 403, 'forbidden');
      } else {
        assert.equal(r.status, expect[i], `${actors[i]}: ${what}: ${r.text}`);
        if (writes) audited += 1;
      }
    }
  }
  // Refused attempts wrote nothing: only the allowed invitations exist,
  // only allowed actions are in the audit log.
  const people = await peopleOf();
  const invited = tried.filter((e) => people.some((p) => p.email === e));
  assert.equal(invited.length, 8, `exactly the 8 allowed invitations exist: ${invited}`);
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_people WHERE email IN (${tried.map(q).join(',')})`), 8);
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_invites WHERE kind = 'reset'`), resetsBefore + 1, 'one reset link');
  const audit = await auditOf();
  const newEntries = audit.length - auditBefore;
  assert.equal(newEntries, audited + helperAudits, 'one audit entry per allowed change');
  const actorsInAudit = new Set(audit.slice(0, newEntries).map((e) => e.actor));
  assert.deepEqual([...actorsInAudit].sort(), ['Sabine Wolters', 'Thomas Hoffmann']);
  // A firm admin's list holds only invitations into their own firm.
  const mine = await who.thomas.get(who.thomas.hood('/invites'));
  assert.ok(mine.body.items.length >= 1);
  assert.ok(mine.body.items.every((i) => i.firm && i.firm.id === firm1), JSON.stringify(mine.body.items));
  const all = await who.coordinator.get(who.coordinator.hood('/invites'));
  assert.ok(all.body.items.some((i) => i.firm === null || i.firm.id !== firm1), 'the coordinator sees the others too');
  // Lea got the coach role from the coordinator only.
  const leaNow = (await peopleOf()).find((p) => p.id === lea.id);
  assert.deepEqual(leaNow.roles, ['coach']);
  const back = await who.coordinator.put(who.coordinator.hood(`/people/${lea.id}/roles`), { roles: [] });
  assert.equal(back.status, 200);
});

test('a member sees only enabled plugins; the coordinator sees the switch', async () => {
  const m = await who.jana.get(who.jana.hood('/plugins'));
  assert.deepEqual(m.body.plugins.map((p) => [p.name, p.enabled]), [['hello', true]]);
  assert.equal(m.body.plugins[0].module, '/plugins/hello/index.js');
});

test('cross-firm: a firm admin cannot invite into, or promote people of, another firm', async () => {
  const firm2 = firmOf(who.claudia);
  const email = freshEmail('xfirm');
  const firm2Before = (await who.claudia.get(who.claudia.hood(`/firms/${firm2}`))).body.people;
  assertError(await who.thomas.post(who.thomas.hood('/invites'), { email, display_name: 'Eindringling', firm_id: firm2, role: 'admin' }), 403, 'forbidden');
  // The firm of another neighbourhood, named through the own one.
  assertError(await who.thomas.post(who.thomas.hood('/invites'), { email, display_name: 'Eindringling', firm_id: firmB.id }), 403, 'forbidden');
  // An existing account cannot be pulled into another firm either.
  assertError(await who.thomas.post(who.thomas.hood('/invites'), { email: DEMO.mehmet, display_name: 'Mehmet Aydin', firm_id: firm2, role: 'admin' }), 403, 'forbidden');
  // A member of firm 2 cannot invite into firm 2 (members do not invite).
  assertError(await who.mehmet.post(who.mehmet.hood('/invites'), { email, display_name: 'Eindringling', firm_id: firm2 }), 403, 'forbidden');
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_people WHERE email = ${q(email)}`), 0);
  const firm2People = (await who.claudia.get(who.claudia.hood(`/firms/${firm2}`))).body.people;
  assert.deepEqual(firm2People, firm2Before, 'firm 2 unchanged');
  assert.deepEqual(firm2People.filter((p) => ['Claudia Brandes', 'Mehmet Aydin'].includes(p.display_name)).map((p) => [p.display_name, p.role]),
    [['Claudia Brandes', 'admin'], ['Mehmet Aydin', 'member']]);
  assert.ok(!firm2People.some((p) => p.display_name === 'Eindringling'));
  // The coordinator naming a firm of another hood gets 404 on the field.
  assertError(await who.coordinator.post(who.coordinator.hood('/invites'), { email, display_name: 'X', firm_id: firmB.id }), 404, 'not_found', 'firm_id');
  assert.equal(sqlValue(s, `SELECT count(*) FROM nb_people WHERE email = ${q(email)}`), 0);
});

test('cross-neighbourhood: every core /api/v1/n/:hood/... route answers 404 to outsiders, exactly like a hood that does not exist', async () => {
  const personB = firmBAdminId;
  const routes = (hood, firmId, personId, inviteId = 1) => [
    ['GET', `/api/v1/n/${hood}/firms`],
    ['GET', `/api/v1/n/${hood}/firms?q=werft`],
    ['GET', `/api/v1/n/${hood}/firms/${firmId}`],
    ['PATCH', `/api/v1/n/${hood}/firms/${firmId}`, { offers: 'gekapert' }],
    ['GET', `/api/v1/n/${hood}/invites`],
    ['DELETE', `/api/v1/n/${hood}/invites/${inviteId}`],
    ['GET', `/api/v1/n/${hood}/people`],
    ['POST', `/api/v1/n/${hood}/invites`, { email: freshEmail('xhood'), display_name: 'Fremd', role: 'coach' }],
    ['PUT', `/api/v1/n/${hood}/people/${personId}/roles`, { roles: ['coordinator'] }],
    ['DELETE', `/api/v1/n/${hood}/people/${personId}`],
    ['POST', `/api/v1/n/${hood}/people/${personId}/reset`, {}],
    ['GET', `/api/v1/n/${hood}/plugins`],
    ['PUT', `/api/v1/n/${hood}/plugins/hello`, { enabled: false }],
    ['GET', `/api/v1/n/${hood}/audit`],
    ['POST', `/api/v1/n/${hood}/hello/waves`, { message: 'über den Zaun' }],
  ];
  const wavesBefore = sqlValue(s, 'SELECT count(*) FROM hello_waves');
  const pluginsBefore = sql(s, 'SELECT * FROM nb_hood_plugins ORDER BY hood_id');
  const ghost = routes('gibt-es-nicht', 1, 1, 1);
  const openB = await who.coordB.post(who.coordB.hood('/invites', HOOD_B), { email: freshEmail('offen'), display_name: 'Offene Einladung', firm_id: firmB.id });
  assert.equal(openB.status, 201, openB.text);
  const inviteB = sqlValue(s, `SELECT max(id) FROM nb_invites WHERE person_id = ${openB.body.person_id}`);
  const openA = await who.coordinator.post(who.coordinator.hood('/invites'), { email: freshEmail('offen'), display_name: 'Offene Einladung A', firm_id: firmOf(who.thomas) });
  assert.equal(openA.status, 201, openA.text);
  const inviteA = sqlValue(s, `SELECT max(id) FROM nb_invites WHERE person_id = ${openA.body.person_id}`);
  const auditB = (await auditOf(HOOD_B)).length;
  const auditA = (await auditOf()).length;
  const invitesBefore = sqlValue(s, 'SELECT count(*) FROM nb_invites WHERE expires_at > 0');
  const firmsBefore = sql(s, 'SELECT * FROM nb_firms ORDER BY id');
  const results = [];
  for (const [name, c, hood, firmId, personId, inviteId] of [
    ['coordinator of A', who.coordinator, HOOD_B, firmB.id, personB, inviteB],
    ['member of A', who.jana, HOOD_B, firmB.id, personB, inviteB],
    ['coordinator of B', who.coordB, HOOD, firmOf(who.thomas), who.jana.me.id, inviteA],
    ['firm admin of B', who.firmB, HOOD, firmOf(who.thomas), who.jana.me.id, inviteA],
  ]) {
    const list = routes(hood, firmId, personId, inviteId);
    for (let i = 0; i < list.length; i++) {
      const [method, p, body] = list[i];
      const r = await c.req(method, p, body);
      assertError(r, 404, 'not_found');
      const g = await c.req(ghost[i][0], ghost[i][1], ghost[i][2]);
      assertError(g, 404, 'not_found');
      assert.deepEqual(r.body, g.body, `${name} ${method} ${p}: the same answer as for a hood that does not exist`);
      results.push(r.text);
    }
  }
  // No data of the other hood in any answer.
  for (const t of results) assert.ok(!/Werft|Janssen|Hoffmann|Glaserei|Peiner/.test(t), t);
  // Not signed in: 401 for existing and missing hoods alike.
  for (const [method, p, body] of routes(HOOD_B, firmB.id, personB, inviteB)) {
    assertError(await api(s.url, method, p, body), 401, 'sign_in_required');
  }
  assertError(await api(s.url, 'GET', '/api/v1/n/gibt-es-nicht/firms'), 401, 'sign_in_required');
  // Nothing was written on either side.
  assert.equal((await auditOf(HOOD_B)).length, auditB);
  assert.equal((await auditOf()).length, auditA);
  assert.equal(sqlValue(s, 'SELECT count(*) FROM hello_waves'), wavesBefore);
  assert.deepEqual(sql(s, 'SELECT * FROM nb_hood_plugins ORDER BY hood_id'), pluginsBefore, 'no plugin switched anywhere');
  const pb = (await peopleOf(HOOD_B)).find((p) => p.id === personB);
  assert.deepEqual([pb.roles, pb.firms.map((f) => f.role)], [[], ['admin']], 'firm admin of B untouched');
  assert.equal(sqlValue(s, 'SELECT count(*) FROM nb_invites WHERE expires_at > 0'), invitesBefore, 'no invitation or reset link made or revoked');
  assert.deepEqual(sql(s, 'SELECT * FROM nb_firms ORDER BY id'), firmsBefore, 'no firm profile edited');
  const janaRow = (await peopleOf()).find((p) => p.email === DEMO.jana);
  assert.deepEqual([janaRow.roles, janaRow.firms.map((f) => f.role)], [[], ['member']], 'jana untouched');
});

test('cross-neighbourhood: ids of the other hood named through the own hood are not found', async () => {
  const c = who.coordinator;
  assertError(await c.get(c.hood(`/firms/${firmB.id}`)), 404, 'not_found');
  assertError(await c.put(c.hood(`/people/${firmBAdminId}/roles`), { roles: ['coordinator'] }), 404, 'not_found');
  assertError(await c.post(c.hood(`/people/${firmBAdminId}/reset`), {}), 404, 'not_found');
  assertError(await c.del(c.hood(`/people/${firmBAdminId}`)), 404, 'not_found');
  assertError(await c.put(c.hood(`/people/${coordBId}/roles`), { roles: [] }), 404, 'not_found');
  // B's coordinator the other way round.
  const b = who.coordB;
  assertError(await b.get(b.hood(`/firms/${firmOf(who.thomas)}`, HOOD_B)), 404, 'not_found');
  assertError(await b.del(b.hood(`/people/${who.thomas.me.id}`, HOOD_B)), 404, 'not_found');
  assertError(await b.post(b.hood(`/people/${who.coordinator.me.id}/reset`, HOOD_B), {}), 404, 'not_found');
  assertError(await b.put(b.hood(`/people/${who.coordinator.me.id}/roles`, HOOD_B), { roles: [] }), 404, 'not_found');
  // Lists stay inside their hood.
  const firmsA = await listAll(c, c.hood('/firms'));
  assert.equal(firmsA.length >= 12, true);
  assert.ok(!firmsA.some((f) => f.id === firmB.id || f.name === 'Werft Janssen'));
  assert.deepEqual((await c.get(c.hood('/firms?q=werft'))).body.items, []);
  // Paged in fives: the pages, in order, are the whole directory once.
  const paged = [];
  let cursor = null;
  for (let i = 0; i < 10; i++) {
    const r = await c.get(c.hood(`/firms?limit=5${cursor === null ? '' : `&cursor=${cursor}`}`));
    assert.equal(r.status, 200);
    assert.ok(r.body.items.length <= 5 && r.body.items.length > 0);
    paged.push(...r.body.items);
    cursor = r.body.next_cursor;
    if (cursor === null) break;
    assert.equal(cursor, r.body.items.at(-1).id, 'the cursor is the last id shown');
  }
  assert.equal(cursor, null, 'the last page says there is no next one');
  assert.deepEqual(paged, firmsA);
  assert.deepEqual(paged.map((f) => f.id), paged.map((f) => f.id).sort((x, y) => x - y));
  const firmsB = await listAll(b, b.hood('/firms', HOOD_B));
  assert.deepEqual(firmsB.map((f) => f.name), ['Werft Janssen']);
  const peopleA = await peopleOf();
  assert.ok(!peopleA.some((p) => p.email === COORD_B || p.email === FIRM_B_ADMIN));
  const peopleB = await peopleOf(HOOD_B);
  const emailsB = peopleB.map((p) => p.email);
  assert.ok(emailsB.includes(COORD_B) && emailsB.includes(FIRM_B_ADMIN), emailsB.join());
  assert.ok(!emailsB.some((e) => e.endsWith('demo.example')), `no person of A in B: ${emailsB}`);
  const auditB = await auditOf(HOOD_B);
  assert.ok(auditB.length >= 1);
  assert.ok(auditB.every((e) => e.actor === 'Hauke Hafen'), 'B\'s audit holds only B\'s actions');
  assert.ok(!(await auditOf()).some((e) => e.actor === 'Hauke Hafen'));
  // Nothing changed for B's people.
  assert.deepEqual(peopleB.find((p) => p.id === coordBId).roles, ['coordinator']);
  assert.equal((await trySignIn(s.url, FIRM_B_ADMIN, FIRM_B_PW)).status, 200);
});

test('cross-neighbourhood: inviting the e-mail of a pending invitee of another hood grants no access to that hood', async () => {
  // B's coordinator invites a second coordinator for B; the invitation is pending.
  const email = freshEmail('pending-coord');
  const inv = await who.coordB.post(who.coordB.hood('/invites', HOOD_B), { email, display_name: 'Greta Gezeiten', role: 'coordinator' });
  assert.equal(inv.status, 201, inv.text);
  assert.equal(inv.body.added, false);
  // A firm admin of hood A invites the same address into their own firm.
  const grab = await who.thomas.post(who.thomas.hood('/invites'), { email, display_name: 'Übernommen', firm_id: firmOf(who.thomas) });
  // Whatever the answer, the firm admin must not end up holding a way into hood B.
  if (grab.status === 201 && grab.body.link) {
    const acc = await api(s.url, 'POST', `/api/v1/invites/${linkToken(grab.body.link)}/accept`, { password: 'Gekapert-im-Hafen-1' });
    if (acc.status === 200) {
      const c = await signIn(s.url, email, 'Gekapert-im-Hafen-1');
      assert.ok(!c.me.hoods.some((h) => h.slug === HOOD_B), `the link from hood A's firm admin opened hood B: ${JSON.stringify(c.me.hoods)}`);
      assertError(await c.get(c.hood('/people', HOOD_B)), 404, 'not_found');
    }
  }
  // B's invitee keeps the name B's coordinator gave.
  const pb = (await peopleOf(HOOD_B)).find((p) => p.email === email);
  assert.equal(pb.display_name, 'Greta Gezeiten');
});

test('cross-neighbourhood: no WebSocket subscription to another hood', async () => {
  const ws = await wsConnect(who.jana);
  const r = await wsSubscribe(ws, HOOD_B);
  assert.equal(r.op, 'error');
  assert.equal(r.code, 'not_found');
  const ok = await wsSubscribe(ws, HOOD);
  assert.equal(ok.op, 'replayed');
  // B's waves never reach A's subscriber.
  const w = await who.firmB.post(who.firmB.hood('/hello/waves', HOOD_B), { message: 'nur für den Hafen' });
  assert.equal(w.status, 201, w.text);
  await sleep(200);
  assert.deepEqual(wsEvents(ws), []);
  ws.close();
});

test('plugins per neighbourhood: switching hello off in one hood hides its routes, topics and list entry there only', async () => {
  const coord = who.coordinator;
  const auditBefore = (await auditOf()).length;
  // A member subscribed while it is on gets events.
  const ws = await wsConnect(who.jana);
  assert.equal((await wsSubscribe(ws, HOOD)).op, 'replayed');
  const w1 = await who.thomas.post(who.thomas.hood('/hello/waves'), { message: 'vor dem Abschalten' });
  assert.equal(w1.status, 201);
  await until(() => wsEvents(ws).length === 1, 5000, 'the first wave');
  const lastId = wsEvents(ws)[0].id;

  const off = await coord.put(coord.hood('/plugins/hello'), { enabled: false });
  assert.equal(off.status, 200, off.text);
  assert.deepEqual(off.body, { name: 'hello', enabled: false });
  // The coordinator sees it switched off; members no longer see it.
  assert.deepEqual((await coord.get(coord.hood('/plugins'))).body.plugins.map((p) => [p.name, p.enabled]), [['hello', false]]);
  assert.deepEqual((await who.jana.get(who.jana.hood('/plugins'))).body.plugins, []);
  // Its neighbourhood routes answer 404 and write nothing; its events stop.
  const waves = sqlValue(s, 'SELECT count(*) FROM hello_waves');
  assertError(await who.thomas.post(who.thomas.hood('/hello/waves'), { message: 'nach dem Abschalten' }), 404, 'not_found');
  assertError(await coord.post(coord.hood('/hello/waves'), { message: 'auch nicht für Koordinatoren' }), 404, 'not_found');
  assert.equal(sqlValue(s, 'SELECT count(*) FROM hello_waves'), waves);
  await sleep(200);
  assert.equal(wsEvents(ws).length, 1, 'no event after switching off');
  const ws2 = await wsConnect(who.jana);
  const sub = await wsSubscribe(ws2, HOOD, ['hello'], 0);
  assert.equal(sub.op, 'error');
  assert.equal(sub.code, 'unknown_topic');
  assert.deepEqual(wsEvents(ws2), [], 'no replay of a switched-off plugin');
  // The other hood keeps it.
  assert.deepEqual((await who.firmB.get(who.firmB.hood('/plugins', HOOD_B))).body.plugins.map((p) => [p.name, p.enabled]), [['hello', true]]);
  assert.equal((await who.firmB.post(who.firmB.hood('/hello/waves', HOOD_B), { message: 'im Hafen geht es' })).status, 201);
  // Public plugin routes are not neighbourhood routes.
  assert.equal((await api(s.url, 'GET', '/api/v1/hello')).status, 200);
  // The audit log records it.
  const audit = await auditOf();
  assert.equal(audit.length, auditBefore + 1);
  assert.equal(audit[0].action, 'plugin.disabled');
  assert.equal(audit[0].object_type, 'plugin');
  assert.equal(audit[0].object_id, 'hello');
  assert.deepEqual(audit[0].detail, { enabled: false });
  assert.equal(audit[0].actor, 'Sabine Wolters');
  assert.ok(!(await auditOf(HOOD_B)).some((e) => e.action.startsWith('plugin.')));

  // On again: routes and topics come back, the data is still there.
  const on = await coord.put(coord.hood('/plugins/hello'), { enabled: true });
  assert.deepEqual(on.body, { name: 'hello', enabled: true });
  assert.equal((await auditOf())[0].action, 'plugin.enabled');
  const sub2 = await wsSubscribe(ws2, HOOD, ['hello'], lastId - 1);
  assert.equal(sub2.op, 'replayed');
  assert.deepEqual(wsEvents(ws2).map((e) => e.data.message), ['vor dem Abschalten'], 'data kept while off');
  assert.equal((await who.thomas.post(who.thomas.hood('/hello/waves'), { message: 'wieder da' })).status, 201);
  await until(() => wsEvents(ws2).length === 2, 5000, 'the wave after switching on');
  ws.close();
  ws2.close();
});

test('GET /api/v1/plugins lists only plugins enabled for the signed-in person', async () => {
  const coord = who.coordinator;
  assert.equal((await coord.put(coord.hood('/plugins/hello'), { enabled: false })).status, 200);
  try {
    // jana belongs only to hood A, where hello is off.
    const r = await who.jana.get('/api/v1/plugins');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.plugins.map((p) => p.name), []);
    // firm admin of B: on there.
    const b = await who.firmB.get('/api/v1/plugins');
    assert.deepEqual(b.body.plugins.map((p) => p.name), ['hello']);
  } finally {
    assert.equal((await coord.put(coord.hood('/plugins/hello'), { enabled: true })).status, 200);
  }
});

test('PUT /api/v1/n/:hood/plugins/:name: bad input is refused and changes nothing', async () => {
  const c = who.coordinator;
  const auditBefore = (await auditOf()).length;
  const state = () => sql(s, 'SELECT hood_id, plugin, enabled FROM nb_hood_plugins ORDER BY hood_id, plugin');
  const before = state();
  assertError(await c.put(c.hood('/plugins/nope'), { enabled: false }), 404, 'not_found');
  assertError(await c.put(c.hood('/plugins/hello'), { enabled: 'no' }), 400, 'invalid', 'enabled');
  assertError(await c.put(c.hood('/plugins/hello'), { enabled: 0 }), 400, 'invalid', 'enabled');
  assertError(await c.put(c.hood('/plugins/hello'), {}), 400, 'required', 'enabled');
  assertError(await c.put(c.hood('/plugins/hello'), { enabled: false, hood: HOOD_B }), 400, 'unknown_field', 'hood');
  assertError(await c.put(c.hood('/plugins/hello'), '[false]'), 400, 'invalid');
  assert.deepEqual(state(), before);
  assert.equal((await auditOf()).length, auditBefore);
  assert.deepEqual((await who.jana.get(who.jana.hood('/plugins'))).body.plugins.map((p) => p.name), ['hello']);
});

test('cross-neighbourhood: a coordinator\'s password-reset link for a person who also belongs to another hood grants no access there', async () => {
  // B's coordinator adds mehmet (an existing account of hood A) as coordinator of B.
  const add = await who.coordB.post(who.coordB.hood('/invites', HOOD_B), { email: DEMO.mehmet, display_name: 'Mehmet Aydin', role: 'coordinator' });
  assert.equal(add.status, 201, add.text);
  assert.equal(add.body.added, true);
  // A's coordinator makes a reset link for mehmet through hood A.
  const r = await who.coordinator.post(who.coordinator.hood(`/people/${who.mehmet.me.id}/reset`), {});
  if (r.status === 201) {
    const acc = await api(s.url, 'POST', `/api/v1/invites/${linkToken(r.body.link)}/accept`, { password: 'Uebernahme-durch-A-1' });
    if (acc.status === 200) {
      const c = await signIn(s.url, DEMO.mehmet, 'Uebernahme-durch-A-1');
      assertError(await c.get(c.hood('/people', HOOD_B)), 404, 'not_found');
    }
  } else {
    assertError(r, 403, 'forbidden');
  }
});
