// API benchmark: wrk (keep-alive, one wrk thread) against read and write
// endpoints of nachbar on a copy of the demo database.
//
//   tests/bench/bench.sh api [--connections 64] [--seconds 5]
//        [--scenarios read-token,read-cookie,read-search,read-public,write-token,write-cookie]
//        [--out FILE]
//
// Scenarios:
//   read-token    GET  /api/v1/n/peiner-strasse/firms  (the firm directory,
//                 12 firms, one page) with a read-scope bearer token
//   read-cookie   the same with a browser session cookie
//   read-search   GET  /api/v1/n/peiner-strasse/firms?q=glas with the token:
//                 a search, which the server never keeps in memory (the
//                 cost of building a directory page on every request)
//   read-public   GET  /api/v1/hello/greetings (public, no sign-in)
//   write-token   POST /api/v1/n/peiner-strasse/hello/waves with a write
//                 token: a row + an event in one transaction, with the
//                 default [database] synchronous = NORMAL
//   write-cookie  the same with session cookie + X-CSRF-Token
//   <any>-full    the same scenario with [database] synchronous = FULL
//                 (an fsync per commit: survives power loss too; NORMAL in
//                 WAL mode survives a process crash, not a power loss)
// Each write scenario ends with a crash check: the server is killed with
// SIGKILL and the rows in the database are counted with the sqlite3 tool;
// every acknowledged (201) write must be there.
// Every --connections value gets a fresh server.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  HERE, HOOD, OUT, flags, login, machineBusyMs, perfRecord, selfCpuMs, procStat, startNachbar, token, waitQuiet, writeResult,
} from './lib.mjs';

const o = flags(process.argv.slice(2), {
  connections: '64', seconds: '5',
  scenarios: 'read-token,read-cookie,read-search,read-public,write-token,write-cookie',
  out: path.join(OUT, 'api.json'),
});
const CONNS = String(o.connections).split(',').map(Number);
const SECONDS = Number(o.seconds);
const SCENARIOS = String(o.scenarios).split(',');
const LUA = path.join(HERE, 'wrk', 'request.lua');

function sqliteCount(db, table) {
  const r = spawnSync('sqlite3', [db, `SELECT count(*) FROM ${table};`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return Number(r.stdout.trim());
}

/* wrk under bash, whose `times` prints the CPU time wrk used: to tell the
 * server's, wrk's and other users' share of the machine apart. */
function wrk(url, conns, env) {
  const out = execFileSync('bash', ['-c', 'wrk "$@"; times', 'wrk', '-t1', `-c${conns}`, `-d${SECONDS}s`, '--latency', '-s', LUA, url], {
    encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24,
  });
  const line = out.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`wrk printed no result:\n${out}`);
  const t = out.trim().split('\n').at(-1).match(/(\d+)m([\d.]+)s (\d+)m([\d.]+)s/);
  const cpuMs = t ? (Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4])) * 1000 : null;
  return { ...JSON.parse(line.slice(8)), wrk_cpu_ms: cpuMs };
}

