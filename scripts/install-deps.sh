#!/usr/bin/env bash
# Install what building, running and testing nachbar needs on Debian 12.
# Idempotent: installs only what is missing. Run as root (or via sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

# Build and runtime. libwebsockets-evlib-uv is loaded by lws at run time
# (dlopen) when it runs on libuv: ldd does not show it, but without it the
# server cannot start.
pkgs=(build-essential meson ninja-build pkg-config git
      libwebsockets-dev libwebsockets-evlib-uv libuv1-dev libjansson-dev
      libsqlite3-dev libsodium-dev libinih-dev libsystemd-dev libcurl4-openssl-dev
      libcmocka-dev valgrind sqlite3 ca-certificates
      chromium) # browser tests: playwright-core drives it, no browser download
# Node runs the integration and browser tests; keep an existing install
# (Debian's npm conflicts with Node from other sources).
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

scripts/apt-install.sh install-deps "${pkgs[@]}"

# Node packages for the tests, pinned in package-lock.json.
if [ -f package-lock.json ] && { [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; }; then
  npm ci --no-audit --no-fund --loglevel=error
fi
