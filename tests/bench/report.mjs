// Turn one run-all.sh result folder into tests/bench/RESULTS.md: medians
// over the runs, the targets of issue 11 with met/missed, a scaling curve.
//
//   node tests/bench/report.mjs tests/bench/out/run-YYYYmmdd-HHMMSS > tests/bench/RESULTS.md
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT, median } from './lib.mjs';

const dir = process.argv[2];
if (!dir) { console.error('usage: report.mjs RUN_DIR'); process.exit(2); }
const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8'));
const load = (re) => fs.readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));

const fanouts = load(/^fanout-\d+\.json$/);
const apis = load(/^api-.*\.json$/);
const replay = load(/^replay\.json$/)[0];
const startup = load(/^startup\.json$/)[0];
const floors = load(/^floor-\d+\.json$/);
const fanoutsT1 = load(/^fanout-t1-\d+\.json$/);
const t1rows = fanoutsT1.flatMap((f) => f.results.filter((r) => r.server === 'nachbar' && r.n === 10000));
const sleepRows = load(/^fanout-sleep-\d+\.json$/).flatMap((f) => f.results.filter((r) => r.server === 'nachbar' && r.n === 10000));
const pollUs = fanouts[0]?.subscriber_poll_us ?? 0;

const sh = (cmd, args) => {
  try { return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim(); } catch (e) { return String(e.stdout || '').trim() || '?'; }
};
const fmt = (x, d = 0) => (x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const get = (o, p) => p.split('.').reduce((a, k) => (a == null ? a : a[k]), o);
const med = (rows, p) => median(rows.map((r) => get(r, p)));

// ---- fan-out: rows per (server, n) over runs; ratios per run ----
const fan = {};
const ratios = {};
for (const f of fanouts) {
  for (const r of f.results) {
    if (r.ratio) (ratios[r.n] ||= []).push(r);
    else ((fan[r.n] ||= {})[r.server] ||= []).push(r);
  }
}
const ns = Object.keys(fan).map(Number).sort((a, b) => a - b);

// ---- api: rows per (scenario, connections) over runs ----
const api = {};
for (const f of apis) for (const r of f.results) ((api[r.scenario] ||= {})[r.connections] ||= []).push(r);

const lines = [];
const out = (s = '') => lines.push(s);
const cpuModel = (/model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8')) || [])[1] || '?';
const memGiB = Number(/MemTotal:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))[1]) / 1024 / 1024;

out('# nachbar benchmark results');
out();
out(`Written by \`tests/bench/run-all.sh\` on ${meta.started} (finished ${meta.finished}); ` +
  `medians of ${meta.runs} runs unless a row says otherwise. Raw JSON: \`${path.relative(ROOT, dir)}/\` (git-ignored).`);
out();
out('## Machine and software');
out();
out(`- ${os.cpus().length} CPUs (\`nproc\` = ${sh('nproc', [])}), ${cpuModel}, ${fmt(memGiB, 1)} GiB RAM, Linux ${os.release()}`);
out(`- load average when the run started: ${meta.loadavg}; the machine is shared, so figures move by ±10–20 % between runs`);
out(`- ${sh(BIN, ['--version']).split('\n').join(', ')}; release build (\`build-release/\`, \`-Dbuildtype=release\`), git ${meta.commit || sh('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}`);
out(`- Node ${process.version} (publisher, baseline server), ${sh('wrk', ['--version']).split('\n')[0].split(' Copyright')[0]}, subscribers: \`tests/bench/subscriber.c\` (one epoll process)`);
out('- nachbar config: `[database] synchronous = NORMAL` (the default; `-full` rows: FULL), `[server] log_level = info` (one log line per request, to a file), `[events] send_threads = -1` (the default: no helper thread on 2 CPUs; the `send_threads = 1` rows: one), `[events] connections_per_person = 100000`, `[limits] max_connections = 30000`, all bundled plugins loaded; fresh copy of the demo database for each server start');
out();
out('## Commands');
out();
out('```sh');
for (const c of meta.commands) out(c);
out('```');
out();

