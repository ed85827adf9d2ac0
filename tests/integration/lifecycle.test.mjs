// The server's life as an operator runs it: clean stop on SIGTERM, requests
// in flight during the stop, durability across a crash, the command line
// (--version, --help, check-config, --listen, --data, backup) and refusing
// a database from a newer version.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile, mkdir, rename, access } from 'node:fs/promises';
import path from 'node:path';
import {
  startServer, launch, restart, runCli, tempDir, freePort, stopAll, api,
  RawConnection, SOURCE_DIR,
} from './harness.mjs';

const servers = [];
after(() => stopAll(servers));

async function start(opts) {
  const s = await startServer(opts);
  servers.push(s);
  return s;
}

const GREETINGS = '/api/v1/hello/greetings';

function hasSqlite3() {
  try {
    execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const exists = (p) => access(p).then(() => true, () => false);

test('SIGTERM stops the server with exit code 0 and a stopped log line', async () => {
  const s = await start({});
  const exit = await s.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null }, s.logText());
  await s.waitForLog(/msg=stopping signal=TERM/, 100);
  await s.waitForLog(/level=info msg=stopped\b/, 100);
  assert.ok(!s.logs().some((l) => /level=error/.test(l)), `no error in the log:\n${s.logText()}`);
});

test('SIGINT stops the server as cleanly', async () => {
  const s = await start({});
  assert.deepEqual(await s.stop('SIGINT'), { code: 0, signal: null });
  await s.waitForLog(/msg=stopping signal=INT/, 100);
  await s.waitForLog(/msg=stopped\b/, 100);
});

test('requests sent right before SIGTERM get a complete answer, never a reset', async () => {
  for (let round = 0; round < 3; round++) {
    const s = await start({});
    // An idle keep-alive connection that sends its next request as the
    // stop begins, and fresh connections with a request already written.
    const idle = await RawConnection.connect(s.port);
    await idle.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await idle.readResponse())?.status, 200);
    const conns = [];
    for (let i = 0; i < 5; i++) {
      const c = await RawConnection.connect(s.port);
      await c.write(i % 2
        ? 'GET /api/v1/hello/greetings HTTP/1.1\r\nHost: x\r\n\r\n'
        : 'POST /api/v1/hello/greetings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 34\r\n\r\n{"name":"stop","message":"before"}');
      conns.push(c);
    }
    await idle.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    conns.push(idle);
    const exited = s.stop('SIGTERM');
    for (const [i, c] of conns.entries()) {
      const r = await c.readResponse(10000);
      assert.ok(r, `connection ${i} (round ${round}): no answer; error ${c.error?.code}; received ${JSON.stringify(c.all.toString())}\n${s.logText()}`);
      assert.ok([200, 201, 503].includes(r.status), `connection ${i}: status ${r.status}`);
      assert.ok(!c.error || c.error.code !== 'ECONNRESET', `connection ${i} was reset`);
      if (r.status === 503) assert.equal(JSON.parse(r.body).error.code, 'stopping');
      assert.equal(r.body.length, Number(r.headers['content-length']), 'the whole body');
      c.close();
    }
    assert.deepEqual(await exited, { code: 0, signal: null });
  }
});

/** The frames in `buf` (server frames, unmasked): [{op, payload}]. */
function wsFrames(buf) {
  const out = [];
  let i = 0;
  while (i + 2 <= buf.length) {
    let n = buf[i + 1] & 0x7f;
    let h = 2;
    if (n === 126) { n = buf.readUInt16BE(i + 2); h = 4; } else if (n === 127) { n = Number(buf.readBigUInt64BE(i + 2)); h = 10; }
    if (i + h + n > buf.length) break;
    out.push({ op: buf[i] & 0x0f, payload: buf.subarray(i + h, i + h + n) });
    i += h + n;
  }
  return out;
}

