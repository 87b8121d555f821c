#!/bin/sh
# Packet capture to COM2: boot with a second serial port written to a file, `capture on`
# through the console, ping, `capture off`; tcpdump must read the file as pcap and show the
# ARP exchange and exactly the 5 echo requests and 5 replies of that window. Then
# `capture on eth0 arp` with another 3 pings must add ARP records only.
. "$(dirname "$0")/lib.sh"

NS=pgcap$$
TAP=pgctap$$
GUEST=10.79.0.2
HOST=10.79.0.1

cleanup() {
	qemu_stop
	netns_down "$NS"
	rm -f "${CONSOLE_SOCK:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ "$(id -u)" != 0 ]; then
	fail "capture" "needs root for a network namespace and a tap device"
	exit 1
fi
if ! netns_tap_up "$NS" "$TAP" "$HOST/24"; then
	fail "capture" "could not create namespace $NS with tap $TAP"
	exit 1
fi
PCAP=$ITEST_DIR/capture.pcap
rm -f "$PCAP"
console_setup capture
QEMU_NS=$NS qemu_start_bg capture 90 -kernel "$KERNEL" -append "ip=$GUEST/24" $CONSOLE_ARGS \
	-serial "file:$PCAP" -netdev tap,id=n0,ifname=$TAP,script=no,downscript=no \
	-device e1000,netdev=n0

up=no
for _ in $(seq 1 60); do
	if in_ns "$NS" ping -c 1 -W 1 "$GUEST" >/dev/null 2>&1; then up=yes; break; fi
	kill -0 "$QEMU_PID" 2>/dev/null || break
done
check "capture: guest answers" [ "$up" = yes ]
[ "$up" = yes ] || exit 1

# Forget the guest's MAC so the host must ARP again inside the capture window.
in_ns "$NS" ip neigh flush dev "$TAP"
console_send "capture on"
check "capture: started" wait_log "capture on all interfaces: pcap to COM2" 10
in_ns "$NS" ping -q -c 5 -i 0.2 -W 2 "$GUEST" > "$ITEST_DIR/capture.ping" 2>&1
console_send "capture off"
check "capture: stopped with a frame count" wait_log "capture off: [0-9]+ frames" 10

in_ns "$NS" ip neigh flush dev "$TAP"
console_send "capture on eth0 arp"
check "capture: filtered capture started" wait_log "capture on eth0: pcap to COM2" 10
in_ns "$NS" ping -q -c 3 -i 0.2 -W 2 "$GUEST" > /dev/null 2>&1
console_send "capture off"
sleep 1
qemu_stop

DUMP=$ITEST_DIR/capture.tcpdump
tcpdump -r "$PCAP" -nn > "$DUMP" 2> "$DUMP.err"
check "capture: tcpdump reads the file as pcap" [ $? -eq 0 ]
sed 's/^/    /' "$DUMP" | head -30
req=$(grep -c "IP $HOST > $GUEST: ICMP echo request" "$DUMP")
rep=$(grep -c "IP $GUEST > $HOST: ICMP echo reply" "$DUMP")
check "capture: exactly 5 echo requests (got $req)" [ "$req" -eq 5 ]
check "capture: exactly 5 echo replies (got $rep)" [ "$rep" -eq 5 ]
check "capture: ARP request for the guest" grep -q "ARP, Request who-has $GUEST tell $HOST" "$DUMP"
check "capture: ARP reply from the guest" grep -q "ARP, Reply $GUEST is-at" "$DUMP"
# Both windows flushed the host's neighbour entry: two ARP exchanges from the host.
nreq=$(grep -c "ARP, Request who-has $GUEST tell $HOST" "$DUMP")
check "capture: the arp-filtered window added ARP (requests: $nreq)" [ "$nreq" -ge 2 ]