// ---- targets ----
const n10 = fan[10000] || {};
const ratio10 = median((ratios[10000] || []).map((r) => r.max_deliveries_per_s));
const p99req10 = med(n10.nachbar || [], 'fixed.from_request_ms.p99');
const p99resp10 = med(n10.nachbar || [], 'fixed.latency_ms.p99');
const mem10 = med(n10.nachbar || [], 'mem.bytes_per_connection');
const replayMs = replay ? replay.median_connect_to_replayed_ms : null;
const writeRps = med(get(api, 'write-token.64') || [], 'ok_per_s');
const writeCookieRps = med(get(api, 'write-cookie.64') || [], 'ok_per_s');
const durable = Object.values(api).flatMap((byC) => Object.values(byC).flat()).filter((r) => r.durability);
const allDurable = durable.length > 0 && durable.every((r) => r.durability.all_durable);
const readRps = med(get(api, 'read-token.64') || [], 'req_per_s');
const readCookieRps = med(get(api, 'read-cookie.64') || [], 'req_per_s');
const readPublicRps = med(get(api, 'read-public.64') || [], 'req_per_s');
const readSearchRps = med(get(api, 'read-search.64') || [], 'req_per_s');
const startMs = startup ? startup.median_exec_to_ready_ms : null;
const mark = (ok) => (ok === null ? '–' : ok ? '**met**' : '**missed**');

out('## Targets (issue 11)');
out();
out('| target | measured (median) | |');
out('|---|---|---|');
out(`| fan-out deliveries/s ≥ 2× the Node \`ws\` baseline at N = 10,000 | ${fmt(ratio10, 2)}× (nachbar ${fmt(med(n10.nachbar || [], 'max.deliveries_per_s'))}/s, baseline ${fmt(med(n10.baseline || [], 'max.deliveries_per_s'))}/s) | ${mark(ratio10 === null ? null : ratio10 >= 2)} |`);
out(`| p99 latency < 100 ms at 100 events/s, N = 10,000 (the issue's latency: from the HTTP response to receipt) | p99 ${fmt(p99resp10)} ms from the HTTP response, subscriber looking at its sockets every ${pollUs} µs (${fmt(p99req10)} ms from sending the request, which includes waiting for the server to read it)${sleepRows.length ? `; ${fmt(med(sleepRows, 'fixed.latency_ms.p99'))} ms with a subscriber that sleeps until each send wakes it, see "Where the latency at N = 10,000 goes"` : ''} | ${mark(p99resp10 === null ? null : p99resp10 < 100)} |`);
const n1 = fan[1000] || {};
out(`| (context: the same at N = 1,000) | p99 ${fmt(med(n1.nachbar || [], 'fixed.latency_ms.p99'))} ms from the response, ${fmt(med(n1.nachbar || [], 'fixed.from_request_ms.p99'))} ms from the request, ${fmt(med(n1.nachbar || [], 'fixed.deliveries_per_s'))} deliveries/s | ${mark(n1.nachbar ? med(n1.nachbar, 'fixed.latency_ms.p99') < 100 : null)} |`);
out(`| < 10 KiB server memory per idle subscribed connection, N = 10,000 | ${fmt(mem10)} bytes (${fmt(mem10 / 1024, 1)} KiB) | ${mark(mem10 === null ? null : mem10 < 10240)} |`);
out(`| replay of 10,000 missed events < 200 ms | ${fmt(replayMs, 1)} ms connect → \`replayed\` | ${mark(replayMs === null ? null : replayMs < 200)} |`);
out(`| write endpoint ≥ 5,000 durable writes/s | ${fmt(writeRps)}/s with a bearer token, ${fmt(writeCookieRps)}/s with a session cookie; crash check (SIGKILL after the run): ${allDurable ? 'every acknowledged write was in the database' : 'ACKNOWLEDGED WRITES LOST'} | ${mark(writeRps === null ? null : writeRps >= 5000 && allDurable)} |`);
out(`| read endpoint ≥ 20,000 req/s | ${fmt(readRps)}/s firm directory with a bearer token, ${fmt(readCookieRps)}/s with a cookie (the page and the identity answered from memory while nothing is written), ${fmt(readPublicRps)}/s public greetings list | ${mark(readRps === null ? null : readRps >= 20000)} |`);
out(`| (context: a directory search, built from the database on every request) | ${fmt(readSearchRps)}/s \`GET …/firms?q=glas\` with a bearer token | – |`);
out(`| start-up to ready < 100 ms | ${fmt(startMs, 1)} ms exec → \`/readyz\` 200 | ${mark(startMs === null ? null : startMs < 100)} |`);
out();

