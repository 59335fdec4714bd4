#!/bin/sh
# The .deb `make deb` builds (make test builds it first): lintian has no error and no warning;
# it installs with dpkg into a throwaway root (maintainer scripts run, honouring DPKG_ROOT) and
# purges cleanly; the installed units pass `systemd-analyze verify` silently and score at most
# 1.7 on `systemd-analyze security`; the binaries, man pages, completion and the default config
# are where the guide says; a node with the default (unconfigured) config gets a clear message.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords # none: the package test handles no credential
DEB=$(ls "$REGCRED_SRC"/build/regcred_*_"$(dpkg --print-architecture)".deb 2>/dev/null | head -1)
[ -n "$DEB" ] || { echo "no .deb in build/: make test builds it (make deb)"; exit 1; }
echo "# $DEB"

if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 "$DEB" >"$T/lintian.txt" 2>&1 || true
  check "lintian: no error" sh -c "! grep -q '^E:' '$T/lintian.txt'"
  check "lintian: no warning" sh -c "! grep -q '^W:' '$T/lintian.txt'"
  cat "$T/lintian.txt" | grep -E '^[EW]:' || true
else
  not_ok "lintian is not installed (make deps installs it)"
fi

R="$T/root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers"
touch "$R/var/lib/dpkg/status" "$R/var/lib/dpkg/available"
# The root has no libc of its own: dependencies are the host's (--force-depends).
dpk() { dpkg --root="$R" --force-script-chrootless --force-depends --log=/dev/null "$@" >>"$T/dpkg.log" 2>&1; }
check "dpkg -i into a throwaway root" dpk -i "$DEB"
for f in usr/sbin/regcredd usr/bin/regcredctl usr/bin/docker-credential-regcred usr/bin/regcred-publisher \
  usr/libexec/regcred/kubelet/regcred-credential-provider usr/libexec/regcred/regcred-pull-worker \
  lib/systemd/system/regcredd.service lib/systemd/system/regcred-pull-worker.socket \
  lib/systemd/system/regcred-pull-worker@.service \
  lib/systemd/system/regcredd.socket usr/lib/sysusers.d/regcred.conf usr/lib/tmpfiles.d/regcred.conf \
  etc/regcred/regcredd.yaml usr/share/regcred/kubelet/credential-provider-config.yaml \
  usr/share/regcred/rbac/regcredd-direct.yaml usr/share/regcred/kubernetes/daemonset.yaml \
  usr/share/bash-completion/completions/regcredctl usr/share/man/man8/regcredd.8.gz \
  usr/share/man/man1/regcredctl.1.gz usr/share/man/man1/docker-credential-regcred.1.gz \
  usr/share/man/man8/regcred-credential-provider.8.gz usr/share/man/man8/regcred-publisher.8.gz \
  usr/share/regcred/publisher/deployment.yaml usr/share/regcred/publisher/policy.yaml \
  usr/share/regcred/rbac/regcred-publisher.yaml; do
  check "installed: /$f" test -e "$R/$f"
