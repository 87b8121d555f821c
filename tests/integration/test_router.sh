#!/bin/sh
# The router appliance between two namespaces (tests/integration/router/topo.sh): a LAN host
# behind eth0 and a WAN host behind eth1 that has no route to the LAN, so every answer that
# comes back proves the source was rewritten. Config: apps/examples/router.conf plus 100
# filler FORWARD rules and a second (UDP) port forward. First, settings the router refuses.
# Then per NIC model: masquerade (the WAN server sees the WAN address), ICMP and UDP through
# NAT, both port forwards, unsolicited WAN->LAN dropped, REJECT as TCP RST and as ICMP port
# unreachable, TTL exceeded, /metrics, an nmap scan of the WAN address, LOG and its limit, the
# console's iptables/conntrack/router views, then (printed, not asserted) iperf3 and the
# 64-byte UDP forwarding rate. A second boot with conntrack.max=32 fills the table with held
# flows: a new flow is dropped and counted while an established one still passes data.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/router/topo.sh"

NICS=${NICS:-"e1000 virtio"}
RTR_NS=pgrtr$$
LAN_NS=pglan$$
WAN_NS=pgwan$$
FLOWS="python3 $ROOT/tests/integration/router/flows.py"
CONF=$ITEST_DIR/router-test.conf
HELPERS=""
UDPRATE=${UDPRATE:-$ITEST_DIR/udprate}
SUMMARY="router: lan eth0 $RTR_LAN_ADDR/24, wan eth1 $RTR_WAN_ADDR/24, masquerade on, 2 port forwards"

