#!/bin/sh
# build.sh BINDIR OUTDIR: regcred_<version>_<arch>.deb from a release build, with dpkg-deb alone
# (no debian/ source package: what the package holds is listed here, file by file).
set -eu
BIN=$(cd "$1" && pwd)
OUT=$(cd "$2" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
VERSION=$(sed -n 's/^project(regcred VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
ARCH=$(dpkg --print-architecture)
PKG="$OUT/deb/regcred_${VERSION}_$ARCH"
rm -rf "$PKG"
mkdir -p "$PKG/DEBIAN"
inst() { # mode src dest
  mkdir -p "$(dirname "$PKG/$3")"
  install -m "$1" "$2" "$PKG/$3"
}
strip_bin() { # src dest
  inst 0755 "$1" "$2"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$PKG/$2"
}
strip_bin "$BIN/regcredd" usr/sbin/regcredd
strip_bin "$BIN/regcredctl" usr/bin/regcredctl
strip_bin "$BIN/docker-credential-regcred" usr/bin/docker-credential-regcred
# The cluster-side controller, for the image its Deployment runs.
strip_bin "$BIN/regcred-publisher" usr/bin/regcred-publisher
# kubelet's --image-credential-provider-bin-dir: a folder of provider executables only.
strip_bin "$BIN/regcred-credential-provider" usr/libexec/regcred/kubelet/regcred-credential-provider
# regcredd's pull tests run in this (regcredd finds it in ../libexec/regcred from /usr/sbin).
strip_bin "$BIN/regcred-pull-worker" usr/libexec/regcred/regcred-pull-worker
inst 0644 "$SRC/systemd/regcredd.service" lib/systemd/system/regcredd.service
inst 0644 "$SRC/systemd/regcredd.socket" lib/systemd/system/regcredd.socket
inst 0644 "$SRC/systemd/regcred-pull-worker.socket" lib/systemd/system/regcred-pull-worker.socket
inst 0644 "$SRC/systemd/regcred-pull-worker@.service" lib/systemd/system/regcred-pull-worker@.service
inst 0644 "$SRC/systemd/regcred.sysusers" usr/lib/sysusers.d/regcred.conf
inst 0644 "$SRC/systemd/regcred.tmpfiles" usr/lib/tmpfiles.d/regcred.conf
inst 0644 "$SRC/packaging/regcredd.yaml" etc/regcred/regcredd.yaml
for f in "$SRC"/packaging/kubelet/*.yaml; do inst 0644 "$f" "usr/share/regcred/kubelet/$(basename "$f")"; done
for f in "$SRC"/packaging/rbac/*.yaml; do inst 0644 "$f" "usr/share/regcred/rbac/$(basename "$f")"; done
inst 0644 "$SRC/packaging/kubernetes/daemonset.yaml" usr/share/regcred/kubernetes/daemonset.yaml
for f in "$SRC"/packaging/publisher/*.yaml; do inst 0644 "$f" "usr/share/regcred/publisher/$(basename "$f")"; done
inst 0644 "$SRC/packaging/completion/regcredctl.bash" usr/share/bash-completion/completions/regcredctl
for m in "$SRC"/packaging/man/*.[18]; do
  sec=${m##*.}
  inst 0644 "$m" "usr/share/man/man$sec/$(basename "$m")"
  gzip -9n "$PKG/usr/share/man/man$sec/$(basename "$m")"
done
DOC="usr/share/doc/regcred"
inst 0644 "$SRC/README.md" "$DOC/README.md"
for d in daemon helpers pulltests operators publisher; do
  [ -f "$SRC/docs/$d.md" ] && inst 0644 "$SRC/docs/$d.md" "$DOC/$d.md"
done
cat >"$PKG/$DOC/copyright" <<COPY
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: regcred
Source: https://github.com/regcred/regcred

Files: *
Copyright: 2026 The regcred authors
License: Apache-2.0

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 can be found in
 /usr/share/common-licenses/Apache-2.0.
COPY
chmod 0644 "$PKG/$DOC/copyright"
printf 'regcred (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- regcred authors <regcred@example.com>  %s\n' \
  "$VERSION" "$VERSION" "$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git -C "$SRC" log -1 --format=%ct 2>/dev/null || date +%s)}")" \
  | gzip -9n >"$PKG/$DOC/changelog.gz"
chmod 0644 "$PKG/$DOC/changelog.gz"

# Dependencies from the binaries' shared libraries.
WORK="$OUT/deb/shlibs"
rm -rf "$WORK" && mkdir -p "$WORK/debian"
printf 'Source: regcred\n\nPackage: regcred\nArchitecture: any\n' >"$WORK/debian/control"
DEPENDS=$(cd "$WORK" && dpkg-shlibdeps -O -e"$PKG/usr/sbin/regcredd" -e"$PKG/usr/bin/regcredctl" \
  -e"$PKG/usr/bin/docker-credential-regcred" -e"$PKG/usr/libexec/regcred/regcred-pull-worker" \
  -e"$PKG/usr/bin/regcred-publisher" \
  -e"$PKG/usr/libexec/regcred/kubelet/regcred-credential-provider" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
SIZE=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
cat >"$PKG/DEBIAN/control" <<CTRL
Package: regcred
Version: $VERSION
Architecture: $ARCH
Maintainer: regcred authors <regcred@example.com>
Installed-Size: $SIZE
Depends: $DEPENDS
Recommends: systemd
Suggests: containerd
Section: admin
Priority: optional
Homepage: https://github.com/regcred/regcred
Description: keeps Kubernetes image-pull credentials working on every node
 regcredd watches the cluster's image pull secrets, checks them, and keeps
 kubelet's node-wide config.json and chosen docker config.json files in sync:
 merging, never clobbering what it did not write, writing atomically.
 .
 docker-credential-regcred (docker's credential helper protocol) and
 regcred-credential-provider (kubelet's exec credential provider) answer
 from it. regcredctl tests pulls from the node and walks the
 ImagePullBackOff checklist. regcred-publisher, run in the cluster,
 publishes the pull secrets an admin's policy allows on nodes.
CTRL
echo "/etc/regcred/regcredd.yaml" >"$PKG/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "$SRC/packaging/deb/$s" "$PKG/DEBIAN/$s"; done
(cd "$PKG" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum >DEBIAN/md5sums)
chmod 0644 "$PKG/DEBIAN/md5sums" "$PKG/DEBIAN/control" "$PKG/DEBIAN/conffiles"
dpkg-deb --root-owner-group --build "$PKG" "$OUT/regcred_${VERSION}_$ARCH.deb" >/dev/null
echo "$OUT/regcred_${VERSION}_$ARCH.deb"
