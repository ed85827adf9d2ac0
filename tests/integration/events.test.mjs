// Live events over /ws: delivery to other clients, visibility, replay
// after a reconnect and after a server restart, resync, bad input, a slow
// client that does not hold back fast ones.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, restart } from './harness.mjs';

const servers = [];
after(async () => { for (const s of servers) await s.stop().catch(() => {}); });

const HOOD = 'peiner-strasse';
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

async function login(url, email) {
  const r = await fetch(`${url}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'nachbar-demo' }),
  });
  assert.equal(r.status, 200, `sign-in of ${email}`);
  const body = await r.json();
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: body.csrf };
}

function connect(url, who, opts = {}) {
  const headers = who ? { cookie: who.cookie } : {};
  const ws = new WebSocket(url.replace('http', 'ws') + '/ws', 'nachbar.v1', { headers, ...opts });
  ws.msgs = [];
  ws.on('message', (d) => ws.msgs.push(JSON.parse(d)));
  return new Promise((res, rej) => { ws.on('open', () => res(ws)); ws.on('error', rej); });
}

async function until(fn, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { const v = fn(); if (v) return v; await wait(20); }
  throw new Error('timed out waiting');
}

async function subscribe(ws, since = null, topics = ['hello']) {
  const id = Math.random();
  ws.send(JSON.stringify({ op: 'subscribe', hood: HOOD, topics, since, id }));
  return until(() => ws.msgs.find((m) => m.id === id && m.op !== 'event'));
}

async function wave(url, who, body) {
  const r = await fetch(`${url}/api/v1/n/${HOOD}/hello/waves`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: who.cookie, 'x-csrf-token': who.csrf },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}

const events = (ws) => ws.msgs.filter((m) => m.op === 'event');

test('a change made over HTTP appears on other clients, respecting visibility', async () => {
  const s = await startServer({ args: ['--demo'] });
  servers.push(s);
  const thomas = await login(s.url, 'thomas@glaserei-hoffmann.demo.example');
  const jana = await login(s.url, 'jana@glaserei-hoffmann.demo.example');
  const claudia = await login(s.url, 'claudia@druck-brandes.demo.example');
  const coach = await login(s.url, 'coach@demo.example');
  const [wj, wc, wco] = await Promise.all([connect(s.url, jana), connect(s.url, claudia), connect(s.url, coach)]);
  for (const w of [wj, wc, wco]) assert.equal((await subscribe(w)).op, 'replayed');

  const pub = await wave(s.url, thomas, { message: 'Moin zusammen' });
  assert.equal(pub.status, 201);
  const priv = await wave(s.url, thomas, { message: 'nur für uns', private: true });
  assert.equal(priv.status, 201);

  await until(() => events(wco).length === 2);
  await until(() => events(wj).length === 2);
  await until(() => events(wc).length === 1);
  await wait(200); // nothing more arrives for the other firm
  assert.deepEqual(events(wc).map((e) => e.data.message), ['Moin zusammen']);
  const e = events(wj)[0];
  assert.equal(e.type, 'hello.waved');
  assert.equal(e.topic, 'hello');
  assert.equal(e.hood, HOOD);
  assert.equal(e.data.from, 'Thomas Hoffmann');
  assert.ok(events(wj)[1].id > e.id, 'ids grow');
  for (const w of [wj, wc, wco]) w.close();
});

test('a reconnecting client receives exactly the missed events, in order, also across a restart', async () => {
  let s = await startServer({ args: ['--demo'] });
  servers.push(s);
  const thomas = await login(s.url, 'thomas@glaserei-hoffmann.demo.example');
  const claudia = await login(s.url, 'claudia@druck-brandes.demo.example');
  const w1 = await connect(s.url, claudia);
  await subscribe(w1);
  await wave(s.url, thomas, { message: 'eins' });
  await until(() => events(w1).length === 1);
  const lastSeen = events(w1)[0].id;
  w1.close();

  for (const m of ['zwei', 'drei']) await wave(s.url, thomas, { message: m });
  await wave(s.url, thomas, { message: 'geheim', private: true });
  // restart on the same data: the log is durable
  await s.stop();
  s = await restart(s);
  servers.push(s);
  const thomas2 = await login(s.url, 'thomas@glaserei-hoffmann.demo.example');
  await wave(s.url, thomas2, { message: 'vier' });
  const claudia2 = await login(s.url, 'claudia@druck-brandes.demo.example');
  const w2 = await connect(s.url, claudia2);
  const replayed = await subscribe(w2, lastSeen);
  assert.equal(replayed.op, 'replayed');
  assert.deepEqual(events(w2).map((e) => e.data.message), ['zwei', 'drei', 'vier']);
  const ids = events(w2).map((e) => e.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
  assert.equal(new Set(ids).size, ids.length, 'no duplicates');
  assert.ok(replayed.last_id >= ids.at(-1));
  // live continues after the replay
  await wave(s.url, thomas2, { message: 'fünf' });
  await until(() => events(w2).length === 4);
  w2.close();
});

test('since beyond the log asks for a resync', async () => {
  const s = await startServer({ args: ['--demo'] });
  servers.push(s);
  const coach = await login(s.url, 'coach@demo.example');
  const w = await connect(s.url, coach);
  const r = await subscribe(w, 999999);
  assert.equal(r.op, 'resync');
  assert.equal(r.hood, HOOD);
  w.close();
});

test('bad input gets an error and the connection keeps working', async () => {
  const s = await startServer({ args: ['--demo'] });
  servers.push(s);
  const jana = await login(s.url, 'jana@glaserei-hoffmann.demo.example');
  const w = await connect(s.url, jana);
  const ask = async (msg, id) => {
    w.send(typeof msg === 'string' ? msg : JSON.stringify({ ...msg, id }));
    return until(() => w.msgs.find((m) => m.id === id) || (typeof msg === 'string' && w.msgs.find((m) => m.code === 'bad_json')));
  };
  assert.equal((await ask('{"op":', 'x')).code, 'bad_json');
  assert.equal((await ask({ op: 'nope' }, 1)).code, 'unknown_op');
  assert.equal((await ask({ op: 'subscribe', hood: HOOD, topics: ['nope'] }, 2)).code, 'unknown_topic');
  assert.equal((await ask({ op: 'subscribe', hood: 'elsewhere', topics: ['hello'] }, 3)).code, 'not_found');
  assert.equal((await ask({ op: 'subscribe', hood: HOOD }, 4)).code, 'invalid');
  assert.equal((await ask({ op: 'subscribe', hood: HOOD, topics: ['hello'], since: 'x' }, 5)).code, 'invalid');
  assert.equal((await ask({ op: 'ping' }, 6)).op, 'pong');
  const big = new Promise((res) => w.on('close', (code) => res(code)));
  w.send(JSON.stringify({ op: 'ping', pad: 'x'.repeat(70000) }));
  assert.equal(await big, 1009);

  const anon = await connect(s.url, null);
  anon.send(JSON.stringify({ op: 'subscribe', hood: HOOD, topics: ['hello'], id: 9 }));
  assert.equal((await until(() => anon.msgs.find((m) => m.id === 9))).code, 'sign_in_required');
  anon.close();
});

test('a client that does not read does not hold back the others', async () => {
  const s = await startServer({
    args: ['--demo'],
    config: { events: { connections_per_person: 200 }, database: { synchronous: 'NORMAL' } },
  });
  servers.push(s);
  const thomas = await login(s.url, 'thomas@glaserei-hoffmann.demo.example');
  const claudia = await login(s.url, 'claudia@druck-brandes.demo.example');
  // The slow client: subscribed, then its socket stops reading.
  const slow = await connect(s.url, claudia);
  await subscribe(slow);
  slow._socket.pause();
  const fast = [];
  for (let i = 0; i < 100; i++) fast.push(await connect(s.url, i % 2 ? thomas : claudia, {}));
  for (const w of fast) await subscribe(w);
  // Enough to fill the kernel's socket buffers and then the server's
  // bounded queue (1,024 messages) of the client that does not read.
  const N = 3000;
  const t0 = Date.now();
  for (let i = 0; i < N; i++) await wave(s.url, thomas, { message: `m${i}`.padEnd(270, '.') });
  await until(() => fast.every((w) => events(w).length === N), 60000);
  assert.ok(Date.now() - t0 < 60000);
  const closed = new Promise((res) => slow.on('close', (code) => res(code)));
  slow._socket.resume();
  // Cut: 1008 when the close frame still fits, 1006 when its socket was
  // too full for one. Either way it reconnects with `since`.
  assert.ok([1006, 1008].includes(await closed));
  assert.ok(events(slow).length < N, 'the slow client did not get everything queued');
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /nachbar_ws_queue_overflows_total [1-9]/);
  for (const w of fast) w.close();
});
