// Hostile or odd input at the protocol level: Upgrade headers other than
// websocket, the HTTP/2 prior-knowledge preface, oversized header blocks,
// unknown methods, slow or half-sent requests. Whatever comes in, the
// server answers HTTP/1.1 or hangs up, and keeps serving everyone else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, rawRequest, RawConnection, stopAll, sleep } from './harness.mjs';

const servers = [];
let s;

before(async () => {
  s = await startServer({ config: { limits: { request_timeout: 2 } } });
  servers.push(s);
});
after(() => stopAll(servers));

async function assertServing(what) {
  const r = await fetch(`${s.url}/healthz`, { signal: AbortSignal.timeout(5000) });
  assert.equal(r.status, 200, `healthz after ${what}`);
  assert.deepEqual(await r.json(), { status: 'ok' });
  assert.equal(s.exitStatus(), null, `the server still runs after ${what}`);
}

for (const proto of ['h2c', 'foo', 'HTTP/2.0', 'websocket2', 'TLS/1.2']) {
  test(`Upgrade: ${proto} gets no 101 and the server keeps serving`, async () => {
    const settings = proto === 'h2c' ? 'HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n' : '';
    const conn = proto === 'h2c' ? 'Upgrade, HTTP2-Settings' : 'Upgrade';
    for (let i = 0; i < 20; i++) {
      for (const path of ['/healthz', '/ws', '/']) {
        const r = await rawRequest(s.port,
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: ${conn}\r\nUpgrade: ${proto}\r\n${settings}\r\n` +
          // what an h2c client sends right after the upgrade request
          (proto === 'h2c' ? 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' : ''),
          { timeout: 3000, linger: 500 });
        assert.notEqual(r.status, 101, `Upgrade: ${proto} on ${path} switched protocols`);
        assert.ok(!/^HTTP\/1\.[01] 101/m.test(r.received), 'no 101 anywhere');
        assert.ok(r.status === null || r.status >= 400, `Upgrade: ${proto} on ${path}: ${r.status}`);
      }
      await assertServing(`Upgrade: ${proto} #${i + 1}`);
    }
  });
}

test('a WebSocket upgrade with a body-less POST or odd casing is not a way around the check', async () => {
  for (const up of ['WebSocket, h2c', 'h2c, websocket', 'websocket\tx']) {
    const r = await rawRequest(s.port,
      `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\nConnection: Upgrade\r\nUpgrade: ${up}\r\n\r\n`,
      { timeout: 3000 });
    assert.notEqual(r.status, 101, up);
    await assertServing(`Upgrade: ${up}`);
  }
});

test('the HTTP/2 prior-knowledge preface gets no HTTP/2 answer', async () => {
  const preface = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
  // An empty SETTINGS frame, as a real client sends after the preface.
  const settings = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
  for (let i = 0; i < 20; i++) {
    const r = await rawRequest(s.port, [Buffer.concat([Buffer.from(preface, 'latin1'), settings])], { timeout: 3000, linger: 500 });
    const bytes = Buffer.from(r.received, 'latin1');
    // An HTTP/2 server answers with a SETTINGS frame: 3 bytes length, type 4.
    const h2 = bytes.length >= 9 && bytes[3] === 4 && !r.received.startsWith('HTTP/');
    assert.ok(!h2, 'the server answered with an HTTP/2 frame');
    assert.ok(bytes.length === 0 || r.received.startsWith('HTTP/1.'), `answer: ${JSON.stringify(r.received.slice(0, 40))}`);
    if (r.status !== null) assert.ok(r.status >= 400);
    assert.ok(r.closed, 'the connection is closed');
  }
  await assertServing('the HTTP/2 preface');
});

test('a header block over 8 KiB is refused without crashing', async () => {
  for (const [what, req] of [
    ['one long header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9000)}\r\n\r\n`],
    ['many headers', `GET /healthz HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'b'.repeat(30)}\r\n`).join('')}\r\n`],
    ['a long path', `GET /${'p'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`],
    ['a long cookie', `GET /api/v1/me HTTP/1.1\r\nHost: x\r\nCookie: nb_session=${'c'.repeat(12000)}\r\n\r\n`],
  ]) {
    const r = await rawRequest(s.port, req, { timeout: 5000 });
    assert.ok(r.status === null || r.status >= 400, `${what}: ${r.status}`);
    assert.ok(r.closed || r.status >= 400, `${what}: refused`);
    await assertServing(what);
  }
  // Just under the limit still works.
  const ok = await rawRequest(s.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Fine: ${'a'.repeat(6000)}\r\n\r\n`);
  assert.equal(ok.status, 200);
});

test('methods outside the supported list are refused and the server keeps serving', async () => {
  for (const m of ['TRACE', 'FOO', 'PROPFIND', 'BREW']) {
    const r = await rawRequest(s.port, `${m} /healthz HTTP/1.1\r\nHost: x\r\n\r\n`, { timeout: 3000 });
    assert.ok(r.status === null || r.status >= 400, `${m}: ${r.status}`);
    await assertServing(m);
  }
});

test('a method the HTTP parser does not know is refused with 403, security headers and a closed connection', async () => {
  for (const m of ['TRACE', 'FOO']) {
    const r = await rawRequest(s.port, `${m} /healthz HTTP/1.1\r\nHost: x\r\n\r\n`, { timeout: 3000 });
    assert.equal(r.status, 403, `${m} got ${r.status}`);
    assert.match(r.headers['content-security-policy'] || '', /default-src 'self'/, `${m}: CSP present`);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.ok(r.closed, `${m}: connection closed`);
  }
  await assertServing('TRACE');
});

test('CONNECT is dropped at once, without an answer and without holding a connection slot', async () => {
  const c = await RawConnection.connect(s.port);
  try {
    await c.write(`CONNECT 127.0.0.1:${s.port} HTTP/1.1\r\nHost: 127.0.0.1:${s.port}\r\n\r\n`);
    const closed = await c.waitClose(1500);
    assert.ok(closed, 'CONNECT connection still open 1.5 s later');
    assert.ok(!/HTTP\/1\.1 2/.test(c.all.toString()), 'no 2xx tunnel answer');
  } finally {
    c.close();
  }
  await assertServing('CONNECT');
});

test('a request that stops half-way is cut after [limits] request_timeout', async () => {
  const c = await RawConnection.connect(s.port);
  try {
    await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    // Others are served meanwhile.
    await assertServing('a half-sent request');
    const closed = await c.waitClose(15000);
    assert.ok(closed, 'the half-sent request was not cut off');
  } finally {
    c.close();
  }
});

test('a body shorter than its Content-Length is not processed', async () => {
  const c = await RawConnection.connect(s.port);
  try {
    await c.write('POST /api/v1/hello/greetings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":"half","message":"x"}');
    const r = await c.readResponse(15000);
    if (r) assert.ok(r.status >= 400, `status ${r.status}`);
    else assert.ok(c.closed, 'neither answered nor closed');
  } finally {
    c.close();
  }
  const list = await (await fetch(`${s.url}/api/v1/hello/greetings`)).json();
  assert.ok(!list.items.some((g) => g.name === 'half'), 'a half body was written');
});

test('garbage instead of a request line does not crash the server', async () => {
  const junk = [
    Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), // TLS ClientHello start
    Buffer.from('\r\n\r\n\r\n'),
    Buffer.from('GET\r\n\r\n'),
    Buffer.from('GET / HTTP/9.9\r\n\r\n'),
    Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'),
    Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab'),
    Buffer.from('GET /healthz HTTP/1.1\r\nHost: x\r\nX: \u0000\u0001\r\n\r\n'),
    Buffer.alloc(20000, 0x41),
  ];
  for (const j of junk) {
    const r = await rawRequest(s.port, j, { timeout: 3000 });
    assert.ok(r.status === null || r.status === 200 || r.status >= 400, `status ${r.status}`);
    await assertServing(`junk ${JSON.stringify(j.subarray(0, 16).toString('latin1'))}`);
  }
});
