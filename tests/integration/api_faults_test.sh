#!/bin/sh
# API server faults beyond the daemon test's: a watch that goes silent (cut after the idle
# timeout, here 3 s), a stream cut inside an event, a line of garbage in the stream, and a storm
# of 10,000 updates of one secret. The status socket answers throughout (measured), and the
# files end in the cluster's final state.
set -eu
. "$REGCRED_SRC/tests/integration/lib.sh"
fixture_passwords 'faults-pw' 'storm-[0-9]'
start_fake_apiserver --state "$T/api.state" --history 20000
write_kubeconfig "$T/kubeconfig" "$API_URL"
KUB="$T/kubelet/config.json"
api_put_secret apps pull registry.example.com alice 'faults-pw-0'
REGCRED_WATCH_IDLE_TIMEOUT_S=3 start_regcredd --kubeconfig "$T/kubeconfig" --all-namespaces --kubelet-config "$KUB"
wait_until 15 ready
check "synced" auth_is "$KUB" registry.example.com alice:faults-pw-0
# A plain-http API server behind an egress proxy: http_proxy, absolute-form requests.
rm -f "$T/proxy.port"
$PY "$REGCRED_SRC/tests/fakes/connect_proxy.py" --port-file "$T/proxy.port" --log "$T/proxy.log" \
  >>"$T/proxy.out" 2>&1 &
PIDS="$PIDS $!"
wait_until 10 test -s "$T/proxy.port"
check "through http_proxy (a plain server: absolute-form requests)" env \
  http_proxy="http://127.0.0.1:$(cat "$T/proxy.port")" "$REGCRED_BIN/regcredd" --config /dev/null \
  --once --kubeconfig "$T/kubeconfig" --all-namespaces --state-dir "$T/state-proxy" \
  --kubelet-config "$T/proxy/config.json" --log-level error
check "the proxy carried the list" grep -q "^GET http://127.0.0.1:$API_PORT/api/v1/secrets?" "$T/proxy.log"
check "and the file is the daemon's" auth_is "$T/proxy/config.json" registry.example.com alice:faults-pw-0
probe() { $PY "$REGCRED_SRC/tests/probes/healthz_probe.py" "$D_SOCK" "$1" >"$T/probe-$2.txt" 2>&1; }
watches() { api_curl "$API_URL/_fake/requests" | $PY -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin) if r["query"].get("watch")=="true"))'; }

echo "# a watch that goes silent"
W0=$(watches)
api_control silence '{"seconds": 8}'
probe 6 silence &
P=$!
more_watches() { [ "$(watches)" -gt "$W0" ]; }
check "the dead connection is cut and the watch reopened (idle timeout 3 s)" wait_until 10 more_watches
wait "$P" && ok "the socket answered during the silence: $(cat "$T/probe-silence.txt")" || not_ok "socket during silence: $(cat "$T/probe-silence.txt")"
api_put_secret apps pull registry.example.com alice 'faults-pw-1'
check "changes flow again after the silence" wait_until 20 auth_is "$KUB" registry.example.com alice:faults-pw-1

echo "# a stream cut inside an event"
api_control stream '{"mode": "cut", "count": 1}'
api_put_secret apps pull registry.example.com alice 'faults-pw-2'
check "the half event is not applied, the change arrives on the next watch" wait_until 20 auth_is "$KUB" registry.example.com alice:faults-pw-2
check "the file parses" pycheck is_json "$KUB"

echo "# garbage in the stream"
api_control stream '{"mode": "garbage", "count": 1}'
api_put_secret apps pull registry.example.com alice 'faults-pw-3'
check "garbage is refused, the change arrives" wait_until 20 auth_is "$KUB" registry.example.com alice:faults-pw-3
check "the log names the bad event" grep -q "watch event is not an event; resuming from the last resourceVersion" "$T/regcredd.log"
check "regcredd is still running" kill -0 "$D_PID"

echo "# a storm: 10,000 updates of one secret"
probe 8 storm &
P=$!
sleep 0.5
api_curl -o /dev/null -X POST --data '{"namespace":"apps","name":"pull","count":10000,"registry":"registry.example.com","user":"alice"}' "$API_URL/_fake/storm"
check "the file ends in the last state (storm-10000)" wait_until 30 auth_is "$KUB" registry.example.com alice:storm-10000
wait "$P" && ok "the socket answered during the storm: $(cat "$T/probe-storm.txt")" || not_ok "socket during the storm: $(cat "$T/probe-storm.txt")"
writes=$(curl -s --unix-socket "$D_SOCK" http://x/metrics | sed -n "s|^regcred_sink_writes_total{path=\"$KUB\"} ||p")
check "the storm was coalesced: $writes writes of the file for 10,000 events" [ "$writes" -lt 1000 ]
# A list larger than regcredd takes (64 MiB): 70 pull secrets padded to 1 MiB each by an
# annotation, in a namespace of their own. Refused with the bound in the message, and nothing
# of it written; an API server (or what stands in front of it) cannot make regcredd hold more.
$PY - "$API_URL" <<'PYEOF'
import base64, json, sys, urllib.request
url = sys.argv[1]
auth = base64.b64encode(b'{"auths":{"big.example":{"auth":"YmlnOmJpZy1wdw=="}}}').decode()
for i in range(70):
    body = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
            "metadata": {"name": f"big-{i}", "namespace": "big", "annotations": {"pad": "x" * (1 << 20)}},
            "data": {".dockerconfigjson": auth}}
    req = urllib.request.Request(f"{url}/api/v1/namespaces/big/secrets", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PYEOF
big_refused() {
  set +e
  "$REGCRED_BIN/regcredd" --config /dev/null --once --ready-timeout 10s --kubeconfig "$T/kubeconfig" \
    --namespace big --label-selector "" --state-dir "$T/state-big" --kubelet-config "$T/big/config.json" \
    >"$T/big.log" 2>&1
  rc=$?
  set -e
  [ "$rc" = 1 ] && grep -q "larger than 64 MiB" "$T/big.log" && [ ! -e "$T/big/config.json" ]
}
check "a 70 MiB list is refused with the bound, nothing written" big_refused
check "no fixture password in the log" sh -c "! grep -q -e faults-pw -e 'storm-[0-9]' '$T/regcredd.log'"
finish
