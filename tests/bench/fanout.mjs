// Fan-out benchmark: N subscribers on topic "hello" of the demo
// neighbourhood, a publisher that waves over HTTP at a fixed rate and then
// as fast as it can; the same against the Node `ws` baseline server in the
// same run. Run it through tests/bench/bench.sh (raises the fd limit):
//
//   tests/bench/bench.sh fanout [--n 1000,10000] [--rate 100] [--fixed-seconds 2]
//        [--max-seconds 3] [--concurrency 16] [--servers nachbar,baseline]
//        [--synchronous FULL|NORMAL] [--subscriber-poll-us 200] [--out FILE]
//
// Per server and N it reports:
//   mem: RSS before/after N idle subscribed connections, bytes per connection
//   fixed: R events/s for D s: deliveries/s, latency HTTP request -> receipt
//          and HTTP response -> receipt (p50/p99/max), time until the last
//          subscriber had an event (p50/max over events), server CPU µs per
//          delivery, CPU other users took meanwhile
//   max:   `concurrency` publishers back to back for D s: events/s,
//          deliveries/s, latency, server CPU per delivery
//   closed: connections the server cut (e.g. 1008, fell behind)
// The subscribers are one C epoll process (subscriber.c): it shares the two
// cores with the server and the Node publisher, see README.md. It looks at
// its sockets every --subscriber-poll-us µs (0: it sleeps until a send
// wakes it, which makes it fall behind; README.md, "fanout").
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  OUT, HERE, HOOD, buildSubscriber, demoPeople, flags, freePort, login, nowMs, pct, perfRecord, waitQuiet, machineBusyMs, selfCpuMs,
  procStat, readDump, serverHandle, sleep, startNachbar, startSubscriber, waitReady, writeResult,
} from './lib.mjs';

const o = flags(process.argv.slice(2), {
  n: '1000,10000', rate: '100', 'fixed-seconds': '2', 'max-seconds': '3', concurrency: '16',
  servers: 'nachbar,baseline', out: path.join(OUT, 'fanout.json'), synchronous: 'NORMAL',
  'subscriber-poll-us': '200',
});
const POLL_US = Number(o['subscriber-poll-us']);
const NS = String(o.n).split(',').map(Number);
const RATE = Number(o.rate);
const FIXED_S = Number(o['fixed-seconds']);
const MAX_S = Number(o['max-seconds']);
const CONC = Number(o.concurrency);
const SERVERS = String(o.servers).split(',');
buildSubscriber();

async function startBaseline(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const log = fs.openSync(path.join(dir, 'server.log'), 'a');
  const proc = spawn(process.execPath, [path.join(HERE, 'baseline-server.mjs'), '--port', String(port)], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const ms = await waitReady(port, proc, 10000, 5);
  return serverHandle(proc, port, dir, ms);
}

/** Sign in every demo person; one "Cookie:" line each, for the subscribers. */
async function authFile(url, dir) {
  const people = await demoPeople(url);
  const lines = [];
  for (const e of people) lines.push((await login(url, e)).header);
  const f = path.join(dir, 'auth.txt');
  fs.writeFileSync(f, `${lines.join('\n')}\n`);
  return { file: f, people: people.length };
}

function makePublisher(url, who) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const u = new URL(url);
  const sendT = new Float64Array(1 << 20);
  const respT = new Float64Array(1 << 20);
  let seq = 0;
  let errors = 0;
  let inflight = 0;
  const headers = { 'content-type': 'application/json' };
  if (who) Object.assign(headers, { cookie: who.cookie, 'x-csrf-token': who.csrf });
  function publish() {
    const s = ++seq;
    const body = Buffer.from(JSON.stringify({ message: `#${s} Moin zusammen, neue Termine fürs Werkstatt-Treffen` }));
    inflight++;
    return new Promise((resolve) => {
      sendT[s] = nowMs();
      const req = http.request({
        host: u.hostname, port: u.port, method: 'POST', agent,
        path: `/api/v1/n/${HOOD}/hello/waves`, headers: { ...headers, 'content-length': body.length },
      }, (res) => {
        res.resume();
        res.on('end', () => {
          inflight--;
          if (res.statusCode === 201) respT[s] = nowMs();
          else errors++;
          resolve();
        });
      });
      req.on('error', () => { inflight--; errors++; resolve(); });
      req.end(body);
    });
  }
  return {
    publish, sendT, respT,
    get seq() { return seq; },
    get errors() { return errors; },
    get inflight() { return inflight; },
    close() { agent.destroy(); },
  };
}

