// Integration test harness: start the real nachbar binary on a free
// loopback port with a config written to a temporary folder, wait until it
// is ready, collect its log, and stop it again. Also a raw HTTP client for
// requests fetch() cannot make (no Content-Length, chunked bodies, odd
// Upgrade headers, the HTTP/2 preface, paths fetch would normalise) and a
// runner for the command-line modes (check-config, backup, --version).
//
// Only Node 18 APIs: a fresh Debian 12 has node 18.19.
//
// Environment:
//   NACHBAR_BIN         the binary (default <build>/nachbar)
//   NACHBAR_BUILD_DIR   the meson build folder (default <repo>/build)
//   NACHBAR_SOURCE_DIR  the source tree (default: two folders up from here)
//   NACHBAR_PROBE_DIR   the loader probe plugins (default <build>/tests/plugins)
//   NACHBAR_START_TIMEOUT_MS  how long to wait for /readyz (default 15 s,
//                       45 s when the binary looks like a sanitizer build)
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = path.resolve(process.env.NACHBAR_SOURCE_DIR || path.join(here, '..', '..'));
export const BUILD_DIR = path.resolve(process.env.NACHBAR_BUILD_DIR || path.join(SOURCE_DIR, 'build'));
export const BIN = path.resolve(process.env.NACHBAR_BIN || path.join(BUILD_DIR, 'nachbar'));
export const PROBE_DIR = path.resolve(process.env.NACHBAR_PROBE_DIR || path.join(BUILD_DIR, 'tests', 'plugins'));
export const PLUGIN_DIR = path.join(BUILD_DIR, 'plugins');
/** True when the binary is a sanitizer build: everything is slower. */
export const SANITIZED = process.env.NACHBAR_SANITIZED ? process.env.NACHBAR_SANITIZED === '1' : /asan|san/i.test(path.basename(path.dirname(BIN)));
export const START_TIMEOUT_MS = Number(process.env.NACHBAR_START_TIMEOUT_MS) || (SANITIZED ? 45000 : 15000);

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- temporary folders and processes left behind ----

const tempDirs = new Set();
const live = new Set();

/* Last resort when a test file ends: no server outlives it, no temporary
 * folder stays. Tests still stop their servers in after() hooks; a child
 * process that is still running would keep the test file from ending. */
process.on('exit', () => {
  for (const proc of live) {
    try { proc.kill('SIGKILL'); } catch { /* gone already */ }
  }
  for (const d of tempDirs) {
    try { rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ }
  }
});

/** A new empty folder under the system's temp folder, removed at exit. */
export async function tempDir(prefix = 'nachbar-test-') {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** Remove a folder made by tempDir() now rather than at exit. */
export function removeDir(d) {
  rmSync(d, { recursive: true, force: true });
  tempDirs.delete(d);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// ---- config ----

/** Merge {section: {key: value}} objects; a value of null removes the key. */
export function mergeConfig(...parts) {
  const out = {};
  for (const part of parts) {
    for (const [section, keys] of Object.entries(part || {})) {
      out[section] = { ...(out[section] || {}) };
      for (const [k, v] of Object.entries(keys || {})) {
        if (v === null || v === undefined) delete out[section][k];
        else out[section][k] = v;
      }
    }
  }
  return out;
}

/** INI text for a config object. */
export function toIni(config) {
  let text = '# written by tests/integration/harness.mjs\n';
  for (const [section, keys] of Object.entries(config)) {
    text += `\n[${section}]\n`;
    for (const [k, v] of Object.entries(keys)) text += `${k} = ${Array.isArray(v) ? v.join(',') : v}\n`;
  }
  return text;
}

// ---- log lines ----

/**
 * Parse one key=value log line into an object:
 * `ts=... level=error msg=plugin_refused plugin=x detail="a \"b\""`
 * gives {ts, level, msg, plugin, detail: 'a "b"'}.
 */
export function parseLog(line) {
  const out = {};
  const re = /([A-Za-z0-9_.:-]+)=("((?:[^"\\]|\\.)*)"|\S*)/g;
  let m;
  while ((m = re.exec(line))) {
    out[m[1]] = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2];
  }
  return out;
}

// ---- starting and stopping the server ----

/**
 * Start the server without waiting for it to be ready. Options:
 *   config   {section: {key: value}} merged over the defaults
 *   args     extra command-line arguments
 *   env      extra environment variables
 *   wrapper  a command to run the binary under, e.g. ['valgrind', '-q']
 *   dir      reuse this folder (and its config.ini) instead of a new one
 *   port     listen on this port instead of a free one
 * Returns the server handle (see makeHandle); `exited` resolves with
 * {code, signal} when the process ends.
 */
