-- wrk script for the api benchmark (tests/bench/api.mjs sets the
-- environment). Every request is the same: method, body and headers from
--   BENCH_METHOD   GET or POST (default GET)
--   BENCH_BODY     request body (JSON), sent with Content-Type JSON
--   BENCH_HEADERS  extra header lines separated by "\n" ("Name: value")
-- At the end it prints one line "WRKJSON {...}" with requests, duration,
-- errors and latency percentiles (microseconds) for api.mjs to read.

local method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
local extra = os.getenv("BENCH_HEADERS") or ""

wrk.method = method
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
for line in string.gmatch(extra, "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then
    wrk.headers[name] = value
  end
end

local statuses = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  codes = {}
end

function response(status, headers, body)
  codes[status] = (codes[status] or 0) + 1
end

function done(summary, latency, requests)
  local codes_all = {}
  for _, t in ipairs(threads) do
    local c = t:get("codes")
    if c then
      for k, v in pairs(c) do
        codes_all[k] = (codes_all[k] or 0) + v
      end
    end
  end
  local parts = {}
  for k, v in pairs(codes_all) do
    table.insert(parts, string.format('"%d":%d', k, v))
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},' ..
    '"codes":{%s}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(parts, ",")))
end
