#!/bin/sh
# regcred-publisher on the real API server, with the shipped RBAC (its ServiceAccount's token)
# and a node's regcredd in published mode beside it: the tenants' attacks each refused with an
# Event while the node's file keeps what it had; two replicas with exactly one writer (counted
# in the API server's audit log by user agent); a leader cut off from the API server stops
# leading within the renew deadline and writes nothing more; the standby takes over after a
# SIGKILL; with no publisher and across an API server restart nothing is withdrawn.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
fixture_passwords 'pubr-pw-'
credential_files kube/tokens.csv "kube/etcd/*" pub.kubeconfig

kube_start
check "the publisher's RBAC applies" kctl apply -f "$REGCRED_SRC/packaging/rbac/regcred-publisher.yaml"
check "the nodes' RBAC applies" kctl apply -f "$REGCRED_SRC/packaging/rbac/regcredd-published.yaml"
check "the policy example applies" kctl apply --dry-run=server -f "$REGCRED_SRC/packaging/publisher/policy.yaml"
check "the publisher's Deployment applies (server dry run)" kctl apply --dry-run=server -f "$REGCRED_SRC/packaging/publisher/deployment.yaml"
check "the nodes' DaemonSet applies (server dry run)" kctl apply --dry-run=server -f "$REGCRED_SRC/packaging/kubernetes/daemonset.yaml"
ds_field() { kctl apply --dry-run=server -f "$REGCRED_SRC/packaging/kubernetes/daemonset.yaml" -o jsonpath="$1"; }
check "  with the runtime's default seccomp profile" \
  test "$(ds_field '{.spec.template.spec.containers[0].securityContext.seccompProfile.type}')" = RuntimeDefault
check "  mounting only kubelet's folder, its state and its socket's" \
  test "$(ds_field '{.spec.template.spec.volumes[*].hostPath.path}')" = "/var/lib/kubelet /var/lib/regcred /run/regcred"
check "  the pull worker a container of its own, not root" \
  test "$(ds_field '{.spec.template.spec.containers[1].name} {.spec.template.spec.containers[1].securityContext.runAsUser} {.spec.template.spec.containers[1].securityContext.runAsNonRoot}')" = "pull-worker 65532 true"
check "  with nothing of the node's: only the pod's own socket folder" \
  test "$(ds_field '{.spec.template.spec.containers[1].volumeMounts[*].name}')" = pull-worker
for ns in team-a team-b tenant; do kctl create namespace "$ns" >/dev/null; done
printf 'apiVersion: v1\nkind: Node\nmetadata: {name: node-1}\n' | kctl apply -f - >/dev/null
cat >"$T/policy.yaml" <<'POLICY'
publishers:
  - namespace: team-a
    registries: [registry.a.example, shared.example]
  - namespace: team-b
    registries: [registry.b.example, registry.a.example, shared.example]
maxSecretsPerNamespace: 5
POLICY
kctl -n regcred-system create configmap regcred-policy --from-file=policy.yaml="$T/policy.yaml" >/dev/null
TOKEN=$(kctl -n regcred-system create token regcred-publisher --duration 2h)
write_kubeconfig "$T/pub.kubeconfig" "$KUBE_URL" "{token: $TOKEN}" "$K/ca.crt"

