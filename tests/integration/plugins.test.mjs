// The plugin loader as an operator sees it: every broken plugin is refused
// with one log line that names the plugin and the reason, nothing it
// registered stays behind, and the server starts and serves without it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, chmod, readdir, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startServer, tempDir, stopAll, parseLog, api, PLUGIN_DIR, PROBE_DIR, SOURCE_DIR } from './harness.mjs';

const PROBES = {
  bad_abi: 'abi_mismatch',
  bad_magic: 'bad_magic',
  failing_init: 'init_failed',
  no_symbol: 'no_descriptor',
  needs_missing: 'missing_dependency',
  undefined_ref: 'dlopen_failed',
  dup_name: 'name_clash',
};

const servers = [];
after(() => stopAll(servers));

/** A folder holding hello.so and every probe .so, 0755 with 0644 files. */
async function pluginFolder() {
  const dir = path.join(await tempDir('nachbar-plugins-'), 'plugins');
  await mkdir(dir);
  await chmod(dir, 0o755);
  await copyFile(path.join(PLUGIN_DIR, 'hello', 'hello.so'), path.join(dir, 'hello.so'));
  for (const name of Object.keys(PROBES)) {
    await copyFile(path.join(PROBE_DIR, `${name}.so`), path.join(dir, `${name}.so`));
  }
  for (const f of await readdir(dir)) await chmod(path.join(dir, f), 0o644);
  return dir;
}

const refusals = (srv) => srv.logs().filter((l) => /\bmsg=plugin_refused\b/.test(l)).map(parseLog);

function pluginConfig(dir, load) {
  return { plugins: { dir, load, assets: path.join(SOURCE_DIR, 'plugins') } };
}

let s;
before(async () => {
  const dir = await pluginFolder();
  s = await startServer({ config: pluginConfig(dir, ['hello', ...Object.keys(PROBES)].join(',')) });
  servers.push(s);
});

test('the server is ready with the good plugin and without the broken ones', async () => {
  const r = await api(s.url, 'GET', '/readyz');
  assert.equal(r.status, 200);
  assert.equal(r.body.plugins, 1);
  assert.equal((await api(s.url, 'GET', '/api/v1/hello')).status, 200);
  await s.waitForLog(/msg=plugin_loaded plugin=hello /);
});

test('each broken plugin is refused with one log line naming its reason', async () => {
  const lines = refusals(s);
  for (const [name, reason] of Object.entries(PROBES)) {
    // dup_name claims the name "hello", so its line names the file.
    const mine = lines.filter((l) => l.file && path.basename(l.file) === `${name}.so`);
    assert.equal(mine.length, 1, `one plugin_refused line for ${name}; log:\n${s.logText()}`);
    const l = mine[0];
    assert.equal(l.level, 'error', name);
    assert.equal(l.reason, reason, `${name}: reason`);
    assert.ok(l.detail && l.detail.length > 10, `${name}: a detail that says what to do`);
  }
  assert.equal(lines.length, Object.keys(PROBES).length, 'no other refusals');
  // Spot checks of what the details tell the operator.
  const by = (n) => lines.find((l) => path.basename(l.file) === `${n}.so`);
  assert.match(by('bad_abi').detail, /99/);
  assert.match(by('needs_missing').detail, /does_not_exist/);
  assert.match(by('undefined_ref').detail, /nb_function_that_does_not_exist/);
  assert.match(by('dup_name').detail, /hello/);
  assert.match(by('failing_init').detail, /rolled back/);
});

test('what a failing init registered is rolled back', async () => {
  const r = await api(s.url, 'GET', '/api/v1/probe/failing');
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'not_found');
  // A plugin refused before init never registered anything.
  assert.equal((await api(s.url, 'GET', '/api/v1/probe/bad_abi')).status, 404);
  // Its topic is gone as well: subscribing would say unknown_topic, and its
  // UI folder is not served.
  assert.equal((await fetch(`${s.url}/plugins/failing_init/index.js`)).status, 404);
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  assert.match(metrics, /^nachbar_plugins_loaded 1$/m);
  assert.ok(!/route="\/api\/v1\/probe/.test(metrics));
});

test('/api/v1/plugins lists only the loaded plugin with its UI module', async () => {
  const r = await api(s.url, 'GET', '/api/v1/plugins');
  assert.equal(r.status, 200);
  assert.equal(r.body.plugins.length, 1, JSON.stringify(r.body));
  const [hello] = r.body.plugins;
  assert.equal(hello.name, 'hello');
  assert.equal(hello.module, '/plugins/hello/index.js');
  assert.equal(typeof hello.version, 'string');
  assert.equal(typeof hello.description, 'string');
  const js = await fetch(s.url + hello.module);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
});

test('a plugin file writable by others is refused as unsafe_file', async () => {
  const dir = await pluginFolder();
  await chmod(path.join(dir, 'hello.so'), 0o646);
  const t = await startServer({ config: pluginConfig(dir, 'hello') });
  servers.push(t);
  const [l, ...more] = refusals(t);
  assert.equal(more.length, 0);
  assert.equal(l.plugin, 'hello');
  assert.equal(l.reason, 'unsafe_file');
  assert.match(l.detail, /writable by others/);
  assert.equal((await api(t.url, 'GET', '/readyz')).body.plugins, 0);
  assert.deepEqual((await api(t.url, 'GET', '/api/v1/plugins')).body.plugins, []);
  assert.equal((await api(t.url, 'GET', '/api/v1/hello')).status, 404);
  assert.ok(!t.logs().some((x) => /msg=plugin_loaded/.test(x)), 'no plugin code ran');
  await t.stop();
});

test('a plugin folder writable by others is refused as unsafe_file', async () => {
  const dir = await pluginFolder();
  await chmod(dir, 0o757);
  const t = await startServer({ config: pluginConfig(dir, 'hello') });
  servers.push(t);
  const [l] = refusals(t);
  assert.equal(l?.reason, 'unsafe_file');
  assert.match(l.detail, /folder/);
  assert.equal((await api(t.url, 'GET', '/api/v1/hello')).status, 404);
  await t.stop();
});

test('a name in load without a file is refused and the server is still ready', async () => {
  const dir = await pluginFolder();
  const t = await startServer({ config: pluginConfig(dir, 'ghost,hello') });
  servers.push(t);
  const lines = refusals(t);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].plugin, 'ghost');
  assert.match(lines[0].detail, /ghost/);
  assert.match(lines[0].detail, /does not exist/);
  const r = await api(t.url, 'GET', '/readyz');
  assert.equal(r.status, 200);
  assert.equal(r.body.plugins, 1);
  assert.deepEqual((await api(t.url, 'GET', '/api/v1/plugins')).body.plugins.map((p) => p.name), ['hello']);
  await t.stop();
});

test('the build-tree layout <dir>/<name>/<name>.so is found too', async () => {
  const t = await startServer({ config: { plugins: { dir: PLUGIN_DIR, load: 'hello' } } });
  servers.push(t);
  assert.equal((await api(t.url, 'GET', '/readyz')).body.plugins, 1);
  await t.stop();
});

test('load empty starts without plugins', async () => {
  const t = await startServer({ config: { plugins: { load: '' } } });
  servers.push(t);
  const r = await api(t.url, 'GET', '/readyz');
  assert.equal(r.body.plugins, 0);
  assert.deepEqual((await api(t.url, 'GET', '/api/v1/plugins')).body.plugins, []);
  assert.equal((await api(t.url, 'GET', '/api/v1/hello')).status, 404);
  await t.stop();
});