// ---- fan-out ----
out('## Fan-out');
out();
out(`Subscribers: N WebSocket connections of the ${fan[ns[0]]?.nachbar?.[0]?.people ?? 26} demo people (signed in with session cookies), ` +
  'subscribed to topic `hello` of `peiner-strasse`. Publisher: one firm admin waving over HTTP ' +
  `(\`POST /api/v1/n/peiner-strasse/hello/waves\`, ~${fmt(med(fan[ns[0]]?.nachbar || [], 'bytes_per_event'))}-byte event message; the baseline sends a message of the same shape and size). ` +
  `Fixed: ${fanouts[0]?.rate ?? 100} events/s for ${fanouts[0]?.fixed_seconds ?? '?'} s. Max: ${fanouts[0]?.concurrency ?? '?'} requests in flight back to back for ${fanouts[0]?.max_seconds ?? '?'} s. ` +
  'Deliveries/s counts messages received by all subscribers from the first request to the last receipt. ' +
  'Latency "from request" is receipt − request sent; "from response" is receipt − HTTP response received (negative when the subscriber has the event before the publisher has its answer). ' +
  '"All received" is, per event, the time from the request until the last of the N subscribers had it.');
out();
out('| N | server | max: deliveries/s | max: events/s | max: server CPU µs/delivery | fixed: deliveries/s | fixed: latency from request p50 / p99 / max ms | fixed: from response p50 / p99 ms | fixed: all received p50 / max ms | memory/connection | connect all | cut by server | other users\' CPU, cores (fixed / max) |');
out('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const n of ns) {
  for (const server of ['nachbar', 'baseline']) {
    const rows = fan[n][server];
    if (!rows) continue;
    out(`| ${fmt(n)} | ${server === 'baseline' ? 'Node `ws` baseline' : 'nachbar'} | ${fmt(med(rows, 'max.deliveries_per_s'))} | ${fmt(med(rows, 'max.events_per_s'), 1)} | ${fmt(med(rows, 'max.server_cpu_us_per_delivery'), 2)} | ${fmt(med(rows, 'fixed.deliveries_per_s'))} | ${fmt(med(rows, 'fixed.from_request_ms.p50'), 1)} / ${fmt(med(rows, 'fixed.from_request_ms.p99'), 1)} / ${fmt(med(rows, 'fixed.from_request_ms.max'), 1)} | ${fmt(med(rows, 'fixed.latency_ms.p50'), 1)} / ${fmt(med(rows, 'fixed.latency_ms.p99'), 1)} | ${fmt(med(rows, 'fixed.all_received_ms.p50'), 1)} / ${fmt(med(rows, 'fixed.all_received_ms.max'), 1)} | ${fmt(med(rows, 'mem.bytes_per_connection'))} B | ${fmt(med(rows, 'mem.connect_ms'))} ms | ${fmt(med(rows, 'closed_by_server'))} | ${fmt(med(rows, 'fixed.others_cpu_share'), 2)} / ${fmt(med(rows, 'max.others_cpu_share'), 2)} |`);
  }
}
if (t1rows.length) {
  const a = n10.nachbar || [];
  out();
  out(`Where the latency at N = 10,000 goes (fixed 100 events/s; medians over runs of each event's first and last subscriber, from the HTTP response; ${t1rows.length} runs with one helper thread):`);
  out();
  out('| nachbar | subscriber | p99 from response ms | p99 from response to the kernel queuing it to the socket ms | first subscriber p50 / p99 ms | last subscriber p50 / p99 ms | fixed: server CPU µs/delivery | max deliveries/s |');
  out('|---|---|---|---|---|---|---|---|');
  const looks = `looks every ${pollUs} µs`;
  const variants = [['send_threads = -1, the default (no helper on 2 CPUs)', looks, a], ['send_threads = 1 (one helper beside the loop thread)', looks, t1rows]];
  if (sleepRows.length) variants.push(['send_threads = -1, the default', 'sleeps in `epoll_wait` until a send wakes it', sleepRows]);
  for (const [name, how, rows] of variants) {
    out(`| ${name} | ${how} | ${fmt(med(rows, 'fixed.latency_ms.p99'), 1)} | ${fmt(med(rows, 'fixed.arrival_from_response_ms.p99'), 1)} | ${fmt(med(rows, 'fixed.first_from_response_ms.p50'), 1)} / ${fmt(med(rows, 'fixed.first_from_response_ms.p99'), 1)} | ${fmt(med(rows, 'fixed.last_from_response_ms.p50'), 1)} / ${fmt(med(rows, 'fixed.last_from_response_ms.p99'), 1)} | ${fmt(med(rows, 'fixed.server_cpu_us_per_delivery'), 2)} | ${fmt(med(rows, 'max.deliveries_per_s'))} |`);
  }
}
out();
out('Side by side (per run nachbar ÷ baseline, then the median):');
out();
out('| N | deliveries/s ratio (max) | CPU per delivery, baseline ÷ nachbar | memory per connection, nachbar ÷ baseline | runs |');
out('|---|---|---|---|---|');
for (const n of ns) {
  const rs = ratios[n] || [];
  out(`| ${fmt(n)} | ${fmt(median(rs.map((r) => r.max_deliveries_per_s)), 2)}× | ${fmt(median(rs.map((r) => r.cpu_per_delivery_baseline_over_nachbar)), 2)}× | ${fmt(median(rs.map((r) => r.mem_per_connection)), 2)} | ${rs.length} |`);
}
out();
out('Server RSS before → after connecting N idle subscribers (median KiB):');
out();
out('| N | nachbar | baseline |');
out('|---|---|---|');
for (const n of ns) {
  const a = fan[n].nachbar || [];
  const b = fan[n].baseline || [];
  out(`| ${fmt(n)} | ${fmt(med(a, 'mem.rss_before_kib'))} → ${fmt(med(a, 'mem.rss_after_kib'))} | ${fmt(med(b, 'mem.rss_before_kib'))} → ${fmt(med(b, 'mem.rss_after_kib'))} |`);
}
out();

