#!/usr/bin/env bash
# What the benchmarks need beyond scripts/install-deps.sh, installed only
# when missing: wrk (Debian package), a C compiler for the subscriber, the
# sqlite3 tool (crash check), Node's `ws` (package.json), and the release
# build of nachbar in build-release/.
# Usage: tests/bench/install.sh      (run as root or with sudo available)
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v cc >/dev/null 2>&1 || missing+=(gcc)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/install: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

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
