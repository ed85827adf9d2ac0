// /metrics as Prometheus scrapes it: the content type of text format 0.0.4,
// request counters by method, route pattern and status, the duration
// histogram, the connection gauge and the plugin count.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startServer, stopAll, sleep } from './harness.mjs';

const servers = [];
let s;

before(async () => {
  s = await startServer({});
  servers.push(s);
});
after(() => stopAll(servers));

async function scrape() {
  const r = await fetch(`${s.url}/metrics`);
  assert.equal(r.status, 200);
  return { type: r.headers.get('content-type'), text: await r.text() };
}

/** The value of one sample line `name{labels} value`, or undefined. */
function sample(text, series) {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

test('the content type is Prometheus text format 0.0.4', async () => {
  const { type, text } = await scrape();
  assert.equal(type, 'text/plain; version=0.0.4; charset=utf-8');
  assert.ok(text.endsWith('\n'));
  // Every line is a comment or `name{labels} value`.
  for (const line of text.split('\n').filter(Boolean)) {
    assert.match(line, /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eE]+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [+-]Inf|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? NaN)$/, line);
  }
  assert.match(text, /^# TYPE nachbar_http_requests_total counter$/m);
  assert.match(text, /^# TYPE nachbar_http_request_duration_seconds histogram$/m);
  assert.match(text, /^process_start_time_seconds [0-9.e+]+$/m);
});

test('requests are counted by method, route pattern and status', async () => {
  const series = 'nachbar_http_requests_total{method="GET",route="/api/v1/hello",status="200"}';
  const before = sample((await scrape()).text, series) || 0;
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${s.url}/api/v1/hello`)).status, 200);
  const { text } = await scrape();
  assert.equal(sample(text, series), before + 3);

  // The route label is the pattern, not the path with the id.
  await (await fetch(`${s.url}/api/v1/hello/greetings/12345`)).arrayBuffer();
  const after = (await scrape()).text;
  assert.equal(sample(after, 'nachbar_http_requests_total{method="GET",route="/api/v1/hello/greetings/:id",status="404"}'), 1);
  assert.ok(!after.includes('12345'), 'no ids in labels');
  // Unknown paths share one label.
  await (await fetch(`${s.url}/api/v1/nothing/here`)).arrayBuffer();
  assert.ok(sample((await scrape()).text, 'nachbar_http_requests_total{method="GET",route="unmatched",status="404"}') >= 1);
});

test('the duration histogram has buckets, a sum and a count', async () => {
  await (await fetch(`${s.url}/api/v1/hello`)).arrayBuffer();
  const { text } = await scrape();
  const route = 'route="/api/v1/hello"';
  const buckets = text.split('\n').filter((l) => l.startsWith(`nachbar_http_request_duration_seconds_bucket{${route},`));
  assert.ok(buckets.length >= 2, 'several buckets');
  assert.match(buckets.at(-1), /le="\+Inf"/);
  const counts = buckets.map((l) => Number(l.split(' ').pop()));
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], 'cumulative buckets');
  const count = sample(text, `nachbar_http_request_duration_seconds_count{${route}}`);
  const sum = sample(text, `nachbar_http_request_duration_seconds_sum{${route}}`);
  assert.ok(count >= 1);
  assert.equal(counts.at(-1), count, '+Inf bucket equals the count');
  assert.ok(sum >= 0 && sum < count * 10);
});

test('the plugin gauge counts the loaded plugins', async () => {
  assert.equal(sample((await scrape()).text, 'nachbar_plugins_loaded'), 1);
});

test('the WebSocket connection gauge follows open connections', async () => {
  const ws = new WebSocket(`${s.url.replace('http', 'ws')}/ws`, 'nachbar.v1');
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  try {
    assert.equal(sample((await scrape()).text, 'nachbar_connections{kind="ws"}'), 1);
  } finally {
    const closed = new Promise((r) => ws.on('close', r));
    ws.close();
    await closed;
  }
  // The server notices the close a moment later.
  let v;
  for (let i = 0; i < 50; i++) {
    v = sample((await scrape()).text, 'nachbar_connections{kind="ws"}');
    if (v === 0) break;
    await sleep(20);
  }
  assert.equal(v, 0);
});
