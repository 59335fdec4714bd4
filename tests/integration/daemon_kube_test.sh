#!/bin/sh
# regcredd against the fake API server: list+watch, add/modify/delete, both secret types, both
# 410 forms, bookmarks, 429 + Retry-After, a token rotated after a 401, the API server killed
# and restarted with and without its history, namespaces; and kubectl against the same fake, so
# the fake stays faithful to the real wire format.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'kube-pw-' 'token-one' 'token-two' 'proxy-pw-'

echo "token-one" >"$T/server-tokens"
echo "token-one" >"$T/token"
make_pki
# Client certificates from the test CA authenticate too; a list of 400 bytes or more goes back
# gzip'd (kube-apiserver's threshold is 128 KiB: the same path, with fewer secrets).
TLS="--tls-cert $T/pki/server.crt --tls-key $T/pki/server.key --client-ca $T/pki/ca.crt --gzip-min 400"
start_fake_apiserver $TLS --token-file "$T/server-tokens" --state "$T/api.state" --bookmark-interval 0.3
write_kubeconfig "$T/kubeconfig" "$API_URL" "{tokenFile: token}" "$T/pki/ca.crt"
KUB=$T/kubelet/config.json

api_put_secret team-a app registry.a.example:5000 builder kube-pw-1111
api_put_secret team-b web registry.b.example builder kube-pw-2222
api_put_secret team-c hidden hidden.example nobody kube-pw-3333 '{}'
# A legacy .dockercfg secret.
$PY - >"$T/dockercfg.json" <<'PYEOF'
import base64, json
cfg = json.dumps({"legacy.example": {"auth": base64.b64encode(b"old:kube-pw-4444").decode()}})
print(json.dumps({"metadata": {"name": "legacy", "namespace": "team-a",
                  "labels": {"regcred.io/sync": "true"}}, "type": "kubernetes.io/dockercfg",
                  "data": {".dockercfg": base64.b64encode(cfg.encode()).decode()}}))
PYEOF
api_curl -o /dev/null -X POST --data @"$T/dockercfg.json" "$API_URL/api/v1/namespaces/team-a/secrets"

# kubectl sees what the fake serves (real client-go, list and watch).
KC="kubectl --kubeconfig $T/kubeconfig --token token-one"
check "kubectl get secrets -A lists the fake's secrets" sh -c "$KC get secrets -A 2>&1 | grep -q 'team-b.*web'"
(timeout 4 $KC get secrets -n team-a --watch --output-watch-events >"$T/kubectl-watch.out" 2>&1 || true) &
WPID=$!
sleep 1.5
api_put_secret team-a app registry.a.example:5000 builder kube-pw-1111
wait "$WPID" || true
check "kubectl get --watch sees a MODIFIED event from the fake" grep -q "MODIFIED.*app" "$T/kubectl-watch.out"

# Only the daemon's requests from here on (kubectl's are in the log before them).
N0=$(api_curl "$API_URL/_fake/requests" | json_get - 'len(d)')
# The phases below follow each other within seconds, so a stream's backoff grows across them
# as client-go's does (it resets only after 2 quiet minutes): a stream may be asleep for up to
# 30 s x 2 (jitter) when a phase starts. Waits after a fault allow for that.
RECOVER=65
start_regcredd --kubeconfig "$T/kubeconfig" --all-namespaces --kubelet-config "$KUB"
check "ready after the first list of every stream" wait_until 15 ready
check "a dockerconfigjson secret is written" auth_is "$KUB" registry.a.example:5000 builder:kube-pw-1111
check "a dockercfg secret is written" auth_is "$KUB" legacy.example old:kube-pw-4444
check "an unlabelled secret is not" lacks_key "$KUB" hidden.example

