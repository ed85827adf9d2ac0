#!/usr/bin/env bash
# README command 1: install what is needed, build, and run the server with
# the demo neighbourhood at http://127.0.0.1:8080 (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh build
exec build/nachbar --demo "$@"
