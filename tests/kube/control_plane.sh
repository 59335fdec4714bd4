# The real control plane for the kube test tier (POSIX sh, sourced after lib.sh): etcd and
# kube-apiserver as make kube builds them, on loopback ports of their own, with a CA of their
# own, --authorization-mode=Node,RBAC, a token file and client certificates. Everything lives in
# $T/kube and stops with the test.
#   kube_start            etcd + kube-apiserver; sets KUBE_URL, KBIN, KUBECONFIG_ADMIN
#   kube_restart          kube-apiserver again on the same port and etcd (watch caches lost)
#   kube_client NAME CN [O]   a client certificate and $T/kube/NAME.kubeconfig for that user
#   kctl ARG...           kubectl as the cluster admin (system:masters)
#   kube_requests USER    what regcredd asked the API server as USER, from its audit log: one
#                         line a request, "verb code requestURI"
#   kube_writes AGENT     the writes (create, update, patch, delete) a program whose user agent
#                         starts with AGENT made: "time verb code requestURI userAgent"
KBIN=${REGCRED_KUBE_BIN:-$REGCRED_SRC/build/kube/bin}
for b in kube-apiserver etcd kubectl keyring-oracle helper-oracle config-oracle; do
  [ -x "$KBIN/$b" ] || { echo "$KBIN/$b is missing: make kube builds it (make test runs it first)"; exit 1; }
done
K=$T/kube

kube_pki() {
  make_ca "$K" regcred-kube-ca
  sign_cert "$K" apiserver /CN=kube-apiserver \
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth"
  (
    cd "$K"
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    # A static token for the bootstrap admin (tokens file: token,user,uid,"group1,group2").
    printf '%s,admin-token-user,admin-token-uid,"system:masters"\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >tokens.csv
    # Every request's metadata (no bodies: no secret reaches the log), once it is answered.
    printf 'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n' >audit-policy.yaml
  )
}

kube_client() { # NAME CN [O]: $K/NAME.crt, .key and .kubeconfig
  subj="/CN=$2"
  [ -z "${3:-}" ] || subj="/O=$3$subj"
  sign_cert "$K" "$1" "$subj" "extendedKeyUsage=clientAuth"
  cat >"$K/$1.kubeconfig" <<KEOF
apiVersion: v1
kind: Config
clusters:
- name: kube
  cluster: {server: "$KUBE_URL", certificate-authority: "$K/ca.crt"}
contexts:
- name: $1
  context: {cluster: kube, user: $1}
current-context: $1
users:
- name: $1
  user: {client-certificate: "$K/$1.crt", client-key: "$K/$1.key"}
KEOF
}

kube_etcd() {
  "$KBIN/etcd" --name regcred-test --data-dir "$K/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "regcred-test=http://127.0.0.1:$ETCD_PEER_PORT" \
    --log-level warn >>"$K/etcd.log" 2>&1 &
  ETCD_PID=$!
  PIDS="$PIDS $ETCD_PID"
}

kube_apiserver() {
  "$KBIN/kube-apiserver" --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
    --secure-port "$KUBE_PORT" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file "$K/apiserver.crt" --tls-private-key-file "$K/apiserver.key" \
    --client-ca-file "$K/ca.crt" --token-auth-file "$K/tokens.csv" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$K/sa.pub" --service-account-signing-key-file "$K/sa.key" \
    --service-cluster-ip-range 10.96.0.0/24 --cert-dir "$K/certs" \
    --audit-policy-file "$K/audit-policy.yaml" --audit-log-path "$K/audit.log" \
    ${KUBE_APISERVER_ARGS:-} >>"$K/apiserver.log" 2>&1 &
  APISERVER_PID=$!
  PIDS="$PIDS $APISERVER_PID"
}

kube_ready() { curl -s --cacert "$K/ca.crt" --cert "$K/admin.crt" --key "$K/admin.key" "$KUBE_URL/readyz" | grep -qx ok; }

kube_start() {
  kube_pki
  ETCD_PORT=$(free_port)
  ETCD_PEER_PORT=$(free_port)
  KUBE_PORT=$(free_port)
  KUBE_URL=https://127.0.0.1:$KUBE_PORT
  kube_etcd
  kube_apiserver
  kube_client admin admin system:masters
  KUBECONFIG_ADMIN=$K/admin.kubeconfig
  wait_until 90 kube_ready || { echo "kube-apiserver not ready in 90 s:"; tail -20 "$K/apiserver.log"; return 1; }
}

kube_restart() {
  stop_pid "$APISERVER_PID"
  kube_apiserver
  wait_until 90 kube_ready || { echo "kube-apiserver not ready after a restart:"; tail -20 "$K/apiserver.log"; return 1; }
}

kube_requests() {
  $PY - "$K/audit.log" "$1" <<'PYEOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    # A watch is logged when its response starts and again when it ends: keep the first.
    if e["user"]["username"] == sys.argv[2] and e["userAgent"].startswith("regcredd/") and e["stage"] in ("ResponseStarted", "ResponseComplete") \
            and not (e["verb"] == "watch" and e["stage"] == "ResponseComplete"):
        print(e["verb"], e.get("responseStatus", {}).get("code", 0), e["requestURI"])
PYEOF
}

kube_writes() {
  $PY - "$K/audit.log" "$1" <<'PYEOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["userAgent"].startswith(sys.argv[2]) and e["stage"] == "ResponseComplete" \
            and e["verb"] in ("create", "update", "patch", "delete"):
        print(e["stageTimestamp"], e["verb"], e.get("responseStatus", {}).get("code", 0),
              e["requestURI"], e["userAgent"].replace(" ", "_"))
PYEOF
}

kctl() { "$KBIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
