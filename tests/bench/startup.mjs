// Start-up benchmark: time from exec to GET /readyz answering 200, with
// every bundled plugin loaded and a demo database prepared beforehand
// (copied fresh for each run), and the idle RSS a second later.
//
//   tests/bench/bench.sh startup [--runs 7] [--out FILE]
//
// /readyz is polled over a new TCP connection every millisecond, so the
// figure includes the fork/exec of the spawn and up to ~1 ms of polling.
// The server's own "startup_ms" (from main() to listening, in its log) is
// reported next to it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  BIN, OUT, benchConfig, bundledPlugins, demoTemplate, flags, freePort, median, nowMs, procStat, sleep, waitQuiet, waitReady, writeResult,
} from './lib.mjs';

const o = flags(process.argv.slice(2), { runs: '7', out: path.join(OUT, 'startup.json') });
const RUNS = Number(o.runs);

function ini(config) {
  return Object.entries(config).map(([s, kv]) => `[${s}]\n${Object.entries(kv).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`).join('\n');
}

const tpl = await demoTemplate();
const runs = [];
for (let i = 0; i < RUNS; i++) {
  const dir = path.join(OUT, 'startup');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  fs.copyFileSync(tpl, path.join(dir, 'data', 'nachbar.db'));
  const othersBusy = await waitQuiet('(startup)');
  const port = await freePort();
  const cfg = path.join(dir, 'bench.conf');
  fs.writeFileSync(cfg, ini(benchConfig(dir, port)));
  const logPath = path.join(dir, 'server.log');
  const log = fs.openSync(logPath, 'w');
  const t0 = nowMs();
  const proc = spawn(BIN, ['--config', cfg, '--demo'], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  try {
    await waitReady(port, proc, 10000, 1);
    const readyMs = nowMs() - t0;
    await sleep(1000);
    const { rssKb } = procStat(proc.pid);
    const m = /startup_ms=([\d.]+)/.exec(fs.readFileSync(logPath, 'utf8'));
    const plugins = /plugins=(\d+)/.exec(fs.readFileSync(logPath, 'utf8'));
    runs.push({ machine_busy_before: othersBusy, exec_to_ready_ms: Math.round(readyMs * 10) / 10, server_startup_ms: m ? Number(m[1]) : null, plugins: plugins ? Number(plugins[1]) : null, idle_rss_kib: rssKb });
    console.error(`startup: run ${i + 1}: ready after ${readyMs.toFixed(1)} ms (server says ${m ? m[1] : '?'} ms), idle RSS ${rssKb} KiB`);
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
  }
}
writeResult(o.out, {
  bench: 'startup', date: new Date().toISOString(), plugins_bundled: bundledPlugins(),
  median_exec_to_ready_ms: median(runs.map((r) => r.exec_to_ready_ms)),
  median_server_startup_ms: median(runs.map((r) => r.server_startup_ms)),
  median_idle_rss_kib: median(runs.map((r) => r.idle_rss_kib)),
  runs,
});
