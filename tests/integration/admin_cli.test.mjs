// The operator commands: nachbar admin create-neighbourhood, create-user
// and reset-password on a data folder, then signing in over HTTP with the
// result; bad arguments exit non-zero with a clear message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, runCli, tempDir, stopAll } from './harness.mjs';
import { signIn, trySignIn, assertError, sql, sqlValue, q } from './accounts.mjs';

const servers = [];
let dir; // the server folder; its data folder is dir/data
let data;
const NOPW = { NACHBAR_PASSWORD: '' }; // never inherit one from the caller
const admin = (args, env = NOPW) => runCli(['admin', ...args, '--data', data], { env: { ...NOPW, ...env } });

const COORD = { email: 'leitung@gewerbepark-ost.example', name: 'Lotte Leitung', pw: 'Gewerbepark-Ost-2026' };
const COACH = { email: 'coach@gewerbepark-ost.example', name: 'Carl Coach' };
const OPER = { email: 'betrieb@kammer.example', name: 'Olga Operator', pw: 'Rechenzentrum-Kammer-1' };

before(async () => {
  dir = await tempDir('nachbar-admin-');
  data = path.join(dir, 'data');
});
after(() => stopAll(servers));

test('create-neighbourhood on a new data folder; a second one with the same slug is refused', async () => {
  const r = await admin(['create-neighbourhood', '--slug', 'gewerbepark-ost', '--name', 'Gewerbepark Ost', '--region', 'Hannover']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /neighbourhood gewerbepark-ost created/);
  assert.deepEqual(sql(data, 'SELECT slug, name, region FROM nb_hoods'), [{ slug: 'gewerbepark-ost', name: 'Gewerbepark Ost', region: 'Hannover' }]);
  const again = await admin(['create-neighbourhood', '--slug', 'gewerbepark-ost', '--name', 'Noch einmal']);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /neighbourhood 'gewerbepark-ost' exists already/);
  assert.equal(sqlValue(data, 'SELECT name FROM nb_hoods WHERE slug = \'gewerbepark-ost\''), 'Gewerbepark Ost', 'unchanged');
  const second = await admin(['create-neighbourhood', '--slug', 'hafen', '--name', 'Hafen']);
  assert.equal(second.code, 0, second.stderr);
});

test('create-neighbourhood: bad or missing arguments exit 2 with the usage', async () => {
  const bad = [
    ['--slug', 'Gross', '--name', 'X'],
    ['--slug', 'mit leerzeichen', '--name', 'X'],
    ['--slug', '-vorne', '--name', 'X'],
    ['--slug', 'hinten-', '--name', 'X'],
    ['--slug', 'a', '--name', 'X'],
    ['--slug', 'x'.repeat(49), '--name', 'X'],
    ['--slug', 'umlaut-ä', '--name', 'X'],
    ['--slug', 'ohne-name'],
    ['--name', 'Ohne Slug'],
  ];
  for (const args of bad) {
    const r = await admin(['create-neighbourhood', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /Usage: nachbar admin create-neighbourhood --slug SLUG --name NAME/);
    assert.equal(r.stdout, '');
  }
  assert.equal(sqlValue(data, 'SELECT count(*) FROM nb_hoods'), 2, 'nothing created');
});

test('create-user --role coordinator with NACHBAR_PASSWORD; refusals leave no account behind', async () => {
  const r = await admin(['create-user', '--email', COORD.email, '--name', COORD.name, '--role', 'coordinator', '--hood', 'gewerbepark-ost'], { NACHBAR_PASSWORD: COORD.pw });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`user ${COORD.email} created as coordinator`));
  assert.match(r.stdout, /gewerbepark-ost/);
  assert.ok(!/password:/.test(r.stdout), 'a given password is not printed');
  assert.ok(!r.stdout.includes(COORD.pw) && !r.stderr.includes(COORD.pw));
  const row = sql(data, `SELECT p.display_name, p.password_hash, r.role, h.slug FROM nb_people p JOIN nb_hood_roles r ON r.person_id = p.id JOIN nb_hoods h ON h.id = r.hood_id WHERE p.email = ${q(COORD.email)}`);
  assert.equal(row.length, 1);
  assert.deepEqual([row[0].display_name, row[0].role, row[0].slug], [COORD.name, 'coordinator', 'gewerbepark-ost']);
  assert.match(row[0].password_hash, /^\$argon2id\$/, 'stored as an argon2id hash');

  const dup = await admin(['create-user', '--email', COORD.email, '--name', 'Doppelt'], { NACHBAR_PASSWORD: COORD.pw });
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /has an account already/);

  const weak = await admin(['create-user', '--email', 'schwach@example.org', '--name', 'Schwach'], { NACHBAR_PASSWORD: 'password123' });
  assert.equal(weak.code, 1);
  assert.match(weak.stderr, /NACHBAR_PASSWORD: .*most used/);
  const short = await admin(['create-user', '--email', 'schwach@example.org', '--name', 'Schwach'], { NACHBAR_PASSWORD: 'kurz' });
  assert.equal(short.code, 1);
  assert.match(short.stderr, /NACHBAR_PASSWORD: .*at least 10 characters/);

  const noHood = await admin(['create-user', '--email', 'niemand@example.org', '--name', 'Niemand', '--role', 'coach', '--hood', 'gibt-es-nicht'], { NACHBAR_PASSWORD: 'Irgendwo-im-Nirgendwo-1' });
  assert.equal(noHood.code, 1);
  assert.match(noHood.stderr, /no neighbourhood 'gibt-es-nicht'/);
  assert.equal(sqlValue(data, `SELECT count(*) FROM nb_people WHERE email IN ('schwach@example.org', 'niemand@example.org')`), 0, 'rolled back');

  const usage = [
    ['--email', 'a@b.example'],
    ['--name', 'Ohne Adresse'],
    ['--email', 'kein-at', '--name', 'X'],
    ['--email', 'x@y.example', '--name', 'X', '--role', 'coordinator'],
    ['--email', 'x@y.example', '--name', 'X', '--role', 'king', '--hood', 'gewerbepark-ost'],
    ['--email', 'x@y.example', '--name', 'X', '--role', 'member', '--hood', 'gewerbepark-ost'],
  ];
  for (const args of usage) {
    const u = await admin(['create-user', ...args], { NACHBAR_PASSWORD: 'Irgendwo-im-Nirgendwo-1' });
    assert.equal(u.code, 2, `${args.join(' ')}: ${u.stderr}`);
    assert.match(u.stderr, /Usage: nachbar admin create-user --email EMAIL --name NAME/);
  }
  assert.equal(sqlValue(data, `SELECT count(*) FROM nb_people WHERE email IN ('a@b.example', 'x@y.example', 'kein-at')`), 0);
});

