#!/bin/sh
# Echo under a 64-byte UDP flood, on one boot, round after round: loadgen -c 32 unloaded,
# then again while build/udprate floods the closed port 9 from the same namespace; after
# each round the host's neighbour entry and the guest's non-zero ARP/TCP loss counters
# (netstat -s over the console socket). For looking at the bench's flood_udp row, where
# echo sometimes holds and sometimes falls to its retransmission timers.
# Needs root, `make kernel build/loadgen build/udprate`.
#   sh tools/bench/flood_probe.sh [ROUNDS (6)] [SECONDS (8)] [NIC (e1000)]
ROUNDS=${1:-6}; SECS=${2:-8}; NICM=${3:-e1000}
. "$(dirname "$0")/../../tests/integration/lib.sh"
NS=pgfp$$; TAP=pgfpt$$; GUEST=10.79.0.2
LG=$ROOT/build/loadgen; UR=$ROOT/build/udprate
cleanup() { [ -n "${FP:-}" ] && kill "$FP" 2>/dev/null; qemu_stop; netns_down "$NS"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
netns_tap_up "$NS" "$TAP" 10.79.0.1/24 || exit 1
cons=$(console_args flood-probe)
CONSOLE_SOCK=$ITEST_DIR/flood-probe.sock
CLOG=$ITEST_DIR/flood-probe.log
QEMU_NS=$NS qemu_start_bg flood-probe $((ROUNDS * (2 * SECS + 20) + 60)) $cons \
	-kernel "$KERNEL" -append "app=echo ip=$GUEST/24" -device "$(nic_device "$NICM")",netdev=n0 \
	-netdev tap,id=n0,ifname="$TAP",script=no,downscript=no
up=""
for _ in $(seq 1 100); do
	grep -q 'echo: tcp and udp port 7' "$CLOG" 2>/dev/null && up=1 && break
	sleep 0.2
done
[ -n "$up" ] || { echo "flood_probe: guest did not come up (log $CLOG)"; exit 1; }
sleep 1
tps() { ip netns exec "$NS" timeout $((SECS + 30)) "$LG" -h "$GUEST" -p 7 -c 32 -s 64 -d "$SECS" 2>&1 |
	sed -n 's/.*tps=\([0-9]*\).*/\1/p'; }
t0=$(date +%s)
for r in $(seq 1 "$ROUNDS"); do
	unloaded=$(tps)
	ip netns exec "$NS" timeout $((SECS + 3)) "$UR" send -h "$GUEST" -p 9 -s 64 -d $((SECS + 3)) \
		>/dev/null 2>&1 &
	FP=$!
	sleep 0.5
	loaded=$(tps)
	kill "$FP" 2>/dev/null; wait "$FP" 2>/dev/null; FP=""
	echo "t=$(($(date +%s) - t0))s round $r: unloaded ${unloaded:-failed} tx/s, flooded ${loaded:-failed} tx/s"
	ip netns exec "$NS" ip neigh show dev "$TAP" | sed 's/^/  host neighbour: /'
	ip netns exec "$NS" ip -s link show dev "$TAP" | awk '/TX:/ { getline; print "  tap TX packets " $2 ", dropped " $4 }'
	before=$(stat -c %s "$CLOG")
	console_send "netstat -s"
	sleep 1.5
	tail -c +$((before + 1)) "$CLOG" | tr -d '\r' |
		grep -E 'resolve_failed|queue_full|dropped_unresolved|out_drops|retrans_segs|rto_timeouts' |
		grep -v ' 0$' | sed 's/^ */  guest /'
done