/** Wait until the subscribers got `expected` events in all or stopped getting any. */
async function drain(sub, expected, quietMs = 2000, maxMs = 120000) {
  const t0 = nowMs();
  let last = -1;
  let since = nowMs();
  for (;;) {
    const c = await sub.cmd('count');
    if (c.events >= expected) return c;
    if (c.events !== last) { last = c.events; since = nowMs(); }
    if (nowMs() - since > quietMs || nowMs() - t0 > maxMs) return c;
    await sleep(100);
  }
}

function phaseStats(dump, pub, lo, hi, n, t0, cpuMs, subCpuMs) {
  const lat = [];
  const arr = []; // from when the kernel queued it to the socket: independent of when the subscriber read it
  const perEventMax = new Float64Array(hi + 1).fill(-Infinity);
  let count = 0;
  let lastT = t0;
  for (let i = 0; i < dump.n; i++) {
    const s = dump.seq[i];
    if (s < lo || s > hi) continue;
    count++;
    const t = dump.t[i];
    if (t > lastT) lastT = t;
    if (pub.respT[s]) {
      lat.push(t - pub.respT[s]);
      arr.push(dump.arrived[i] - pub.respT[s]);
    }
    const fromSend = t - pub.sendT[s];
    if (fromSend > perEventMax[s]) perEventMax[s] = fromSend;
  }
  const sorted = Float64Array.from(lat).sort();
  const arrSorted = Float64Array.from(arr).sort();
  // Per event, from its HTTP response: the first and the last subscriber
  // to have it (where a round starts, and how long it takes).
  const first = new Float64Array(hi + 1).fill(Infinity);
  const last = new Float64Array(hi + 1).fill(-Infinity);
  for (let i = 0; i < dump.n; i++) {
    const s = dump.seq[i];
    if (s < lo || s > hi || !pub.respT[s]) continue;
    const d = dump.t[i] - pub.respT[s];
    if (d < first[s]) first[s] = d;
    if (d > last[s]) last[s] = d;
  }
  const firstMs = Array.from(first.subarray(lo)).filter((x) => x < Infinity).sort((a, b) => a - b);
  const lastMs = Array.from(last.subarray(lo)).filter((x) => x > -Infinity).sort((a, b) => a - b);
  const spreads = Array.from(perEventMax.subarray(lo)).filter((x) => x > -Infinity).sort((a, b) => a - b);
  let published = 0;
  const httpMs = [];
  for (let s = lo; s <= hi; s++) if (pub.respT[s]) { published++; httpMs.push(pub.respT[s] - pub.sendT[s]); }
  httpMs.sort((a, b) => a - b);
  const fromSend = [];
  for (let i = 0; i < dump.n; i++) { const s = dump.seq[i]; if (s >= lo && s <= hi) fromSend.push(dump.t[i] - pub.sendT[s]); }
  const fs2 = Float64Array.from(fromSend).sort();
  const secs = (lastT - t0) / 1000;
  const r = (x) => (x === null ? null : Math.round(x * 100) / 100);
  return {
    events: published,
    events_per_s: r(published / secs),
    deliveries: count,
    expected: published * n,
    deliveries_per_s: Math.round(count / secs),
    seconds: r(secs),
    latency_ms: { p50: r(pct(sorted, 50)), p99: r(pct(sorted, 99)), max: r(sorted[sorted.length - 1] ?? null), negative: lat.filter((x) => x < 0).length },
    arrival_from_response_ms: { p50: r(pct(arrSorted, 50)), p99: r(pct(arrSorted, 99)), max: r(arrSorted[arrSorted.length - 1] ?? null) },
    from_request_ms: { p50: r(pct(fs2, 50)), p99: r(pct(fs2, 99)), max: r(fs2[fs2.length - 1] ?? null) },
    http_ms: { p50: r(pct(httpMs, 50)), p99: r(pct(httpMs, 99)) },
    all_received_ms: { p50: r(pct(spreads, 50)), max: r(spreads[spreads.length - 1] ?? null) },
    first_from_response_ms: { p50: r(pct(firstMs, 50)), p99: r(pct(firstMs, 99)) },
    last_from_response_ms: { p50: r(pct(lastMs, 50)), p99: r(pct(lastMs, 99)) },
    server_cpu_us_per_delivery: count ? r((cpuMs * 1000) / count) : null,
    server_cpu_share: r(cpuMs / (lastT - t0)),
    client_cpu_share: r(subCpuMs / (lastT - t0)),
  };
}

