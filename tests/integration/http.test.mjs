// HTTP API conventions as a client sees them: health endpoints, the one
// error shape, the order of request checks (405, 411, 413, 415, 400), the
// limits from the config, the hello plugin's greetings, security headers on
// every answer and keep-alive connections.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer, rawRequest, RawConnection, api, stopAll } from './harness.mjs';

const servers = [];
let s;

before(async () => {
  s = await startServer({
    config: { limits: { max_body: 2048, max_json_depth: 4, max_string: 64 } },
  });
  servers.push(s);
});
after(() => stopAll(servers));

const GREETINGS = '/api/v1/hello/greetings';

async function greetingCount() {
  const r = await api(s.url, 'GET', GREETINGS);
  assert.equal(r.status, 200);
  return r.body.items.length;
}

/** The error shape: {"error":{"code","message"[,"field"]}} and nothing else. */
function assertError(r, status, code, field) {
  assert.equal(r.status, status, `status for ${code}: ${r.text ?? r.body}`);
  const body = typeof r.body === 'string' ? JSON.parse(r.body) : r.body;
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(body.error.code, code);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0, 'a message for people');
  if (field !== undefined) assert.equal(body.error.field, field);
  return body.error;
}

function header(headers, name) {
  return typeof headers.get === 'function' ? headers.get(name) : headers[name];
}

function assertSecurityHeaders(headers, what) {
  const csp = header(headers, 'content-security-policy');
  assert.ok(csp, `${what}: content-security-policy`);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(header(headers, 'x-content-type-options'), 'nosniff', what);
  assert.equal(header(headers, 'x-frame-options'), 'DENY', what);
  assert.ok(header(headers, 'x-request-id'), `${what}: x-request-id`);
}