# pull_secret NS NAME SERVER USER PASSWORD: a labelled pull secret, as a tenant makes it.
pull_secret() {
  kctl -n "$1" create secret docker-registry "$2" --docker-server="$3" --docker-username="$4" \
    --docker-password="$5" --dry-run=client -o yaml |
    kctl label --local -f - regcred.io/sync=true -o yaml | kctl apply -f - >/dev/null
}
# start_publisher NAME [VAR=VALUE...]: a replica with identity NAME; its status on $T/NAME.port.
start_publisher() {
  name=$1; shift
  port=$(free_port)
  echo "$port" >"$T/$name.port"
  env "$@" "$REGCRED_BIN/regcred-publisher" --kubeconfig "$T/pub.kubeconfig" --identity "$name" \
    --listen "127.0.0.1:$port" --log-level debug >>"$T/$name.log" 2>&1 &
  echo $! >"$T/$name.pid"
  PIDS="$PIDS $!"
}
pub_status() { curl -s "http://127.0.0.1:$(cat "$T/$1.port")/v1/status"; }
leading() { pub_status "$1" | $PY -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["election"]["leading"] else 1)'; }
not_leading() { ! leading "$1"; }
holder() { kctl -n regcred-system get lease regcred-publisher -o jsonpath='{.spec.holderIdentity}'; }
holder_is() { [ "$(holder)" = "$1" ]; }
published() { kctl -n regcred-system get secret "$1" >/dev/null 2>&1; }
not_published() { ! published "$1"; }
origin_is() { [ "$(kctl -n regcred-system get secret "$1" -o jsonpath='{.metadata.annotations.regcred\.io/origin}')" = "$2" ]; }
event_says() { # NS NAME TEXT: an Event on that Secret whose message holds TEXT
  kctl -n "$1" get events --field-selector "involvedObject.kind=Secret,involvedObject.name=$2" \
    -o jsonpath='{range .items[*]}{.reason}: {.message}{"\n"}{end}' >"$T/events.txt"
  grep -q -- "$3" "$T/events.txt"
}
published_count() { kctl -n regcred-system get secrets -l regcred.io/published=true -o name | wc -l; }
writes_by() { kube_writes "regcred-publisher/" | grep "($1)" | grep -v ' 409 ' || true; }
writes_since() { # ISO-TIME: successful writes of any replica at or after it
  kube_writes "regcred-publisher/" | awk -v t="$1" '$1 >= t && $3 < 400'
}

echo "# one replica, a node"
PROXY_PORT=$(free_port)
$PY "$REGCRED_SRC/tests/fakes/connect_proxy.py" --port "$PROXY_PORT" --port-file "$T/proxy.port" --log "$T/proxy.log" >/dev/null 2>&1 &
PROXY_PID=$!
PIDS="$PIDS $PROXY_PID"
# p1 reaches the API server only through a proxy the test can cut.
start_publisher p1 HTTPS_PROXY="http://127.0.0.1:$PROXY_PORT"
check "p1 takes the lease" wait_until 20 holder_is p1
check "  and says it leads" wait_until 10 leading p1
kube_client node1 regcred:node:node-1 regcred:nodes
KUB=$T/kubelet/config.json
start_regcredd --kubeconfig "$K/node1.kubeconfig" --published-namespace regcred-system \
  --kubelet-config "$KUB" --node-name node-1 --node-conditions
check "regcredd is ready" wait_until 30 ready

pull_secret team-a app registry.a.example builder pubr-pw-a
check "team-a's secret is published as regcred-system/team-a.app" wait_until 15 published team-a.app
check "  naming its origin" origin_is team-a.app team-a/app
check "  and reaches kubelet's file on the node" wait_until 15 auth_is "$KUB" registry.a.example builder:pubr-pw-a
condition_is() {
  [ "$(kctl get node node-1 -o jsonpath='{.status.conditions[?(@.type=="RegistryCredentialsReady")].status}')" = "$1" ]
}
check "node-1's RegistryCredentialsReady is True" wait_until 15 condition_is True

echo "# the tenants' attacks"
pull_secret tenant hub https://index.docker.io/v1/ tenant pubr-pw-hub
check "a tenant's Docker Hub credential gets an Event: its namespace is not in the policy" \
  wait_until 15 event_says tenant hub "the policy lists no publisher for namespace tenant"
check "  it is not published" not_published tenant.hub
check "  and no Docker Hub key reaches the node" lacks_key "$KUB" https://index.docker.io/v1/
pull_secret team-a hub docker.io team-a pubr-pw-hub2
check "a listed namespace's Docker Hub credential, no entry naming it: an Event" \
  wait_until 15 event_says team-a hub "no registries entry of namespace team-a covers index.docker.io"
check "  not published" not_published team-a.hub
pull_secret team-b steal registry.a.example thief pubr-pw-steal
check "team-b claiming team-a's published key: an Event naming the holder" \
  wait_until 15 event_says team-b steal "registry.a.example is published from namespace team-a"