/** A masked client text frame. */
function clientFrame(text) {
  const p = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const m = Buffer.from(p.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([Buffer.from([0x81, 0x80 | p.length]), mask, m]);
}

test('a WebSocket closed while answers are still queued gets nothing after its close frame', async () => {
  // Clients keep sending bursts of pings; the server answers each with a
  // pong, more per loop iteration than one write takes, so answers are
  // still queued when SIGTERM closes the connections with 1001. RFC 6455:
  // nothing may follow a close frame.
  const s = await launch({});
  servers.push(s);
  await s.waitReady();
  const burst = Buffer.concat(Array.from({ length: 300 }, () => clientFrame('{"op":"ping"}')));
  const clients = [];
  for (let k = 0; k < 8; k++) {
    const c = await RawConnection.connect(s.port);
    await c.write('GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: nachbar.v1\r\n\r\n');
    assert.ok(await c._until(() => c.all.includes('\r\n\r\n'), 5000), 'upgraded');
    c.sending = true;
    (async () => { while (c.sending && !c.closed) { c.sock.write(burst); await new Promise((r) => setTimeout(r, 1)); } })();
    clients.push(c);
  }
  await new Promise((r) => setTimeout(r, 300));
  const stopped = s.stop('SIGTERM');
  await new Promise((r) => setTimeout(r, 50));
  for (const c of clients) c.sending = false;
  for (const c of clients) assert.ok(await c.waitClose(15000), 'the server closed the socket');
  assert.deepEqual(await stopped, { code: 0, signal: null });
  let closes = 0;
  for (const c of clients) {
    const body = c.all.subarray(c.all.indexOf('\r\n\r\n') + 4);
    const frames = wsFrames(body);
    const at = frames.findIndex((f) => f.op === 8);
    assert.ok(frames.filter((f) => f.op === 1).length > 0, 'pongs came back before the stop');
    if (at < 0) continue; // cut before its close frame could be written
    closes++;
    assert.equal(frames[at].payload.readUInt16BE(0), 1001);
    assert.equal(frames.length - at - 1, 0, `frames after the close frame: ${frames.slice(at + 1).map((f) => f.op).join(',')}`);
  }
  assert.ok(closes >= 1, 'at least one client saw its close frame');
});

test('during the stop new requests get 503 and a request in flight still finishes', async () => {
  const s = await start({});
  const c = await RawConnection.connect(s.port);
  await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal((await c.readResponse())?.status, 200);
  // Keep the stop waiting: a request whose body is still coming is in flight.
  const body = '{"name":"in flight","message":"finishes"}';
  const slow = await RawConnection.connect(s.port);
  await slow.write(`POST ${GREETINGS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 12)}`);
  await s.waitForLog(/method=GET path=\/healthz status=200/);
  const exited = s.stop('SIGTERM');
  await s.waitForLog(/msg=stopping .*inflight=1/);
  await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  const r = await c.readResponse(5000);
  assert.equal(r?.status, 503);
  assert.equal(JSON.parse(r.body).error.code, 'stopping');
  assert.equal(r.headers.connection, 'close');
  assert.ok(await c.waitClose(2000), 'the connection is closed after the 503');
  // The request in flight finishes normally.
  await slow.write(body.slice(12));
  const done = await slow.readResponse(5000);
  assert.equal(done?.status, 201);
  assert.equal(JSON.parse(done.body).name, 'in flight');
  slow.close();
  assert.deepEqual(await exited, { code: 0, signal: null });
});

test('a request still in flight when the stop grace (10 s) runs out does not crash the stop', {
}, async () => {
  // request_timeout above the grace, so the stalled request is still there.
  const s = await start({ config: { limits: { request_timeout: 60 } } });
  const slow = await RawConnection.connect(s.port);
  await slow.write(`POST ${GREETINGS} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":`);
  await s.waitForLog(/msg=listening/);
  await new Promise((r) => setTimeout(r, 100));
  try {
    const exit = await s.stop('SIGTERM', 30000);
    await s.waitForLog(/msg=stop_grace_over inflight=1/, 100);
    assert.deepEqual(exit, { code: 0, signal: null });
  } finally {
    slow.close();
  }
});

test('a greeting written before SIGKILL is there after a restart', async () => {
  const s = await start({});
  const w = await api(s.url, 'POST', GREETINGS, { name: 'Druckerei Brandes', message: 'survives a crash' });
  assert.equal(w.status, 201);
  assert.deepEqual(await s.kill(), { code: null, signal: 'SIGKILL' });
  const t = await restart(s);
  servers.push(t);
  assert.equal(t.port, s.port);
  const r = await api(t.url, 'GET', `${GREETINGS}/${w.body.id}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, w.body);
  await t.stop();
});

test('--version prints nachbar and its libraries', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0);
  const lines = r.stdout.trim().split('\n');
  for (const [i, name] of ['nachbar', 'libwebsockets', 'libuv', 'SQLite', 'jansson'].entries()) {
    assert.ok(lines[i]?.startsWith(`${name} `), `line ${i + 1}: ${lines[i]}`);
    assert.match(lines[i], /\d+\.\d+/);
  }
  assert.match(lines[0], /^nachbar \d+\.\d+\.\d+/);
});

test('--help exits 0 and shows the usage', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Usage: nachbar/);
  assert.match(r.stdout, /check-config/);
  assert.match(r.stdout, /backup/);
  const bad = await runCli(['--no-such-flag']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Usage/);
});

test('check-config accepts the shipped config', async () => {
  const file = path.join(SOURCE_DIR, 'conf', 'nachbar.conf');
  const r = await runCli(['check-config', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /ok/);
});

test('check-config names file, line and key of an unknown key', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'bad.conf');
  await writeFile(file, '[server]\nport = 8080\nlisten_adress = 0.0.0.0\n');
  const r = await runCli(['check-config', file]);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`${file}:3:`), r.stderr);
  assert.match(r.stderr, /listen_adress/);
  assert.match(r.stderr, /unknown key/);
});

test('check-config refuses a bad value and names the key', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'bad.conf');
  await writeFile(file, '# comment\n[server]\nport = 99999\n');
  const r = await runCli(['check-config', file]);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(`${file}:3:`), r.stderr);
  assert.match(r.stderr, /\bport\b/);
  assert.match(r.stderr, /65535/, 'says what is allowed');
  // The server refuses to start on the same file.
  const s = await runCli(['--config', file]);
  assert.equal(s.code, 1);
  assert.match(s.stderr, /port/);
  const missing = await runCli(['check-config', path.join(dir, 'nope.conf')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope\.conf/);
});

test('--listen overrides the port of the config file', async () => {
  const port2 = await freePort();
  const s = await launch({ args: ['--listen', `127.0.0.1:${port2}`], probePort: port2 });
  servers.push(s);
  await s.waitReady();
  assert.equal((await fetch(`http://127.0.0.1:${port2}/healthz`)).status, 200);
  await s.waitForLog(new RegExp(`msg=listening url=http://127\\.0\\.0\\.1:${port2} `));
  const configured = s.config.server.port;
  await assert.rejects(fetch(`http://127.0.0.1:${configured}/healthz`), 'nothing listens on the configured port');
  assert.deepEqual(await s.stop(), { code: 0, signal: null });
});

test('--data overrides data_dir', async () => {
  const other = path.join(await tempDir(), 'elsewhere');
  const s = await start({ args: ['--data', other] });
  const w = await api(s.url, 'POST', GREETINGS, { name: 'data', message: 'elsewhere' });
  assert.equal(w.status, 201);
  await s.stop();
  assert.ok(await exists(path.join(other, 'nachbar.db')), 'the database is in the --data folder');
  assert.ok(!(await exists(path.join(s.dataDir, 'nachbar.db'))), 'not in the configured data_dir');
});

test('backup while the server runs gives a database another server can serve', async () => {
  const s = await start({});
  const w = await api(s.url, 'POST', GREETINGS, { name: 'Steuerbüro', message: 'in the backup' });
  assert.equal(w.status, 201);
  const out = path.join(await tempDir(), 'backup.db');
  const r = await runCli(['backup', '--out', out, '--config', s.configPath]);
  assert.equal(r.code, 0, r.stderr);
  const head = (await readFile(out)).subarray(0, 16);
  assert.deepEqual(head, Buffer.from('SQLite format 3\0', 'latin1'));
  // The running server is unaffected.
  assert.equal((await api(s.url, 'GET', '/readyz')).status, 200);

  // A second server on a folder holding the backup as nachbar.db.
  const dir2 = await tempDir();
  await mkdir(path.join(dir2, 'restored'));
  await rename(out, path.join(dir2, 'restored', 'nachbar.db'));
  const t = await start({ config: { server: { data_dir: path.join(dir2, 'restored') } } });
  const g = await api(t.url, 'GET', `${GREETINGS}/${w.body.id}`);
  assert.equal(g.status, 200);
  assert.deepEqual(g.body, w.body);
  await t.stop();
  await s.stop();
});

test('backup refuses to overwrite an existing file', async () => {
  const s = await start({});
  const out = path.join(await tempDir(), 'exists.db');
  await writeFile(out, 'precious');
  const r = await runCli(['backup', '--out', out, '--config', s.configPath]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /exists/);
  assert.equal(await readFile(out, 'utf8'), 'precious');
  const none = await runCli(['backup', '--config', s.configPath]);
  assert.equal(none.code, 2, 'backup without --out');
  await s.stop();
});

test('a database from a newer nachbar (core migration 99) is refused', {
  skip: hasSqlite3() ? false : 'the sqlite3 command-line tool is not installed (apt install sqlite3)',
}, async () => {
  const s = await start({});
  await s.stop();
  const db = path.join(s.dataDir, 'nachbar.db');
  execFileSync('sqlite3', [db, "INSERT INTO nb_migrations(owner, version) VALUES ('core', 99);"]);
  const t = await launch({ dir: s.dir, port: s.port, configPath: s.configPath, keepConfig: true });
  servers.push(t);
  let timer;
  const exit = await Promise.race([t.exited, new Promise((r) => { timer = setTimeout(r, 20000, 'timeout'); })]);
  clearTimeout(timer);
  assert.notEqual(exit, 'timeout', 'the server started on a newer database');
  assert.equal(exit.code, 1, t.logText());
  const line = await t.waitForLog(/msg=migration_failed/, 100);
  assert.match(line, /level=error/);
  assert.match(line, /owner=core/);
  assert.match(line, /migration 99/);
  // The database was not touched.
  const v = execFileSync('sqlite3', [db, "SELECT max(version) FROM nb_migrations WHERE owner = 'core';"]).toString().trim();
  assert.equal(v, '99');
});

test('a second server on a port in use fails the start with exit 1 and listen_failed; the first keeps serving', async () => {
  const s = await start({});
  const t = await launch({ port: s.port });
  servers.push(t);
  const exit = await t.exited;
  assert.deepEqual(exit, { code: 1, signal: null });
  assert.ok(t.logs().some((l) => /msg=listen_failed .*port=\d+/.test(l)), t.logText());
  assert.ok(!t.logs().some((l) => /msg=listening/.test(l)), 'it never claims to listen');
  assert.equal((await api(s.url, 'GET', '/healthz')).status, 200);
});
