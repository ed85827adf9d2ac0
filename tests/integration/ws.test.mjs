// WebSocket /ws with the subprotocol nachbar.v1: ping, plugin operations,
// errors that keep the connection open, size and frame-type limits, the
// handshake checks (path, subprotocol, Origin) and the close on shutdown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, stopAll, sleep } from './harness.mjs';

const servers = [];
const sockets = [];
let s;

before(async () => {
  s = await startServer({ config: { limits: { ws_max_message: 1024 } } });
  servers.push(s);
});
after(async () => {
  for (const w of sockets) w.terminate();
  await stopAll(servers);
});

const wsUrl = (srv, p = '/ws') => `${srv.url.replace(/^http/, 'ws')}${p}`;

/**
 * Open a WebSocket. Resolves {ws} when open, or {refused: status|error}
 * when the handshake fails. Received messages are parsed into ws.msgs.
 */
function connect(url, protocols = 'nachbar.v1', opts = {}) {
  return new Promise((resolve) => {
    const ws = protocols === null ? new WebSocket(url, opts) : new WebSocket(url, protocols, opts);
    sockets.push(ws);
    ws.msgs = [];
    ws.on('message', (data, isBinary) => {
      ws.msgs.push(isBinary ? { binary: data } : JSON.parse(data.toString()));
    });
    ws.closed = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (req, res) => {
      resolve({ refused: res.statusCode });
      req.destroy();
    });
    ws.on('error', (e) => resolve({ refused: e.message }));
  });
}

async function open(url = wsUrl(s), protocols, opts) {
  const r = await connect(url, protocols, opts);
  assert.ok(r.ws, `WebSocket refused: ${r.refused}`);
  return r.ws;
}

/** Wait for the first message matching pred (already received ones count). */
async function next(ws, pred, ms = 5000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const m = ws.msgs.find(pred);
    if (m) {
      ws.msgs.splice(ws.msgs.indexOf(m), 1);
      return m;
    }
    await sleep(10);
  }
  throw new Error(`no matching message within ${ms} ms; got ${JSON.stringify(ws.msgs)}`);
}

test('the handshake with nachbar.v1 succeeds and the subprotocol is agreed', async () => {
  const ws = await open();
  assert.equal(ws.protocol, 'nachbar.v1');
  ws.close();
  assert.equal((await ws.closed).code, 1005);
});

test('ping is answered with pong and the same id', async () => {
  const ws = await open();
  ws.send(JSON.stringify({ op: 'ping', id: 7 }));
  assert.deepEqual(await next(ws, (m) => m.op === 'pong'), { op: 'pong', id: 7 });
  ws.send(JSON.stringify({ op: 'ping', id: { any: ['json', 1] } }));
  assert.deepEqual(await next(ws, (m) => m.op === 'pong'), { op: 'pong', id: { any: ['json', 1] } });
  ws.send(JSON.stringify({ op: 'ping' }));
  assert.deepEqual(await next(ws, (m) => m.op === 'pong'), { op: 'pong' });
  ws.close();
});

test('hello.echo answers the text back', async () => {
  const ws = await open();
  ws.send(JSON.stringify({ op: 'hello.echo', text: 'Moin' }));
  assert.deepEqual(await next(ws, (m) => m.op === 'hello.echoed'), { op: 'hello.echoed', text: 'Moin' });
  ws.send(JSON.stringify({ op: 'hello.echo', text: 'Grüß Gott 👋', id: 'a' }));
  assert.deepEqual(await next(ws, (m) => m.op === 'hello.echoed'), { op: 'hello.echoed', text: 'Grüß Gott 👋', id: 'a' });
  ws.close();
});

test('a plugin operation checks its parameters', async () => {
  const ws = await open();
  ws.send(JSON.stringify({ op: 'hello.echo', id: 1 }));
  let e = await next(ws, (m) => m.id === 1);
  assert.equal(e.op, 'error');
  assert.equal(e.code, 'required');
  assert.equal(e.field, 'text');
  assert.equal(typeof e.message, 'string');
  ws.send(JSON.stringify({ op: 'hello.echo', text: 42, id: 2 }));
  e = await next(ws, (m) => m.id === 2);
  assert.equal(e.code, 'invalid');
  assert.equal(e.field, 'text');
  ws.send(JSON.stringify({ op: 'hello.echo', text: 'x', extra: 1, id: 3 }));
  e = await next(ws, (m) => m.id === 3);
  assert.equal(e.code, 'unknown_field');
  assert.equal(e.field, 'extra');
  ws.close();
});

test('an unknown op is an unknown_op error', async () => {
  const ws = await open();
  ws.send(JSON.stringify({ op: 'no.such.op', id: 9 }));
  const e = await next(ws, (m) => m.id === 9);
  assert.equal(e.op, 'error');
  assert.equal(e.code, 'unknown_op');
  assert.equal(e.field, 'op');
  ws.close();
});