check "  team-b's secret is not published" not_published team-b.steal
check "  the node keeps team-a's credential" auth_is "$KUB" registry.a.example builder:pubr-pw-a
pub_status p1 >"$T/status.json"
check "  the publisher's status shows the refusal" grep -q '"verdict":"claimed-elsewhere"' "$T/status.json"
curl -s "http://127.0.0.1:$(cat "$T/p1.port")/metrics" >"$T/metrics.txt"
check "  and its metrics count it" grep -q 'regcred_publisher_refused{verdict="claimed-elsewhere"} 1' "$T/metrics.txt"
echo "# regcredctl on the node"
ctl() { REGCRED_SOCKET="$D_SOCK" REGCRED_STATE_DIR="$T/state" "$REGCRED_BIN/regcredctl" "$@"; }
ctl status >"$T/ctl-status.txt"
check "regcredctl status names the published secret, its origin and its keys" \
  grep -q "^PUBLISHED   regcred-system/team-a.app from team-a/app: registry.a.example$" "$T/ctl-status.txt"
ctl doctor registry.a.example/app:v1 -n team-a --secret app -o json >"$T/doctor-a.json" 2>"$T/doctor-a.err" || true
check "doctor -n team-a --secret app: the key kubelet tries, published from team-a/app" \
  pycheck doctor_step_is "$T/doctor-a.json" "pull secret exists" passed "from team-a/app"
ctl doctor registry.a.example/app:v1 -n team-b --secret steal -o json >"$T/doctor-b.json" 2>"$T/doctor-b.err" || true
check "doctor -n team-b --secret steal: the policy keeps it off nodes; kubelet still uses it" \
  pycheck doctor_step_is "$T/doctor-b.json" "pull secret exists" skipped "the admin's policy keeps it off nodes"
check "  the hint points at the publisher's Event" grep -q "get events --field-selector involvedObject.kind=Secret,involvedObject.name=steal" "$T/doctor-b.json"

before=$(published_count)
# flood NS SERVER: 20 labelled pull secrets in one kubectl apply.
flood() {
  i=0
  : >"$T/flood.yaml"
  while [ $i -lt 20 ]; do
    kctl -n "$1" create secret docker-registry "flood-$i" --docker-server="$2" \
      --docker-username=f --docker-password=pubr-pw-flood --dry-run=client -o yaml |
      kctl label --local -f - regcred.io/sync=true -o yaml >>"$T/flood.yaml"
    echo "---" >>"$T/flood.yaml"
    i=$((i + 1))
  done
  kctl apply -f "$T/flood.yaml" >/dev/null
}
refused_count() { pub_status p1 | grep -o "\"verdict\":\"$1\"" | wc -l; }
flood tenant registry.a.example
flood_refused() { [ "$(refused_count namespace-not-listed)" -ge 21 ]; }
check "a flood of 20 labelled secrets from an unlisted tenant: all refused" wait_until 20 flood_refused
check "  nothing more is published" test "$(published_count)" -eq "$before"
check "  the node keeps team-a's credential" auth_is "$KUB" registry.a.example builder:pubr-pw-a
flood team-b registry.b.example
team_b_published() { kctl -n regcred-system get secrets -l regcred.io/published=true -o name | grep -c 'team-b\.flood-' || true; }
bound_held() {
  echo "published $(team_b_published), refused $(refused_count too-many-secrets)" >"$T/bound.txt"
  pub_status p1 >"$T/bound-status.json"
  [ $(( $(team_b_published) + $(refused_count too-many-secrets) )) -eq 20 ]
}
check "a flood of 20 from team-b, bound 5: each secret published or refused" wait_until 20 bound_held
check "  at most 5 published ($(team_b_published))" test "$(team_b_published)" -le 5
# Valid JSON (the API server checks that much), an auth that is not base64: kubelet fails on it.
kctl -n team-a create secret generic broken --type=kubernetes.io/dockerconfigjson \
  --from-literal=.dockerconfigjson='{"auths":{"registry.a.example":{"auth":"%%%"}}}' --dry-run=client -o yaml |
  kctl label --local -f - regcred.io/sync=true -o yaml | kctl apply -f - >/dev/null
