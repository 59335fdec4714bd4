#!/bin/sh
# The node condition RegistryCredentialsReady and its events, against the fake API server (which
# refuses anything but a strategic-merge patch of nodes/status and merges conditions by type, as
# the real one does): True after the first sync, False with SecretsRejected when a bad secret
# arrives (SyncPending before the first sync), False with PullTestFailed when the scheduled pull test fails, True again when fixed;
# kubelet's own Ready condition survives every patch; one Event per transition; heartbeats.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'node-pw-5656' 'node-pw-CHANGED'
require_tools docker-registry skopeo htpasswd openssl
push_test_image nodeuser 'node-pw-5656'
echo "token-node" >"$T/server-tokens"
echo "token-node" >"$T/token"
start_fake_apiserver --tls-cert "$T/pki/server.crt" --tls-key "$T/pki/server.key" --token-file "$T/server-tokens"
write_kubeconfig "$T/kubeconfig" "$API_URL" "{tokenFile: token}" "$T/pki/ca.crt"
api_put_secret apps pull "127.0.0.1:$REG_PORT" nodeuser 'node-pw-5656'

nodes() { api_curl "$API_URL/_fake/nodes" >"$T/nodes.json"; }
cond() { # field: of node-1's RegistryCredentialsReady
  nodes
  pycheck condition_field "$T/nodes.json" node-1 "$1"
}
cond_is() { [ "$(cond status) $(cond reason)" = "$1" ]; }
cond_says() { cond message | grep -q "$1"; }
events() { nodes; pycheck event_reasons "$T/nodes.json"; }

REGCRED_NODE_HEARTBEAT_S=2 start_regcredd --kubeconfig "$T/kubeconfig" --all-namespaces --node-conditions --node-name node-1 \
  --pull-test "$IMAGE" --pull-test-interval 2s --pull-test-ca-file "$T/pki/ca.crt"
wait_until 10 ready
check "True, CredentialsSynced after the first sync and the pull test" wait_until 10 cond_is "True CredentialsSynced"
check "kubelet's Ready condition is still there" pycheck node_has_condition "$T/nodes.json" node-1 Ready
check "every patch was a strategic-merge patch of nodes/node-1/status" \
  pycheck patches_are "$T/nodes.json" application/strategic-merge-patch+json
check "the message counts secrets and registries" cond_says 'pull secrets, 1 registries'
T1=$(cond lastTransitionTime)
H1=$(cond lastHeartbeatTime)
heartbeat_moved() { [ "$(cond lastHeartbeatTime)" != "$H1" ]; }
check "heartbeats move lastHeartbeatTime, not lastTransitionTime" wait_until 8 heartbeat_moved
check "  (transition time unchanged)" [ "$(cond lastTransitionTime)" = "$T1" ]

echo "# /metrics with a Kubernetes source"
watches() { curl -s --unix-socket "$D_SOCK" http://localhost/metrics | pycheck metric regcred_watch_restarts_total; }
W0=$(watches)
api_control close
more_watches() { [ "$(watches)" -gt "$W0" ]; }
check "a dropped watch shows in regcred_watch_restarts_total (was $W0)" wait_until 10 more_watches
api_control faults '{"status":410,"match":"watch","count":2}'
api_control close
relisted() { curl -s --unix-socket "$D_SOCK" http://localhost/metrics | grep -q '^regcred_relists_total [1-9]'; }
check "a 410 shows in regcred_relists_total" wait_until 30 relisted

echo "# a rejected secret"
$PY - "$T/bad.json" <<'PYEOF'
import json, sys
json.dump({"metadata": {"name": "broken", "namespace": "apps", "labels": {"regcred.io/sync": "true"}},
           "type": "kubernetes.io/dockerconfigjson", "data": {".dockerconfigjson": "bm90IGpzb24="}}, open(sys.argv[1], "w"))
PYEOF
api_curl -o /dev/null -X POST --data @"$T/bad.json" "$API_URL/api/v1/namespaces/apps/secrets"
check "False, SecretsRejected naming the secret" wait_until 10 cond_is "False SecretsRejected"
check "  the message names apps/broken" cond_says apps/broken
api_delete_secret apps broken
check "True again when it goes" wait_until 10 cond_is "True CredentialsSynced"

echo "# a failing pull test"
stop_pid "$REG_PID"
start_registry nodeuser 'node-pw-CHANGED'
check "False, PullTestFailed with the class" wait_until 15 cond_is "False PullTestFailed"
# The first test after the restart may still meet the old registry's connection going away
# (class connect); the next one meets the new password.
check "  the message says bad-credentials" wait_until 15 cond_says bad-credentials
api_put_secret apps pull "127.0.0.1:$REG_PORT" nodeuser 'node-pw-CHANGED'
check "True again after the secret is fixed" wait_until 15 cond_is "True CredentialsSynced"

E=$(events)
check "one Event per transition: $E" [ "$E" = "SyncPending CredentialsSynced SecretsRejected CredentialsSynced PullTestFailed CredentialsSynced" ]
nodes
check "events point at the node, Warning for False" pycheck events_point_at_node "$T/nodes.json" node-uid-node-1
check "no fixture password in the log or the API server's records" sh -c "! grep -q -e node-pw-5656 -e node-pw-CHANGED '$T/regcredd.log' '$T/nodes.json'"
finish