# bg NS SECONDS CMD...: a helper in namespace NS in its own process group (pid = pgid), ended
# by helpers_stop or after SECONDS at the latest.
bg() {
	ns=$1; t=$2; shift 2
	setsid ip netns exec "$ns" timeout "$t" "$@" </dev/null >>"$ITEST_DIR/router-helpers.out" 2>&1 &
	HELPERS="$HELPERS $!"
}
helpers_stop() {
	for p in $HELPERS; do kill -- "-$p" 2>/dev/null; done
	for p in $HELPERS; do wait "$p" 2>/dev/null; done
	HELPERS=""
}
cleanup() {
	qemu_stop
	helpers_stop
	topo_down
	rm -f "${CONSOLE_SOCK:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ "$(id -u)" != 0 ]; then
	fail "router" "needs root for network namespaces, bridges and tap devices"
	exit 1
fi
for tool in socat iperf3 nmap python3; do
	command -v "$tool" >/dev/null || { fail "router" "$tool is not installed (tools/deps.sh)"; exit 1; }
done
[ -x "$UDPRATE" ] || cc -O2 -o "$UDPRATE" "$ROOT/tools/loadgen/udprate.c" ||
	{ fail "router" "cannot build udprate"; exit 1; }

# The example config with 100 FORWARD rules ahead of the real ones that no test packet matches
# (sources in TEST-NET-2, RFC 5737), so every new flow walks them; and a second port forward,
# UDP with a different LAN port, with the FORWARD rule it needs.
awk '{ print }
/^router.forward=/ { print "router.forward=udp 5300 10.1.0.2:5353" }
/^:OUTPUT ACCEPT/ { for (i = 1; i <= 100; i++)
	printf "-A FORWARD -s 198.51.100.%d/32 -p %s --dport %d -j DROP\n", i, i % 2 ? "udp" : "tcp", 20000 + i
	print "-A FORWARD -i eth1 -o eth0 -d 10.1.0.2 -p udp --dport 5353 -j ACCEPT" }' \
	"$ROOT/apps/examples/router.conf" > "$CONF"

# Settings the router refuses: each stops the boot with its own message (user networking,
# no root needed; boot_fail exits QEMU with status 9).
# conf_error NAME CMDLINE FILE-TEXT MESSAGE [QEMU NIC ARGS]
conf_error() {
	printf '%s\n' "$3" > "$ITEST_DIR/$1.conf"
	nics=${5:-"-nic user,model=e1000 -nic user,model=e1000"}
	qemu_boot_serial "$1" 30 "$2" -initrd "$ITEST_DIR/$1.conf" $nics
	check "router config: $1 logs its error" log_has "^\[ *[0-9.]+\] error: $4\$"
	check "router config: $1 stops the boot" \
		sh -c "[ '$QEMU_RC' = 9 ] && tr -d '\r' < '$LOG' | grep -q '^boot stopped: app=router failed to start\$'"
}
conf_error router-noaddr "app=router" "eth0.ip=10.1.0.1/24" \
	"router: wan interface eth1 has no IPv4 address: set eth1.ip=ADDR/PREFIX"
conf_error router-onenic "app=router" "eth0.ip=10.1.0.1/24" \
	"router: router.wan=eth1: no such interface \(this machine has 1; add a NIC to QEMU with -device e1000 or virtio-net-pci\)" \
	"-nic user,model=e1000"
conf_error router-same "app=router router.wan=eth0" "eth0.ip=10.1.0.1/24" \
	"router: router.lan and router.wan are both eth0: need two interfaces"
conf_error router-masq "app=router" "eth0.ip=10.1.0.1/24
eth1.ip=10.2.0.1/24
router.masquerade=yes" "router.masquerade: expected on or off, got 'yes'"
conf_error router-fwd "app=router" "eth0.ip=10.1.0.1/24
eth1.ip=10.2.0.1/24
router.masquerade=off
router.forward=tcp 8080 10.1.0.2:80
router.forward=tcp 80" "router.forward: expected PROTO WANPORT ADDR\[:PORT\], got 'tcp 80'"
conf_error router-fwdport "app=router" "eth0.ip=10.1.0.1/24
eth1.ip=10.2.0.1/24
router.masquerade=off
router.forward=sctp 80 10.1.0.2:70000" "router.forward: expected PROTO WANPORT ADDR\[:PORT\], got 'sctp 80 10.1.0.2:70000'"
printf 'eth0.ip=10.1.0.1/24\neth1.ip=10.2.0.1/24\n' > "$ITEST_DIR/router-ipfwd.conf"
qemu_boot_serial router-ipfwd 30 "app=router ip.forward=2" -initrd "$ITEST_DIR/router-ipfwd.conf" \
	-nic user,model=e1000 -nic user,model=e1000
check "router config: ip.forward=2 stops the boot" \
	sh -c "[ '$QEMU_RC' = 9 ] && tr -d '\r' < '$LOG' | grep -q '^boot stopped: ip\.forward=2: '"

topo_up || { fail "router" "topology set-up failed"; exit 1; }

# Services that stay up for the whole test (each says who it saw, or records that it was hit).
bg "$WAN_NS" 600 socat "TCP-LISTEN:5000,bind=$RTR_WAN_HOST,reuseaddr,fork" SYSTEM:'echo peer=$SOCAT_PEERADDR'
bg "$WAN_NS" 600 socat "TCP-LISTEN:25,bind=$RTR_WAN_HOST,reuseaddr,fork" \
	SYSTEM:"echo 220; echo hit >> $ITEST_DIR/router-smtp.hits"
bg "$LAN_NS" 600 socat "TCP-LISTEN:8080,bind=$RTR_LAN_HOST,reuseaddr,fork" \
	SYSTEM:'echo lan-service peer=$SOCAT_PEERADDR'
bg "$WAN_NS" 600 $FLOWS udp-echo "$RTR_WAN_HOST" 137
bg "$WAN_NS" 600 $FLOWS udp-echo "$RTR_WAN_HOST" 5353
bg "$WAN_NS" 600 $FLOWS tcp-echo "$RTR_WAN_HOST" 6000
bg "$LAN_NS" 600 $FLOWS udp-echo "$RTR_LAN_HOST" 5353
bg "$WAN_NS" 600 iperf3 -s -B "$RTR_WAN_HOST" -p 5201
sleep 0.5

# boot NAME MODEL CMDLINE: QEMU in $RTR_NS with the config file and a console socket; true
# when the router logged its summary line.
boot() {
	args=$(topo_qemu_args "$2") || return 1
	cons=$(console_args "$1")
	CONSOLE_SOCK=$ITEST_DIR/$1.sock
	QEMU_NS=$RTR_NS qemu_start_bg "$1" 240 -kernel "$KERNEL" -append "$3" -initrd "$CONF" $cons $args
	i=0
	while [ $i -lt 600 ]; do
		log_has "^\[ *[0-9.]+\] $SUMMARY\$" && return 0
		log_has "^boot stopped: " && return 1
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# booted TEST NAME MODEL CMDLINE: boot, and pass or fail TEST; on failure show the end of the
# log, stop QEMU and return non-zero (the checks that need a running router are skipped).
booted() {
	what=$1; shift
	if boot "$@"; then
		pass "$what"
		return 0
	fi
	fail "$what" "no summary line; the log ends with:"
	tr -d '\r' < "$LOG" | tail -5 | sed 's/^/    /'
	qemu_stop
	return 1
}

# console CMD PATTERN: type CMD, wait for PATTERN in the log.
console() { console_send "$1"; wait_log "$2" 10; }

# last_router_stat KEY: the number after KEY in the last "conntrack: entries ..." line.
last_ct_stat() {
	tr -d '\r' < "$LOG" | awk -v key="$1" '$1 == "conntrack:" && $2 == "entries" {
		for (i = 2; i < NF; i++) if ($i == key) v = $(i + 1) } END { print v }'
}

functional() {
	m=$1
	out=$ITEST_DIR/router-$m
	up=no
	for _ in $(seq 1 20); do
		in_ns "$LAN_NS" ping -c 1 -W 1 "$RTR_LAN_ADDR" >/dev/null 2>&1 && { up=yes; break; }
	done
	check "router $m: LAN host reaches the router" [ "$up" = yes ]

	peer=$(in_ns "$LAN_NS" socat -T5 - "TCP:$RTR_WAN_HOST:5000,connect-timeout=5" </dev/null 2>&1)
	echo "  $m lan->wan tcp: WAN server saw '$peer'"
	check "router $m: LAN to WAN TCP, server sees the WAN address (masquerade)" \
		[ "$peer" = "peer=$RTR_WAN_ADDR" ]

	in_ns "$LAN_NS" ping -c 3 -i 0.2 -W 2 "$RTR_WAN_HOST" > "$out.ping" 2>&1
	check "router $m: ping LAN to WAN through NAT" grep -q " 0% packet loss" "$out.ping"

	fwd=$(in_ns "$WAN_NS" socat -T5 - "TCP:$RTR_WAN_ADDR:8080,connect-timeout=5" </dev/null 2>&1)
	echo "  $m port forward: '$fwd'"
	check "router $m: port forward WAN:8080 reaches the LAN service" \
		[ "$fwd" = "lan-service peer=$RTR_WAN_HOST" ]

	ufwd=$(in_ns "$WAN_NS" $FLOWS udp-probe "$RTR_WAN_ADDR" 5300)
	echo "  $m udp port forward 5300 -> 10.1.0.2:5353: $ufwd"
	check "router $m: UDP port forward to another LAN port answers" \
		[ "$ufwd" = "result=answered payload=echo:probe" ]

	# A WAN host that routes the LAN prefix at us: new flows WAN->LAN other than the forwarded
	# port meet FORWARD's final DROP (a RST from the LAN host would say "refused").
	in_ns "$WAN_NS" ip route add 10.1.0.0/24 via "$RTR_WAN_ADDR"
	direct=$(in_ns "$WAN_NS" socat -T3 - "TCP:$RTR_LAN_HOST:8081,connect-timeout=3" </dev/null 2>&1)
	in_ns "$WAN_NS" ping -c 1 -W 2 "$RTR_LAN_HOST" > "$out.wanping" 2>&1
	in_ns "$WAN_NS" ip route del 10.1.0.0/24
	check "router $m: unsolicited WAN to LAN TCP is dropped" \
		sh -c "echo '$direct' | grep -q 'Connection timed out'"
	check "router $m: unsolicited WAN to LAN ping is dropped" grep -q " 100% packet loss" "$out.wanping"

	rm -f "$ITEST_DIR/router-smtp.hits"
	smtp=$(in_ns "$LAN_NS" socat -T5 - "TCP:$RTR_WAN_HOST:25,connect-timeout=5" </dev/null 2>&1)
	echo "  $m lan->wan:25: $smtp"
	check "router $m: REJECT tcp-reset refuses LAN to WAN port 25" \
		sh -c "echo '$smtp' | grep -q 'Connection refused'"
	check "router $m: the WAN SMTP listener was never reached" [ ! -e "$ITEST_DIR/router-smtp.hits" ]

	nb=$(in_ns "$LAN_NS" $FLOWS udp-probe "$RTR_WAN_HOST" 137)
	ctl=$(in_ns "$LAN_NS" $FLOWS udp-probe "$RTR_WAN_HOST" 5353)
	echo "  $m udp 137: $nb; udp 5353: $ctl"
	check "router $m: REJECT icmp-port-unreachable for UDP 137" [ "$nb" = "result=refused" ]
	check "router $m: UDP 5353 passes NAT both ways" [ "$ctl" = "result=answered payload=echo:probe" ]

	in_ns "$LAN_NS" ping -c 1 -t 1 -W 2 "$RTR_WAN_HOST" > "$out.ttl" 2>&1
	check "router $m: TTL 1 gets Time to live exceeded from the LAN address" \
		grep -q "^From $RTR_LAN_ADDR icmp_seq=1 Time to live exceeded" "$out.ttl"

	code=$(in_ns "$LAN_NS" curl -s -m 10 -o "$out.prom" -w '%{http_code}' "http://$RTR_LAN_ADDR:9100/metrics")
	check "router $m: /metrics from the LAN with filter counters" \
		sh -c "[ '$code' = 200 ] && grep -q '^peregrine_nf_drop_rule_total [0-9]' '$out.prom'"
	check "router $m: /metrics has the router's lines" sh -c \
		"grep -qx 'peregrine_router_info{lan=\"eth0\",wan=\"eth1\",masquerade=\"on\"} 1' '$out.prom' &&
		 grep -qx 'peregrine_router_port_forwards 2' '$out.prom' &&
		 grep -qx 'peregrine_router_forwarding 1' '$out.prom'"
	check "router $m: /metrics passes the strict text-format check" \
		sh -c "python3 '$ROOT/tests/integration/tools/prom_check.py' < '$out.prom'"

	logs0=$(tr -d '\r' < "$LOG" | grep -c '^in-drop: ')
	t0=$(date +%s)
	in_ns "$WAN_NS" nmap -Pn -sS -n -T4 --max-retries 1 --host-timeout 120s \
		-p 1-1024,8080,9100 -oG "$out.nmap" "$RTR_WAN_ADDR" >/dev/null 2>&1
	secs=$(($(date +%s) - t0 + 1))
	scan=$(python3 "$ROOT/tests/integration/router/nmap_ports.py" "$out.nmap")
	echo "  $m nmap from WAN: $scan"
	check "router $m: nmap of the WAN address: 8080 open, 113 closed, 1024 filtered" \
		[ "$scan" = "open=8080 closed=113 filtered=1024 other=" ]
	# INPUT's LOG rule: the prefix and the dropped SYN, at most burst 10 + 5/s lines.
	sleep 1
	logs=$(($(tr -d '\r' < "$LOG" | grep -c '^in-drop: ') - logs0))
	echo "  $m LOG lines during the ${secs} s scan: $logs"
	check "router $m: LOG names the dropped SYN with its prefix" log_has \
		"^in-drop: IN=eth1 OUT= SRC=$RTR_WAN_HOST DST=$RTR_WAN_ADDR LEN=44 .*PROTO=TCP SPT=[0-9]+ DPT=[0-9]+ .*SYN"
	check "router $m: LOG held to its limit (burst 10, 5/s)" \
		[ "$logs" -ge 10 -a "$logs" -le $((10 + 5 * (secs + 1))) ]
}

console_views() {
	m=$1
	bg "$LAN_NS" 30 $FLOWS hold "$RTR_WAN_HOST" 6000 1 20
	sleep 1
	check "router $m: iptables -L -v -n lists the FORWARD chain" \
		console "iptables -L -v -n" "^Chain FORWARD \(policy DROP [0-9]+ packets"
	check "router $m: iptables -L shows the tcp-reset REJECT" \
		wait_log "REJECT +tcp .* tcp dpt:25 reject-with tcp-reset" 5
	check "router $m: iptables -t nat -L -n shows MASQUERADE" \
		console "iptables -t nat -L -n" "^MASQUERADE +all"
	check "router $m: iptables -t nat -L -n shows the DNAT to the LAN" \
		wait_log "^DNAT .*tcp dpt:8080 to:$RTR_LAN_HOST:8080" 5
	check "router $m: conntrack -L shows a held flow NATed to the WAN address" \
		console "conntrack -L" "ESTABLISHED src=$RTR_LAN_HOST dst=$RTR_WAN_HOST sport=[0-9]+ dport=6000 src=$RTR_WAN_HOST dst=$RTR_WAN_ADDR sport=6000 dport=[0-9]+ \[ASSURED\]"
	check "router $m: console command router prints the summary" console "router" "^$SUMMARY\$"
}

# diagnose MODEL: after a stalled transfer, is the guest alive, and what do its counters say?
diagnose() {
	in_ns "$LAN_NS" ping -c 2 -W 1 "$RTR_LAN_ADDR" > "$ITEST_DIR/router-$1.diag" 2>&1
	echo "    LAN ping of the router: $(grep -o '[0-9]*% packet loss' "$ITEST_DIR/router-$1.diag")"
	mark=$(wc -l < "$LOG")
	for c in "ip -s link" "netstat -s" "router" "conntrack -L"; do console_send "$c"; sleep 1; done
	# the device counters, the filter's drop reasons and the iperf3 flows' conntrack entries
	tail -n +"$mark" "$LOG" | tr -d '\r' |
		grep -E '^ *(RX|TX|irqs|[0-9]+:|netbuf|[0-9]+ (forwarded|filtered))|^(filter|conntrack):|dport=5201' |
		sed 's/^/    /' | head -40
}

measure() {
	m=$1
	out=$ITEST_DIR/router-$m
	if in_ns "$LAN_NS" timeout 30 iperf3 -c "$RTR_WAN_HOST" -p 5201 -t 10 -f m > "$out.iperf" 2>&1; then
		pass "router $m: iperf3 LAN to WAN completes"
	else
		fail "router $m: iperf3 LAN to WAN completes" "$(tail -2 "$out.iperf")"
		diagnose "$m"
	fi
	echo "  $m iperf3 lan->wan 10 s: $(grep -E 'receiver$' "$out.iperf" | awk '{ print $7, $8 }')"
	bg "$WAN_NS" 20 "$UDPRATE" recv -p 9000 -d 13
	rpid=${HELPERS##* }
	sleep 0.5
	snd=$(in_ns "$LAN_NS" "$UDPRATE" send -h "$RTR_WAN_HOST" -p 9000 -s 64 -d 10 2>&1)
	wait "$rpid" 2>/dev/null
	rcv=$(grep '^received=' "$ITEST_DIR/router-helpers.out" | tail -1)
	echo "  $m 64-byte UDP lan->wan, 100 filler rules: send: $snd"
	echo "  $m                                       recv: $rcv"
}

ctfull() {
	m=$1
	booted "router $m: boots with conntrack.max=32" "router-ct-$m" "$m" "conntrack.max=32" || return
	console "router" "^conntrack: entries [0-9]+ table_full"
	before=$(last_ct_stat table_full)
	holdout=$ITEST_DIR/router-ct-$m.hold
	in_ns "$LAN_NS" timeout 60 $FLOWS hold "$RTR_WAN_HOST" 6000 32 6 > "$holdout" 2>&1 &
	hpid=$!
	i=0
	while [ $i -lt 300 ] && ! grep -q '^held=' "$holdout"; do sleep 0.1; i=$((i + 1)); done
	console_send "conntrack -L"
	wait_log "32 flow entries have been shown" 10
	console "router" "^conntrack: entries 32 table_full"
	after=$(last_ct_stat table_full)
	echo "  $m $(cat "$holdout"); table_full ${before:-?} -> ${after:-?}"
	check "router $m: 32 flows held open, the 33rd dropped, the first still echoes" \
		grep -q "^held=32 extra=timeout established_echo=ok$" "$holdout"
	check "router $m: conntrack -L lists 32 entries" \
		wait_log "conntrack v[0-9.]+ \(conntrack-tools\): 32 flow entries have been shown" 1
	held=$(tr -d '\r' < "$LOG" | grep -cE "^tcp +6 [0-9]+ ESTABLISHED src=$RTR_LAN_HOST dst=$RTR_WAN_HOST sport=[0-9]+ dport=6000 src=$RTR_WAN_HOST dst=$RTR_WAN_ADDR sport=6000 dport=[0-9]+ \[ASSURED\]")
	check "router $m: the 32 entries are the held flows, masqueraded and assured" [ "$held" = 32 ]
	check "router $m: ct_table_full counted the dropped flow" \
		[ "${after:-0}" -gt "${before:-0}" ]
	wait "$hpid" 2>/dev/null
	qemu_stop
}

for m in $NICS; do
	if ! booted "router $m: boots and logs its summary" "router-$m" "$m" ""; then
		ctfull "$m"
		continue
	fi
	functional "$m"
	console_views "$m"
	measure "$m"
	qemu_stop
	ctfull "$m"
done
