#!/bin/sh
# The management endpoint: /metrics passes a strict Prometheus text-format check and its
# counters follow the traffic; /status is JSON; unknown paths are 404. User networking with a
# host port forward (loopback only, no root).
. "$(dirname "$0")/lib.sh"

PORT=${METRICS_TEST_PORT:-19100}
ECHO_PORT=${METRICS_TEST_ECHO_PORT:-17778}
cleanup() { qemu_stop; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

qemu_start_bg metrics 120 -kernel "$KERNEL" -append "ip=10.0.2.15/24 gw=10.0.2.2 metrics.port=9100" \
	-serial "file:$ITEST_DIR/metrics.log" \
	-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:9100,hostfwd=tcp:127.0.0.1:$ECHO_PORT-:7" \
	-device e1000,netdev=n0
check "metrics: endpoint listening" wait_log "metrics: http on port 9100" 60
out=$ITEST_DIR/metrics.prom
curl -s -m 20 -o "$out" -w '%{http_code} %{content_type}\n' "http://127.0.0.1:$PORT/metrics" > "$out.code"
check "metrics: /metrics answers 200 in Prometheus text format" \
	grep -q "^200 text/plain; version=0.0.4" "$out.code"
check "metrics: strict text-format parse" sh -c "python3 '$ROOT/tests/integration/tools/prom_check.py' < '$out'"
check "metrics: per-device labels" grep -q '^peregrine_netdev_rx_packets_total{dev="eth0",driver="e1000"} [0-9]' "$out"
check "metrics: protocol counters" grep -q '^peregrine_ipv4_bad_ihl_total 0$' "$out"
before=$(sed -n 's/^peregrine_tcp_passive_opens_total \([0-9]*\)$/\1/p' "$out")
for i in 1 2 3; do echo "m$i" | timeout 10 nc -q 2 127.0.0.1 "$ECHO_PORT" >/dev/null; done
curl -s -m 20 -o "$out.2" "http://127.0.0.1:$PORT/metrics"
after=$(sed -n 's/^peregrine_tcp_passive_opens_total \([0-9]*\)$/\1/p' "$out.2")
check "metrics: tcp passive opens counted (+3 echo, +1 scrape)" [ "${after:-0}" -ge $((${before:-0} + 4)) ]
curl -s -m 20 -o "$out.json" -w '%{http_code}\n' "http://127.0.0.1:$PORT/status" > "$out.jcode"
check "metrics: /status answers 200" grep -q "^200" "$out.jcode"
check "metrics: /status is JSON with eth0" python3 -c "
import json, sys
s = json.load(open('$out.json'))
i = s['interfaces'][0]
assert i['name'] == 'eth0' and i['ipv4'] == '10.0.2.15/24' and i['up'] is True
assert s['netbufs']['free'] <= s['netbufs']['total']"
code=$(curl -s -m 20 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nope")
check "metrics: unknown path is 404" [ "$code" = 404 ]
code=$(curl -s -m 20 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/metrics")
check "metrics: POST is 405" [ "$code" = 405 ]
