#!/bin/sh
# The Python fake API server against the real one: what the integration tier's fake asserts
# and a real kube-apiserver also does (lists, pages, the watch cache, watches, bookmarks, the
# 410 of a version too old, error Statuses), asked of both with the same requests
# (fake_conformance.py). The fake is for what the real one cannot do on demand; where they
# differ, the fake is corrected.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
. "$REGCRED_SRC/tests/kube/control_plane.sh"
fixture_passwords # the secrets hold "{}"
credential_files kube/tokens.csv "kube/etcd/*"

kube_start
echo "fake-token" >"$T/fake-tokens"
start_fake_apiserver --tls-cert "$K/apiserver.crt" --tls-key "$K/apiserver.key" \
  --client-ca "$K/ca.crt" --token-file "$T/fake-tokens" --bookmark-interval 1
C="$PY $REGCRED_SRC/tests/kube/fake_conformance.py"
ARGS="$KUBE_URL $API_URL $K/ca.crt $K/admin.crt $K/admin.key"
# shellcheck disable=SC2086
$C setup $ARGS >"$T/old-rv"
# Versions older than each server's history: the real one's watch cache starts after a restart.
kube_restart
kctl create namespace after-restart >/dev/null
API_CURL_OPTS="--cacert $K/ca.crt --cert $K/admin.crt --key $K/admin.key"
# shellcheck disable=SC2086
curl -s $API_CURL_OPTS -X POST -H 'Content-Type: application/json' \
  -d '{"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{"name":"after","namespace":"conformance"}}' \
  "$API_URL/api/v1/namespaces/conformance/secrets" >/dev/null
curl -s -X POST "$API_URL/_fake/compact" --cacert "$K/ca.crt" --cert "$K/admin.crt" --key "$K/admin.key" >/dev/null
# shellcheck disable=SC2086
check "the fake answers as the real kube-apiserver does, behaviour by behaviour" \
  sh -c "$C probe $ARGS $(tr '\n' ' ' <"$T/old-rv") >'$T/conformance.txt' 2>&1"
cat "$T/conformance.txt"
finish