api_curl "$API_URL/_fake/requests" | json_get - "json.dumps(d[$N0:])" >"$T/requests.json"
first_list() { json_get "$T/requests.json" "[r['query'] for r in d if r['path']=='/api/v1/secrets' and 'watch' not in r['query']][0]"; }
first_watch() { json_get "$T/requests.json" "[r['query'] for r in d if r['path']=='/api/v1/secrets' and r['query'].get('watch')=='true'][0]"; }
GZIPPED=$(json_get "$T/requests.json" "len([r for r in d if r.get('gzip')])")
check "lists came back gzip'd ($GZIPPED), and were read (the secrets above)" [ "$GZIPPED" -gt 0 ]
check "the list is paged (limit=500)" sh -c "echo \"$(first_list)\" | grep -q \"'limit': '500'\""
check "the list asks for the label selector" sh -c "echo \"$(first_list)\" | grep -q \"'labelSelector': 'regcred.io/sync=true'\""
check "both secret types are listed (two field selectors)" sh -c \
  "[ \"$(json_get "$T/requests.json" "len(set(r['query'].get('fieldSelector') for r in d if r['path']=='/api/v1/secrets'))")\" = 2 ]"
check "the watch asks for bookmarks" sh -c "echo \"$(first_watch)\" | grep -q \"'allowWatchBookmarks': 'true'\""
timeout_ok() { t=$(json_get "$T/requests.json" "[int(r['query']['timeoutSeconds']) for r in d if r['query'].get('watch')=='true'][0]"); [ "$t" -ge 300 ] && [ "$t" -lt 600 ]; }
check "the watch timeout is random in [300, 600)" timeout_ok
watch_rv_is_list_rv() {
  list_rv=$(sed -n 's/.*listed stream=.*dockerconfigjson.* resourceVersion=\([0-9]*\)$/\1/p' "$T/regcredd.log" | head -n1)
  watch_rv=$(json_get "$T/requests.json" "[r['query']['resourceVersion'] for r in d if r['query'].get('watch')=='true' and r['query']['fieldSelector'].endswith('dockerconfigjson')][0]")
  [ -n "$list_rv" ] && [ "$watch_rv" = "$list_rv" ]
}
check "the watch starts from the list's resourceVersion" watch_rv_is_list_rv

# Changes through the watch.
api_put_secret team-a app registry.a.example:5000 builder kube-pw-5555
check "MODIFIED reaches the file" wait_until 5 auth_is "$KUB" registry.a.example:5000 builder:kube-pw-5555
api_put_secret team-d new registry.d.example deployer kube-pw-6666
check "ADDED reaches the file" wait_until 5 auth_is "$KUB" registry.d.example deployer:kube-pw-6666
api_delete_secret team-d new
check "DELETED removes the entry" wait_until 5 lacks_key "$KUB" registry.d.example
api_put_secret team-b web registry.b.example builder kube-pw-2222 '{"regcred.io/sync":"false"}'
check "a secret that loses its label goes (ADDED/DELETED by selector)" wait_until 5 lacks_key "$KUB" registry.b.example
api_put_secret team-b web registry.b.example builder kube-pw-2222

lists() { json_get "$T/requests.json" "len([r for r in d if 'watch' not in r['query'] and r['path'].endswith('/secrets')])"; }
refresh() { api_curl "$API_URL/_fake/requests" >"$T/requests.json"; }
refresh; L0=$(lists)

# Bookmarks: a change the watch does not see (unlabelled secret) moves the RV on; after a cut,
# the watch resumes from the bookmark's RV without a relist.
api_put_secret team-c hidden hidden.example nobody kube-pw-3333 '{}'
sleep 1
RV_NOW=$(json_get - 'd["rv"]' <<EOF2
$(api_curl "$API_URL/_fake/state")
EOF2
)
api_control close
sleep 1
refresh
last_watch_rv() { json_get "$T/requests.json" "[r['query']['resourceVersion'] for r in d if r['query'].get('watch')=='true'][-1]"; }
check "a watch resumes from the bookmark's resourceVersion ($RV_NOW)" [ "$(last_watch_rv)" = "$RV_NOW" ]
check "a watch that ends is resumed without a relist" [ "$(lists)" = "$L0" ]

