// Static files: the web root's index, MIME types, ETag revalidation, the
// cache policy, plugin UI modules, and that nothing outside the web root
// (by "..", encoded or not, by a symlink, a dot-file) is ever served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, symlink } from 'node:fs/promises';
import path from 'node:path';
import { startServer, rawRequest, tempDir, stopAll, SOURCE_DIR } from './harness.mjs';

const SECRET = 'TOP-SECRET-6f1d2c: never served';
const servers = [];
let s;
let root;

before(async () => {
  const base = await tempDir('nachbar-static-');
  root = path.join(base, 'web');
  await mkdir(path.join(root, 'vendor'), { recursive: true });
  await mkdir(path.join(root, 'fonts'), { recursive: true });
  await writeFile(path.join(base, 'secret.txt'), SECRET);
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>nachbar test</title><h1>Moin</h1>\n');
  await writeFile(path.join(root, 'app.mjs'), 'export const app = "nachbar";\n');
  await writeFile(path.join(root, 'manifest.webmanifest'), '{"name":"nachbar"}\n');
  await writeFile(path.join(root, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>\n');
  await writeFile(path.join(root, 'font.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32, 0, 1, 2, 3]));
  await writeFile(path.join(root, 'fonts', 'inter.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32, 9]));
  await writeFile(path.join(root, '.hidden'), SECRET);
  await writeFile(path.join(root, 'vendor', 'x.js'), 'export const x = 1;\n');
  await symlink(path.join(base, 'secret.txt'), path.join(root, 'link-to-secret'));
  await symlink('../secret.txt', path.join(root, 'vendor', 'rel-link.js'));
  s = await startServer({
    config: {
      server: { web_root: root },
      plugins: { assets: path.join(SOURCE_DIR, 'plugins') },
    },
  });
  servers.push(s);
});
after(() => stopAll(servers));

async function get(p, headers = {}) {
  const r = await fetch(s.url + p, { headers });
  return { status: r.status, headers: r.headers, body: Buffer.from(await r.arrayBuffer()) };
}

test('GET / serves index.html as HTML', async () => {
  const r = await get('/');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.body.toString(), /<h1>Moin<\/h1>/);
  const direct = await get('/index.html');
  assert.equal(direct.status, 200);
  assert.deepEqual(direct.body, r.body);
});

test('files are served with their MIME type and exact bytes', async () => {
  const cases = {
    '/app.mjs': /^text\/javascript/,
    '/vendor/x.js': /^text\/javascript/,
    '/manifest.webmanifest': /^application\/manifest\+json/,
    '/icon.svg': /^image\/svg\+xml/,
    '/font.woff2': /^font\/woff2$/,
  };
  for (const [p, mime] of Object.entries(cases)) {
    const r = await get(p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type'), mime, p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    assert.ok(r.headers.get('content-security-policy'), p);
  }
  const font = await get('/font.woff2');
  assert.deepEqual([...font.body], [0x77, 0x4f, 0x46, 0x32, 0, 1, 2, 3]);
});

test('HEAD answers the headers without a body', async () => {
  const r = await fetch(`${s.url}/app.mjs`, { method: 'HEAD' });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/javascript/);
  assert.equal((await r.arrayBuffer()).byteLength, 0);
});

test('ETag, then If-None-Match answers 304 without a body', async () => {
  const first = await get('/app.mjs');
  const etag = first.headers.get('etag');
  assert.ok(etag, 'an ETag');
  assert.match(etag, /^"[^"]+"$/);
  const again = await get('/app.mjs', { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers.get('etag'), etag);
  const other = await get('/app.mjs', { 'if-none-match': '"something-else"' });
  assert.equal(other.status, 200);
  // A different file has a different ETag.
  assert.notEqual((await get('/icon.svg')).headers.get('etag'), etag);
});

test('a changed file gets a new ETag', async () => {
  const before = (await get('/manifest.webmanifest')).headers.get('etag');
  await writeFile(path.join(root, 'manifest.webmanifest'), '{"name":"nachbar","short_name":"nb"}\n');
  const r = await get('/manifest.webmanifest', { 'if-none-match': before });
  assert.equal(r.status, 200);
  assert.notEqual(r.headers.get('etag'), before);
  assert.match(r.body.toString(), /short_name/);
});

test('own files are revalidated, vendor/ and fonts/ are cached for a day', async () => {
  assert.equal((await get('/app.mjs')).headers.get('cache-control'), 'no-cache');
  assert.equal((await get('/')).headers.get('cache-control'), 'no-cache');
  assert.equal((await get('/vendor/x.js')).headers.get('cache-control'), 'public, max-age=86400');
  assert.equal((await get('/fonts/inter.woff2')).headers.get('cache-control'), 'public, max-age=86400');
});

test('nothing outside the web root is served: traversal, dot-files, symlinks', async () => {
  const paths = [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/..%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/vendor/../../secret.txt',
    '/vendor/%2e%2e/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/.%2e/secret.txt',
    '/..\\secret.txt',
    '/..%5csecret.txt',
    '//etc/passwd',
    '/../../../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/.hidden',
    '/%2ehidden',
    '/vendor/../.hidden',
    '/link-to-secret',
    '/vendor/rel-link.js',
    '/plugins/hello/../../../secret.txt',
    '/plugins/hello/%2e%2e/%2e%2e/%2e%2e/secret.txt',
  ];
  for (const p of paths) {
    const r = await rawRequest(s.port, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    assert.ok(!r.received.includes('TOP-SECRET'), `${p} leaked the secret`);
    assert.ok(!/root:x?:0:0/.test(r.received), `${p} leaked /etc/passwd`);
    if (r.status !== null) {
      // lws may refuse a malformed path itself (400/403); ours answer 404.
      assert.ok([404, 400, 403].includes(r.status), `${p}: ${r.status}`);
    }
  }
  // The plain cases a user can type are a clean 404.
  for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '//etc/passwd', '/.hidden', '/link-to-secret']) {
    const r = await rawRequest(s.port, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    assert.equal(r.status, 404, p);
    assert.equal(JSON.parse(r.body).error.code, 'not_found', p);
  }
  const h = await fetch(`${s.url}/healthz`);
  assert.equal(h.status, 200);
});

test('/plugins/<name>/ serves an active plugin\'s UI module', async () => {
  const list = await (await fetch(`${s.url}/api/v1/plugins`)).json();
  const hello = list.plugins.find((p) => p.name === 'hello');
  assert.equal(hello.module, '/plugins/hello/index.js');
  const r = await get(hello.module);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/javascript/);
  assert.ok(r.body.length > 0);
});

test('/plugins/ of an unknown plugin or a missing file is 404', async () => {
  for (const p of ['/plugins/nope/x.js', '/plugins/hello/nope.js', '/plugins/hello/', '/plugins/', '/plugins/failing_init/index.js']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
  }
});

test('a folder is not listed', async () => {
  for (const p of ['/vendor', '/vendor/', '/fonts/']) {
    const r = await get(p);
    assert.equal(r.status, 404, p);
    assert.ok(!r.body.toString().includes('x.js'), p);
  }
});