test('malformed JSON is a bad_json error and the connection keeps working', async () => {
  const ws = await open();
  ws.send('{"op":');
  const e = await next(ws, (m) => m.op === 'error');
  assert.equal(e.code, 'bad_json');
  ws.send('[1,2');
  assert.equal((await next(ws, (m) => m.op === 'error')).code, 'bad_json');
  ws.send('"just a string"');
  assert.equal((await next(ws, (m) => m.op === 'error')).code, 'bad_message');
  ws.send(JSON.stringify({ op: 'ping', id: 'after' }));
  assert.deepEqual(await next(ws, (m) => m.op === 'pong'), { op: 'pong', id: 'after' });
  assert.equal(ws.readyState, WebSocket.OPEN);
  ws.close();
});

test('a message over [limits] ws_max_message closes with 1009', async () => {
  const ws = await open();
  ws.send(JSON.stringify({ op: 'ping', id: 1, pad: 'x'.repeat(900) })); // under the limit
  assert.equal((await next(ws, (m) => m.op === 'pong')).id, 1);
  ws.send(JSON.stringify({ op: 'ping', pad: 'x'.repeat(2000) }));
  assert.equal((await ws.closed).code, 1009);
});

test('a message over the limit in fragments closes with 1009 too', async () => {
  const ws = await open();
  const part = 'x'.repeat(600);
  ws.send('{"op":"ping","pad":"', { fin: false });
  ws.send(part, { fin: false });
  ws.send(part, { fin: false });
  ws.send('"}', { fin: true });
  assert.equal((await ws.closed).code, 1009);
});

test('a binary frame closes with 1003', async () => {
  const ws = await open();
  ws.send(Buffer.from(JSON.stringify({ op: 'ping' })), { binary: true });
  assert.equal((await ws.closed).code, 1003);
});

test('the server keeps serving after refused WebSocket input', async () => {
  const ws = await open();
  ws.send(JSON.stringify({ op: 'ping', id: 'still' }));
  assert.equal((await next(ws, (m) => m.op === 'pong')).id, 'still');
  ws.close();
  assert.equal((await fetch(`${s.url}/healthz`)).status, 200);
});

test('another path is refused at the handshake', async () => {
  for (const p of ['/nope', '/ws/', '/ws/x', '/wss', '/api/v1/hello']) {
    const r = await connect(wsUrl(s, p));
    assert.ok(r.refused, `${p} must be refused`);
  }
});

test('a handshake without the nachbar.v1 subprotocol is refused', async () => {
  assert.ok((await connect(wsUrl(s), null)).refused, 'no subprotocol');
  assert.ok((await connect(wsUrl(s), 'chat')).refused, 'another subprotocol');
});

test('a browser Origin other than our own is refused; our own is accepted', async () => {
  for (const origin of ['http://evil.example', `http://127.0.0.1:${s.port}.evil.example`, 'null', `http://localhost:${s.port}`]) {
    const r = await connect(wsUrl(s), 'nachbar.v1', { origin });
    assert.ok(r.refused, `Origin ${origin} must be refused`);
  }
  const ws = await open(wsUrl(s), 'nachbar.v1', { origin: `http://127.0.0.1:${s.port}` });
  ws.send(JSON.stringify({ op: 'ping', id: 'origin' }));
  assert.equal((await next(ws, (m) => m.op === 'pong')).id, 'origin');
  ws.close();
});

test('[server] public_origin is accepted as Origin', async () => {
  const t = await startServer({ config: { server: { public_origin: 'https://nachbar.example.org' } } });
  servers.push(t);
  const ws = await open(wsUrl(t), 'nachbar.v1', { origin: 'https://nachbar.example.org' });
  ws.close();
  assert.ok((await connect(wsUrl(t), 'nachbar.v1', { origin: 'https://other.example.org' })).refused);
  await t.stop();
});

test('on SIGTERM an open client receives 1001 and the server exits 0', {
}, async () => {
  const t = await startServer({});
  servers.push(t);
  const ws = await open(wsUrl(t));
  ws.send(JSON.stringify({ op: 'ping', id: 1 }));
  await next(ws, (m) => m.op === 'pong');
  const [closed, exit] = await Promise.all([ws.closed, t.stop('SIGTERM')]);
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.equal(closed.code, 1001, `close code ${closed.code}`);
});

test('on SIGTERM open WebSockets are closed and the server exits 0', async () => {
  const t = await startServer({});
  servers.push(t);
  const wss = await Promise.all([open(wsUrl(t)), open(wsUrl(t)), open(wsUrl(t))]);
  const [exit, ...closes] = await Promise.all([t.stop('SIGTERM'), ...wss.map((w) => w.closed)]);
  assert.deepEqual(exit, { code: 0, signal: null });
  for (const c of closes) assert.ok([1001, 1006].includes(c.code), `close code ${c.code}`);
  await t.waitForLog(/msg=stopping .*ws=3/);
});
