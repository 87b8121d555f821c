#!/bin/sh
# ICMP echo through each NIC driver over a tap device in a private network namespace:
# 200 pings at 10 ms with 0% loss, a 10 s flood ping (16 in flight) with the guest still
# answering after, then the guest's per-device counters (console line "stats") must show far
# fewer interrupts than received frames under the flood (NAPI polling holds); last, a link
# flap through the QEMU monitor. NICS lists the models to run; MODEL@q35 boots QEMU's q35
# machine with the NIC behind a PCIe root port (bridge scan, MSI-X).
. "$(dirname "$0")/lib.sh"

NICS=${NICS:-"e1000 e1000e e1000e@q35 virtio virtio-modern"}
GUEST=10.77.0.2
HOST=10.77.0.1
NS=pgping$$
TAP=pgtap$$

cleanup() {
	qemu_stop
	netns_down "$NS"
	rm -f "${CONSOLE_SOCK:-}" "${MON:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ "$(id -u)" != 0 ]; then
	fail "ping" "needs root for a network namespace and a tap device"
	exit 1
fi

# last_stat DEV LINE-TAG KEY: from the last counter block printed for DEV (net_stats_print:
# "eth0: e1000 mtu 1500", then "RX: packets N ...", "TX: ...", "irqs N polls N ..."), the
# number after KEY on the line whose first word is LINE-TAG.
last_stat() {
	tr -d '\r' < "$LOG" | awk -v dev="$1:" -v tag="$2" -v key="$3" '
		$1 == dev && $2 != "" { on = 1; next }
		/^[^ ]/ { on = 0 }
		on && $1 == tag { for (i = 1; i < NF; i++) if ($i == key) v = $(i + 1) }
		END { print v }'
}

# monitor_send CMD: a command to the QEMU monitor socket $MON.
monitor_send() { printf '%s\n' "$1" | socat -t 0.5 - "UNIX-CONNECT:$MON" >/dev/null 2>&1; }

# wait_more PATTERN SECONDS: wait until $LOG has more lines matching PATTERN than it had when
# mark_log PATTERN ran.
mark_log() { MARK=$(tr -d '\r' < "$LOG" | grep -acE -- "$1"); }
wait_more() {
	i=0
	while [ "$i" -lt $(($2 * 10)) ]; do
		[ "$(tr -d '\r' < "$LOG" | grep -acE -- "$1")" -gt "$MARK" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

fewer_irqs() { [ -n "$1" ] && [ -n "$2" ] && [ "$1" -lt "$2" ]; }

# loss_of OUTPUT-FILE: the packet-loss percentage ping printed, without the % sign.
loss_of() { sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$1" | tail -1; }

run_model() {
	spec=$1
	model=${spec%@*}
	machine=pc
	case "$spec" in *@q35) machine=q35 ;; esac
	name=ping-$(echo "$spec" | tr '@' '-')
	if ! dev=$(nic_device "$model"); then
		fail "ping $spec" "unknown NIC model"
		return
	fi
	if [ "$machine" = q35 ]; then
		nicargs="-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1 -device $dev,netdev=n0,bus=rp1"
	else
		nicargs="-device $dev,netdev=n0"
	fi
	netns_down "$NS"
	if ! netns_tap_up "$NS" "$TAP" "$HOST/24"; then
		fail "ping $spec" "could not create namespace $NS with tap $TAP"
		return
	fi
	cons=$(console_args "$name")
	CONSOLE_SOCK=$ITEST_DIR/$name.sock
	MON=$ITEST_DIR/$name.mon
	rm -f "$MON"
	QEMU_NS=$NS qemu_start_bg "$name" 120 -M "$machine" -kernel "$KERNEL" \
		-append "ip=$GUEST/24" $cons -monitor "unix:$MON,server=on,wait=off" \
		-netdev tap,id=n0,ifname=$TAP,script=no,downscript=no $nicargs

	# Up when the first echo comes back (the guest answers ARP first).
	up=no
	for _ in $(seq 1 60); do
		if in_ns "$NS" ping -c 1 -W 1 "$GUEST" >/dev/null 2>&1; then up=yes; break; fi
		kill -0 "$QEMU_PID" 2>/dev/null || break
	done
	check "ping $spec: guest answers" [ "$up" = yes ]
	if [ "$up" != yes ]; then
		qemu_stop
		return
	fi
	out=$ITEST_DIR/$name.ping
	in_ns "$NS" ping -q -c 200 -i 0.01 -W 2 "$GUEST" > "$out" 2>&1
	echo "  $spec: $(grep -E 'packet loss|rtt' "$out" | tr '\n' ' ')"
	check "ping $spec: 200 echoes at 10 ms, 0% loss" [ "$(loss_of "$out")" = 0 ]

	# Flood with 16 echoes in flight (-l 16): a closed-loop ping -f has one frame in flight,
	# so every frame needs its own interrupt by construction; with a backlog the driver must
	# keep polling with its interrupt masked (NAPI) and take far fewer interrupts than frames.
	in_ns "$NS" ping -q -f -l 16 -w 10 "$GUEST" > "$out.flood" 2>&1
	echo "  $spec flood: $(grep -E 'packet loss|rtt' "$out.flood" | tr '\n' ' ')"
	in_ns "$NS" ping -q -c 5 -i 0.2 -W 2 "$GUEST" > "$out.after" 2>&1
	check "ping $spec: still answering after a 10 s flood" [ "$(loss_of "$out.after")" = 0 ]

	console_send "stats"
	wait_log "irqs [0-9]+ polls" 10
	sleep 0.5
	irqs=$(last_stat eth0 irqs irqs)
	rx=$(last_stat eth0 RX: packets)
	polls=$(last_stat eth0 irqs polls)
	echo "  $spec counters: irqs=${irqs:-?} rx_packets=${rx:-?} polls=${polls:-?}" \
	     "irqs/rx=$(awk -v i="${irqs:-0}" -v r="${rx:-0}" 'BEGIN { printf "%.3f", r ? i / r : -1 }')"
	tr -d '\r' < "$LOG" | grep -E '^ *(irqs|RX:|TX:)' | tail -3 | sed 's/^/    /'
	check "ping $spec: counters printed" [ -n "$irqs" -a -n "$rx" ]
	check "ping $spec: fewer interrupts than received frames" fewer_irqs "$irqs" "$rx"
	check "ping $spec: under 1 interrupt per 4 frames (NAPI batching)" \
		fewer_irqs "$((${irqs:-0} * 4))" "${rx:-0}"

	# Link flap from the host side: the driver sees the link-change interrupt and logs it,
	# and traffic flows again once the link is back.
	mark_log "eth0: link down"
	monitor_send "set_link n0 off"
	check "ping $spec: link down reported" wait_more "eth0: link down" 10
	mark_log "eth0: link up"
	monitor_send "set_link n0 on"
	check "ping $spec: link up reported" wait_more "eth0: link up" 10
	in_ns "$NS" ping -q -c 5 -i 0.2 -W 2 "$GUEST" > "$out.link" 2>&1
	check "ping $spec: answering after the link came back" [ "$(loss_of "$out.link")" = 0 ]
	qemu_stop
	netns_down "$NS"
}

for spec in $NICS; do
	run_model "$spec"
done