export async function launch(opts = {}) {
  const dir = opts.dir || (await tempDir());
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir, { recursive: true });
  const port = opts.port || (await freePort());
  const config = mergeConfig(
    {
      server: { listen: '127.0.0.1', port, data_dir: dataDir, log_level: 'info' },
      plugins: { dir: PLUGIN_DIR, load: 'hello' },
    },
    opts.config,
  );
  const configPath = opts.configPath || path.join(dir, 'config.ini');
  if (!opts.keepConfig) await writeFile(configPath, toIni(config));
  const args = ['--config', configPath, ...(opts.args || [])];
  const wrapper = opts.wrapper || [];
  const cmd = wrapper.length ? wrapper[0] : BIN;
  const argv = wrapper.length ? [...wrapper.slice(1), BIN, ...args] : args;
  const proc = spawn(cmd, argv, {
    cwd: dir,
    env: { ...process.env, ...(opts.env || {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  return makeHandle({ proc, dir, dataDir, configPath, config, port: opts.probePort || port, opts });
}

/**
 * A sanitizer's report in the server's stderr (ASan, LSan, UBSan), or null.
 * The sanitizer build of the suite fails on any: a leak or undefined
 * behaviour is a bug even when the test's own assertions held.
 */
export function sanitizerReport(text) {
  const m = /(==\d+==ERROR: (?:Address|Leak)Sanitizer[^]*|[^\n]*runtime error:[^]*)/.exec(text);
  return m ? m[1].split('\n').slice(0, 40).join('\n') : null;
}

function makeHandle({ proc, dir, dataDir, configPath, config, port, opts }) {
  const lines = [];
  const stdout = [];
  const waiters = new Set();
  let exit = null;
  const onLine = (line) => {
    lines.push(line);
    for (const w of waiters) w(line);
  };
  const splitter = (sink) => {
    let rest = '';
    return (chunk) => {
      rest += chunk.toString('utf8');
      let i;
      while ((i = rest.indexOf('\n')) >= 0) {
        sink(rest.slice(0, i));
        rest = rest.slice(i + 1);
      }
    };
  };
  proc.stderr.on('data', splitter(onLine));
  proc.stdout.on('data', splitter((l) => stdout.push(l)));
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exit = { code, signal };
      live.delete(proc);
      resolve(exit);
      for (const w of waiters) w(null);
    });
    proc.on('error', (err) => {
      lines.push(`harness: cannot start ${BIN}: ${err.message}`);
      exit = { code: -1, signal: null };
      live.delete(proc);
      resolve(exit);
    });
  });

  const handle = {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    dataDir,
    configPath,
    config,
    proc,
    opts,
    exited,
    /** The stderr lines so far. */
    logs: () => lines.slice(),
    /** The stdout lines so far. */
    stdout: () => stdout.slice(),
    /** The log so far as one text, for assertion messages. */
    logText: () => lines.join('\n'),
    /** Has the process ended? {code, signal} or null. */
    exitStatus: () => exit,
    /**
     * Wait for a stderr line matching `re` (lines already seen count).
     * Resolves with the line; rejects after `ms` or when the process ends
     * without such a line.
     */
    waitForLog(re, ms = 5000) {
      const found = lines.find((l) => re.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const done = (fn, v) => { clearTimeout(timer); waiters.delete(w); fn(v); };
        const timer = setTimeout(() => done(reject, new Error(
          `no log line matching ${re} within ${ms} ms; log:\n${lines.join('\n')}`)), ms);
        const w = (line) => {
          if (line === null) {
            done(reject, new Error(`the server exited (${JSON.stringify(exit)}) without a log line matching ${re}; log:\n${lines.join('\n')}`));
          } else if (re.test(line)) {
            done(resolve, line);
          }
        };
        waiters.add(w);
      });
    },
    /**
     * Send `signal` and wait for the process to end: {code, signal}. If it
     * has not ended after `ms`, it is killed and the promise rejects.
     */
    async stop(signal = 'SIGTERM', ms = opts.stopTimeout || (SANITIZED ? 30000 : 15000)) {
      if (exit) return exit;
      proc.kill(signal);
      let timer;
      const timeout = new Promise((resolve) => { timer = setTimeout(resolve, ms, 'timeout'); });
      const r = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (r === 'timeout') {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(`the server did not stop within ${ms} ms after ${signal}; log:\n${lines.join('\n')}`);
      }
      const report = sanitizerReport(lines.join('\n'));
      if (report) throw new Error(`sanitizer report from the server:\n${report}`);
      return r;
    },
    /** SIGKILL and wait for the end. */
    async kill() {
      if (exit) return exit;
      proc.kill('SIGKILL');
      return exited;
    },
    /**
     * Poll GET /readyz until it answers 200. Rejects when the process ends
     * first or after `ms`, with the collected log.
     */
    async waitReady(ms = opts.readyTimeout || START_TIMEOUT_MS) {
      const deadline = Date.now() + ms;
      let last = 'no answer';
      while (Date.now() < deadline) {
        if (exit) {
          throw new Error(`the server exited (${JSON.stringify(exit)}) before it was ready; log:\n${lines.join('\n')}`);
        }
        try {
          const r = await fetch(`${handle.url}/readyz`, { signal: AbortSignal.timeout(2000) });
          await r.arrayBuffer();
          if (r.status === 200) return handle;
          last = `status ${r.status}`;
        } catch (e) {
          last = e.cause?.code || e.message;
        }
        await sleep(50);
      }
      throw new Error(`the server was not ready within ${ms} ms (last: ${last}); log:\n${lines.join('\n')}`);
    },
  };
  return handle;
}

