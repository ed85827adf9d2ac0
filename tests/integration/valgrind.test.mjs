// The whole life of the server under valgrind: start, HTTP requests, a
// WebSocket that is still open at the stop, SIGTERM. Exit code 0 means no
// memory error and no definitely or indirectly lost block.
// Runs only with NACHBAR_VALGRIND=1 (meson sets it for builds without a
// sanitizer: valgrind and ASan do not mix).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';
import { startServer, stopAll, api } from './harness.mjs';

const servers = [];
after(() => stopAll(servers));

function haveValgrind() {
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const skip = process.env.NACHBAR_VALGRIND !== '1'
  ? 'set NACHBAR_VALGRIND=1 to run the server under valgrind'
  : !haveValgrind() ? 'valgrind is not installed (apt install valgrind)' : false;

test('start, serve, WebSocket open at the stop, SIGTERM: no leak, no memory error', { skip, timeout: 240000 }, async () => {
  const s = await startServer({
    wrapper: ['valgrind', '--leak-check=full', '--errors-for-leak-kinds=definite,indirect',
      '--error-exitcode=3', '--track-fds=no', '--num-callers=30'],
    readyTimeout: 60000,
    stopTimeout: 60000,
  });
  servers.push(s);
  assert.ok(s.logs().some((l) => /Memcheck/.test(l)), 'runs under valgrind');
  assert.equal((await api(s.url, 'GET', '/healthz')).status, 200);
  assert.equal((await api(s.url, 'GET', '/api/v1/hello')).status, 200);
  const w = await api(s.url, 'POST', '/api/v1/hello/greetings', { name: 'valgrind', message: 'clean' });
  assert.equal(w.status, 201);
  assert.equal((await api(s.url, 'GET', `/api/v1/hello/greetings/${w.body.id}`)).status, 200);
  assert.equal((await api(s.url, 'GET', '/api/v1/hello/greetings/abc')).status, 400);
  assert.equal((await api(s.url, 'POST', '/api/v1/hello/greetings', '{"bad":')).status, 400);
  assert.equal((await api(s.url, 'GET', '/nope')).status, 404);
  assert.equal((await fetch(`${s.url}/metrics`)).status, 200);
  assert.equal((await fetch(`${s.url}/`)).status, 200);

  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws`, 'nachbar.v1');
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  const closed = new Promise((r) => ws.on('close', (code) => r(code)));
  ws.send(JSON.stringify({ op: 'hello.echo', text: 'Moin', id: 1 }));
  ws.send('{"op":');
  const echoed = await new Promise((resolve) => ws.on('message', (d) => {
    const m = JSON.parse(d);
    if (m.op === 'hello.echoed') resolve(m);
  }));
  assert.equal(echoed.text, 'Moin');

  const exit = await s.stop('SIGTERM');
  await closed;
  const report = s.logs().filter((l) => /^==\d+==/.test(l)).join('\n');
  assert.match(report, /ERROR SUMMARY: 0 errors/, report);
  assert.deepEqual(exit, { code: 0, signal: null }, `valgrind found problems:\n${report}`);
  await s.waitForLog(/msg=stopped\b/, 100);
});