// ---- api ----
out('## API (wrk, keep-alive, one wrk thread)');
out();
out('| scenario | connections | req/s | p50 ms | p99 ms | errors | server CPU µs/request | server CPU share | crash check | machine busy before | other users\' CPU, cores | runs |');
out('|---|---|---|---|---|---|---|---|---|---|---|---|');
const order = ['read-token', 'read-cookie', 'read-search', 'read-public', 'write-token', 'write-cookie', 'write-token-full', 'write-cookie-full'];
for (const sc of order.filter((s) => api[s])) {
  for (const c of Object.keys(api[sc]).map(Number).sort((a, b) => a - b)) {
    const rows = api[sc][c];
    const d = rows.filter((r) => r.durability);
    out(`| ${sc} | ${c} | ${fmt(med(rows, 'req_per_s'))} | ${fmt(med(rows, 'latency_ms.p50'), 2)} | ${fmt(med(rows, 'latency_ms.p99'), 2)} | ${fmt(med(rows, 'errors'))} | ${fmt(med(rows, 'server_cpu_us_per_request'))} | ${fmt(med(rows, 'server_cpu_share'), 2)} | ${d.length ? (d.every((r) => r.durability.all_durable) ? `${d.length}/${d.length} durable` : 'LOST WRITES') : '–'} | ${med(rows, 'machine_busy_before') === null ? '–' : `${fmt(med(rows, 'machine_busy_before') * 100)} %`} | ${fmt(med(rows, 'others_cpu_share'), 2)} | ${rows.length} |`);
  }
}
out();
out('read-token / read-cookie: `GET /api/v1/n/peiner-strasse/firms` (12 firms, ~3.8 KB; the page and the identity come from memory while nothing is written, see docs/decisions.md); read-search: `GET …/firms?q=glas` (built from the database every time); read-public: `GET /api/v1/hello/greetings`; write-*: `POST /api/v1/n/peiner-strasse/hello/waves` (row + event in one transaction, `synchronous = NORMAL`, the default; `-full`: FULL, an fsync per commit).');
out();