# 410 as an ERROR event in a 200 stream: relist.
api_control faults '{"status":410,"match":"watch","event":true,"count":2}'
api_control close
more_lists_than() { refresh; [ "$(lists)" -gt "$1" ]; }
# Two faults, one per stream: wait for both relists, so no fault is left over for the phases
# after this one.
check "an ERROR 410 event makes it list again" wait_until "$RECOVER" more_lists_than "$((L0 + 1))"
refresh; L1=$(lists)
# 410 as an HTTP status: relist too.
api_control faults '{"status":410,"match":"watch","count":2}'
api_control close
check "an HTTP 410 makes it list again" wait_until "$RECOVER" more_lists_than "$((L1 + 1))"
check "still in sync after the relists" wait_until 5 auth_is "$KUB" registry.b.example builder:kube-pw-2222

# 429 with Retry-After: 2 s between the refused watch and the next one, no relist.
refresh; L2=$(lists)
api_control faults '{"status":429,"retryAfter":2,"match":"watch","count":1}'
api_control close
gap() { json_get "$T/requests.json" "(lambda i: round([r for r in d[i+1:] if r['query'].get('fieldSelector')==d[i]['query'].get('fieldSelector')][0]['time']-d[i]['time'],2))([k for k,r in enumerate(d) if r.get('fault')==429][0])"; }
retried() { refresh; gap >/dev/null 2>&1; }
wait_until "$RECOVER" retried || true
gap_ok() {
  g=$(gap)
  echo "# gap after 429: ${g}s"
  $PY -c "import sys; sys.exit(0 if float('$g') >= 1.9 else 1)"
}
check "Retry-After is honoured after a 429" gap_ok
check "a 429 does not relist" [ "$(lists)" = "$L2" ]

# Token rotation: the server takes only a new token; the daemon re-reads its token file on 401.
echo "token-two" >"$T/token"
echo "token-two" >"$T/server-tokens"
api_control close
api_put_secret team-a app registry.a.example:5000 builder kube-pw-7777
check "after a 401 the rotated token is read and sync goes on" wait_until "$RECOVER" auth_is "$KUB" registry.a.example:5000 builder:kube-pw-7777
check "the 401 was seen and handled" grep -q "unauthorized; reading the credential again" "$T/regcredd.log"

# The API server dies mid-watch and comes back with its history: nothing lost, a resume.
kill -KILL "$API_PID"; wait "$API_PID" 2>/dev/null || true
sleep 2
check "while the API server is down, nothing is removed" auth_is "$KUB" registry.a.example:5000 builder:kube-pw-7777
check "status shows the outage" sh -c "curl -s --unix-socket '$D_SOCK' http://l/v1/status | grep -q 'lastError'"
refresh_rv=$(json_get "$T/api.state" 'd["rv"]')
start_fake_apiserver $TLS --port "$API_PORT" --token-file "$T/server-tokens" --state "$T/api.state" --bookmark-interval 0.3
api_put_secret team-b web registry.b.example builder kube-pw-8888
check "after a restart with history the watch resumes and changes flow" wait_until "$RECOVER" auth_is "$KUB" registry.b.example builder:kube-pw-8888
refresh
resumed_without_list() { [ "$(json_get "$T/requests.json" "len([r for r in d if 'watch' not in r['query'] and r['path'].endswith('/secrets')])")" = 0 ]; }
check "the restarted server saw watches, not lists (resume)" resumed_without_list

# It dies again; meanwhile a secret is deleted and another added, and the history is lost.
kill -KILL "$API_PID"; wait "$API_PID" 2>/dev/null || true
$PY - "$T/api.state" <<'PYEOF'
import base64, json, sys
st = json.load(open(sys.argv[1]))
del st["objects"]["team-a/legacy"]
st["rv"] += 10
cfg = json.dumps({"auths": {"registry.e.example": {"auth": base64.b64encode(b"e:kube-pw-9999").decode()}}})
st["objects"]["team-e/fresh"] = {"metadata": {"name": "fresh", "namespace": "team-e", "uid": "u-e",
    "resourceVersion": str(st["rv"]), "labels": {"regcred.io/sync": "true"}},
    "type": "kubernetes.io/dockerconfigjson",
    "data": {".dockerconfigjson": base64.b64encode(cfg.encode()).decode()}}
