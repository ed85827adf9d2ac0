// Replay benchmark: a client that was away while 10,000 events were
// published reconnects with `since` = the last id it saw; how long until
// it has them all and `replayed` arrives?
//
//   tests/bench/bench.sh replay [--events 10000] [--runs 5] [--out FILE]
//
// The events are hello waves made over HTTP by one firm admin; the client
// is another firm's member (visibility is checked per event, as live). The
// reconnecting client is the C subscriber (no JSON parsing, so the figure
// is the server's), timed from connect() to the `replayed` message, and
// from the subscribe message to `replayed`.
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import {
  HOOD, OUT, buildSubscriber, flags, login, median, procStat, startNachbar, startSubscriber, waitQuiet, writeResult,
} from './lib.mjs';

const o = flags(process.argv.slice(2), { events: '10000', runs: '5', out: path.join(OUT, 'replay.json') });
const EVENTS = Number(o.events);
const RUNS = Number(o.runs);
buildSubscriber();

const dir = path.join(OUT, 'replay');
fs.rmSync(dir, { recursive: true, force: true });
const s = await startNachbar({ dir });
try {
  const member = await login(s.url, 'claudia@druck-brandes.demo.example');
  const admin = await login(s.url, 'thomas@glaserei-hoffmann.demo.example');
  const authFile = path.join(dir, 'auth.txt');
  fs.writeFileSync(authFile, `${member.header}\n`);

  // Where the client was: subscribe once and note last_id.
  const first = startSubscriber(['--port', String(s.port), '--n', '1', '--auth', authFile]);
  const seen = await first.ready;
  await first.quit();

  // The events it misses, 16 requests in flight.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let next = 0;
  let failed = 0;
  const t0 = Date.now();
  const one = (i) => new Promise((resolve) => {
    const body = JSON.stringify({ message: `#${i} Moin, wer kennt sich mit der E-Rechnung aus?` });
    const req = http.request({
      host: '127.0.0.1', port: s.port, method: 'POST', path: `/api/v1/n/${HOOD}/hello/waves`, agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    }, (res) => { res.resume(); res.on('end', () => { if (res.statusCode !== 201) failed++; resolve(); }); });
    req.on('error', () => { failed++; resolve(); });
    req.end(body);
  });
  await Promise.all(Array.from({ length: 16 }, async () => { while (next < EVENTS) await one(++next); }));
  agent.destroy();
  const publishMs = Date.now() - t0;
  if (failed) throw new Error(`${failed} waves failed`);

  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const othersBusy = await waitQuiet('(replay)');
    const c = startSubscriber(['--port', String(s.port), '--n', '1', '--auth', authFile, '--since', String(seen.last_id)]);
    const r = await c.ready;
    const cnt = await c.cmd('count');
    await c.quit();
    if (r.ok !== 1 || r.replayed !== EVENTS || cnt.events !== EVENTS) {
      throw new Error(`replay run ${i}: ok=${r.ok} replayed=${r.replayed} received=${cnt.events}, expected ${EVENTS}: ${c.errors.join('; ')}`);
    }
    runs.push({ machine_busy_before: othersBusy, connect_to_replayed_ms: r.connect_ms, subscribe_to_replayed_ms: r.sub_ms, replayed: r.replayed, bytes: cnt.bytes });
    console.error(`replay: run ${i + 1}: ${r.replayed} events, connect->replayed ${r.connect_ms.toFixed(1)} ms, subscribe->replayed ${r.sub_ms.toFixed(1)} ms`);
  }
  writeResult(o.out, {
    bench: 'replay', date: new Date().toISOString(), events: EVENTS, publish_ms: publishMs,
    median_connect_to_replayed_ms: median(runs.map((r) => r.connect_to_replayed_ms)),
    median_subscribe_to_replayed_ms: median(runs.map((r) => r.subscribe_to_replayed_ms)),
    server_rss_kib: procStat(s.pid).rssKb, runs,
  });
} finally {
  await s.stop();
}
