#!/bin/sh
# Prints the path of a Debian 12 root folder that boots under systemd-nspawn (systemd as PID 1,
# dbus) and already holds the dependencies of the .deb given, so installing the package needs
# no network. Built with debootstrap once per dependency set (and per version of this script)
# into a cache outside the clone, REGCRED_BOOT_CACHE (default /var/cache/regcred-tests/boot);
# other versions there are removed. A fresh build costs about a minute.
set -eu
DEB=$1
CACHE=${REGCRED_BOOT_CACHE:-/var/cache/regcred-tests/boot}
MIRROR=${REGCRED_DEBIAN_MIRROR:-http://deb.debian.org/debian}
deps=$(dpkg-deb -f "$DEB" Depends | sed 's/([^)]*)//g; s/[[:space:]]//g')
key=$({ cat "$0"; echo "$deps"; } | sha256sum | cut -c1-16)
root="$CACHE/bookworm-$key"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9
if [ ! -e "$root/.complete" ]; then
  for old in "$CACHE"/bookworm-*; do [ -e "$old" ] && rm -rf "$old"; done
  echo "# rootfs: debootstrap bookworm into $root" >&2
  debootstrap --variant=minbase --include="systemd,systemd-sysv,dbus,passwd,$deps" bookworm \
    "$root.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
  # A node of its own: no machine id shared between copies, a host name of its own.
  : >"$root.tmp/etc/machine-id"
  echo node-1 >"$root.tmp/etc/hostname"
  touch "$root.tmp/.complete"
  mv "$root.tmp" "$root"
fi
echo "$root"
