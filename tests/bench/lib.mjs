// Shared pieces of the benchmarks: start nachbar (release build) on a copy
// of a prepared demo database, sign in, read a process's CPU time and RSS
// from /proc, small statistics. Node 18+ APIs only.
//
// Environment:
//   NACHBAR_BIN        the binary (default <repo>/build-release/nachbar)
//   BENCH_OUT          folder for databases, logs and results
//                      (default <repo>/tests/bench/out, git-ignored)
//   BENCH_LOG_LEVEL    nachbar's log level (default info: one line per
//                      request on stderr, as in production; into a file)
//   BENCH_QUIET        wait before each measurement until the machine is
//                      less busy than this fraction (default 0.25), at most
//                      BENCH_QUIET_WAIT seconds (default 120)
//   BENCH_PERF         seconds: profile the server with `perf record` during
//                      the measured phase (fanout: max rate; api: each wrk
//                      run) into out/<run>/perf.data
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const BIN = path.resolve(process.env.NACHBAR_BIN || path.join(ROOT, 'build-release', 'nachbar'));
export const PLUGIN_DIR = path.join(path.dirname(BIN), 'plugins');
export const OUT = path.resolve(process.env.BENCH_OUT || path.join(HERE, 'out'));
export const SUBSCRIBER = path.join(OUT, 'subscriber');
export const HOOD = 'peiner-strasse';
export const PASSWORD = process.env.NACHBAR_DEMO_PASSWORD || 'nachbar-demo';
const TICK = 100; // USER_HZ: /proc/PID/stat counts CPU time in 1/100 s

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6; // CLOCK_MONOTONIC, as the C subscriber

/** Every bundled plugin the build produced (all of them are loaded). */
export function bundledPlugins() {
  return fs.readdirSync(PLUGIN_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(PLUGIN_DIR, d.name, `${d.name}.so`)))
    .map((d) => d.name)
    .concat(fs.readdirSync(PLUGIN_DIR).filter((f) => f.endsWith('.so')).map((f) => f.slice(0, -3)))
    .sort();
}

function cpuTimes() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4]; // idle + iowait
  return { idle, total: f.reduce((a, b) => a + b, 0) };
}

/** CPU time (ms) the whole machine spent busy, all cores together. */
export function machineBusyMs() {
  const t = cpuTimes();
  return ((t.total - t.idle) * 1000) / TICK;
}

/** CPU time (ms) of this Node process. */
export function selfCpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * The machine is shared: before a measurement wait (up to BENCH_QUIET_WAIT
 * seconds, default 120) until the whole machine was less than BENCH_QUIET
 * busy (default 0.25 = a quarter of all cores) over one second, with none
 * of our own load running. Returns the busy fraction last seen.
 */
export async function waitQuiet(label = '') {
  const limit = Number(process.env.BENCH_QUIET || 0.25);
  const deadline = Date.now() + Number(process.env.BENCH_QUIET_WAIT || 120) * 1000;
  let warned = false;
  for (;;) {
    const a = cpuTimes();
    await sleep(1000);
    const b = cpuTimes();
    const busy = 1 - (b.idle - a.idle) / Math.max(1, b.total - a.total);
    if (busy < limit) return Math.round(busy * 100) / 100;
    if (Date.now() > deadline) {
      console.error(`bench: machine still ${Math.round(busy * 100)} % busy, measuring anyway ${label}`);
      return Math.round(busy * 100) / 100;
    }
    if (!warned) console.error(`bench: machine ${Math.round(busy * 100)} % busy (other users), waiting ${label}`);
    warned = true;
  }
}

/** CPU time (ms, user+system) and resident memory (KiB) of a process. */
export function procStat(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(f[11]) + Number(f[12])) * 1000) / TICK; // utime, stime
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return { cpuMs, rssKb };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** One GET over a fresh socket; resolves with the status or null. */
export function probe(port, p = '/readyz') {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let buf = '';
    s.on('data', (d) => { buf += d; });
    s.on('error', () => resolve(null));
    s.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
      resolve(m ? Number(m[1]) : null);
    });
    s.on('connect', () => s.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
  });
}