test('create-user without NACHBAR_PASSWORD prints a generated password once; --operator makes an operator', async () => {
  const r = await admin(['create-user', '--email', COACH.email, '--name', COACH.name, '--role', 'coach', '--hood', 'gewerbepark-ost']);
  assert.equal(r.code, 0, r.stderr);
  const m = /^password: (\S+)$/m.exec(r.stdout);
  assert.ok(m, `a password line: ${r.stdout}`);
  COACH.pw = m[1];
  assert.ok(COACH.pw.length >= 16, 'long enough');
  assert.match(r.stdout, /shown once/);
  const op = await admin(['create-user', '--email', OPER.email, '--name', OPER.name, '--operator'], { NACHBAR_PASSWORD: OPER.pw });
  assert.equal(op.code, 0, op.stderr);
  assert.equal(sqlValue(data, `SELECT is_operator FROM nb_people WHERE email = ${q(OPER.email)}`), 1);
});

test('the accounts made on the command line sign in over HTTP with their roles', async () => {
  const s = await startServer({ dir });
  servers.push(s);
  assert.equal(s.dataDir, data);
  const coord = await signIn(s.url, COORD.email, COORD.pw);
  assert.equal(coord.me.display_name, COORD.name);
  assert.equal(coord.me.is_operator, false);
  assert.deepEqual(coord.me.hoods.map((h) => [h.slug, h.name, h.region, h.roles]), [['gewerbepark-ost', 'Gewerbepark Ost', 'Hannover', ['coordinator']]]);
  // A coordinator made this way runs the neighbourhood.
  const inv = await coord.post(coord.hood('/invites', 'gewerbepark-ost'), { email: 'erste@firma-ost.example', display_name: 'Erste Firma', firm_name: 'Erste Firma Ost' });
  assert.equal(inv.status, 201, inv.text);
  assert.equal((await coord.get(coord.hood('/people', 'gewerbepark-ost'))).status, 200);
  assertError(await coord.get(coord.hood('/people', 'hafen')), 404, 'not_found');

  const coach = await signIn(s.url, COACH.email, COACH.pw);
  assert.deepEqual(coach.me.hoods.map((h) => [h.slug, h.roles]), [['gewerbepark-ost', ['coach']]]);
  assertError(await coach.get(coach.hood('/people', 'gewerbepark-ost')), 403, 'forbidden');

  const oper = await signIn(s.url, OPER.email, OPER.pw);
  assert.equal(oper.me.is_operator, true);
  assert.deepEqual(oper.me.hoods, [], 'an operator is no member');
  const hoods = await oper.get('/api/v1/hoods');
  assert.deepEqual(hoods.body.items.map((h) => h.slug), ['gewerbepark-ost', 'hafen'], 'an operator sees every neighbourhood');
  assertError(await oper.get(oper.hood('/firms', 'gewerbepark-ost')), 404, 'not_found');
  assert.deepEqual((await coord.get('/api/v1/hoods')).body.items.map((h) => h.slug), ['gewerbepark-ost']);
});