/**
 * Start the server and wait until GET /readyz answers 200 (options as for
 * launch(), plus readyTimeout in ms). A start that fails because the port
 * was taken in the meantime is retried on another port. On any other
 * failure the process is killed and the error carries the log.
 */
export async function startServer(opts = {}) {
  for (let attempt = 1; ; attempt++) {
    const s = await launch(opts);
    try {
      return await s.waitReady();
    } catch (e) {
      await s.kill();
      const portTaken = !opts.port && s.logs().some((l) => /msg=listen_failed/.test(l));
      if (portTaken && attempt < 3) continue;
      throw e;
    }
  }
}

/**
 * A new server process on the same folder, config and port as `server`
 * (stopped first with SIGTERM if it still runs). Extra args may be given.
 */
export async function restart(server, extra = {}) {
  if (!server.exitStatus()) await server.stop();
  const opts = { ...server.opts, ...extra, dir: server.dir, port: server.port, configPath: server.configPath, keepConfig: true };
  const s = await launch(opts);
  try {
    return await s.waitReady();
  } catch (e) {
    await s.kill();
    throw e;
  }
}

/** Stop every given server that still runs (for after() hooks). */
export async function stopAll(servers) {
  await Promise.all(servers.map((s) => (s.exitStatus() ? null : s.stop().catch(() => s.kill()))));
  const reports = servers.map((s) => sanitizerReport(s.logText())).filter(Boolean);
  if (reports.length) throw new Error(`sanitizer report from the server:\n${reports[0]}`);
}

// ---- command-line modes ----

/**
 * Run the binary with `args` to its end: {code, signal, stdout, stderr}.
 * Killed after `timeout` ms.
 */
export function runCli(args, { env = {}, timeout = SANITIZED ? 60000 : 20000, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(proc);
    const out = [];
    const err = [];
    proc.stdout.on('data', (d) => out.push(d));
    proc.stderr.on('data', (d) => err.push(d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeout);
    proc.on('error', (e) => { clearTimeout(timer); live.delete(proc); reject(e); });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(proc);
      const stderr = Buffer.concat(err).toString();
      const report = sanitizerReport(stderr);
      if (report) reject(new Error(`sanitizer report from nachbar ${args.join(' ')}:\n${report}`));
      else resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr });
    });
  });
}

// ---- raw HTTP over a socket ----

/* Parse one HTTP/1.x response at the start of buf. Returns
 * {status, reason, headers, body, length} once complete, else null. A
 * response without Content-Length or chunked framing is complete only
 * when `ended`. */
function parseResponse(buf, ended, headRequest = false) {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = buf.subarray(0, headEnd).toString('latin1');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine);
  if (!m) return { status: null, reason: statusLine, headers: {}, body: buf.subarray(headEnd + 4), length: buf.length, bad: true };
  const headers = {};
  for (const l of headerLines) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
  }
  const status = Number(m[1]);
  const start = headEnd + 4;
  const noBody = headRequest || status === 204 || status === 304 || (status >= 100 && status < 200);
  if (noBody) return { status, reason: m[2], headers, body: Buffer.alloc(0), length: start };
  if (/chunked/i.test(headers['transfer-encoding'] || '')) {
    const parts = [];
    let p = start;
    for (;;) {
      const eol = buf.indexOf('\r\n', p);
      if (eol < 0) return null;
      const size = parseInt(buf.subarray(p, eol).toString('latin1'), 16);
      if (Number.isNaN(size)) return null;
      if (size === 0) {
        const end = buf.indexOf('\r\n\r\n', eol);
        if (end < 0 && buf.length < eol + 4) return null;
        return { status, reason: m[2], headers, body: Buffer.concat(parts), length: end < 0 ? eol + 4 : end + 4 };
      }
      if (buf.length < eol + 2 + size + 2) return null;
      parts.push(buf.subarray(eol + 2, eol + 2 + size));
      p = eol + 2 + size + 2;
    }
  }
  if ('content-length' in headers) {
    const len = Number(headers['content-length']);
    if (buf.length < start + len) return null;
    return { status, reason: m[2], headers, body: buf.subarray(start, start + len), length: start + len };
  }
  if (!ended) return null;
  return { status, reason: m[2], headers, body: buf.subarray(start), length: buf.length };
}

