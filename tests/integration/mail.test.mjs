// Invitation and reset links by mail through an SMTP relay ([mail]).
// The relay is a small real SMTP server in this process: nachbar's libcurl
// talks SMTP to it over TCP, and the test reads what arrived.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startServer, stopAll, runCli, tempDir, freePort } from './harness.mjs';

const HOOD = 'peiner-strasse';
const ORIGIN = 'https://nachbar.peiner-strasse.example';
const servers = [];
let s, relay;

// A minimal SMTP receiver: enough of RFC 5321 for one client at a time.
function smtpRelay() {
  const mails = [];
  const waiters = [];
  const server = net.createServer((sock) => {
    let buf = '', inData = false, mail = null;
    const say = (l) => sock.write(l + '\r\n');
    say('220 relay.test ESMTP');
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          if (end < 0) return;
          mail.data = buf.slice(0, end + 2);
          buf = buf.slice(end + 5);
          inData = false;
          mails.push(mail);
          waiters.splice(0).forEach((w) => w());
          say('250 OK queued');
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') { say('250-relay.test'); say('250 8BITMIME'); }
        else if (cmd === 'MAIL') { mail = { from: line, rcpt: [] }; say('250 OK'); }
        else if (cmd === 'RCPT') { mail.rcpt.push(line); say('250 OK'); }
        else if (cmd === 'DATA') { inData = true; say('354 go ahead'); }
        else if (cmd === 'QUIT') { say('221 bye'); sock.end(); }
        else say('250 OK');
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    port: server.address().port,
    mails,
    close: () => new Promise((r) => server.close(r)),
    async next(count, ms = 15000) {
      const t0 = Date.now();
      while (mails.length < count) {
        if (Date.now() - t0 > ms) throw new Error(`no mail after ${ms} ms`);
        await new Promise((r) => { waiters.push(r); setTimeout(r, 200); });
      }
      return mails[count - 1];
    },
  })));
}

before(async () => {
  relay = await smtpRelay();
  s = await startServer({
    args: ['--demo'],
    config: {
      server: { public_origin: ORIGIN },
      mail: { smtp_url: `smtp://127.0.0.1:${relay.port}`, from: 'nachbar@peiner-strasse.example' },
    },
  });
  servers.push(s);
});
after(async () => {
  try { await stopAll(servers); } finally { await relay?.close(); }
});

async function login(email) {
  const r = await fetch(`${s.url}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'nachbar-demo' }),
  });
  assert.equal(r.status, 200);
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: (await r.json()).csrf };
}

async function call(who, method, p, body) {
  const r = await fetch(s.url + p, {
    method,
    headers: { cookie: who.cookie, origin: ORIGIN, 'x-csrf-token': who.csrf, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json().catch(() => null) };
}

function decodeSubject(raw) {
  const m = /^Subject: (.*)$/m.exec(raw)[1].trim();
  const enc = /^=\?UTF-8\?B\?(.*)\?=$/.exec(m);
  return enc ? Buffer.from(enc[1], 'base64').toString('utf8') : m;
}

test('an invitation is mailed to the invitee with the absolute link, in German by default', async () => {
  const coord = await login('coordinator@demo.example');
  const r = await call(coord, 'POST', `/api/v1/n/${HOOD}/invites`, {
    email: 'inhaberin@tischlerei-wolf.example', display_name: 'Petra Wolf', firm_name: 'Tischlerei Wolf',
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.mailed, true);
  assert.ok(r.body.link.startsWith(`${ORIGIN}/#/invite/`), r.body.link);

  const mail = await relay.next(1);
  assert.match(mail.from, /<nachbar@peiner-strasse\.example>/);
  assert.deepEqual(mail.rcpt.map((l) => /<(.*)>/.exec(l)[1]), ['inhaberin@tischlerei-wolf.example']);
  assert.match(mail.data, /^To: inhaberin@tischlerei-wolf\.example\r$/m);
  assert.match(mail.data, /^Content-Type: text\/plain; charset=UTF-8\r$/m);
  assert.equal(decodeSubject(mail.data), 'Einladung zu nachbar: Gewerbegebiet Peiner Straße');
  const body = mail.data.split('\r\n\r\n').slice(1).join('\r\n\r\n');
  assert.ok(body.includes(r.body.link), 'the mail carries the same link');
  assert.match(body, /Hallo Petra Wolf/);
  // The mailed link is the real one: it opens the invitation.
  const token = r.body.link.split('/#/invite/')[1];
  const show = await fetch(`${s.url}/api/v1/invites/${token}`);
  assert.equal(show.status, 200);
  assert.ok(!s.logs().some((l) => l.includes(token)), 'the link never appears in the log');
  await s.waitForLog(/msg=mail_sent domain=tischlerei-wolf\.example/, 10000);
});

