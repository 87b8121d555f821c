#!/bin/sh
# What KASLR costs on the packet path: the echo appliance over a tap, booted alternately with
# kaslr=on and kaslr=off, loadgen 64-byte request/response with 1 and 32 connections.
# Needs root, `make kernel build/loadgen`. Prints one line per run and the mean per setting.
#   sh tools/bench/kaslr_cost.sh [ROUNDS (3)] [SECONDS (10)]
# Uses the integration helpers (QEMU under timeout, namespace removed on exit).
ROUNDS=${1:-3}; SECS=${2:-10}
. "$(dirname "$0")/../../tests/integration/lib.sh"
NS=pgkc$$; TAP=pgkt$$; GUEST=10.79.0.2
cleanup() { qemu_stop; netns_down "$NS"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
netns_tap_up "$NS" "$TAP" 10.79.0.1/24 || exit 1
out=$ITEST_DIR/kaslr_cost.txt
: > "$out"
for nic in ${NICS:-e1000 virtio}; do
	for r in $(seq 1 "$ROUNDS"); do
		for k in on off; do
			QEMU_NS=$NS qemu_start_bg kaslr-cost 120 -serial "file:$ITEST_DIR/kaslr-cost.log" \
				-kernel "$KERNEL" -append "app=echo ip=$GUEST/24 kaslr=$k" \
				-device "$(nic_device "$nic")",netdev=n0 \
				-netdev tap,id=n0,ifname="$TAP",script=no,downscript=no
			ok=""
			for _ in $(seq 1 100); do
				grep -q 'echo: tcp and udp port 7' "$LOG" && ok=1 && break
				sleep 0.2
			done
			[ -n "$ok" ] || { echo "$nic kaslr=$k: guest did not come up"; qemu_stop; continue; }
			sleep 1
			for c in 1 32; do
				tps=$(ip netns exec "$NS" timeout $((SECS + 30)) "$ROOT/build/loadgen" -h "$GUEST" \
					-p 7 -c "$c" -s 64 -d "$SECS" 2>&1 | sed -n 's/.*tps=\([0-9]*\).*/\1/p')
				echo "$nic kaslr=$k c=$c round $r: ${tps:-failed} tx/s" | tee -a "$out"
			done
			qemu_stop
		done
	done
done
echo "means:"
awk '$NF == "tx/s" && $(NF-1) != "failed" { k = $1 " " $2 " " $3; s[k] += $(NF-1); n[k]++ }
	END { for (k in s) printf "  %s: %.0f tx/s over %d runs\n", k, s[k] / n[k], n[k] }' "$out" | sort
