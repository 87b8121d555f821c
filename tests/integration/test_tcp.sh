#!/bin/sh
# TCP and UDP echo against real Linux clients over a tap in a private namespace, per NIC model:
# socat/nc round trips, the handshake's options seen by tcpdump, request/response and bulk
# numbers from build/loadgen, 200 concurrent 1 MiB streams checked by SHA-256, 100 MiB through
# netem loss/reorder/duplicate/delay byte-exact, and the connection table at tcp.max_conns
# refusing cleanly and recovering. Needs root; NICS lists the models (as in test_ping.sh).
. "$(dirname "$0")/lib.sh"

NICS=${NICS:-"e1000 virtio"}
GUEST=10.78.0.2
HOST=10.78.0.1
NS=pgtcp$$
TAP=pgtt$$
LOADGEN=$ROOT/build/loadgen
HELPERS=$ROOT/tests/integration/tcp
MANY_CONNS=${MANY_CONNS:-200}           # test 2: streams of 1 MiB each
MANY_TIMEOUT=${MANY_TIMEOUT:-150}       # seconds for all of them
# Test 3 moves 100 MiB through the lossy link on the first model in NICS (about 0.5 MB/s under
# TCG here: ~3.5 min) and 20 MiB on the others (same TCP, keeps the run under ~8 min). loadgen
# calls a bulk run stalled after 10 times its -d seconds.
NETEM_BYTES=${NETEM_BYTES:-104857600}
NETEM_DURATION=${NETEM_DURATION:-40}
NETEM_BYTES_OTHER=${NETEM_BYTES_OTHER:-20971520}
NETEM_DURATION_OTHER=${NETEM_DURATION_OTHER:-18}
LIMIT=${LIMIT:-50}                      # test 5: tcp.max_conns, and LIMIT + 10 connections tried