json.dump(st, open(sys.argv[1], "w"))
PYEOF
sleep 1.5
check "down again: the vanished secret's entry is still there" auth_is "$KUB" legacy.example old:kube-pw-4444
start_fake_apiserver $TLS --port "$API_PORT" --token-file "$T/server-tokens" --state "$T/api.state" --no-history-on-restart
check "without history: relist, the new secret arrives" wait_until "$RECOVER" auth_is "$KUB" registry.e.example e:kube-pw-9999
check "without history: the vanished secret goes after the relist" wait_until "$RECOVER" lacks_key "$KUB" legacy.example
check "without history: the others stay" auth_is "$KUB" registry.a.example:5000 builder:kube-pw-7777
stop_pid "$D_PID"

# Namespaces: one path per namespace.
"$REGCRED_BIN/regcredd" --config /dev/null --once --kubeconfig "$T/kubeconfig" --namespace team-a \
  --state-dir "$T/state-ns" --kubelet-config "$T/ns/config.json" >"$T/ns.log" 2>&1
check "--namespace: that namespace's secrets" auth_is "$T/ns/config.json" registry.a.example:5000 builder:kube-pw-7777
check "--namespace: no other namespace's" lacks_key "$T/ns/config.json" registry.b.example
refresh
check "--namespace: namespaced paths are used" grep -q '/api/v1/namespaces/team-a/secrets' "$T/requests.json"

# Other identities, each with --once: an exec credential plugin, tls-server-name, in-cluster.
cat >"$T/exec-plugin.sh" <<'PLUGEOF'
#!/bin/sh
# Sees KUBERNETES_EXEC_INFO, answers with an ExecCredential.
case "$KUBERNETES_EXEC_INFO" in *'"kind":"ExecCredential"'*) ;; *) exit 3 ;; esac
echo "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"$(cat "$TOKEN_PATH")\",\"expirationTimestamp\":\"2099-01-01T00:00:00Z\"}}"
PLUGEOF
chmod +x "$T/exec-plugin.sh"
write_kubeconfig "$T/kc-exec" "$API_URL" "{exec: {apiVersion: client.authentication.k8s.io/v1, command: ./exec-plugin.sh, interactiveMode: Never, env: [{name: TOKEN_PATH, value: $T/token}]}}" "$T/pki/ca.crt"
check "an exec credential plugin (relative command) authenticates" "$REGCRED_BIN/regcredd" --config /dev/null --once \
  --kubeconfig "$T/kc-exec" --all-namespaces --state-dir "$T/state-exec" --kubelet-config "$T/exec/config.json" --log-level error
# A plugin that prints its credential, closes its output and never exits: killed 5 s after,
# the request fails; regcredd does not wait for it for ever.
cat >"$T/exec-hang.sh" <<'PLUGEOF'
#!/bin/sh
echo '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"x"}}'
exec >&- 2>&-
sleep 1000
PLUGEOF
chmod +x "$T/exec-hang.sh"
write_kubeconfig "$T/kc-hang" "$API_URL" "{exec: {apiVersion: client.authentication.k8s.io/v1, command: ./exec-hang.sh, interactiveMode: Never}}" "$T/pki/ca.crt"
hang_ends() {
  set +e
  timeout 40 "$REGCRED_BIN/regcredd" --config /dev/null --once --ready-timeout 20s --kubeconfig "$T/kc-hang" \
    --all-namespaces --state-dir "$T/state-hang" --kubelet-config "$T/hang/config.json" >"$T/hang.log" 2>&1
  rc=$?
  set -e
  [ "$rc" = 1 ] && grep -q "exec-hang.sh: exited with a signal" "$T/hang.log"
}
check "an exec plugin that closes its output and hangs is killed; regcredd goes on (exit 1)" hang_ends
pkill -f "$T/exec-hang.sh" 2>/dev/null || true
# tls-server-name: connect to 127.0.0.1, verify the certificate as "localhost".
sed "s|certificate-authority: .*|certificate-authority: $T/pki/ca.crt\n    tls-server-name: localhost|" "$T/kubeconfig" >"$T/kc-sni"
check "tls-server-name is what the certificate is checked against" "$REGCRED_BIN/regcredd" --config /dev/null --once \
  --kubeconfig "$T/kc-sni" --all-namespaces --state-dir "$T/state-sni" --kubelet-config "$T/sni/config.json" --log-level error
