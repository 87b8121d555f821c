#!/bin/sh
# Hostile-packet suite ("Hardening"): one guest (e1000, TCG) in a private namespace with a tap;
# hostile.py (scapy, same directory) sends malformed and adversarial frames case by case and,
# after each, checks the named drop counter in /metrics, ping and TCP echo on port 7.
# Needs root and python3-scapy (Debian's, run by /usr/bin/python3). HOSTILE_ONLY=REGEX runs
# only the matching cases.
HERE=$(cd "$(dirname "$0")" && pwd)
KERNEL=${KERNEL:-$(cd "$HERE/../../.." && pwd)/build/peregrine-qemu.elf}
. "$HERE/../lib.sh"

GUEST=10.80.0.2
HOST=10.80.0.1
NS=pghost$$
TAP=pghtap$$
PY=${HOSTILE_PYTHON:-/usr/bin/python3}

cleanup() {
	qemu_stop
	netns_down "$NS"
	rm -f "${CONSOLE_SOCK:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ "$(id -u)" != 0 ]; then
	fail "hostile" "needs root for a network namespace and a tap device"
	exit 1
fi
if ! "$PY" -c 'import scapy.layers.inet' 2>/dev/null; then
	fail "hostile" "$PY cannot import scapy (apt-get install python3-scapy)"
	exit 1
fi
if ! netns_tap_up "$NS" "$TAP" "$HOST/24"; then
	fail "hostile" "could not create namespace $NS with tap $TAP"
	exit 1
fi

console_setup hostile
QEMU_NS=$NS qemu_start_bg hostile 900 -kernel "$KERNEL" \
	-append "ip=$GUEST/24 metrics.port=9100" $CONSOLE_ARGS \
	-netdev tap,id=n0,ifname=$TAP,script=no,downscript=no -device e1000,netdev=n0

up=no
for _ in $(seq 1 60); do
	if in_ns "$NS" ping -c 1 -W 1 "$GUEST" >/dev/null 2>&1; then up=yes; break; fi
	kill -0 "$QEMU_PID" 2>/dev/null || break
done
check "hostile: guest answers ping" [ "$up" = yes ]
check "hostile: metrics endpoint up" wait_log "metrics: http on port 9100" 30
[ "$up" = yes ] || exit 1
in_ns "$NS" curl -s -m 10 "http://$GUEST:9100/metrics" > "$ITEST_DIR/hostile.metrics.before"

# One line per case from hostile.py: "@@ pass|fail NAME<TAB>DETAIL"; anything else is shown.
out=$ITEST_DIR/hostile.cases
in_ns "$NS" timeout 600 "$PY" "$HERE/hostile.py" "$TAP" "$GUEST" "$CONSOLE_SOCK" "$LOG" \
	"${HOSTILE_ONLY:-}" > "$out" 2>&1
rc=$?
tab=$(printf '\t')
while IFS= read -r line; do
	case "$line" in
	"@@ pass "*)
		rest=${line#@@ pass }
		pass "${rest%%"$tab"*}"
		echo "    ${rest#*"$tab"}" ;;
	"@@ fail "*)
		rest=${line#@@ fail }
		fail "${rest%%"$tab"*}" "${rest#*"$tab"}" ;;
	*) echo "  $line" ;;
	esac
done < "$out"
check "hostile: case runner finished (exit $rc)" [ "$rc" = 0 ]
in_ns "$NS" curl -s -m 10 "http://$GUEST:9100/metrics" > "$ITEST_DIR/hostile.metrics.after"
check "hostile: QEMU still running after the suite" kill -0 "$QEMU_PID"
check "hostile: no panic or exception in the guest log" \
	sh -c "! tr -d '\r' < '$LOG' | grep -aqE 'KERNEL PANIC|\*\*\* EXCEPTION'"