cleanup() {
	[ -n "${TD_PID:-}" ] && kill "$TD_PID" 2>/dev/null
	qemu_stop
	relay_stop >/dev/null
	netns_down "$NS"
	rm -f "${CONSOLE_SOCK:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ "$(id -u)" != 0 ]; then
	fail "tcp" "needs root for a network namespace and a tap device"
	exit 1
fi
for tool in socat nc tcpdump tc python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		fail "tcp" "needs $tool"
		exit 1
	fi
done
if [ ! -x "$LOADGEN" ] || [ ! -f "$KERNEL" ]; then
	fail "tcp" "build the image and the load generator first: make kernel build/loadgen"
	exit 1
fi
# Other work may rebuild the image while this runs for minutes: boot a private copy.
cp "$KERNEL" "$ITEST_DIR/tcp-kernel.elf" && KERNEL=$ITEST_DIR/tcp-kernel.elf

# Our window shift as the stack defines it: the SYN-ACK must carry exactly this.
WSCALE=$(sed -n 's/^#define TCP_RCV_WSCALE *\([0-9]*\).*/\1/p' "$ROOT/net/tcp_priv.h")

# boot_guest NAME MODEL CMDLINE: fresh namespace + tap, QEMU with the serial console on a
# socket; returns non-zero when the guest does not answer ping within 60 s.
boot_guest() {
	qemu_stop
	netns_down "$NS"
	netns_tap_up "$NS" "$TAP" "$HOST/24" || return 1
	cons=$(console_args "$1")
	CONSOLE_SOCK=$ITEST_DIR/$1.sock
	QEMU_NS=$NS qemu_start_bg "$1" 900 -kernel "$KERNEL" -append "$3" $cons \
		-netdev tap,id=n0,ifname=$TAP,script=no,downscript=no -device "$2,netdev=n0"
	for _ in $(seq 1 60); do
		in_ns "$NS" ping -c 1 -W 1 "$GUEST" >/dev/null 2>&1 && return 0
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
	done
	return 1
}

# guest_stat NAME: the last value the console printed for counter NAME ("    NAME  N" in the
# Tcp block, "    N NAME" in the Ip block).
guest_stat() {
	tr -d '\r' < "$LOG" | awk -v k="$1" '
		NF == 2 && $1 == k { v = $2 } NF == 2 && $2 == k { v = $1 } END { print v }'
}
# guest_stats: ask the console for "stats" and wait until the Tcp block's last line is there.
guest_stats() {
	n=$(tr -d '\r' < "$LOG" | grep -ac 'out_nobuf')
	console_send "stats"
	for _ in $(seq 1 50); do
		[ "$(tr -d '\r' < "$LOG" | grep -ac 'out_nobuf')" -gt "$n" ] && return 0
		sleep 0.1
	done
	return 1
}

same_text() { [ "$1" = "$2" ]; }
has() { grep -qE -- "$2" "$1"; }

# Test 1: one line over TCP with socat and nc, one datagram over UDP with socat and nc.
roundtrips() {
	s=$1
	out=$(printf 'hello peregrine over socat\n' | in_ns "$NS" timeout 10 socat -t 2 - "TCP:$GUEST:7")
	check "tcp $s: socat TCP line echoed" same_text "$out" "hello peregrine over socat"
	out=$(printf 'hello peregrine over nc\n' | in_ns "$NS" timeout 10 nc -N -w 3 "$GUEST" 7)
	check "tcp $s: nc TCP line echoed" same_text "$out" "hello peregrine over nc"
	out=$(printf 'one datagram via socat' | in_ns "$NS" timeout 10 socat -t 2 - "UDP:$GUEST:7")
	check "tcp $s: socat UDP datagram echoed" same_text "$out" "one datagram via socat"
	out=$(printf 'one datagram via nc' | in_ns "$NS" timeout 10 nc -u -w 2 "$GUEST" 7)
	check "tcp $s: nc UDP datagram echoed" same_text "$out" "one datagram via nc"
}

# Test 4: capture SYN and SYN-ACK of an nc connection; the guest's SYN-ACK must carry MSS 1460,
# SACK-permitted, a timestamp echoing the SYN's TSval (RFC 7323 §3.2) and nop,wscale.
handshake() {
	s=$1
	pcap=$ITEST_DIR/tcp-$s.pcap
	rm -f "$pcap"
	# -c 2: tcpdump ends by itself after the SYN and the SYN-ACK (ip netns exec and timeout
	# exec or forward signals, so $! is the process to wait for or kill). "listening on" can
	# come before the capture sees packets: try up to three connections.
	for _ in 1 2 3; do
		ip netns exec "$NS" timeout 20 tcpdump -i "$TAP" -nn -U --immediate-mode -c 2 \
			-w "$pcap" "tcp port 7 and (tcp[tcpflags] & tcp-syn) != 0" >"$pcap.err" 2>&1 &
		TD_PID=$!
		for _ in $(seq 1 50); do has "$pcap.err" 'listening on' && break; sleep 0.1; done
		sleep 0.5
		printf 'handshake\n' | in_ns "$NS" timeout 10 nc -N -w 3 "$GUEST" 7 >/dev/null
		for _ in $(seq 1 30); do kill -0 "$TD_PID" 2>/dev/null || break; sleep 0.1; done
		kill "$TD_PID" 2>/dev/null
		wait "$TD_PID" 2>/dev/null
		TD_PID=""
		has "$pcap.err" '^2 packets captured' && break
	done
	tcpdump -r "$pcap" -nn -v 2>/dev/null | tr '\n' ' ' | sed 's/   */ /g' |
		sed 's/ IP (/\nIP (/g' > "$pcap.txt"
	syn=$(grep -F "$HOST." "$pcap.txt" | grep -F "> $GUEST.7:" | grep -F 'Flags [S],' | head -1)
	synack=$(grep -F "$GUEST.7 > $HOST." "$pcap.txt" | grep -F 'Flags [S.],' | head -1)
	echo "  $s SYN:     $(echo "$syn" | sed -n 's/.*\(options \[[^]]*\]\).*/\1/p')"
	echo "  $s SYN-ACK: $(echo "$synack" | sed -n 's/.*\(options \[[^]]*\]\).*/\1/p')"
	check "tcp $s: tcpdump saw the SYN and the guest's SYN-ACK" [ -n "$syn" -a -n "$synack" ]
	syn_ts=$(echo "$syn" | sed -n 's/.*TS val \([0-9]*\) ecr.*/\1/p')
	ack_ecr=$(echo "$synack" | sed -n 's/.*TS val [0-9]* ecr \([0-9]*\).*/\1/p')
	check "tcp $s: SYN-ACK mss 1460" has_opt "$synack" 'mss 1460[],]'
	check "tcp $s: SYN-ACK sackOK" has_opt "$synack" '[[,]sackOK[],]'
	check "tcp $s: SYN-ACK TS ecr = SYN TS val ($syn_ts)" \
		[ -n "$syn_ts" -a "$syn_ts" = "$ack_ecr" ]
	check "tcp $s: SYN-ACK nop,wscale $WSCALE" has_opt "$synack" "nop,wscale $WSCALE[],]"
}
has_opt() { echo "$1" | grep -qE -- "$2"; }

# Test 6: numbers only (make bench asserts performance); the runs themselves must complete.
numbers() {
	s=$1
	for c in 1 32; do
		r=$(in_ns "$NS" timeout 40 "$LOADGEN" -h "$GUEST" -p 7 -c "$c" -s 64 -d 10 2>&1)
		echo "  $s loadgen -c $c -s 64: $r"
		check "tcp $s: loadgen $c connection(s) of 64-byte request/response" \
			has_opt "$r" 'transactions=[1-9]'
	done
	r=$(in_ns "$NS" timeout 60 "$LOADGEN" -h "$GUEST" -p 7 -b -s 65536 -n 104857600 -d 3 2>&1)
	echo "  $s loadgen bulk 100 MiB: ${r:-no output: killed by timeout 60 s (blocked in write)}"
	check "tcp $s: bulk 100 MiB echoed byte-exact" has_opt "$r" 'verified=yes'
}

# Test 2: MANY_CONNS concurrent connections, 1 MiB each way, SHA-256 per connection.
many() {
	s=$1
	r=$(in_ns "$NS" timeout $((MANY_TIMEOUT + 30)) python3 "$HELPERS/many.py" "$GUEST" 7 \
		-c "$MANY_CONNS" -s 1048576 -t "$MANY_TIMEOUT" 2>"$ITEST_DIR/tcp-$s.many.err")
	echo "  $s $MANY_CONNS x 1 MiB: $r"
	head -5 "$ITEST_DIR/tcp-$s.many.err" | sed 's/^/    /'
	check "tcp $s: $MANY_CONNS concurrent connections each echo 1 MiB (sha256)" \
		has_opt "$r" "^conns=$MANY_CONNS ok=$MANY_CONNS "
	has_opt "$r" "^conns=$MANY_CONNS ok=$MANY_CONNS " || guest_ss | sed "s/^/    $s guest ss: /"
}

# guest_ss: the guest's connections other than listeners (console "ss"), as it printed them.
guest_ss() {
	n=$(wc -l < "$LOG")
	console_send "ss"
	sleep 1
	tail -n +$((n + 1)) "$LOG" | tr -d '\r' | grep -aE '^(SYN|ESTAB|FIN|CLOSE|LAST|TIME)' | head -10
}

# Test 3: 100 MiB byte-exact while host->guest frames are lost 5%, reordered 25%, duplicated 1%
# and delayed 5 ms: tc netem on the tap when the host kernel has sch_netem, else the same
# treatment from tcp/impair.py relaying between the tap and a QEMU dgram netdev.
lossy() {
	s=$1
	dev=$2
	what="netem loss 5% reorder 25% duplicate 1% delay 5ms"
	if boot_guest "tcp-$s-netem" "$dev" "ip=$GUEST/24" &&
	   in_ns "$NS" tc qdisc add dev "$TAP" root netem loss 5% reorder 25% duplicate 1% \
		delay 5ms 2>/dev/null; then
		what="tc $what"
	elif boot_relay "tcp-$s-impair" "$dev"; then
		what="impair.py (no sch_netem here): $what"
	else
		fail "tcp $s: $NETEM_BYTES bytes through netem echoed byte-exact" "no guest; see $LOG"
		return
	fi
	r=$(in_ns "$NS" timeout $((NETEM_DURATION * 10 + 20)) "$LOADGEN" -h "$GUEST" -p 7 -b \
		-s 65536 -n "$NETEM_BYTES" -d "$NETEM_DURATION" 2>&1)
	echo "  $s $what, $NETEM_BYTES bytes: $r"
	check "tcp $s: $NETEM_BYTES bytes through netem echoed byte-exact" has_opt "$r" 'verified=yes'
	print_counters "$s"
	relay_stop
}

# boot_relay NAME DEVICE: the guest's NIC on a QEMU dgram netdev, frames relayed to and from
# the tap by impair.py (inside the namespace); RELAY_PID is the relay's process.
boot_relay() {
	qemu_stop
	netns_down "$NS"
	netns_tap_up "$NS" "$TAP" "$HOST/24" || return 1
	RELAY_OUT=$ITEST_DIR/$1.relay
	ip netns exec "$NS" timeout 900 python3 "$HELPERS/impair.py" "$TAP" 17001 17002 \
		>"$RELAY_OUT" 2>&1 &
	RELAY_PID=$!
	for _ in $(seq 1 50); do has "$RELAY_OUT" '^ready' && break; sleep 0.1; done
	cons=$(console_args "$1")
	CONSOLE_SOCK=$ITEST_DIR/$1.sock
	QEMU_NS=$NS qemu_start_bg "$1" 900 -kernel "$KERNEL" -append "ip=$GUEST/24" $cons \
		-netdev dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=17001,remote.type=inet,remote.host=127.0.0.1,remote.port=17002 \
		-device "$2,netdev=n0"
	for _ in $(seq 1 60); do
		in_ns "$NS" ping -c 1 -W 1 "$GUEST" >/dev/null 2>&1 && return 0
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
	done
	return 1
}
relay_stop() {
	[ -n "${RELAY_PID:-}" ] || return 0
	kill "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
	RELAY_PID=""
	echo "  relay: $(tail -1 "$RELAY_OUT")"
}

print_counters() {
	s=$1
	if guest_stats; then
		line=""
		for k in retrans_segs rto_timeouts fast_retrans ooo_queued ooo_dropped out_of_window \
			 syn_cookies_sent syn_cookies_ok syn_cookies_failed syn_cookies_ahead bad_listen_seg \
			 out_blocked out_nobuf out_too_big; do
			v=$(guest_stat $k)
			line="$line $k=${v:-0}"
		done
		echo "  $s guest counters:$line"
		na=$(tr -d '\r' < "$LOG" | grep -a '^netbuf:' | tail -1)
		echo "  $s $na"
		echo "  $s eth0 $(tr -d '\r' < "$LOG" | grep -a '^ *TX: packets' | tail -1 | sed 's/^ *//')"
	fi
}

# Test 5: the table bounded by tcp.max_conns=LIMIT refuses the rest with RST, then recovers.
table_limit() {
	s=$1
	name=tcp-$s-limit
	if ! boot_guest "$name" "$2" "ip=$GUEST/24 tcp.max_conns=$LIMIT"; then
		fail "tcp $s: guest with tcp.max_conns=$LIMIT answers" "no ping reply; see $LOG"
		return
	fi
	r=$(in_ns "$NS" timeout 120 python3 "$HELPERS/limit.py" "$GUEST" 7 "$LIMIT" $((LIMIT + 10)) \
		2>"$ITEST_DIR/$name.err")
	echo "$r" | sed "s/^/  $s tcp.max_conns=$LIMIT, $((LIMIT + 10)) tried: /"
	head -5 "$ITEST_DIR/$name.err" | sed 's/^/    /'
	check "tcp $s: table full at $LIMIT, the other 10 refused" \
		has_opt "$r" "^first: connected=$LIMIT refused=10 other=0 echoed=$LIMIT$"
	check "tcp $s: after closing, $LIMIT new connections work" \
		has_opt "$r" "^again: connected=$LIMIT refused=0 other=0 echoed=$LIMIT$"
	guest_stats
	check "tcp $s: guest counted conn_table_full 10" [ "$(guest_stat conn_table_full)" = 10 ]
	qemu_stop
}

run_model() {
	s=$1
	if ! dev=$(nic_device "$s"); then
		fail "tcp $s" "unknown NIC model"
		return
	fi
	if ! boot_guest "tcp-$s" "$dev" "ip=$GUEST/24"; then
		fail "tcp $s: guest answers" "no ping reply; see $LOG"
		return
	fi
	t0=$(date +%s)
	roundtrips "$s"
	handshake "$s"
	numbers "$s"
	print_counters "$s"
	# A fresh guest for each heavy test, so one test's failure does not decide the next.
	if boot_guest "tcp-$s-many" "$dev" "ip=$GUEST/24"; then
		many "$s"
		print_counters "$s"
	else
		fail "tcp $s: guest answers (many)" "no ping reply; see $LOG"
	fi
	lossy "$s" "$dev"
	qemu_stop
	table_limit "$s" "$dev"
	netns_down "$NS"
	echo "  $s: $(($(date +%s) - t0)) s"
}

for spec in $NICS; do
	run_model "$spec"
	NETEM_BYTES=$NETEM_BYTES_OTHER
	NETEM_DURATION=$NETEM_DURATION_OTHER
done