sed "s|certificate-authority: .*|certificate-authority: $T/pki/ca.crt\n    tls-server-name: wrong.example|" "$T/kubeconfig" >"$T/kc-badsni"
set +e
"$REGCRED_BIN/regcredd" --config /dev/null --once --ready-timeout 3s --kubeconfig "$T/kc-badsni" --all-namespaces \
  --state-dir "$T/state-badsni" --kubelet-config "$T/badsni/config.json" >"$T/badsni.log" 2>&1; rc=$?
set -e
check "a certificate that does not match tls-server-name is refused" [ "$rc" = 1 ]
check "and nothing is written" [ ! -e "$T/badsni/config.json" ]
check "the refusal names the certificate name and why" \
  grep -qi "TLS with wrong.example: .*hostname mismatch" "$T/badsni.log"
# A client certificate and key instead of a token: as files, and as data in the kubeconfig.
(
  cd "$T/pki"
  openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=regcredd" 2>/dev/null
  printf "extendedKeyUsage=clientAuth\n" >client.cnf
  openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt \
    -days 2 -extfile client.cnf 2>/dev/null
)
N1=$(api_curl "$API_URL/_fake/requests" | json_get - 'len(d)')
write_kubeconfig "$T/kc-cert" "$API_URL" "{client-certificate: pki/client.crt, client-key: pki/client.key}" "$T/pki/ca.crt"
check "a client certificate (files) authenticates" "$REGCRED_BIN/regcredd" --config /dev/null --once \
  --kubeconfig "$T/kc-cert" --all-namespaces --state-dir "$T/state-cert" --kubelet-config "$T/cert/config.json" --log-level error
check "and the file is the one a token writes" cmp -s "$T/sni/config.json" "$T/cert/config.json"
write_kubeconfig "$T/kc-certdata" "$API_URL" \
  "{client-certificate-data: $(base64 -w0 "$T/pki/client.crt"), client-key-data: $(base64 -w0 "$T/pki/client.key")}" "$T/pki/ca.crt"
check "a client certificate (data) authenticates" "$REGCRED_BIN/regcredd" --config /dev/null --once \
  --kubeconfig "$T/kc-certdata" --all-namespaces --state-dir "$T/state-certdata" --kubelet-config "$T/certdata/config.json" --log-level error
AUTHS=$(api_curl "$API_URL/_fake/requests" | json_get - "sorted(set(r['auth'] for r in d[$N1:] if r['path'] == '/api/v1/secrets'))")
check "the API server saw the certificate and no token ($AUTHS)" [ "$AUTHS" = "['cert:regcredd']" ]
# The cluster's CA file replaced on disk (a rotated service account CA): regcredd, refused by
# the wrong CA, picks the new file up on its next connection, without a restart.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/other-ca.key" -out "$T/other-ca.crt" -days 2 \
  -subj "/CN=some-other-ca" 2>/dev/null
cp "$T/other-ca.crt" "$T/rotating-ca.crt"
write_kubeconfig "$T/kc-rotate" "$API_URL" "{tokenFile: token}" "$T/rotating-ca.crt"
"$REGCRED_BIN/regcredd" --config /dev/null --kubeconfig "$T/kc-rotate" --all-namespaces --state-dir "$T/state-rotate" \
  --socket "$T/rotate.sock" --kubelet-config "$T/rotate/config.json" >"$T/rotate.log" 2>&1 &
ROTATE_PID=$!
PIDS="$PIDS $ROTATE_PID"
check "with the wrong CA file the API server is refused" \
  wait_until 15 grep -q "certificate verify failed" "$T/rotate.log"
cp "$T/pki/ca.crt" "$T/rotating-ca.crt.new" && mv "$T/rotating-ca.crt.new" "$T/rotating-ca.crt"
check "the CA file replaced on disk is read on the next connection (no restart)" \
  wait_until 45 test -s "$T/rotate/config.json"
stop_pid "$ROTATE_PID"
# An egress proxy from the environment, as kubectl and kubelet honour it: https goes through a
# CONNECT tunnel (with the proxy URL's user as Proxy-Authorization); NO_PROXY bypasses it.
rm -f "$T/proxy.port"
$PY "$REGCRED_SRC/tests/fakes/connect_proxy.py" --port-file "$T/proxy.port" --log "$T/proxy.log" \
  --auth "proxyuser:proxy-pw-1" >>"$T/proxy.out" 2>&1 &
