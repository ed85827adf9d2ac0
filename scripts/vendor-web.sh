#!/usr/bin/env bash
# Refresh web/vendor/ from the pinned npm packages (package-lock.json):
# Preact + htm as one ES module, htm's preact/standalone.module.js. The
# version is in the file name and in a header comment, so a browser cache
# never mixes versions and a reader sees what is vendored. The files are
# committed: the server needs no build step at run time.
#
# axe-core is an npm package too, but only the browser tests use it (from
# node_modules/); it is not vendored.
#
# Usage: scripts/vendor-web.sh  (or npm run vendor-web). To move to another
# htm: change its pinned version in package.json, npm install, run this;
# it also points web/lib/preact.js, the one importer, at the new file.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules/htm ] || npm ci --no-audit --no-fund --loglevel=error
version=$(node -p 'require("./node_modules/htm/package.json").version')
src=node_modules/htm/preact/standalone.module.js
dst=web/vendor/htm-preact-standalone-$version.js

mkdir -p web/vendor
rm -f web/vendor/htm-preact-standalone-*.js
{
  printf '/* htm %s preact/standalone.module.js: Preact with hooks and htm in\n' "$version"
  printf ' * one ES module (https://github.com/developit/htm, Apache-2.0;\n'
  printf ' * Preact https://preactjs.com, MIT). Vendored by scripts/vendor-web.sh\n'
  printf ' * from node_modules/%s; do not edit. */\n' "$src"
  cat "$src"
  printf '\n'
} > "$dst"
sed -i "s|vendor/htm-preact-standalone-[0-9A-Za-z.-]*\.js|vendor/htm-preact-standalone-$version.js|" \
  web/lib/preact.js
echo "vendor-web: wrote $dst ($(wc -c < "$dst") bytes)"