test('an English invitee gets the English text; a reset link is mailed too', async () => {
  const coord = await login('coordinator@demo.example');
  const before_ = relay.mails.length;
  const r = await call(coord, 'POST', `/api/v1/n/${HOOD}/invites`, {
    email: 'coach2@demo.example', display_name: 'Sam Coach', role: 'coach', locale: 'en',
  });
  assert.equal(r.status, 201);
  const mail = await relay.next(before_ + 1);
  assert.equal(decodeSubject(mail.data), 'Invitation to nachbar: Gewerbegebiet Peiner Straße');
  assert.match(mail.data, /Hello Sam Coach/);

  const people = await call(coord, 'GET', `/api/v1/n/${HOOD}/people`);
  const jana = people.body.items.find((p) => p.email === 'jana@glaserei-hoffmann.demo.example');
  const reset = await call(coord, 'POST', `/api/v1/n/${HOOD}/people/${jana.id}/reset`);
  assert.equal(reset.status, 201);
  assert.equal(reset.body.mailed, true);
  const rm = await relay.next(before_ + 2);
  assert.deepEqual(rm.rcpt.map((l) => /<(.*)>/.exec(l)[1]), ['jana@glaserei-hoffmann.demo.example']);
  assert.match(decodeSubject(rm.data), /^Neues Passwort für nachbar/);
  assert.ok(rm.data.includes(reset.body.link));
});

test('a relay that is down does not fail the invitation: the link is shown, the failure logged and counted', async () => {
  const dead = await freePort();
  const t = await startServer({
    args: ['--demo'],
    config: { server: { public_origin: ORIGIN }, mail: { smtp_url: `smtp://127.0.0.1:${dead}` } },
  });
  servers.push(t);
  const r0 = await fetch(`${t.url}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'coordinator@demo.example', password: 'nachbar-demo' }),
  });
  const who = { cookie: r0.headers.get('set-cookie').split(';')[0], csrf: (await r0.json()).csrf };
  const r = await fetch(`${t.url}/api/v1/n/${HOOD}/invites`, {
    method: 'POST',
    headers: { cookie: who.cookie, origin: ORIGIN, 'x-csrf-token': who.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'x@down.example', display_name: 'X', role: 'coach' }),
  });
  assert.equal(r.status, 201);
  const body = await r.json();
  assert.ok(body.link.startsWith(ORIGIN));
  await t.waitForLog(/msg=mail_failed domain=down\.example/, 20000);
  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  assert.match(metrics, /^nachbar_mail_failed_total 1$/m);
});

test('without a relay nothing is mailed and the answer says so', async () => {
  const t = await startServer({ args: ['--demo'] });
  servers.push(t);
  const r0 = await fetch(`${t.url}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'coordinator@demo.example', password: 'nachbar-demo' }),
  });
  const who = { cookie: r0.headers.get('set-cookie').split(';')[0], csrf: (await r0.json()).csrf };
  const r = await fetch(`${t.url}/api/v1/n/${HOOD}/invites`, {
    method: 'POST',
    headers: { cookie: who.cookie, origin: t.url, 'x-csrf-token': who.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'y@nomail.example', display_name: 'Y', role: 'coach' }),
  });
  assert.equal(r.status, 201);
  assert.equal((await r.json()).mailed, false);
});

test('check-config: a relay needs public_origin, and the URL must be smtp(s)://host[:port]', async () => {
  const dir = await tempDir();
  const a = path.join(dir, 'a.conf');
  await writeFile(a, '[mail]\nsmtp_url = smtp://relay.example:25\n');
  const r = await runCli(['check-config', a]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /smtp_url needs \[server\] public_origin/);
  const b = path.join(dir, 'b.conf');
  await writeFile(b, '[server]\npublic_origin = https://x.example\n[mail]\nsmtp_url = http://relay.example\n');
  const r2 = await runCli(['check-config', b]);
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /b\.conf:4: .*smtp_url/);
  const c = path.join(dir, 'c.conf');
  await writeFile(c, '[server]\npublic_origin = https://x.example\n[mail]\nsmtp_url = smtps://relay.example:465\nuser = nachbar\npassword = geheim\n');
  const r3 = await runCli(['check-config', c]);
  assert.equal(r3.code, 0, r3.stderr);
});
