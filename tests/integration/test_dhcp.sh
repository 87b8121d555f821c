#!/bin/sh
# DHCP client (ip=dhcp) against two servers: QEMU user networking's built-in one (slirp: the
# lease must be 10.0.2.15/24 with gateway 10.0.2.2), and dnsmasq in a private network
# namespace on a tap (range 10.79.0.50-60, router 10.79.0.1): the guest logs the lease, shows
# it in `ip addr`, answers ping at the leased address, and renews the 2-minute lease at
# T1 (60 s) with a unicast REQUEST that dnsmasq ACKs.
. "$(dirname "$0")/lib.sh"

NS=pgdhcp$$
TAP=pgdtap$$
HOST=10.79.0.1
DNSMASQ_PID=""

cleanup() {
	qemu_stop
	[ -n "$DNSMASQ_PID" ] && kill "$DNSMASQ_PID" 2>/dev/null && wait "$DNSMASQ_PID" 2>/dev/null
	netns_down "$NS"
	rm -f "${CONSOLE_SOCK:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- slirp (no root needed) -------------------------------------------------------------
console_setup dhcp-slirp
qemu_start_bg dhcp-slirp 60 -kernel "$KERNEL" -append "ip=dhcp" $CONSOLE_ARGS \
	-netdev user,id=n0 -device e1000,netdev=n0
check "dhcp slirp: lease 10.0.2.15/24 gw 10.0.2.2 logged" \
	wait_log "dhcp eth0: 10\.0\.2\.15/24 gw 10\.0\.2\.2 dns 10\.0\.2\.3 lease [0-9]+s" 30
console_send "ip addr"
check "dhcp slirp: ip addr shows the address and the bound client" \
	wait_log "dhcp bound server 10\.0\.2\.2 lease" 10
check "dhcp slirp: inet line" log_has "inet 10\.0\.2\.15/24 scope global eth0"
console_send "dhcp"
check "dhcp slirp: counters: one offer, one ack, one lease" \
	wait_log "rx offer 1 ack 1 nak 0" 10
check "dhcp slirp: no drops" log_has "dhcp drops: short 0 bad_op 0 bad_htype 0 bad_cookie 0 bad_option 0 no_end 0"
qemu_stop

# ---- dnsmasq on a tap in a namespace ----------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	fail "dhcp dnsmasq" "needs root for a network namespace and a tap device"
	exit 1
fi
if ! command -v dnsmasq >/dev/null 2>&1; then
	fail "dhcp dnsmasq" "dnsmasq not installed (tools/deps.sh installs dnsmasq-base)"
	exit 1
fi
if ! netns_tap_up "$NS" "$TAP" "$HOST/24"; then
	fail "dhcp dnsmasq" "could not create namespace $NS with tap $TAP"
	exit 1
fi
DLOG=$ITEST_DIR/dhcp-dnsmasq.server.log
: > "$DLOG"
# port=0: no DNS service, only DHCP; the DNS option is given explicitly. Started with
# `ip netns exec` directly (it execs dnsmasq) so $! is dnsmasq's own pid for the cleanup.
ip netns exec "$NS" dnsmasq --keep-in-foreground --no-resolv --no-hosts --port=0 \
	--interface="$TAP" --bind-interfaces --dhcp-authoritative \
	--dhcp-range=10.79.0.50,10.79.0.60,255.255.255.0,2m \
	--dhcp-option=option:router,$HOST --dhcp-option=option:dns-server,$HOST \
	--dhcp-leasefile="$ITEST_DIR/dhcp-dnsmasq.leases" --pid-file= \
	--log-dhcp --log-facility="$DLOG" &
DNSMASQ_PID=$!
: > "$ITEST_DIR/dhcp-dnsmasq.leases"

console_setup dhcp-dnsmasq
QEMU_NS=$NS qemu_start_bg dhcp-dnsmasq 90 -kernel "$KERNEL" -append "ip=dhcp" $CONSOLE_ARGS \
	-netdev tap,id=n0,ifname=$TAP,script=no,downscript=no -device e1000,netdev=n0
lease_re="dhcp eth0: 10\.79\.0\.(5[0-9]|60)/24 gw 10\.79\.0\.1 dns 10\.79\.0\.1 lease 120s"
check "dhcp dnsmasq: lease in 10.79.0.50-60 logged" wait_log "$lease_re" 40
ADDR=$(tr -d '\r' < "$LOG" | grep -aoE "dhcp eth0: 10\.79\.0\.[0-9]+" | head -1 | sed 's/.* //')
echo "  leased: ${ADDR:-none}"
check "dhcp dnsmasq: server logged the ACK" grep -q "DHCPACK.*${ADDR:-none}" "$DLOG"
up=no
if [ -n "$ADDR" ]; then
	for _ in $(seq 1 20); do
		if in_ns "$NS" ping -c 1 -W 1 "$ADDR" >/dev/null 2>&1; then up=yes; break; fi
	done
fi
check "dhcp dnsmasq: guest answers ping at the leased address" [ "$up" = yes ]
in_ns "$NS" ping -q -c 5 -i 0.2 -W 2 "${ADDR:-10.79.0.254}" > "$ITEST_DIR/dhcp-dnsmasq.ping" 2>&1
check "dhcp dnsmasq: 5 pings, 0% loss" grep -q " 0% packet loss" "$ITEST_DIR/dhcp-dnsmasq.ping"
console_send "ip addr"
check "dhcp dnsmasq: ip addr shows the bound client" \
	wait_log "dhcp bound server 10\.79\.0\.1 lease 120s" 10

# RFC 2131 §4.4.5: at T1 (dnsmasq: half of 120 s) the guest sends a unicast REQUEST with
# ciaddr; dnsmasq logs a second DHCPREQUEST/DHCPACK pair for the same address.
acks() { grep -c "DHCPACK(.*) ${ADDR:-none} " "$DLOG"; }
renewed=no
for _ in $(seq 1 90); do
	[ "$(acks)" -ge 2 ] && { renewed=yes; break; }
	sleep 1
done
check "dhcp dnsmasq: lease renewed at T1 (server ACKed again)" [ "$renewed" = yes ]
console_send "dhcp"
check "dhcp dnsmasq: client counted the renewal" wait_log "leases 1 renewed 1 expired 0" 10
in_ns "$NS" ping -q -c 3 -i 0.2 -W 2 "${ADDR:-10.79.0.254}" > "$ITEST_DIR/dhcp-dnsmasq.ping2" 2>&1
check "dhcp dnsmasq: still answering after the renewal" grep -q " 0% packet loss" "$ITEST_DIR/dhcp-dnsmasq.ping2"
