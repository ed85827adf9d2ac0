#!/usr/bin/env bash
# README command 2: install what is needed, build, and run the whole test
# suite twice — a normal build (build/) and an ASan+UBSan build
# (build-asan/) — then print one closing line "N passed, N failed".
# Exit status is non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh || exit 1
scripts/build.sh build || exit 1
scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false \
  -Dbuildtype=debug || exit 1

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0

status=0
for dir in build build-asan; do
  echo "== meson test -C $dir"
  # Its own log name: a developer's `meson test` running meanwhile writes
  # testlog.json, and two writers of one file leave it garbled.
  meson test -C "$dir" --print-errorlogs --num-processes 2 \
    --logbase suite || status=1
done
python3 tests/summary.py build/meson-logs/suite.json \
  build-asan/meson-logs/suite.json || status=1
exit $status