test('reset-password sets a new password and ends the account\'s sessions, also while the server runs', async () => {
  const s = servers.at(-1);
  const before = await signIn(s.url, COORD.email, COORD.pw);
  const other = await signIn(s.url, COACH.email, COACH.pw);
  const newPw = 'Neues-Passwort-Ost-7';
  const r = await admin(['reset-password', '--email', COORD.email], { NACHBAR_PASSWORD: newPw });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`password of ${COORD.email} reset; its sessions ended`));
  assert.ok(!/password:/.test(r.stdout));
  assertError(await before.get('/api/v1/me'), 401, 'sign_in_required');
  assertError(await trySignIn(s.url, COORD.email, COORD.pw), 401, 'invalid_credentials');
  assert.equal((await other.get('/api/v1/me')).status, 200, 'other accounts keep their sessions');
  COORD.pw = newPw;
  assert.equal((await trySignIn(s.url, COORD.email, newPw)).status, 200);

  // Generated.
  const g = await admin(['reset-password', '--email', COACH.email]);
  assert.equal(g.code, 0, g.stderr);
  const m = /^password: (\S+)$/m.exec(g.stdout);
  assert.ok(m, g.stdout);
  assertError(await other.get('/api/v1/me'), 401, 'sign_in_required');
  assert.equal((await trySignIn(s.url, COACH.email, m[1])).status, 200);
  assertError(await trySignIn(s.url, COACH.email, COACH.pw), 401, 'invalid_credentials');
  COACH.pw = m[1];
});

test('reset-password: unknown account, missing --email and a weak password fail and change nothing', async () => {
  const s = servers.at(-1);
  const hash = sqlValue(data, `SELECT password_hash FROM nb_people WHERE email = ${q(COORD.email)}`);
  const unknown = await admin(['reset-password', '--email', 'niemand@example.org'], { NACHBAR_PASSWORD: 'Irgendwas-Langes-12' });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no account niemand@example\.org/);
  const missing = await admin(['reset-password']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Usage: nachbar admin reset-password --email EMAIL/);
  const weak = await admin(['reset-password', '--email', COORD.email], { NACHBAR_PASSWORD: 'qwertzuiop' });
  assert.equal(weak.code, 1);
  assert.match(weak.stderr, /NACHBAR_PASSWORD/);
  assert.equal(sqlValue(data, `SELECT password_hash FROM nb_people WHERE email = ${q(COORD.email)}`), hash);
  assert.equal((await trySignIn(s.url, COORD.email, COORD.pw)).status, 200);
});

test('admin: no command, an unknown command, stray arguments or unknown options exit 2 with a message', async () => {
  const none = await runCli(['admin'], { env: NOPW });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /Usage: nachbar admin create-neighbourhood\|create-user\|reset-password/);
  const unknown = await admin(['delete-everything']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown admin command 'delete-everything'/);
  const stray = await admin(['create-neighbourhood', '--slug', 'streu', '--name', 'Streu', 'extra']);
  assert.equal(stray.code, 2);
  assert.match(stray.stderr, /Usage/);
  const opt = await admin(['create-neighbourhood', '--slug', 'streu', '--name', 'Streu', '--bogus']);
  assert.equal(opt.code, 2);
  assert.match(opt.stderr, /Usage/);
  assert.equal(sqlValue(data, `SELECT count(*) FROM nb_hoods WHERE slug = 'streu'`), 0);
  // A config file that does not exist is reported, not ignored.
  const cfg = await runCli(['admin', 'create-neighbourhood', '--slug', 'streu', '--name', 'Streu', '--config', path.join(dir, 'fehlt.conf')], { env: NOPW });
  assert.notEqual(cfg.code, 0);
  assert.match(cfg.stderr, /fehlt\.conf/);
  assert.equal(sqlValue(data, `SELECT count(*) FROM nb_hoods WHERE slug = 'streu'`), 0);
});