/** Poll until GET /readyz answers 200; returns ms waited. */
export async function waitReady(port, proc, ms = 20000, every = 1) {
  const t0 = nowMs();
  while (nowMs() - t0 < ms) {
    if (proc && proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}`);
    if ((await probe(port)) === 200) return nowMs() - t0;
    await sleep(every);
  }
  throw new Error(`not ready within ${ms} ms`);
}

function ini(config) {
  let text = '# written by tests/bench/lib.mjs\n';
  for (const [section, keys] of Object.entries(config)) {
    text += `\n[${section}]\n`;
    for (const [k, v] of Object.entries(keys)) text += `${k} = ${v}\n`;
  }
  return text;
}

/** The config the benchmarks run nachbar with (limits raised for 10k). */
export function benchConfig(dir, port, extra = {}) {
  const cfg = {
    server: { listen: '127.0.0.1', port, data_dir: path.join(dir, 'data'), log_level: process.env.BENCH_LOG_LEVEL || 'info' },
    plugins: { dir: PLUGIN_DIR, load: bundledPlugins().join(',') },
    events: {
      connections_per_person: 100000, max_replay: 50000,
      // BENCH_SEND_THREADS: the server's [events] send_threads (default: its own, -1)
      ...(process.env.BENCH_SEND_THREADS ? { send_threads: Number(process.env.BENCH_SEND_THREADS) } : {}),
    },
    limits: { max_connections: 30000 },
  };
  for (const [s, kv] of Object.entries(extra)) cfg[s] = { ...(cfg[s] || {}), ...kv };
  return cfg;
}

/**
 * Prepare the demo database once (cached in OUT/demo-template): start with
 * --demo, wait until ready, stop cleanly (checkpointed: one file).
 */
export async function demoTemplate() {
  const dir = path.join(OUT, 'demo-template');
  const db = path.join(dir, 'data', 'nachbar.db');
  const stamp = path.join(dir, 'binary-mtime');
  const mtime = String(fs.statSync(BIN).mtimeMs);
  if (fs.existsSync(db) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === mtime) return db;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const s = await startNachbar({ dir, demo: true, fresh: false });
  await s.stop();
  fs.writeFileSync(stamp, mtime);
  return db;
}

/**
 * Start nachbar in `dir` (a copy of the demo database unless fresh:false)
 * and wait for /readyz. Returns {proc, pid, port, url, dir, readyMs, stop}.
 */
export async function startNachbar({ dir, demo = false, fresh = true, config = {}, env = {} } = {}) {
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  if (fresh) {
    const tpl = await demoTemplate();
    for (const f of ['nachbar.db', 'nachbar.db-wal', 'nachbar.db-shm']) fs.rmSync(path.join(dir, 'data', f), { force: true });
    fs.copyFileSync(tpl, path.join(dir, 'data', 'nachbar.db'));
  }
  const port = await freePort();
  const cfgPath = path.join(dir, 'bench.conf');
  fs.writeFileSync(cfgPath, ini(benchConfig(dir, port, config)));
  const log = fs.openSync(path.join(dir, 'server.log'), 'a');
  const t0 = nowMs();
  const proc = spawn(BIN, ['--config', cfgPath, ...(demo ? ['--demo'] : [])], {
    stdio: ['ignore', log, log], env: { ...process.env, ...env },
  });
  fs.closeSync(log);
  const readyMs = await waitReady(port, proc).catch((e) => { proc.kill('SIGKILL'); throw e; });
  return serverHandle(proc, port, dir, nowMs() - t0 || readyMs);
}

export function serverHandle(proc, port, dir, readyMs) {
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return {
    proc, pid: proc.pid, port, url: `http://127.0.0.1:${port}`, dir, readyMs, exited,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode) return;
      proc.kill(signal);
      const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
      await exited;
      clearTimeout(t);
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** A JSON request: {status, headers, body}. */
export function request(url, method, p, body, headers = {}, ag = agent) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const u = new URL(p, url);
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname + u.search, method, agent: ag,
      headers: { ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed = text;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** Sign in: {cookie, csrf, header: 'Cookie: …'}. */
export async function login(url, email) {
  const r = await request(url, 'POST', '/api/v1/session', { email, password: PASSWORD });
  if (r.status !== 200) throw new Error(`sign-in of ${email}: ${r.status} ${JSON.stringify(r.body)}`);
  const cookie = r.headers['set-cookie'][0].split(';')[0];
  return { email, cookie, csrf: r.body.csrf, header: `Cookie: ${cookie}` };
}

/** A bearer token of `who` with scope read or write. */
export async function token(url, who, scope) {
  const r = await request(url, 'POST', '/api/v1/me/tokens', { name: `bench-${scope}-${Date.now()}`, scope },
    { cookie: who.cookie, 'x-csrf-token': who.csrf });
  if (r.status !== 201) throw new Error(`token: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.token;
}

/** E-mail addresses of everyone in the demo neighbourhood. */
export async function demoPeople(url) {
  const coord = await login(url, 'coordinator@demo.example');
  const r = await request(url, 'GET', `/api/v1/n/${HOOD}/people?limit=200`, undefined, { cookie: coord.cookie });
  return r.body.items.filter((p) => p.active !== false).map((p) => p.email);
}

/** Build the C subscriber into OUT if it is missing or older than its source. */
export function buildSubscriber() {
  const src = path.join(HERE, 'subscriber.c');
  fs.mkdirSync(OUT, { recursive: true });
  if (!fs.existsSync(SUBSCRIBER) || fs.statSync(SUBSCRIBER).mtimeMs < fs.statSync(src).mtimeMs) {
    execFileSync('cc', ['-O2', '-Wall', '-Wextra', '-o', SUBSCRIBER, src], { stdio: 'inherit' });
  }
  return SUBSCRIBER;
}

/**
 * Start the C subscriber; returns a handle with ready (a promise of the
 * parsed "ready" line), cmd(line) -> promise of the parsed answer, quit().
 */
export function startSubscriber(args) {
  const proc = spawn(SUBSCRIBER, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting = [];
  let readyResolve;
  let readyReject;
  const ready = new Promise((res, rej) => { readyResolve = res; readyReject = rej; });
  let rest = '';
  const errors = [];
  proc.stdout.on('data', (d) => {
    rest += d;
    let i;
    while ((i = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, i);
      rest = rest.slice(i + 1);
      const [kind, ...kv] = line.split(' ');
      const o = { kind };
      for (const p of kv) { const [k, v] = p.split('='); o[k] = Number(v); }
      if (kind === 'ready') readyResolve(o);
      else if (waiting.length) waiting.shift()(o);
    }
  });
  proc.stderr.on('data', (d) => { if (errors.length < 2000) errors.push(...String(d).trim().split('\n')); });
  proc.on('exit', (code) => readyReject(new Error(`subscriber exited ${code}: ${errors.slice(0, 5).join('; ')}`)));
  return {
    proc, ready, errors,
    cmd(line) {
      return new Promise((res) => { waiting.push(res); proc.stdin.write(`${line}\n`); });
    },
    async quit() {
      if (proc.exitCode !== null) return;
      const done = new Promise((r) => proc.on('exit', r));
      proc.stdin.write('quit\n');
      await done;
    },
  };
}

/**
 * Read a subscriber dump: {t: Float64Array (read by the subscriber),
 * seq: Uint32Array, arrived: Float64Array (queued to the socket by the
 * kernel)}; all times CLOCK_MONOTONIC ms.
 */
export function readDump(file) {
  const b = fs.readFileSync(file);
  const n = Number(b.readBigUInt64LE(0));
  const at = (off, len) => b.buffer.slice(b.byteOffset + off, b.byteOffset + off + len);
  const t = new Float64Array(at(8, n * 8));
  const seq = new Uint32Array(at(8 + n * 8, n * 4));
  const arrived = new Float64Array(at(8 + n * 12, n * 8));
  return { n, t, seq, arrived };
}

/** Percentile (0..100) of a sorted numeric array. */
export function pct(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(xs) {
  const v = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Parse "--key value" flags; repeated keys collect into arrays. */
export function flags(argv, defaults = {}) {
  const o = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) continue;
    const k = argv[i].slice(2);
    const v = argv[i + 1] && !argv[i + 1].startsWith('--') ? argv[++i] : true;
    o[k] = v;
  }
  return o;
}

/**
 * With BENCH_PERF=SECONDS set, profile `pid` with perf for that long (call
 * graphs via DWARF) into `file`; returns a promise that resolves when perf
 * has written it, or null when profiling is off.
 */
export function perfRecord(pid, file) {
  const secs = Number(process.env.BENCH_PERF || 0);
  if (!secs) return null;
  const p = spawn('perf', ['record', '-q', '-F', '499', '--call-graph', 'dwarf,8192', '-p', String(pid), '-o', file, '--', 'sleep', String(secs)], { stdio: 'ignore' });
  console.error(`bench: perf record -p ${pid} for ${secs} s -> ${file}`);
  return new Promise((r) => p.on('exit', r));
}

/** Write a JSON result file and print it. */
export function writeResult(file, obj) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(obj, null, 2)}\n`);
  console.log(JSON.stringify(obj));
}