// ---- the kernel's floor ----
if (floors.length) {
  out('## The floor under a fan-out round');
  out();
  out('`tests/bench/bench.sh floor 10000 T 250 20` (`loopback-floor.c`): no server, one 250-byte `send()` to each of 10,000 loopback TCP sockets whose reader sleeps in `epoll_wait`, per round, with T sending threads; median of 20 rounds. Every event that reaches 10,000 subscribers needs such a round (several events queued meanwhile share it), so a round\'s time bounds the fan-out latency from below on this machine.');
  out();
  out('| sending threads | ms per round | µs per send() |');
  out('|---|---|---|');
  for (const f of floors) out(`| ${f.threads} | ${fmt(f.round_ms_median, 1)} | ${fmt(f.us_per_send, 2)} |`);
  out();
}

// ---- scaling curve ----
out('## Scaling curve');
out();
out('Fan-out (max rate) by number of subscribers:');
out();
out('| N | nachbar deliveries/s | baseline deliveries/s | ratio | nachbar CPU µs/delivery | baseline CPU µs/delivery | nachbar bytes/connection | fixed 100/s p99 from response / from request, nachbar |');
out('|---|---|---|---|---|---|---|---|');
for (const n of ns) {
  const a = fan[n].nachbar || [];
  const b = fan[n].baseline || [];
  out(`| ${fmt(n)} | ${fmt(med(a, 'max.deliveries_per_s'))} | ${fmt(med(b, 'max.deliveries_per_s'))} | ${fmt(median((ratios[n] || []).map((r) => r.max_deliveries_per_s)), 2)}× | ${fmt(med(a, 'max.server_cpu_us_per_delivery'), 2)} | ${fmt(med(b, 'max.server_cpu_us_per_delivery'), 2)} | ${fmt(med(a, 'mem.bytes_per_connection'))} | ${fmt(med(a, 'fixed.latency_ms.p99'), 1)} / ${fmt(med(a, 'fixed.from_request_ms.p99'), 1)} ms |`);
}
out();
out('API by number of connections (req/s, p99 ms):');
out();
const conns = [...new Set(Object.values(api).flatMap((byC) => Object.keys(byC).map(Number)))].sort((a, b) => a - b);
out(`| scenario | ${conns.map((c) => `${c} conn.`).join(' | ')} |`);
out(`|---|${conns.map(() => '---').join('|')}|`);
for (const sc of order.filter((s) => api[s])) {
  out(`| ${sc} | ${conns.map((c) => (api[sc][c] ? `${fmt(med(api[sc][c], 'req_per_s'))} (${fmt(med(api[sc][c], 'latency_ms.p99'), 1)})` : '–')).join(' | ')} |`);
}
out();