check "a broken tenant secret: an Event on it" wait_until 15 event_says team-a broken SecretNotPublished
check "  node-1's condition stays True" condition_is True
check "  the node keeps team-a's credential" auth_is "$KUB" registry.a.example builder:pubr-pw-a

echo "# two replicas, one writer"
start_publisher p2
sleep 3
check "p2 waits: p1 holds the lease" holder_is p1
pull_secret team-a second shared.example builder pubr-pw-a2
check "a second secret of team-a is published" wait_until 20 published team-a.second
writes_by p1 >"$T/writes-p1.txt"
writes_by p2 >"$T/writes-p2.txt"
check "  p1 made the writes ($(wc -l <"$T/writes-p1.txt"))" test -s "$T/writes-p1.txt"
check "  p2 made none (secrets, events, the lease)" test ! -s "$T/writes-p2.txt"

echo "# the leader cut off from the API server"
CUT=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
CUT_S=$(date +%s)
stop_pid "$PROXY_PID"
check "p1 stops leading within the renew deadline (10 s)" wait_until 12 not_leading p1
STOPPED_S=$(date +%s)
check "p2 takes the lease after it could expire" wait_until 30 holder_is p2
TAKEN_S=$(date +%s)
ok "  cut -> p1 stops: $((STOPPED_S - CUT_S)) s; cut -> p2 holds: $((TAKEN_S - CUT_S)) s"
check "  p1 had stopped before p2 held the lease" test "$STOPPED_S" -le "$TAKEN_S"
pull_secret team-a third registry.a.example/third builder pubr-pw-a3
check "p2 publishes what changes now" wait_until 20 published team-a.third
$PY "$REGCRED_SRC/tests/fakes/connect_proxy.py" --port "$PROXY_PORT" --port-file "$T/proxy.port" --log "$T/proxy.log" >/dev/null 2>&1 &
PROXY_PID=$!
PIDS="$PIDS $PROXY_PID"
sleep 6
writes_since "$CUT" | grep "(p1)" >"$T/p1-after-cut.txt" || true
check "p1 wrote nothing after the cut, reconnected or not" test ! -s "$T/p1-after-cut.txt"
check "  and stays a standby" holder_is p2

echo "# the leader killed"
kill -9 "$(cat "$T/p2.pid")"
KILL_S=$(date +%s)
check "p1 takes the lease after p2's SIGKILL" wait_until 30 holder_is p1
TAKEOVER_S=$(date +%s)
# client-go's bound: the lease (15 s) from when the standby last saw it renewed, which lags the
# renewal by up to one try (2 s, jitter 1.2: 4.4 s), then up to one more try.
check "  SIGKILL -> p1 holds: $((TAKEOVER_S - KILL_S)) s, within 15 + 2 x 4.4 s" \
  test $((TAKEOVER_S - KILL_S)) -le 24
kctl -n team-a delete secret third >/dev/null
check "  p1 withdraws a deleted source's secret" wait_until 20 not_published team-a.third

echo "# no publisher, then the API server restarted"
kill "$(cat "$T/p1.pid")"
count=$(published_count)
kctl -n team-a delete secret app >/dev/null
sleep 3
check "with no publisher, the published secret stays" published team-a.app
check "  and the node keeps it" auth_is "$KUB" registry.a.example builder:pubr-pw-a
pull_secret team-a app registry.a.example builder pubr-pw-a
kube_restart
RESTART=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
check "after the API server restarts, the node still has team-a's credential" \
  wait_until 20 auth_is "$KUB" registry.a.example builder:pubr-pw-a
start_publisher p1 HTTPS_PROXY="http://127.0.0.1:$PROXY_PORT"
check "a publisher started again leads" wait_until 30 holder_is p1
sleep 4
writes_since "$RESTART" | grep ' delete ' >"$T/deletes.txt" || true
check "  no delete since the restart" test ! -s "$T/deletes.txt"
check "  the published count is as before ($count)" test "$(published_count)" -eq "$count"
check "  node-1's condition is True" condition_is True
finish
