#!/usr/bin/env bash
# Run every benchmark several times and write the medians to
# tests/bench/RESULTS.md (raw JSON in tests/bench/out/run-<time>/).
# Takes about 15 minutes on the 2-core machine when nobody else uses it;
# each measurement first waits (up to 2 min) for other users' load to pass.
#
#   tests/bench/run-all.sh            # RUNS=3 by default
#   RUNS=5 tests/bench/run-all.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-3}
tests/bench/install.sh
export BENCH_NO_BUILD=1 # every measurement uses the binary built just now
hard=$(ulimit -Hn)
want=65536
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then want=$hard; fi
ulimit -n "$want"

out=tests/bench/out/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
started=$(date -Is)
loadavg=$(cut -d' ' -f1-3 /proc/loadavg)
commit=$(git rev-parse --short HEAD)
if [ -n "$(git status --porcelain --untracked-files=no -- core include ':(glob)plugins/**/*.c' ':(glob)**/meson.build')" ]; then
  commit="$commit with uncommitted changes to core/, include/ or plugin sources"
fi
commands=()
run() { # run CMD...: log, record, execute
  echo "+ $*" >&2
  commands+=("$*")
  "$@" >/dev/null
}

B=tests/bench/bench.sh
run $B startup --runs 7 --out "$out/startup.json"
run $B replay --events 10000 --runs 5 --out "$out/replay.json"
for r in $(seq "$RUNS"); do
  run $B api --connections 64 --seconds 5 --out "$out/api-main-$r.json"
  run $B api --connections 64 --seconds 5 \
    --scenarios write-token-full,write-cookie-full --out "$out/api-full-$r.json"
  run $B api --connections 1,8,256 --seconds 3 \
    --scenarios read-token,read-public,write-token --out "$out/api-scaling-$r.json"
done
for r in $(seq "$RUNS"); do
  # Alternate which server goes first, so neither always gets the cooler machine.
  order=nachbar,baseline
  if [ $((r % 2)) -eq 0 ]; then order=baseline,nachbar; fi
  run $B fanout --n 100,1000,3000,10000 --servers $order --rate 100 \
    --fixed-seconds 2 --max-seconds 3 --concurrency 16 --out "$out/fanout-$r.json"
  # The same at N = 10,000 with one helper thread writing beside the event
  # loop (the default gives none on fewer than 4 CPUs).
  run env BENCH_SEND_THREADS=1 $B fanout --n 10000 --servers nachbar --rate 100 \
    --fixed-seconds 2 --max-seconds 3 --concurrency 16 --out "$out/fanout-t1-$r.json"
  # The same server measured by a subscriber that sleeps in epoll_wait
  # until a send wakes it (the fan-out runs above look every 200 µs).
  run $B fanout --n 10000 --servers nachbar --rate 100 --subscriber-poll-us 0 \
    --fixed-seconds 2 --max-seconds 3 --concurrency 16 --out "$out/fanout-sleep-$r.json"
done

# The kernel's floor under a fan-out round: one small send() to each of
# 10,000 loopback sockets, no server (one and two sending threads).
for t in 1 2; do
  echo "+ $B floor 10000 $t 250 20" >&2
  commands+=("$B floor 10000 $t 250 20 > $out/floor-$t.json")
  $B floor 10000 $t 250 20 > "$out/floor-$t.json"
done

node -e '
const [file, runs, started, loadavg, commit, ...commands] = process.argv.slice(1);
require("fs").writeFileSync(file, JSON.stringify({ runs: Number(runs), started, finished: new Date().toISOString(), loadavg, commit, commands }, null, 2));
' "$out/meta.json" "$RUNS" "$started" "$loadavg" "$commit" "${commands[@]}"
node tests/bench/report.mjs "$out" > tests/bench/RESULTS.md
echo "wrote tests/bench/RESULTS.md (raw: $out)" >&2