// ---- replay, startup ----
if (replay) {
  out('## Replay');
  out();
  out(`${fmt(replay.events)} events published while the client was away (hello waves of another firm, visible to it); the client reconnects with \`since\`. ${replay.runs.length} reconnects:`);
  out();
  out('| connect → `replayed` ms (median) | subscribe → `replayed` ms (median) | each run (connect → replayed, ms) | bytes received |');
  out('|---|---|---|---|');
  out(`| ${fmt(replay.median_connect_to_replayed_ms, 1)} | ${fmt(replay.median_subscribe_to_replayed_ms, 1)} | ${replay.runs.map((r) => fmt(r.connect_to_replayed_ms, 1)).join(', ')} | ${fmt(replay.runs[0]?.bytes)} |`);
  out();
}
if (startup) {
  out('## Start-up');
  out();
  out(`Plugins: ${startup.plugins_bundled.join(', ')} (every bundled plugin); the demo database was prepared beforehand and copied fresh for each of ${startup.runs.length} starts (\`--demo\` on an existing demo database).`);
  out();
  out('| exec → `/readyz` 200 ms (median) | server-reported startup_ms (median) | idle RSS (median) | each run, ms |');
  out('|---|---|---|---|');
  out(`| ${fmt(startup.median_exec_to_ready_ms, 1)} | ${fmt(startup.median_server_startup_ms, 1)} | ${fmt(startup.median_idle_rss_kib)} KiB | ${startup.runs.map((r) => fmt(r.exec_to_ready_ms, 1)).join(', ')} |`);
  out();
}

out('## How to read this');
out();
out('- Two cores for everything: the server (its loop thread; in the `send_threads = 1` rows also a helper thread during a fan-out round), the subscriber process, the Node publisher and, for the baseline, the Node server all share them. The subscriber is a small C epoll client so that it costs less than the server per message; it still takes a sizeable share of a core (see `client_cpu_share` in the JSON). With Node `ws` subscribers (~20 µs per message) the tool would measure itself. "Server CPU µs per delivery" (utime+stime from `/proc/PID/stat` over the phase ÷ messages received) is the figure least disturbed by the shared machine.');
out('- On loopback, the receiving side\'s TCP processing runs inside the sender\'s `send()` (softirq) and is charged to the server: per-delivery costs here are higher than over a real network card.');
out('- The fixed-rate phase at 100 events/s asks N × 100 deliveries per second: 1,000,000/s at N = 10,000, close to what nachbar delivers at most on this machine. Events that arrive during a round go out together in the next one, so the latency from the response is about one round (the time to write to all N sockets) plus the subscriber process catching up; while the server writes with two threads, the subscriber has no core of its own (shorter rounds, longer tail).');
out(`- The subscriber process looks at its sockets every ${pollUs} µs (\`--subscriber-poll-us\`; a receipt is seen at most that much, plus timer slack, after it arrived) instead of sleeping in \`epoll_wait\` until data wakes it. On loopback the receiving side of a \`send()\`, including the wake-up of a sleeping reader, runs inside the sender's \`send()\`: asleep, the subscriber is woken by nearly every one of the server's sends, at the server's expense (17 % of its profile under \`sock_def_readable\`, 5 % when the subscriber polls), and the rounds get longer. Over a network the server's \`send()\` ends at the network card and each device wakes on its own CPU. Both are reported (the "sleeps" row). The kernel's receive timestamp column (\`SO_TIMESTAMPNS\`: when the data was queued to the subscriber's socket) shows that the difference is in when the data got there, not in the subscriber reading late.`);
out('- Memory per connection is (RSS after connecting and subscribing N idle clients − RSS before) ÷ N; kernel socket buffers are not in it.');
out('- The machine is shared with other people\'s test runs (browsers, sanitizer builds). Each measurement first waits (up to 2 min) until the machine is less than 25 % busy; "machine busy before" and "other users\' CPU" (machine busy time minus server, subscribers or wrk, and publisher, in cores, during the measured phase) show how quiet it actually was. Rows where other users took a large share are pessimistic.');
out('- Profiles and suggested fixes for the missed targets: see the end of tests/bench/README.md.');
process.stdout.write(`${lines.join('\n')}\n`);
