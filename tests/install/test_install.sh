#!/usr/bin/env bash
# meson install into a scratch DESTDIR, then build the example plugin
# outside the tree with nothing but the installed header and pkg-config
# file — the command the plugin guide gives a coordinator — and check the
# installed binary runs and the plugin exports its descriptor.
set -euo pipefail
build=$1
src=$2
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR="$dest" meson install -C "$build" --quiet --no-rebuild >/dev/null
pc=$(dirname "$(find "$dest" -name nachbar-plugin.pc | head -1)")
test -n "$pc" || { echo "nachbar-plugin.pc not installed"; exit 1; }
export PKG_CONFIG_SYSROOT_DIR="$dest" PKG_CONFIG_PATH="$pc"
cc -shared -fPIC -Wall -Wextra -Werror -o "$dest/hello.so" \
  "$src/plugins/hello/hello.c" $(pkg-config --cflags --libs nachbar-plugin)
nm -D "$dest/hello.so" | grep -q ' D nachbar_plugin$' \
  || { echo "descriptor symbol missing"; exit 1; }
for f in sbin/nachbar share/nachbar/web/index.html include/nachbar/plugin.h \
         lib/systemd/system/nachbar.service etc/nachbar/nachbar.conf; do
  test -e "$(find "$dest" -path "*/$f" | head -1)" || { echo "missing $f"; exit 1; }
done
"$(find "$dest" -path '*/sbin/nachbar')" --version | grep -q '^nachbar '
"$(find "$dest" -path '*/sbin/nachbar')" check-config \
  "$(find "$dest" -path '*/etc/nachbar/nachbar.conf')" >/dev/null
echo "install layout and out-of-tree plugin build: ok"
