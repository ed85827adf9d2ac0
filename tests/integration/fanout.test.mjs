// The live fan-out at more than a handful of connections: events written
// to many sockets at once by helper threads ([events] send_threads) and by
// the event loop alone, a client whose socket takes only part of a write,
// and clients subscribing while events are being published (each event
// after `since` exactly once, in order: the replay and the live delivery
// neither overlap nor leave a gap).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer } from './harness.mjs';
import { HOOD, DEMO, signIn, until } from './accounts.mjs';

const servers = [];
after(async () => { for (const s of servers) await s.stop().catch(() => {}); });

function connect(url, who) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, 'nachbar.v1', { headers: { cookie: who.cookie } });
  ws.msgs = [];
  ws.on('message', (d) => ws.msgs.push(JSON.parse(d)));
  return new Promise((res, rej) => { ws.on('open', () => res(ws)); ws.on('error', rej); });
}

async function subscribe(ws, since = null) {
  const id = Math.random();
  ws.send(JSON.stringify({ op: 'subscribe', hood: HOOD, topics: ['hello'], since, id }));
  return until(() => ws.msgs.find((m) => m.id === id && m.op !== 'event'), 10000, 'subscribed');
}

const events = (ws) => ws.msgs.filter((m) => m.op === 'event');

async function wave(who, message) {
  const r = await who.post(who.hood('/hello/waves'), { message });
  assert.equal(r.status, 201, r.text);
}

/** Publish `n` waves, `inflight` at a time; messages `${prefix}${i}`. */
async function publish(who, n, prefix, inflight = 4) {
  let next = 0;
  const worker = async () => { while (next < n) { const i = next++; await wave(who, `${prefix}${i}`.padEnd(270, '.')); } };
  await Promise.all(Array.from({ length: inflight }, worker));
}

function assertOnceInOrder(ws, what) {
  const ids = events(ws).map((e) => e.id);
  for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], `${what}: ids grow (${ids[i - 1]} then ${ids[i]})`);
}

for (const threads of [2, 0]) {
  test(`150 subscribers each get every event once, in order, with send_threads = ${threads}; a client that stops reading gets everything intact later`, async () => {
    const s = await startServer({ args: ['--demo'], config: { events: { send_threads: threads, connections_per_person: 400 } } });
    servers.push(s);
    const thomas = await signIn(s.url, DEMO.thomas);
    const claudia = await signIn(s.url, DEMO.claudia);
    const jana = await signIn(s.url, DEMO.jana);
    const subs = [];
    for (let i = 0; i < 150; i++) subs.push(await connect(s.url, i % 2 ? claudia : jana));
    for (const w of subs) assert.equal((await subscribe(w)).op, 'replayed');
    // This one stops reading: the kernel's buffers fill, a write takes
    // part of a frame, the rest waits in lws and in the queue.
    const paused = subs[7];
    paused._socket.pause();

    const N = 400; // ~600 bytes each: far more than the socket buffers hold
    await publish(thomas, N, 'w', 16);
    await until(() => subs.every((w) => w === paused || events(w).length === N), 60000, 'all delivered');
    for (const w of subs) if (w !== paused) assertOnceInOrder(w, 'subscriber');
    const want = events(subs[0]).map((e) => e.data.message);
    assert.deepEqual([...want].sort(), Array.from({ length: N }, (_, i) => `w${i}`.padEnd(270, '.')).sort());
    for (const w of subs) if (w !== paused) assert.deepEqual(events(w).map((e) => e.data.message), want);

    assert.ok(events(paused).length < N, 'the paused client has not had everything yet');
    paused._socket.resume();
    await until(() => events(paused).length === N, 30000, 'the paused client caught up');
    assertOnceInOrder(paused, 'paused subscriber');
    assert.deepEqual(events(paused).map((e) => e.data.message), want, 'every frame intact, none lost');
    assert.equal(paused.readyState, WebSocket.OPEN);

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const sent = Number(metrics.match(/^nachbar_ws_messages_sent_total (\d+)/m)?.[1]);
    assert.ok(sent >= 150 * N, `messages written counted (${sent})`);
    for (const w of subs) w.close();
  });
}

test('clients subscribing while events are published get each event after `since` exactly once, in order', async () => {
  const s = await startServer({ args: ['--demo'], config: { events: { connections_per_person: 400 } } });
  servers.push(s);
  const thomas = await signIn(s.url, DEMO.thomas);
  const jana = await signIn(s.url, DEMO.jana);
  // A witness subscribed before anything happens sees the whole sequence.
  const witness = await connect(s.url, jana);
  const first = await subscribe(witness);
  const since = first.last_id;
  await publish(thomas, 20, 'before');

  // Clients subscribe (with since, and without) while waves keep coming.
  const publishing = publish(thomas, 200, 'during', 3);
  const withSince = [];
  const live = [];
  for (let i = 0; i < 20; i++) {
    const a = await connect(s.url, jana);
    const ra = await subscribe(a, since);
    assert.equal(ra.op, 'replayed');
    withSince.push(a);
    const b = await connect(s.url, jana);
    const rb = await subscribe(b);
    assert.equal(rb.op, 'replayed');
    b.after = rb.last_id;
    live.push(b);
  }
  await publishing;
  const all = await until(() => (events(witness).length === 220 ? events(witness).map((e) => e.id) : null), 30000, 'witness has all');
  assertOnceInOrder(witness, 'witness');
  for (const a of withSince) {
    await until(() => events(a).length >= 220, 30000, 'replay + live complete');
    assert.deepEqual(events(a).map((e) => e.id), all, 'since: replayed and live together are the whole sequence');
  }
  for (const b of live) {
    const expect = all.filter((id) => id > b.after);
    await until(() => events(b).length >= expect.length, 30000, 'live complete');
    assert.deepEqual(events(b).map((e) => e.id), expect, 'without since: exactly the events after last_id');
  }
  for (const w of [witness, ...withSince, ...live]) w.close();
});