test('/healthz and /readyz answer with their JSON bodies', async () => {
  const h = await api(s.url, 'GET', '/healthz');
  assert.equal(h.status, 200);
  assert.match(h.headers.get('content-type'), /^application\/json/);
  assert.deepEqual(h.body, { status: 'ok' });

  const r = await api(s.url, 'GET', '/readyz');
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ready');
  assert.equal(r.body.plugins, 1, 'the hello plugin is loaded');
  assert.equal(typeof r.body.core_schema, 'number');
  assert.ok(r.body.core_schema >= 1);

  const head = await fetch(`${s.url}/healthz`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
});

test('GET /api/v1 names the server', async () => {
  const r = await api(s.url, 'GET', '/api/v1');
  assert.equal(r.status, 200);
  assert.equal(r.body.name, 'nachbar');
  assert.match(r.body.version, /^\d+\.\d+\.\d+/);
});

test('an unknown path is 404 not_found in the error shape', async () => {
  assertError(await api(s.url, 'GET', '/api/v1/does-not-exist'), 404, 'not_found');
  assertError(await api(s.url, 'GET', '/no/such/page'), 404, 'not_found');
  assertError(await api(s.url, 'POST', '/api/v1/does-not-exist', {}), 404, 'not_found');
});

test('a path that exists for other methods is 405 with Allow', async () => {
  for (const method of ['POST', 'DELETE', 'PUT']) {
    const r = await api(s.url, method, '/healthz', method === 'DELETE' ? undefined : {});
    assertError(r, 405, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  }
  const r = await api(s.url, 'DELETE', GREETINGS);
  assertError(r, 405, 'method_not_allowed');
  assert.equal(r.headers.get('allow'), 'GET, HEAD, POST');
});

test('OPTIONS is 405 with Allow (no CORS preflight: the API is same-origin)', async () => {
  const r = await rawRequest(s.port, 'OPTIONS /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal(r.status, 405, `OPTIONS got ${r.status}`);
  assert.equal(JSON.parse(r.body).error.code, 'method_not_allowed');
  assert.equal(r.headers.allow, 'GET, HEAD');
  const h = await api(s.url, 'GET', '/healthz');
  assert.equal(h.status, 200);
});

test('POST without Content-Length is 411 and the connection is closed', async () => {
  const before = await greetingCount();
  const r = await rawRequest(s.port,
    `POST ${GREETINGS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n`);
  assertError(r, 411, 'length_required');
  assert.equal(r.headers.connection, 'close');
  assert.ok(r.closed, 'the server hangs up after refusing a body it did not read');
  assert.equal(await greetingCount(), before);
});

test('a chunked body is 411 and never read as the next request', async () => {
  const before = await greetingCount();
  const body = JSON.stringify({ name: 'chunky', message: 'smuggled' });
  const r = await rawRequest(s.port,
    `POST ${GREETINGS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    `Transfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n` +
    `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
  assertError(r, 411, 'length_required');
  assert.ok(r.closed);
  assert.ok(!/HTTP\/1\.1 200/.test(r.received), 'the pipelined request after the body is not answered');
  assert.equal(await greetingCount(), before);
});

test('a body over [limits] max_body is 413 and nothing is written', async () => {
  const before = await greetingCount();
  const r = await api(s.url, 'POST', GREETINGS, { name: 'big', message: 'x'.repeat(2100) });
  assertError(r, 413, 'body_too_large');
  assert.match(r.body.error.message, /2048/);
  assert.equal(await greetingCount(), before);

  // Refused from the header alone, before any body byte is sent.
  const raw = await rawRequest(s.port,
    `POST ${GREETINGS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`);
  assertError(raw, 413, 'body_too_large');
  assert.ok(raw.closed);
  assert.equal(await greetingCount(), before);
});

test('a body that is not application/json is 415', async () => {
  const before = await greetingCount();
  const body = JSON.stringify({ name: 'a', message: 'b' });
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp']) {
    assertError(await api(s.url, 'POST', GREETINGS, body, { 'content-type': ct }), 415, 'unsupported_media_type');
  }
  // parameters after the type are fine
  const ok = await api(s.url, 'POST', GREETINGS, body, { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(ok.status, 201);
  assert.equal(await greetingCount(), before + 1);
});

test('malformed JSON is 400 bad_json', async () => {
  const before = await greetingCount();
  for (const text of ['{"name":', 'not json', '{"name":"a","message":"b"} trailing', '\u0000']) {
    assertError(await api(s.url, 'POST', GREETINGS, text), 400, 'bad_json');
  }
  assert.equal(await greetingCount(), before);
});

test('duplicate keys are refused with 400', async () => {
  const before = await greetingCount();
  const r = await api(s.url, 'POST', GREETINGS, '{"name":"a","message":"b","name":"c"}');
  assertError(r, 400, 'bad_json');
  assert.equal(await greetingCount(), before);
});

test('nesting deeper than [limits] max_json_depth is 400 too_deep', async () => {
  const before = await greetingCount();
  const deep = '{"name":"a","message":"b","x":[[[[1]]]]}'; // 5 levels, limit 4
  assertError(await api(s.url, 'POST', GREETINGS, deep), 400, 'too_deep');
  // Deep but malformed input is refused just as early.
  assertError(await api(s.url, 'POST', GREETINGS, '['.repeat(1000)), 400, 'too_deep');
  // 4 levels pass the parser and reach the schema check.
  const ok = await api(s.url, 'POST', GREETINGS, '{"name":"a","message":"b","x":[[[1]]]}');
  assertError(ok, 400, 'unknown_field', 'x');
  assert.equal(await greetingCount(), before);
});

test('a string longer than [limits] max_string is 400 string_too_long', async () => {
  const before = await greetingCount();
  const r = await api(s.url, 'POST', GREETINGS, { name: 'a', message: 'y'.repeat(65) });
  assertError(r, 400, 'string_too_long', 'message');
  assert.equal(await greetingCount(), before);
  const ok = await api(s.url, 'POST', GREETINGS, { name: 'a', message: 'y'.repeat(64) });
  assert.equal(ok.status, 201);
});

test('greeting schema errors name the field and write nothing', async () => {
  const before = await greetingCount();
  assertError(await api(s.url, 'POST', GREETINGS, { message: 'no name' }), 400, 'required', 'name');
  assertError(await api(s.url, 'POST', GREETINGS, { name: 'a' }), 400, 'required', 'message');
  assertError(await api(s.url, 'POST', GREETINGS, { name: null, message: 'b' }), 400, 'required', 'name');
  assertError(await api(s.url, 'POST', GREETINGS, { name: 'a', message: 'b', admin: true }), 400, 'unknown_field', 'admin');
  assertError(await api(s.url, 'POST', GREETINGS, { name: 'a', message: '' }), 400, 'invalid', 'message');
  assertError(await api(s.url, 'POST', GREETINGS, { name: 7, message: 'b' }), 400, 'invalid', 'name');
  assertError(await api(s.url, 'POST', GREETINGS, { name: 'n'.repeat(81), message: 'b' }), 400, 'string_too_long');
  assertError(await api(s.url, 'POST', GREETINGS, [1, 2]), 400, 'invalid');
  assert.equal(await greetingCount(), before);
});

test('a message too long for the schema is 400 invalid', async () => {
  // message allows 500 characters, more than max_string (64) here: start a
  // server with the default string limit to reach the schema's own bound.
  const t = await startServer({});
  servers.push(t);
  const r = await api(t.url, 'POST', GREETINGS, { name: 'a', message: 'm'.repeat(501) });
  assertError(r, 400, 'invalid', 'message');
  const list = await api(t.url, 'GET', GREETINGS);
  assert.deepEqual(list.body.items, []);
  const ok = await api(t.url, 'POST', GREETINGS, { name: 'a', message: 'm'.repeat(500) });
  assert.equal(ok.status, 201);
  await t.stop();
});

test('a new greeting is 201 with Location and the row, and can be read back', async () => {
  const r = await api(s.url, 'POST', GREETINGS, { name: 'Glaserei Hoffmann', message: 'Moin, Nachbarn! äöü ß' });
  assert.equal(r.status, 201);
  const row = r.body;
  assert.ok(Number.isInteger(row.id) && row.id > 0);
  assert.equal(row.name, 'Glaserei Hoffmann');
  assert.equal(row.message, 'Moin, Nachbarn! äöü ß');
  assert.match(row.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(r.headers.get('location'), `${GREETINGS}/${row.id}`);

  const got = await api(s.url, 'GET', r.headers.get('location'));
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, row);

  const list = await api(s.url, 'GET', GREETINGS);
  assert.deepEqual(list.body.items[0], row, 'newest first');
});

test('GET a greeting: 404 for a missing id, 400 invalid for a non-number', async () => {
  assertError(await api(s.url, 'GET', `${GREETINGS}/999999`), 404, 'not_found');
  assertError(await api(s.url, 'GET', `${GREETINGS}/abc`), 400, 'invalid', 'id');
  assertError(await api(s.url, 'GET', `${GREETINGS}/0`), 400, 'invalid', 'id');
  assertError(await api(s.url, 'GET', `${GREETINGS}/-3`), 400, 'invalid', 'id');
});

test('every answer carries the security headers; API answers are not cached', async () => {
  const answers = {
    healthz: await fetch(`${s.url}/healthz`),
    readyz: await fetch(`${s.url}/readyz`),
    metrics: await fetch(`${s.url}/metrics`),
    'api 200': await fetch(`${s.url}/api/v1/hello`),
    'api 404': await fetch(`${s.url}/api/v1/nope`),
    'api 405': await fetch(`${s.url}${GREETINGS}`, { method: 'PATCH', body: '{}', headers: { 'content-type': 'application/json' } }),
    'api 400': await fetch(`${s.url}${GREETINGS}`, { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }),
    'api 201': await fetch(`${s.url}${GREETINGS}`, { method: 'POST', body: '{"name":"h","message":"h"}', headers: { 'content-type': 'application/json' } }),
    'static /': await fetch(`${s.url}/`),
  };
  for (const [what, r] of Object.entries(answers)) {
    await r.arrayBuffer();
    assertSecurityHeaders(r.headers, what);
    if (what.startsWith('api')) assert.equal(r.headers.get('cache-control'), 'no-store', what);
  }
  const raw = await rawRequest(s.port, `POST ${GREETINGS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\r\n`);
  assertSecurityHeaders(raw.headers, 'raw 411');
  assert.equal(raw.headers['cache-control'], 'no-store');
  // Request ids differ from answer to answer.
  const ids = new Set(Object.values(answers).map((r) => r.headers.get('x-request-id')));
  assert.equal(ids.size, Object.keys(answers).length);
});

test('answers given at once and answers given later share one keep-alive connection', async () => {
  // Most answers are written, and the transaction completed, inside the
  // request's own callback; a sign-in is answered later (password check
  // off the loop). A request sent right after either kind must be read as
  // a request of its own, never as the body of the one before.
  const before = await greetingCount();
  const c = await RawConnection.connect(s.port);
  try {
    // Two GETs pipelined in one write: answered in order.
    await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/hello HTTP/1.1\r\nHost: x\r\n\r\n');
    const a = await c.readResponse();
    assert.equal(a?.status, 200);
    assert.deepEqual(JSON.parse(a.body), { status: 'ok' });
    const a2 = await c.readResponse();
    assert.equal(a2?.status, 200, 'the pipelined second GET');
    assert.equal(JSON.parse(a2.body).greeting, 'Moin');
    const greet = '{"name":"p","message":"kept alive"}';
    await c.write(`POST ${GREETINGS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${greet.length}\r\n\r\n${greet}`);
    const b = await c.readResponse();
    assert.equal(b?.status, 201);
    assert.equal(JSON.parse(b.body).message, 'kept alive');
    const signin = '{"email":"nobody@example.org","password":"not-the-password"}';
    await c.write(`POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${signin.length}\r\n\r\n${signin}`);
    const d = await c.readResponse();
    assert.equal(d?.status, 401, 'the sign-in, answered off the loop');
    assert.equal(JSON.parse(d.body).error.code, 'invalid_credentials');
    // Sent the moment the late answer arrived.
    await c.write(`POST ${GREETINGS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${greet.length}\r\n\r\n${greet}`);
    const e = await c.readResponse();
    assert.equal(e?.status, 201, 'the request right after the late answer');
    assert.equal(c.closed, false);
  } finally {
    c.close();
  }
  assert.equal(await greetingCount(), before + 2);
});

test('several requests on one keep-alive connection', async () => {
  // Raw: two requests one after the other on the same socket.
  const c = await RawConnection.connect(s.port);
  try {
    await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const a = await c.readResponse();
    assert.equal(a?.status, 200);
    assert.deepEqual(JSON.parse(a.body), { status: 'ok' });
    assert.notEqual(a.headers.connection, 'close');
    await c.write('GET /api/v1/hello HTTP/1.1\r\nHost: x\r\n\r\n');
    const b = await c.readResponse();
    assert.equal(b?.status, 200, 'second request on the same socket answered');
    assert.equal(JSON.parse(b.body).greeting, 'Moin');
    await c.write(`POST ${GREETINGS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n{"name":"k","message":"ka"}`);
    const p = await c.readResponse();
    assert.equal(p?.status, 201, 'a POST with a body on the same socket');
    await c.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await c.readResponse())?.status, 200);
    assert.equal(c.closed, false);
  } finally {
    c.close();
  }

  // Node's http.Agent with one socket: the same socket serves every request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  const get = (p) => new Promise((resolve, reject) => {
    const req = http.get(`${s.url}${p}`, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('socket', (sock) => sockets.add(sock));
    req.on('error', reject);
  });
  try {
    for (const p of ['/healthz', '/api/v1/hello', GREETINGS, '/readyz', '/healthz']) {
      assert.equal((await get(p)).status, 200, p);
    }
    assert.equal(sockets.size, 1, 'one socket reused for all requests');
  } finally {
    agent.destroy();
  }
});
