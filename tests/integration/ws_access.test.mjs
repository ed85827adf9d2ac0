// A live connection follows the person's access: signing out, a revoked
// token, a removal or changed roles close the person's WebSockets with
// 4000 so the client reconnects under its new rights; a switched-off
// plugin publishes nothing; the subscriptions gauge follows the sockets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, stopAll } from './harness.mjs';

const HOOD = 'peiner-strasse';
const servers = [];
let s;
const wait = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  s = await startServer({ args: ['--demo'] });
  servers.push(s);
});
after(() => stopAll(servers));

async function login(email) {
  const r = await fetch(`${s.url}/api/v1/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'nachbar-demo' }),
  });
  assert.equal(r.status, 200, `sign-in of ${email}`);
  return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: (await r.json()).csrf };
}

async function call(who, method, path, body) {
  const headers = who.token ? { authorization: `Bearer ${who.token}` }
    : { cookie: who.cookie, origin: s.url, 'x-csrf-token': who.csrf };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const r = await fetch(s.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const t = await r.text();
  let b = t;
  try { b = JSON.parse(t); } catch { /* empty */ }
  return { status: r.status, body: b };
}

function connect(who) {
  const headers = who?.token ? { authorization: `Bearer ${who.token}` } : who ? { cookie: who.cookie } : {};
  const ws = new WebSocket(s.url.replace('http', 'ws') + '/ws', 'nachbar.v1', { headers });
  ws.msgs = [];
  ws.closedWith = new Promise((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
  ws.on('message', (d) => ws.msgs.push(JSON.parse(d)));
  return new Promise((res, rej) => { ws.on('open', () => res(ws)); ws.on('error', rej); });
}

async function until(fn, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) { const v = fn(); if (v) return v; await wait(20); }
  throw new Error('timed out waiting');
}

async function subscribe(ws, topics = ['hello']) {
  const id = Math.random();
  ws.send(JSON.stringify({ op: 'subscribe', hood: HOOD, topics, since: null, id }));
  return until(() => ws.msgs.find((m) => m.id === id && m.op !== 'event'));
}

async function gauge() {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const m = /^nachbar_ws_subscriptions (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

const personId = async (coord, email) =>
  (await call(coord, 'GET', `/api/v1/n/${HOOD}/people`)).body.items.find((p) => p.email === email).id;

test('signing out closes the person\'s live connections with 4000; the old cookie then subscribes to nothing', async () => {
  const tab1 = await login('lea@nordmann-rohrbau.demo.example');
  const tab2 = await login('lea@nordmann-rohrbau.demo.example');
  const ws = await connect(tab1);
  assert.equal((await subscribe(ws)).op, 'replayed');
  assert.equal((await call(tab1, 'DELETE', '/api/v1/session')).status, 204);
  const closed = await ws.closedWith;
  assert.equal(closed.code, 4000);
  assert.match(closed.reason, /reconnect/);
  // The client reconnects with the cookie it has: it is signed out now.
  const again = await connect(tab1);
  const r = await subscribe(again);
  assert.equal(r.op, 'error');
  assert.equal(r.code, 'sign_in_required');
  again.close();
  // The other tab's session is still valid: it reconnects and subscribes.
  const other = await connect(tab2);
  assert.equal((await subscribe(other)).op, 'replayed');
  other.close();
});

test('a revoked token\'s WebSocket is closed, and the token opens no subscription afterwards', async () => {
  const who = await login('sven@metallbau-krueger.demo.example');
  const t = await call(who, 'POST', '/api/v1/me/tokens', { name: 'board script', scope: 'read' });
  assert.equal(t.status, 201, JSON.stringify(t.body));
  const bearer = { token: t.body.token };
  const ws = await connect(bearer);
  assert.equal((await subscribe(ws)).op, 'replayed');
  assert.equal((await call(who, 'DELETE', `/api/v1/me/tokens/${t.body.id}`)).status, 204);
  assert.equal((await ws.closedWith).code, 4000);
  const again = await connect(bearer);
  const r = await subscribe(again);
  assert.equal(r.code, 'sign_in_required');
  again.close();
});

test('a person removed from the neighbourhood loses the live feed at once and cannot subscribe again', async () => {
  const coord = await login('coordinator@demo.example');
  const email = 'lea@nordmann-rohrbau.demo.example';
  const lea = await login(email);
  const ws = await connect(lea);
  assert.equal((await subscribe(ws)).op, 'replayed');
  const id = await personId(coord, email);
  assert.equal((await call(coord, 'DELETE', `/api/v1/n/${HOOD}/people/${id}`)).status, 204);
  assert.equal((await ws.closedWith).code, 4000);
  const again = await connect(lea);
  const r = await subscribe(again);
  assert.equal(r.op, 'error');
  assert.equal(r.code, 'not_found');
  // And no event of the hood reaches the reconnected socket.
  const frank = await login('frank@nordmann-rohrbau.demo.example');
  const w = await call(frank, 'POST', `/api/v1/n/${HOOD}/hello/waves`, { message: 'nach dem Entfernen' });
  assert.equal(w.status, 201, JSON.stringify(w.body));
  await wait(300);
  assert.equal(again.msgs.filter((m) => m.op === 'event').length, 0);
  again.close();
});

test('changed roles close the connection so the next subscription uses the new roles', async () => {
  const coord = await login('coordinator@demo.example');
  const email = 'coach@demo.example';
  const coach = await login(email);
  const ws = await connect(coach);
  assert.equal((await subscribe(ws)).op, 'replayed');
  const id = await personId(coord, email);
  const r = await call(coord, 'PUT', `/api/v1/n/${HOOD}/people/${id}/roles`, { roles: ['coach'] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal((await ws.closedWith).code, 4000);
});

test('the subscriptions gauge counts open subscriptions, not all ever made', async () => {
  const who = await login('thomas@glaserei-hoffmann.demo.example');
  const base = await gauge();
  const a = await connect(who);
  const b = await connect(who);
  await subscribe(a);
  await subscribe(b);
  await subscribe(b); // the same topic twice counts once
  assert.equal(await gauge(), base + 2);
  const id = Math.random();
  a.send(JSON.stringify({ op: 'unsubscribe', hood: HOOD, topics: ['hello'], id }));
  await until(() => a.msgs.find((m) => m.id === id));
  assert.equal(await gauge(), base + 1);
  b.close();
  await (b.closedWith);
  for (let i = 0; i < 50 && (await gauge()) !== base; i++) await wait(20);
  assert.equal(await gauge(), base);
  a.close();
});

test('a plugin switched off in the hood publishes nothing there; switched on again it does', async () => {
  const coord = await login('coordinator@demo.example');
  const thomas = await login('thomas@glaserei-hoffmann.demo.example');
  const ws = await connect(thomas);
  assert.equal((await subscribe(ws)).op, 'replayed');
  assert.equal((await call(coord, 'PUT', `/api/v1/n/${HOOD}/plugins/hello`, { enabled: false })).status, 200);
  const off = await call(thomas, 'POST', `/api/v1/n/${HOOD}/hello/waves`, { message: 'aus' });
  assert.equal(off.status, 404);
  await wait(300);
  assert.equal(ws.msgs.filter((m) => m.op === 'event').length, 0);
  assert.equal((await call(coord, 'PUT', `/api/v1/n/${HOOD}/plugins/hello`, { enabled: true })).status, 200);
  const on = await call(thomas, 'POST', `/api/v1/n/${HOOD}/hello/waves`, { message: 'an' });
  assert.equal(on.status, 201);
  await until(() => ws.msgs.find((m) => m.op === 'event' && m.data?.message === 'an'));
  ws.close();
});

test('GET /events: recent events the person may see, newest first, with the last id to subscribe from', async () => {
  const thomas = await login('thomas@glaserei-hoffmann.demo.example');
  const jana = await login('jana@glaserei-hoffmann.demo.example');
  const claudia = await login('claudia@druck-brandes.demo.example');
  const coach = await login('coach@demo.example');
  assert.equal((await call(thomas, 'POST', `/api/v1/n/${HOOD}/hello/waves`, { message: 'Feed öffentlich' })).status, 201);
  assert.equal((await call(thomas, 'POST', `/api/v1/n/${HOOD}/hello/waves`, { message: 'Feed intern', private: true })).status, 201);
  const get = (who, q = 'topics=hello&limit=5') => call(who, 'GET', `/api/v1/n/${HOOD}/events?${q}`);
  const msgs = (r) => r.body.items.map((e) => e.data.message);
  const j = await get(jana);
  assert.equal(j.status, 200);
  assert.deepEqual(msgs(j).slice(0, 2), ['Feed intern', 'Feed öffentlich']);
  assert.equal(j.body.items[0].op, 'event');
  assert.equal(j.body.items[0].hood, HOOD);
  assert.equal(j.body.items[0].type, 'hello.waved');
  assert.ok(j.body.items[0].id > j.body.items[1].id, 'newest first');
  assert.ok(j.body.last_id >= j.body.items[0].id);
  assert.deepEqual(msgs(await get(coach)).slice(0, 2), ['Feed intern', 'Feed öffentlich']);
  const c = await get(claudia);
  assert.equal(msgs(c)[0], 'Feed öffentlich', 'another firm does not see the private wave');
  assert.ok(!msgs(c).includes('Feed intern'));
  assert.equal((await get(jana, 'topics=hello&limit=1')).body.items.length, 1);

  const bad = async (who, q, status, code) => {
    const r = await get(who, q);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.error.code, code);
  };
  await bad(jana, 'limit=5', 400, 'required');
  await bad(jana, 'topics=nope', 400, 'unknown_topic');
  await bad(jana, 'topics=hello&limit=0', 400, 'invalid');
  await bad(jana, 'topics=hello&limit=abc', 400, 'invalid');
  await bad(jana, 'topics=hello&limit=101', 400, 'invalid');
  const other = await call(jana, 'GET', '/api/v1/n/elsewhere/events?topics=hello');
  assert.equal(other.status, 404);
  const anon = await fetch(`${s.url}/api/v1/n/${HOOD}/events?topics=hello`);
  assert.equal(anon.status, 401);
});

test('[events] connections_per_person: the next connection of that person is refused until one closes; others are not counted', async () => {
  const t = await startServer({ args: ['--demo'], config: { events: { connections_per_person: 3 } } });
  servers.push(t);
  const signIn = async (email) => {
    const r = await fetch(`${t.url}/api/v1/session`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: 'nachbar-demo' }),
    });
    assert.equal(r.status, 200);
    return { cookie: r.headers.get('set-cookie').split(';')[0] };
  };
  const open = (who) => new Promise((res) => {
    const ws = new WebSocket(t.url.replace('http', 'ws') + '/ws', 'nachbar.v1', { headers: who ? { cookie: who.cookie } : {} });
    ws.on('open', () => res({ ws }));
    ws.on('unexpected-response', (req, r) => res({ refused: r.statusCode }));
    ws.on('error', (e) => res({ refused: e.message }));
  });
  const claudia = await signIn('claudia@druck-brandes.demo.example');
  const jana = await signIn('jana@glaserei-hoffmann.demo.example');
  // A second session of the same person counts too: the limit is per person.
  const claudia2 = await signIn('claudia@druck-brandes.demo.example');
  const mine = [await open(claudia), await open(claudia2), await open(claudia)];
  for (const m of mine) assert.ok(m.ws, `within the limit: ${m.refused}`);
  const fourth = await open(claudia2);
  assert.ok(fourth.refused, 'the fourth connection of one person is refused');
  assert.ok((await open(jana)).ws, 'another person is not counted with her');
  assert.ok((await open(null)).ws, 'anonymous connections are not counted per person');
  await t.waitForLog(/msg=ws_refused reason=connections_per_person/, 2000);
  // One closes: the server notices and lets the next one in.
  mine[0].ws.close();
  await new Promise((r) => mine[0].ws.on('close', r));
  let again;
  for (let i = 0; i < 50 && !(again = await open(claudia))?.ws; i++) await wait(50);
  assert.ok(again.ws, `a place came free: ${again.refused}`);
  assert.ok((await open(claudia)).refused, 'and the limit holds again');
});
