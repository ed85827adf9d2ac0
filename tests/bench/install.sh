#!/usr/bin/env bash
# What the benchmarks need beyond scripts/install-deps.sh, installed only
# when missing: wrk (Debian package), a C compiler for the subscriber, the
# sqlite3 tool (crash check), Node's `ws` (package.json), and the release
# build of nachbar in build-release/.
# Usage: tests/bench/install.sh      (run as root or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/../.."

# wrk and the C compiler of the load tools, sqlite3 for the crash check;
# Node is kept if it is there (from Debian or elsewhere).
pkgs=(wrk gcc sqlite3)
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
scripts/apt-install.sh bench/install "${pkgs[@]}"

if [ ! -d node_modules/ws ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error
  else npm install --no-audit --no-fund --loglevel=error; fi
fi

# The benchmarks measure an optimised build, kept apart from build/
# (configured once, then ninja rebuilds what changed). run-all.sh builds
# once and sets BENCH_NO_BUILD=1, so that editing sources during its run
# cannot change (or break) the binary under test halfway.
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
  scripts/build.sh build-release -Dbuildtype=release
fi

mkdir -p tests/bench/out
cc -O2 -Wall -Wextra -o tests/bench/out/subscriber tests/bench/subscriber.c
cc -O2 -Wall -Wextra -pthread -o tests/bench/out/loopback-floor tests/bench/loopback-floor.c