async function runOne(kind, n) {
  const dir = path.join(OUT, `fanout-${kind}-${n}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const othersBusy = await waitQuiet(`(fanout ${kind} N=${n})`);
  const server = kind === 'nachbar'
    ? await startNachbar({ dir, config: { database: { synchronous: o.synchronous } } })
    : await startBaseline(dir);
  let sub;
  let pub;
  try {
    let auth;
    let who = null;
    if (kind === 'nachbar') {
      auth = await authFile(server.url, dir);
      who = await login(server.url, 'thomas@glaserei-hoffmann.demo.example');
    } else {
      auth = { file: path.join(dir, 'auth.txt'), people: 0 };
      fs.writeFileSync(auth.file, 'X-Bench: baseline\n');
    }
    await sleep(1000);
    const s0 = procStat(server.pid);
    const dumpFile = path.join(dir, 'receipts.bin');
    sub = startSubscriber(['--port', String(server.port), '--n', String(n), '--auth', auth.file, '--out', dumpFile, '--poll-us', String(POLL_US)]);
    const ready = await Promise.race([sub.ready, sleep(180000).then(() => { throw new Error('subscribers not ready in 180 s'); })]);
    const connectCpu = procStat(server.pid).cpuMs - s0.cpuMs;
    await sleep(2000);
    const s1 = procStat(server.pid);
    const mem = {
      rss_before_kib: s0.rssKb, rss_after_kib: s1.rssKb,
      bytes_per_connection: Math.round(((s1.rssKb - s0.rssKb) * 1024) / n),
      connect_ms: Math.round(ready.ms), connect_cpu_ms: connectCpu,
      subscribed: ready.ok, failed: ready.failed,
    };
    pub = makePublisher(server.url, who);

    // Phase 1: a fixed rate.
    let c0 = await sub.cmd('count');
    let st = procStat(server.pid);
    let subSt = procStat(sub.proc.pid);
    let mb = machineBusyMs() - selfCpuMs();
    let t0 = nowMs();
    const lo1 = pub.seq + 1;
    const total1 = Math.round(RATE * FIXED_S);
    const pending = [];
    for (let i = 0; i < total1; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - nowMs();
      if (wait > 1) await sleep(wait);
      if (pub.inflight < 256) pending.push(pub.publish());
    }
    await Promise.all(pending);
    const hi1 = pub.seq;
    let c1 = await drain(sub, c0.events + (hi1 - lo1 + 1 - pub.errors) * ready.ok);
    let st2 = procStat(server.pid);
    let subSt2 = procStat(sub.proc.pid);
    const fixedCtx = [lo1, hi1, t0, st2.cpuMs - st.cpuMs, subSt2.cpuMs - subSt.cpuMs];
    const fixedOthers = (machineBusyMs() - selfCpuMs() - mb - fixedCtx[3] - fixedCtx[4]) / (nowMs() - t0);
    const errors1 = pub.errors;

    // Phase 2: as fast as the server answers, `CONC` requests in flight.
    await sleep(500);
    c0 = c1;
    st = procStat(server.pid);
    subSt = procStat(sub.proc.pid);
    mb = machineBusyMs() - selfCpuMs();
    t0 = nowMs();
    const lo2 = pub.seq + 1;
    const end = t0 + MAX_S * 1000;
    const perf = perfRecord(server.pid, path.join(dir, 'perf.data'));
    await Promise.all(Array.from({ length: CONC }, async () => { while (nowMs() < end) await pub.publish(); }));
    const hi2 = pub.seq;
    if (perf) await perf;
    c1 = await drain(sub, c0.events + (hi2 - lo2 + 1) * ready.ok);
    st2 = procStat(server.pid);
    subSt2 = procStat(sub.proc.pid);
    const maxCtx = [lo2, hi2, t0, st2.cpuMs - st.cpuMs, subSt2.cpuMs - subSt.cpuMs];
    const maxOthers = (machineBusyMs() - selfCpuMs() - mb - maxCtx[3] - maxCtx[4]) / (nowMs() - t0);
    const rssEnd = st2.rssKb;

    await sub.cmd('dump');
    const dump = readDump(dumpFile);
    fs.rmSync(dumpFile, { force: true });
    const fixed = phaseStats(dump, pub, fixedCtx[0], fixedCtx[1], n, fixedCtx[2], fixedCtx[3], fixedCtx[4]);
    const max = phaseStats(dump, pub, maxCtx[0], maxCtx[1], n, maxCtx[2], maxCtx[3], maxCtx[4]);
    fixed.http_errors = errors1;
    max.http_errors = pub.errors - errors1;
    // CPU the rest of the machine (other users) used during the phase, in
    // cores: everything busy minus server, subscribers and this process.
    fixed.others_cpu_share = Math.round(fixedOthers * 100) / 100;
    max.others_cpu_share = Math.round(maxOthers * 100) / 100;
    const sample = await sub.cmd('count');
    return {
      server: kind, n, people: auth.people, machine_busy_before: othersBusy, mem, rss_end_kib: rssEnd,
      closed_by_server: sample.closed, bytes_per_event: sample.events ? Math.round(sample.bytes / sample.events) : null,
      fixed: { rate: RATE, ...fixed }, max: { concurrency: CONC, ...max },
      subscriber_errors: sub.errors.slice(0, 5),
    };
  } finally {
    if (pub) pub.close();
    if (sub) await sub.quit();
    await server.stop();
    await sleep(2000); // let the kernel tear down N sockets before the next server
  }
}

const results = [];
for (const n of NS) {
  const byServer = {};
  for (const kind of SERVERS) {
    console.error(`fanout: ${kind} N=${n} ...`);
    const r = await runOne(kind, n);
    console.error(`fanout: ${kind} N=${n}: ${JSON.stringify(r)}`);
    byServer[kind] = r;
    results.push(r);
  }
  if (byServer.nachbar && byServer.baseline) {
    const ratio = (a, b) => (a && b ? Math.round((a / b) * 100) / 100 : null);
    results.push({
      ratio: true, n,
      max_deliveries_per_s: ratio(byServer.nachbar.max.deliveries_per_s, byServer.baseline.max.deliveries_per_s),
      cpu_per_delivery_baseline_over_nachbar: ratio(byServer.baseline.max.server_cpu_us_per_delivery, byServer.nachbar.max.server_cpu_us_per_delivery),
      fixed_p99: ratio(byServer.nachbar.fixed.latency_ms.p99, byServer.baseline.fixed.latency_ms.p99),
      mem_per_connection: ratio(byServer.nachbar.mem.bytes_per_connection, byServer.baseline.mem.bytes_per_connection),
    });
  }
}
writeResult(o.out, { bench: 'fanout', date: new Date().toISOString(), synchronous: o.synchronous, subscriber_poll_us: POLL_US, rate: RATE, fixed_seconds: FIXED_S, max_seconds: MAX_S, concurrency: CONC, results });
process.exit(0);
