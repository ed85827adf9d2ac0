// Heartbeats on /ws ([events] ping_seconds, drop_seconds): a client the
// server hears nothing from is pinged; one that does not answer is closed
// with 1001 "no answer to ping"; a message counts as an answer as well as
// the pong. (The defaults, 30 and 70 s, are checked in test_config.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, stopAll, sleep } from './harness.mjs';

const servers = [];
after(() => stopAll(servers));

function open(url, opts = {}) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, 'nachbar.v1', opts);
  ws.pings = [];
  ws.msgs = [];
  ws.on('ping', () => ws.pings.push(Date.now()));
  ws.on('message', (d) => ws.msgs.push(JSON.parse(d)));
  ws.closed = new Promise((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString(), at: Date.now() })));
  return new Promise((res, rej) => {
    ws.on('open', () => { ws.openedAt = Date.now(); res(ws); });
    ws.on('error', rej);
  });
}

async function metric(url, name) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = text.match(new RegExp(`^${name} (\\d+)`, 'm'));
  return m ? Number(m[1]) : 0;
}

test('a silent client is pinged and then closed with 1001; one that answers or talks stays', async () => {
  const s = await startServer({ config: { events: { ping_seconds: 1, drop_seconds: 3 } } });
  servers.push(s);
  const answering = await open(s.url); // ws answers pings by itself
  const silent = await open(s.url, { autoPong: false });
  const chatty = await open(s.url, { autoPong: false });
  const talk = setInterval(() => chatty.send(JSON.stringify({ op: 'ping' })), 400);
  try {
    const closed = await Promise.race([silent.closed, new Promise((res) => setTimeout(res, 15000, null).unref())]);
    assert.ok(closed, 'the silent client was closed');
    assert.equal(closed.code, 1001);
    assert.equal(closed.reason, 'no answer to ping');
    const after = closed.at - silent.openedAt;
    assert.ok(after >= 2500, `closed after ${after} ms, not before drop_seconds`);
    assert.ok(silent.pings.length >= 1, 'it was pinged first');
    assert.ok(silent.pings[0] - silent.openedAt >= 900, 'not before ping_seconds');

    await sleep(1500); // well past drop_seconds for the other two
    assert.equal(answering.readyState, WebSocket.OPEN, 'the answering client stays');
    assert.ok(answering.pings.length >= 2, `pinged again after each answer (${answering.pings.length})`);
    assert.equal(chatty.readyState, WebSocket.OPEN, 'the talking client stays');
    assert.equal(chatty.pings.length, 0, 'a client that talks is never pinged');
    assert.ok(chatty.msgs.filter((m) => m.op === 'pong').length >= 5);

    answering.send(JSON.stringify({ op: 'ping', id: 'still here' }));
    await new Promise((res) => { const t = setInterval(() => { if (answering.msgs.some((m) => m.id === 'still here')) { clearInterval(t); res(); } }, 20); });
    assert.ok(await metric(s.url, 'nachbar_ws_pings_total') >= 3);
    assert.equal(await metric(s.url, 'nachbar_ws_silent_closed_total'), 1);
    await s.waitForLog(/msg=ws_silent_closed count=1/, 2000);
  } finally {
    clearInterval(talk);
    answering.close();
    chatty.close();
  }
});