/**
 * A raw connection: write bytes, read whole HTTP/1.x responses one at a
 * time, see whether the server hung up.
 */
export class RawConnection {
  static connect(port, host = '127.0.0.1', timeout = 5000) {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ port, host });
      const timer = setTimeout(() => { sock.destroy(); reject(new Error('connect timed out')); }, timeout);
      sock.once('connect', () => { clearTimeout(timer); resolve(new RawConnection(sock)); });
      sock.once('error', (e) => { clearTimeout(timer); reject(e); });
    });
  }

  constructor(sock) {
    this.sock = sock;
    this.buf = Buffer.alloc(0);
    this.all = Buffer.alloc(0); // every byte received, for assertions
    this.closed = false;
    this.error = null;
    this.wakers = new Set();
    const wake = () => { for (const w of this.wakers) w(); };
    sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.all = Buffer.concat([this.all, d]); wake(); });
    sock.on('error', (e) => { this.error = e; });
    sock.on('close', () => { this.closed = true; wake(); });
  }

  /** Write bytes (string as latin1 or Buffer); resolves once flushed. */
  write(data) {
    return new Promise((resolve) => {
      if (this.closed || this.sock.destroyed) return resolve(false);
      this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (err) => resolve(!err));
    });
  }

  /* Wait until pred() is truthy or the socket closed or ms passed. */
  _until(pred, ms) {
    return new Promise((resolve) => {
      const check = () => {
        const v = pred();
        if (v || this.closed) { clearTimeout(timer); this.wakers.delete(check); resolve(v); }
      };
      const timer = setTimeout(() => { this.wakers.delete(check); resolve(pred()); }, ms);
      this.wakers.add(check);
      check();
    });
  }

  /**
   * The next complete response: {status, headers, body (string), raw}, or
   * null when the server hung up or `ms` passed without one.
   */
  async readResponse(ms = 5000, { head = false } = {}) {
    const r = await this._until(() => parseResponse(this.buf, this.closed, head), ms);
    const done = r || (this.closed ? parseResponse(this.buf, true, head) : null);
    if (!done) return null;
    const raw = this.buf.subarray(0, done.length);
    this.buf = this.buf.subarray(done.length);
    return { status: done.status, reason: done.reason, headers: done.headers, body: done.body.toString('utf8'), raw: raw.toString('latin1'), bad: !!done.bad };
  }

  /** Wait up to `ms` for the server to close; true if it did. */
  async waitClose(ms = 2000) {
    await this._until(() => this.closed, ms);
    return this.closed;
  }

  close() { this.sock.destroy(); }
}

/**
 * Send `data` (a string or Buffer, or a list of them written with
 * `gap` ms between) on a new connection and read one response. Returns
 * {status, headers, body, raw, closed, received}: status null when no
 * response came within `timeout`; closed when the server hung up (waited
 * for up to `linger` ms after the response); received is every byte the
 * server sent, as latin1 text.
 */
export async function rawRequest(port, data, { timeout = 5000, linger = 300, gap = 20, head = false } = {}) {
  const c = await RawConnection.connect(port);
  try {
    const parts = Array.isArray(data) ? data : [data];
    for (let i = 0; i < parts.length; i++) {
      if (i) await sleep(gap);
      await c.write(parts[i]);
    }
    const r = await c.readResponse(timeout, { head });
    const closed = await c.waitClose(r ? linger : 0);
    return {
      status: r ? r.status : null,
      headers: r ? r.headers : {},
      body: r ? r.body : '',
      raw: r ? r.raw : '',
      bad: r ? r.bad : false,
      closed,
      received: c.all.toString('latin1'),
    };
  } finally {
    c.close();
  }
}

/** JSON request helper on fetch: {status, headers, body (parsed or text)}. */
export async function api(base, method, p, body, headers = {}) {
  const init = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (!Object.keys(init.headers).some((k) => k.toLowerCase() === 'content-type')) init.headers['content-type'] = 'application/json';
  }
  const r = await fetch(base + p, init);
  const text = await r.text();
  let parsed = text;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, body: parsed, text };
}