done
check "dpkg knows it as installed" sh -c "dpkg --root='$R' -s regcred | grep -q '^Status: install ok installed'"
check "the default config is a conffile" sh -c "dpkg --root='$R' -s regcred | grep -q '/etc/regcred/regcredd.yaml'"
for m in "$R"/usr/share/man/man*/*.gz; do
  check "man page renders: $(basename "$m")" sh -c "man -l -Tutf8 '$m' 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"
done
check "bash completion loads and completes commands" bash -c ". /usr/share/bash-completion/bash_completion 2>/dev/null; . '$R/usr/share/bash-completion/completions/regcredctl'; COMP_WORDS=(regcredctl do); COMP_CWORD=1; COMP_LINE='regcredctl do'; COMP_POINT=13; _regcredctl; [ \"\${COMPREPLY[*]}\" = doctor ]"
check "the installed binaries run" sh -c "'$R/usr/sbin/regcredd' --version && '$R/usr/bin/regcredctl' --version && '$R/usr/bin/docker-credential-regcred' version >/dev/null && '$R/usr/bin/regcred-publisher' --version"
# The installed regcredd runs its pull tests in the installed worker (../libexec/regcred): a test
# of a port nothing listens on gets as far as connect.
mkdir -p "$T/empty"
"$R/usr/sbin/regcredd" --config /dev/null --secrets-dir "$T/empty" --state-dir "$T/pkg-state" \
  --socket "$T/pkg.sock" --pull-test 127.0.0.1:1/app:v1 --pull-test-interval 1h >"$T/pkg-regcredd.log" 2>&1 &
PIDS="$PIDS $!"
check "the installed regcredd finds its pull worker (the test reached connect)" wait_until 15 sh -c \
  "curl -s --unix-socket '$T/pkg.sock' http://x/v1/pulltests | grep -q '\"phase\":\"connect\"'"
# A crash leaves no core file (it would hold every credential): the installed regcredd, a
# release build, killed by SIGABRT in a folder where the kernel's core pattern writes one, with
# no limit on its size; a shell killed the same way there shows a core would be written.
mkdir -p "$T/crash"
(cd "$T/crash" && ulimit -c unlimited && exec "$R/usr/sbin/regcredd" --config /dev/null \
  --secrets-dir "$T/empty" --state-dir "$T/crash-state" --socket "$T/crash.sock") >"$T/crash.log" 2>&1 &
crash_pid=$!
wait_until 15 test -S "$T/crash.sock" || true
kill -ABRT "$crash_pid"
wait "$crash_pid" 2>/dev/null || true
check "a crashing regcredd leaves no core file" sh -c "! ls '$T/crash' | grep -q '^core'"
mkdir -p "$T/crash-control"
(cd "$T/crash-control" && ulimit -c unlimited && sh -c 'kill -ABRT $$') 2>/dev/null || true
if ls "$T/crash-control" | grep -q '^core'; then
  ok "control: a shell killed the same way leaves a core file"
  rm -f "$T"/crash-control/core*
else
  echo "# the kernel's core pattern ($(cat /proc/sys/kernel/core_pattern)) writes no file here"
fi

set +e
"$R/usr/sbin/regcredd" --config "$R/etc/regcred/regcredd.yaml" --check-config >"$T/fresh.out" 2>&1; rc=$?
set -e
check "an unconfigured node: exit 2 and what to configure ($(cat "$T/fresh.out"))" \
  sh -c "[ $rc = 2 ] && grep -q 'no source: give --secrets-dir, --kubeconfig or --in-cluster' '$T/fresh.out'"
check "the unit does not restart on that exit (RestartPreventExitStatus=2)" grep -q '^RestartPreventExitStatus=2' "$R/lib/systemd/system/regcredd.service"

echo "# systemd"
if command -v systemd-analyze >/dev/null; then
  # The root also needs the host's own units (sysinit.target, ...) and /bin/sh for ExecReload.
  mkdir -p "$T/sysroot"
  cp -a "$R/." "$T/sysroot/"
  cp -a /lib/systemd/system/. "$T/sysroot/lib/systemd/system/"
  mkdir -p "$T/sysroot/bin" && cp -L /bin/sh "$T/sysroot/bin/sh"
  (cd "$T/sysroot" && systemd-analyze verify --root="$T/sysroot" --man=no \
    lib/systemd/system/regcredd.service lib/systemd/system/regcredd.socket \
    lib/systemd/system/regcred-pull-worker.socket) >"$T/verify.txt" 2>&1 || true
  check "systemd-analyze verify prints nothing" sh -c "[ ! -s '$T/verify.txt' ]" || cat "$T/verify.txt"
  systemd-analyze security --offline=yes --root="$T/sysroot" regcredd.service >"$T/security.txt" 2>&1 || true
  echo "# $(grep 'Overall exposure' "$T/security.txt")"
  check "systemd-analyze security --threshold=17 (exposure 1.7) passes" \
    sh -c "systemd-analyze security --offline=yes --root='$T/sysroot' --threshold=17 regcredd.service >/dev/null 2>&1"
  # The pull worker parses what registries send: lower still.
  check "the pull worker's unit: systemd-analyze security --threshold=12 (exposure 1.2) passes" \
    sh -c "systemd-analyze security --offline=yes --root='$T/sysroot' --threshold=12 regcred-pull-worker@0.service >/dev/null 2>&1"
else
  not_ok "systemd-analyze is not installed"
fi

echo "# removal"
mkdir -p "$R/var/lib/regcred" && echo secret-state >"$R/var/lib/regcred/credentials.json"
check "dpkg -r removes it" dpk -r regcred
check "the binaries are gone" sh -c "[ ! -e '$R/usr/sbin/regcredd' ] && [ ! -e '$R/usr/bin/docker-credential-regcred' ]"
check "the conffile stays until purge" test -e "$R/etc/regcred/regcredd.yaml"
check "dpkg --purge" dpk --purge regcred
check "purge removes the conffile and the credential store" sh -c "[ ! -e '$R/etc/regcred/regcredd.yaml' ] && [ ! -e '$R/var/lib/regcred' ]"
left=$(cd "$R" && find . -type f ! -path './var/lib/dpkg/*' | head -5)
check "nothing else is left behind${left:+: $left}" [ -z "$left" ]
finish