async function scenario(fullName, conns) {
  // "<name>-full": the same with [database] synchronous = FULL (an fsync
  // per commit); without it the server's default NORMAL, which in WAL mode
  // keeps every commit across a process crash (not across power loss).
  const full = fullName.endsWith('-full');
  const name = full ? fullName.slice(0, -5) : fullName;
  const dir = path.join(OUT, `api-${fullName}-${conns}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const s = await startNachbar({ dir, config: full ? { database: { synchronous: 'FULL' } } : {} });
  try {
    const who = await login(s.url, 'thomas@glaserei-hoffmann.demo.example');
    let target;
    let env;
    let table = null;
    const wave = JSON.stringify({ message: 'Moin, wer hat Erfahrung mit E-Rechnungen?' });
    switch (name) {
      case 'read-token':
        target = `/api/v1/n/${HOOD}/firms`;
        env = { BENCH_METHOD: 'GET', BENCH_HEADERS: `Authorization: Bearer ${await token(s.url, who, 'read')}` };
        break;
      case 'read-cookie':
        target = `/api/v1/n/${HOOD}/firms`;
        env = { BENCH_METHOD: 'GET', BENCH_HEADERS: `Cookie: ${who.cookie}` };
        break;
      case 'read-search':
        target = `/api/v1/n/${HOOD}/firms?q=glas`;
        env = { BENCH_METHOD: 'GET', BENCH_HEADERS: `Authorization: Bearer ${await token(s.url, who, 'read')}` };
        break;
      case 'read-public':
        target = '/api/v1/hello/greetings';
        env = { BENCH_METHOD: 'GET' };
        break;
      case 'write-token':
        target = `/api/v1/n/${HOOD}/hello/waves`;
        env = { BENCH_METHOD: 'POST', BENCH_BODY: wave, BENCH_HEADERS: `Authorization: Bearer ${await token(s.url, who, 'write')}` };
        table = 'hello_waves';
        break;
      case 'write-cookie':
        target = `/api/v1/n/${HOOD}/hello/waves`;
        env = { BENCH_METHOD: 'POST', BENCH_BODY: wave, BENCH_HEADERS: `Cookie: ${who.cookie}\nX-CSRF-Token: ${who.csrf}` };
        table = 'hello_waves';
        break;
      default:
        throw new Error(`unknown scenario ${name}`);
    }
    const db = path.join(s.dir, 'data', 'nachbar.db');
    const othersBusy = await waitQuiet(`(api ${fullName} c=${conns})`);
    const before = table ? sqliteCount(db, table) : 0;
    const st0 = procStat(s.pid);
    const mb0 = machineBusyMs() - selfCpuMs();
    const perf = perfRecord(s.pid, path.join(dir, 'perf.data'));
    const w = wrk(s.url + target, conns, env);
    if (perf) await perf;
    const st1 = procStat(s.pid);
    const othersMs = machineBusyMs() - selfCpuMs() - mb0 - (st1.cpuMs - st0.cpuMs) - (w.wrk_cpu_ms || 0);
    const ok = Object.entries(w.codes).filter(([c]) => c >= 200 && c < 300).reduce((a, [, v]) => a + v, 0);
    const r = {
      machine_busy_before: othersBusy, scenario: fullName, synchronous: full ? 'FULL' : 'NORMAL', connections: conns, seconds: SECONDS,
      req_per_s: Math.round((w.requests / w.duration_us) * 1e6),
      ok_per_s: Math.round((ok / w.duration_us) * 1e6),
      latency_ms: { p50: w.latency_us.p50 / 1000, p99: w.latency_us.p99 / 1000, max: w.latency_us.max / 1000 },
      errors: w.errors.connect + w.errors.read + w.errors.write + w.errors.status + w.errors.timeout,
      error_detail: w.errors, codes: w.codes,
      server_cpu_share: Math.round(((st1.cpuMs - st0.cpuMs) / (w.duration_us / 1000)) * 100) / 100,
      server_cpu_us_per_request: Math.round(((st1.cpuMs - st0.cpuMs) * 1000) / w.requests),
      server_rss_kib: st1.rssKb,
      wrk_cpu_share: w.wrk_cpu_ms === null ? null : Math.round((w.wrk_cpu_ms / (w.duration_us / 1000)) * 100) / 100,
      // other users' CPU during the run, in cores (machine busy time minus
      // server, wrk and this process)
      others_cpu_share: w.wrk_cpu_ms === null ? null : Math.round((othersMs / (w.duration_us / 1000)) * 100) / 100,
    };
    if (table) {
      await s.stop('SIGKILL'); // a crash right after the last acknowledgement
      const after = sqliteCount(db, table);
      r.durability = { acknowledged: ok, rows_after_kill: after - before, all_durable: after - before >= ok };
    }
    return r;
  } finally {
    await s.stop();
  }
}

const results = [];
for (const conns of CONNS) {
  for (const name of SCENARIOS) {
    const r = await scenario(name, conns);
    console.error(`api: ${name} c=${conns}: ${r.req_per_s} req/s, p50 ${r.latency_ms.p50} ms, p99 ${r.latency_ms.p99} ms, errors ${r.errors}${r.durability ? `, durable ${r.durability.all_durable}` : ''}`);
    results.push(r);
  }
}
writeResult(o.out, { bench: 'api', date: new Date().toISOString(), seconds: SECONDS, results });
