#!/usr/bin/env bash
# One command per benchmark (never part of `meson test`):
#
#   tests/bench/bench.sh fanout  [--n 1000,10000] [--rate 100] ...
#   tests/bench/bench.sh api     [--connections 64] [--scenarios ...] ...
#   tests/bench/bench.sh replay  [--events 10000] [--runs 5]
#   tests/bench/bench.sh startup [--runs 7]
#   tests/bench/bench.sh floor   [N [THREADS [SIZE [ROUNDS]]]]
#
# Installs what is missing (tests/bench/install.sh), builds the release
# binary, raises the open-file limit for 10,000 sockets and runs
# tests/bench/<name>.mjs with the given flags. Results: JSON on stdout and
# in tests/bench/out/<name>.json (or --out FILE). See tests/bench/README.md.
set -euo pipefail
self=$(readlink -f "$0")
cd "$(dirname "$self")/../.."
name=${1:-}
case "$name" in
  fanout|api|replay|startup|floor) shift ;;
  *) sed -n '2,13p' "$self" >&2; exit 2 ;;
esac
tests/bench/install.sh >&2

# 10,000 subscribers need 10,000 descriptors in the server and 10,000 in
# the subscriber process: raise the soft limit as far as the hard one goes.
hard=$(ulimit -Hn)
want=65536
if [ "$hard" != unlimited ] && [ "$hard" -lt "$want" ]; then want=$hard; fi
ulimit -n "$want"
if [ "$name" = fanout ] && [ "$(ulimit -n)" -lt 10240 ]; then
  echo "bench: open-file limit $(ulimit -n) is too low for 10,000 subscribers" >&2
fi
if [ "$name" = floor ]; then
  # No server: the kernel's cost of one small send() per loopback socket.
  exec tests/bench/out/loopback-floor "$@"
fi
exec node "tests/bench/$name.mjs" "$@"