PIDS="$PIDS $!"
wait_until 10 test -s "$T/proxy.port"
PROXY="http://proxyuser:proxy-pw-1@127.0.0.1:$(cat "$T/proxy.port")"
check "through HTTPS_PROXY (a CONNECT tunnel, with the proxy's credential)" env HTTPS_PROXY="$PROXY" \
  "$REGCRED_BIN/regcredd" --config /dev/null --once --kubeconfig "$T/kubeconfig" --all-namespaces \
  --state-dir "$T/state-proxy" --kubelet-config "$T/proxy/config.json" --log-level error
check "the proxy carried it" grep -q "^CONNECT 127.0.0.1:$API_PORT HTTP/1.1" "$T/proxy.log"
check "and the file is the one a direct connection writes" cmp -s "$T/sni/config.json" "$T/proxy/config.json"
: >"$T/proxy.log"
check "NO_PROXY=127.0.0.1 goes direct" env HTTPS_PROXY="$PROXY" NO_PROXY=localhost,127.0.0.1 \
  "$REGCRED_BIN/regcredd" --config /dev/null --once --kubeconfig "$T/kubeconfig" --all-namespaces \
  --state-dir "$T/state-noproxy" --kubelet-config "$T/noproxy/config.json" --log-level error
check "the proxy saw nothing" [ ! -s "$T/proxy.log" ]
set +e
env HTTPS_PROXY="http://127.0.0.1:$(cat "$T/proxy.port")" "$REGCRED_BIN/regcredd" --config /dev/null \
  --once --ready-timeout 3s --kubeconfig "$T/kubeconfig" --all-namespaces --state-dir "$T/state-proxy407" \
  --kubelet-config "$T/proxy407/config.json" >"$T/proxy407.log" 2>&1; rc=$?
set -e
check "a proxy that refuses the tunnel is named with its answer" \
  sh -c "[ $rc = 1 ] && grep -q 'proxy 127.0.0.1 refused the tunnel to 127.0.0.1:$API_PORT: 407' '$T/proxy407.log'"
mkdir -p "$T/sa"
cp "$T/pki/ca.crt" "$T/sa/ca.crt"
cp "$T/token" "$T/sa/token"
check "--in-cluster: service host/port, the service account's token and CA" env \
  KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$API_PORT" REGCRED_SERVICEACCOUNT_DIR="$T/sa" \
  "$REGCRED_BIN/regcredd" --config /dev/null --once --in-cluster --all-namespaces --state-dir "$T/state-ic" \
  --kubelet-config "$T/ic/config.json" --log-level error
check "--in-cluster synced the secrets" auth_is "$T/ic/config.json" registry.e.example e:kube-pw-9999

# An identity any local user could swap: a kubeconfig or a token file writable by every user.
cp "$T/kubeconfig" "$T/kc-open"
chmod 666 "$T/kc-open"
check "a kubeconfig writable by every user: refused (exit 2, says why)" exits_with 2 "$T/open.out" \
  "$REGCRED_BIN/regcredd" --config /dev/null --check-config --kubeconfig "$T/kc-open" --all-namespaces
check "  the message names the file and the reason" grep -q "kc-open: writable by every user (mode 0666)" "$T/open.out"
cp "$T/token" "$T/token-open"
chmod 666 "$T/token-open"
write_kubeconfig "$T/kc-open-token" "$API_URL" "{tokenFile: token-open}" "$T/pki/ca.crt"
check "a token file writable by every user: no sync (exit 1)" exits_with 1 "$T/open-token.out" \
  "$REGCRED_BIN/regcredd" --config /dev/null --once --kubeconfig "$T/kc-open-token" --all-namespaces \
  --state-dir "$T/state-open" --kubelet-config "$T/open/config.json" --ready-timeout 5s
check "  and says why" grep -q "token-open: writable by every user" "$T/open-token.out"

check "no fixture password or token in any log" sh -c "! grep -h -E 'kube-pw-|token-one|token-two' '$T'/regcredd.log '$T'/ns.log"
finish
