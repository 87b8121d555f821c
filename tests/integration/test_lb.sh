#!/bin/sh
# The load balancer (app=lb) in front of three nginx backends: distribution over 300 fresh
# connections per algorithm and weights, maglev stickiness, wrk through the LB and direct,
# a backend stopped under load (no errors after fall*inter) and restarted (traffic after
# rise*inter), all backends down (a quick reset, no hang), retries, maxconn, Layer7 check
# failures, idle client/server timeouts, `lb stats` and /metrics.
# Topology: one namespace holding the tap with the client address and the three backend
# addresses (one L2 segment); the guest reaches the backends directly. Needs root.
. "$(dirname "$0")/lib.sh"

NIC=${NIC:-e1000}
NS=pglb$$
TAP=pglt$$
GUEST=10.79.0.41                        # the first boot's; each boot takes the next (see boot_lb)
BOOTS=0
CLIENT=10.79.0.1
CLIENT2=10.79.0.21                      # a second client address for maglev
WEB1=10.79.0.11 WEB2=10.79.0.12 WEB3=10.79.0.13
PORT=8080
N=${N:-300}                             # requests per distribution run
TOL=5                                   # percentage points a share may miss its weight by
WRK_SECS=${WRK_SECS:-10}
INTER=1 FALL=2 RISE=2                   # lb.check inter 1s fall 2 rise 2
HELPERS=$ROOT/tests/integration/lb
WD=$ITEST_DIR/lb
NGINX_PIDS=""

cleanup() {
	[ -n "${WRK_PID:-}" ] && kill "$WRK_PID" 2>/dev/null
	qemu_stop
	for p in $NGINX_PIDS; do kill "$p" 2>/dev/null; done
	netns_down "$NS"
	rm -f "${CONSOLE_SOCK:-}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

if [ "$(id -u)" != 0 ]; then
	fail "lb" "needs root for a network namespace and a tap device"
	exit 1
fi
for tool in nginx wrk curl python3 socat; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		fail "lb" "needs $tool"
		exit 1
	fi
done
if [ ! -f "$KERNEL" ]; then
	fail "lb" "build the image first: make kernel"
	exit 1
fi
mkdir -p "$WD" "$WD/www"
BIG=$WD/www/big.bin                     # 16 MiB of random bytes, served by every backend
head -c 16777216 /dev/urandom > "$BIG" || { fail "lb-setup" "big file"; exit 1; }
cp "$KERNEL" "$WD/kernel.elf" && KERNEL=$WD/kernel.elf

netns_tap_up "$NS" "$TAP" "$CLIENT/24" || { fail "lb-setup" "namespace/tap"; exit 1; }
for a in $CLIENT2 $WEB1 $WEB2 $WEB3; do
	ip -n "$NS" addr add "$a/24" dev "$TAP" || { fail "lb-setup" "address $a"; exit 1; }
done

# web_start NAME ADDR [HEALTH]: one nginx (single process, foreground) answering /id with
# its name and /health with HEALTH (default 200). It writes its pid to $WD/NAME/nginx.pid.
web_start() {
	d=$WD/$1
	mkdir -p "$d/logs" "$d/tmp"
	cat > "$d/nginx.conf" <<EOC
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	server {
		listen $2:$PORT backlog=1024;
		location = /health { return ${3:-200} "ok\n"; }
		location = /big.bin { root $WD/www; }
		location /up/ {
			root $d;
			dav_methods PUT;
			create_full_put_path on;
			client_max_body_size 64m;
			client_body_temp_path $d/tmp;
		}
		location / { return 200 "$1\n"; }
	}
}
EOC
	rm -f "$d/nginx.pid"
	ip netns exec "$NS" nginx -p "$d" -c "$d/nginx.conf" >"$d/out" 2>&1 &
	NGINX_PIDS="$NGINX_PIDS $!"
	for _ in $(seq 1 50); do
		if [ -s "$d/nginx.pid" ] &&
		   in_ns "$NS" curl -s --max-time 1 "http://$2:$PORT/id" 2>/dev/null | grep -qx "$1"; then
			NGINX_PIDS="$NGINX_PIDS $(cat "$d/nginx.pid")"
			return 0
		fi
		sleep 0.1
	done
	return 1
}
# web_stop NAME: kill that nginx by the pid it wrote and wait until its port is closed.
web_stop() {
	p=$(cat "$WD/$1/nginx.pid" 2>/dev/null)
	[ -n "$p" ] && kill "$p" 2>/dev/null
	for _ in $(seq 1 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$WD/$1/nginx.pid"
}

for w in "web1 $WEB1" "web2 $WEB2" "web3 $WEB3"; do
	set -- $w
	web_start "$1" "$2" || { fail "lb-setup" "nginx $1 on $2"; exit 1; }
done

# boot_lb NAME BALANCE W1 W2 W3 [FRONTEND OPTIONS]: the appliance with that scheduler and
# weights; waits until it answers ping and has started the frontend. CHECK, CTO (connect
# timeout) and EXTRA (more config lines) change the defaults below for one boot.
boot_lb() {
	qemu_stop
	BOOTS=$((BOOTS + 1))
	GUEST=10.79.0.$((BOOTS + 40))            # .41 up: clear of the clients and servers below .40
	cat > "$WD/$1.conf" <<EOC
app=lb
ip=$GUEST/24
lb.frontend=0.0.0.0:80${6:+ $6}
lb.balance=$2
lb.server=web1 $WEB1:$PORT weight $3
lb.server=web2 $WEB2:$PORT weight $4
lb.server=web3 $WEB3:$PORT weight $5
${EXTRA:-}
lb.check=${CHECK:-http /health inter ${INTER}s fall $FALL rise $RISE}
lb.retries=2
lb.timeout.connect=${CTO:-1000}
metrics.port=9100
EOC
	cons=$(console_args "$1")
	CONSOLE_SOCK=$ITEST_DIR/$1.sock
	QEMU_NS=$NS qemu_start_bg "$1" 300 -kernel "$KERNEL" -initrd "$WD/$1.conf" $cons \
		-netdev tap,id=n0,ifname=$TAP,script=no,downscript=no -device "$(nic_device "$NIC"),netdev=n0"
	for _ in $(seq 1 60); do
		if in_ns "$NS" ping -c 1 -W 1 "$GUEST" >/dev/null 2>&1; then
			wait_log "lb: frontend port 80" 5 && return 0
			return 1
		fi
		kill -0 "$QEMU_PID" 2>/dev/null || return 1
	done
	return 1
}

dist() { in_ns "$NS" python3 "$HELPERS/dist.py" "$GUEST" 80 "$@"; }
# count LINE NAME: the number after NAME in a dist.py line (0 when absent).
count() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } print 0 }' | head -1; }
# within_weights LINE W1 W2 W3: no errors, and every server's share within TOL points of its weight.
within_weights() {
	[ "$(count "$1" errors)" = 0 ] || return 1
	tot=$(($(count "$1" web1) + $(count "$1" web2) + $(count "$1" web3)))
	sum=$(($2 + $3 + $4))
	[ "$tot" -gt 0 ] || return 1
	i=0
	for w in $2 $3 $4; do
		i=$((i + 1))
		got=$(count "$1" "web$i")
		# |got/tot - w/sum| <= TOL/100  <=>  |100*got*sum - 100*w*tot| <= TOL*tot*sum
		d=$((100 * got * sum - 100 * w * tot))
		[ "$d" -lt 0 ] && d=$((-d))
		[ "$d" -le $((TOL * tot * sum)) ] || return 1
	done
}
# wrk_run NAME URL SECS: wrk with 2 threads and 16 connections; output in $WD/NAME.wrk.
wrk_run() { in_ns "$NS" wrk -t2 -c16 -d"$3"s --timeout 3s --latency "$2" > "$WD/$1.wrk" 2>&1; }
# wrk_errors NAME: socket errors plus non-2xx/3xx responses of a wrk run; "none" when wrk
# did not finish (no Requests/sec line), so a run that never happened cannot pass as clean.
wrk_errors() {
	awk '/Socket errors:/ { gsub(",", ""); e += $4 + $6 + $8 + $10 }
	     /Non-2xx or 3xx responses:/ { e += $5 } /Requests\/sec/ { ok = 1 }
	     END { if (ok) print e + 0; else print "none" }' "$WD/$1.wrk"
}
# wrk_summary FILE TITLE: one line of a wrk run's figures.
# nb_in_use WANT [TRIES]: netbufs not free in the guest, from the console's "mem": the fewest
# of up to TRIES (10) looks a second apart, stopping early at WANT, so buffers a health check or a
# closing connection holds for a moment are not counted as kept.
nb_in_use() {
	best=""
	for _ in $(seq 1 "${2:-10}"); do
		console_send "mem"
		sleep 1
		v=$(tr -d '\r' < "$LOG" | sed -n 's/^netbufs: \([0-9]*\) of \([0-9]*\) free.*/\1 \2/p' | tail -1 |
			awk '{ print $2 - $1 }')
		[ -n "$v" ] && { [ -z "$best" ] || [ "$v" -lt "$best" ]; } && best=$v
		[ -n "$best" ] && [ "$best" = "${1:-none}" ] && break
	done
	echo "${best:-unknown}"
}
wrk_summary() {
	awk -v n="$2" '/Requests\/sec/ { r = $2 } /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
	     /requests in/ { t = $1 } END { printf "%s: %s req/s, p50 %s, p99 %s, %s requests\n", n, r, p50, p99, t }' "$WD/$1.wrk"
}

# ---- 1. roundrobin, equal weights: the full tour on one boot ---------------------------
if ! boot_lb lb-rr111 roundrobin 1 1 1; then
	fail "lb-boot" "the appliance did not come up (see $LOG)"
	exit 1
fi
pass "lb-boot"
NB_BOOT=$(nb_in_use none 2)
body=$(in_ns "$NS" curl -s --max-time 5 "http://$GUEST/id")
check "lb-curl" sh -c "echo '$body' | grep -qxE 'web[123]'"
echo "curl through the LB: $body"
out=$(dist "$N"); echo "roundrobin 1,1,1: $out"
check "lb-roundrobin-1-1-1" within_weights "$out" 1 1 1

console_send "lb stats"
check "lb-stats" wait_log "^be +web3 +UP +1 .*Layer7 check passed 200" 5
log_has "^fe +FRONTEND +OPEN " && log_has "^be +BACKEND +UP +3 " ||
	fail "lb-stats-lines" "FRONTEND/BACKEND lines missing"
tr -d '\r' < "$LOG" | grep -aE '^(pxname|fe |be )' | tail -5
met=$(in_ns "$NS" curl -s --max-time 5 "http://$GUEST:9100/metrics")
check "lb-metrics" sh -c "echo '$met' | grep -qx 'haproxy_server_up{proxy=\"be\",server=\"web2\"} 1' &&
	echo '$met' | grep -qE '^haproxy_frontend_sessions_total\{proxy=\"fe\"\} [0-9]+$'"

# Bulk both ways, byte for byte: a download (the client's window and the proxy's holding of
# server data pace nginx), one at 2 MB/s (backpressure for seconds), an upload (PUT lands on
# whichever server was picked), and a half close (request, FIN, reply after it).
rm -f "$WD/got.bin"
in_ns "$NS" curl -s --max-time 60 -o "$WD/got.bin" "http://$GUEST/big.bin"
check "lb-bulk-download" cmp -s "$BIG" "$WD/got.bin"
rm -f "$WD/got.bin"
in_ns "$NS" curl -s --max-time 60 --limit-rate 2M -r 0-4194303 -o "$WD/got.bin" "http://$GUEST/big.bin"
check "lb-slow-reader" sh -c "head -c 4194304 '$BIG' | cmp -s - '$WD/got.bin'"
rm -rf "$WD"/web?/up
code=$(in_ns "$NS" curl -s --max-time 60 -o /dev/null -w '%{http_code}' -T "$BIG" "http://$GUEST/up/x.bin")
check "lb-bulk-upload" sh -c "[ '$code' = 201 ] && for f in '$WD'/web?/up/x.bin; do cmp -s '$BIG' \"\$f\" && exit 0; done; exit 1"
out=$(in_ns "$NS" python3 "$HELPERS/probe.py" halfclose "$GUEST" 80); echo "half close: $out"
check "lb-half-close" sh -c "echo '$out' | grep -qxE 'HTTP/1.1 200 OK web[123]'"
# A client reset in the middle of a download aborts the server side too: no session is left.
out=$(in_ns "$NS" python3 "$HELPERS/probe.py" reset "$GUEST" 80); echo "reset after $out bytes"
sleep 1
met=$(in_ns "$NS" curl -s --max-time 5 "http://$GUEST:9100/metrics")
check "lb-client-reset" sh -c "[ '$out' = 65536 ] && echo '$met' | grep -qx 'haproxy_frontend_current_sessions{proxy=\"fe\"} 0' &&
	[ \"\$(echo '$met' | grep -c '^haproxy_server_current_sessions{.*} 0\$')\" = 3 ]"

# wrk through the LB and against one backend directly (printed for comparison, not asserted)
wrk_run lb-wrk "http://$GUEST/id" "$WRK_SECS"
wrk_run direct-wrk "http://$WEB1:$PORT/id" "$WRK_SECS"
wrk_summary lb-wrk "wrk through the LB"
wrk_summary direct-wrk "wrk direct to web1"
check "lb-wrk-no-errors" [ "$(wrk_errors lb-wrk)" = 0 ]

# A backend stops under load: errors are allowed only until it is marked down (fall*inter);
# a second wrk run after that must see none. Connects refused meanwhile are retried.
wrk_run failover-a "http://$GUEST/id" $((FALL * INTER + 4)) &
WRK_PID=$!
sleep 1
web_stop web2
t0=$(date +%s)
check "lb-web2-down-logged" wait_log "Server be/web2 is DOWN, reason: Layer4 connection problem" $((FALL * INTER + 3))
echo "web2 marked down $(($(date +%s) - t0)) s after it stopped (fall $FALL x inter ${INTER}s)"
wait "$WRK_PID"; WRK_PID=""
echo "wrk while web2 went down: $(wrk_errors failover-a) errors (not asserted)"
wrk_run failover-b "http://$GUEST/id" 5
wrk_summary failover-b "wrk after web2 is down"
check "lb-no-errors-after-fall" [ "$(wrk_errors failover-b)" = 0 ]
out=$(dist 30); echo "web2 down: $out"
check "lb-web2-gets-nothing-while-down" sh -c "[ \"$(count "$out" web2)\" = 0 ] && [ \"$(count "$out" errors)\" = 0 ]"
met=$(in_ns "$NS" curl -s --max-time 5 "http://$GUEST:9100/metrics")
check "lb-metrics-down" sh -c "echo '$met' | grep -qx 'haproxy_server_up{proxy=\"be\",server=\"web2\"} 0'"

web_start web2 $WEB2 || fail "lb-web2-restart" "nginx did not come back"
t0=$(date +%s)
check "lb-web2-up-logged" wait_log "Server be/web2 is UP, reason: Layer7 check passed" $((RISE * INTER + 3))
echo "web2 back up $(($(date +%s) - t0)) s after restart (rise $RISE x inter ${INTER}s)"
out=$(dist 30); echo "web2 back: $out"
check "lb-web2-traffic-again" sh -c "[ \"$(count "$out" web2)\" -ge 5 ] && [ \"$(count "$out" errors)\" = 0 ]"

# Every backend down: once the checks say so, a client gets a reset at once (no hang).
web_stop web1; web_stop web2; web_stop web3
check "lb-all-down-logged" wait_log "backend be has no server available" $((FALL * INTER + 3))
t0=$(date +%s%N)
in_ns "$NS" curl -s --max-time 5 -o /dev/null "http://$GUEST/id"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "all down: curl exit $rc after $ms ms"
check "lb-all-down-refused" sh -c "case $rc in 7|52|55|56) [ $ms -lt 3000 ] ;; *) false ;; esac"
console_send "lb stats"
check "lb-stats-down" wait_log "^be +BACKEND +DOWN " 5
# Every held or forwarded netbuf came back: as many in use as right after boot.
nb_end=$(nb_in_use "$NB_BOOT")
echo "netbufs in use: $NB_BOOT after boot, $nb_end after the tour"
if [ "$nb_end" = "$NB_BOOT" ]; then
	pass "lb-no-netbuf-leak"
else
	fail "lb-no-netbuf-leak" "$NB_BOOT in use after boot, $nb_end after the tour"
	console_send "ss -tan"; sleep 1
	tr -d '\r' < "$LOG" | tail -300 | grep -avE 'TIME-WAIT|^ *$' | tail -20
fi
tr -d '\r' < "$LOG" | grep -aE '^(pxname|fe |be )' | tail -5
for w in "web1 $WEB1" "web2 $WEB2" "web3 $WEB3"; do
	set -- $w
	web_start "$1" "$2" || { fail "lb-setup" "nginx $1 restart"; exit 1; }
done

# ---- 2-5. weights and the other schedulers, one boot each -------------------------------
for run in "lb-rr321 roundrobin 3 2 1" "lb-srr321 static-rr 3 2 1" "lb-srr111 static-rr 1 1 1"; do
	set -- $run
	if ! boot_lb "$1" "$2" "$3" "$4" "$5"; then
		fail "$1" "boot"
		continue
	fi
	out=$(dist "$N"); echo "$2 $3,$4,$5: $out"
	check "$1-distribution" within_weights "$out" "$3" "$4" "$5"
done

if boot_lb lb-lc leastconn 1 1 1; then
	out=$(dist "$N"); echo "leastconn 1,1,1: $out"
	check "lb-leastconn" sh -c "[ \"$(count "$out" errors)\" = 0 ] && [ \"$(count "$out" web1)\" -gt 0 ] &&
		[ \"$(count "$out" web2)\" -gt 0 ] && [ \"$(count "$out" web3)\" -gt 0 ]"
	# two idle clients pin two servers: every short request goes to the third
	out=$(in_ns "$NS" python3 "$HELPERS/probe.py" leastconn "$GUEST" 80); echo "leastconn, 2 held: $out"
	check "lb-leastconn-held" sh -c "echo '$out' | grep -qxE 'web[123] 30'"
else
	fail "lb-leastconn" "boot"
fi

# The pair pool: maxconn 4 holds four clients; a fifth is reset and counted; one freed pair
# serves again.
if boot_lb lb-maxconn roundrobin 1 1 1 "maxconn 4"; then
	out=$(in_ns "$NS" python3 "$HELPERS/probe.py" maxconn "$GUEST" 80 4); echo "maxconn 4: $out"
	check "lb-maxconn" [ "$out" = "held 4 refused 3 reused ok" ]
	met=$(in_ns "$NS" curl -s --max-time 5 "http://$GUEST:9100/metrics")
	check "lb-maxconn-counted" sh -c "echo '$met' | grep -qx 'haproxy_frontend_denied_connections_total{proxy=\"fe\"} 3'"
else
	fail "lb-maxconn" "boot"
fi

# Connect retries: a server nobody answers for (no ARP reply: the connect times out) and one
# whose port is closed (RST) take their turns; every request still succeeds on a real server,
# and each failed connect is counted once as an error and once as a retry. The checks are
# 60 s apart so both stay "up" for the whole run.
if EXTRA="lb.server=ghost 10.79.0.99:$PORT
lb.server=closed $WEB3:9999" CHECK="tcp inter 60s" CTO=200 boot_lb lb-retry roundrobin 1 1 1; then
	out=$(dist 50); echo "retry, 5 servers (2 dead): $out"
	check "lb-retry-all-served" sh -c "echo '$out' | grep -qE '^web1 [0-9]+ web2 [0-9]+ web3 [0-9]+ errors 0$'"
	met=$(in_ns "$NS" curl -s --max-time 5 "http://$GUEST:9100/metrics")
	m() { echo "$met" | awk -v k="haproxy_server_$1{proxy=\"be\",server=\"$2\"}" '$1 == k { print $2 }'; }
	echo "ghost: econ $(m connection_errors_total ghost) wretr $(m retry_warnings_total ghost);" \
	     "closed: econ $(m connection_errors_total closed) wretr $(m retry_warnings_total closed)"
	check "lb-retry-counted" sh -c "[ '$(m connection_errors_total ghost)' -ge 5 ] &&
		[ '$(m connection_errors_total ghost)' = '$(m retry_warnings_total ghost)' ] &&
		[ '$(m connection_errors_total closed)' -ge 5 ] &&
		[ '$(m connection_errors_total closed)' = '$(m retry_warnings_total closed)' ]"
else
	fail "lb-retry" "boot"
fi
EXTRA="" CHECK="" CTO=""      # sh may keep assignments made for a function call

# Layer 7 checks: "sick" answers /health with 503, "mute" completes the handshake and never
# answers (a listener that does not accept). Both go down with HAProxy's reasons and get no
# more requests; the three good servers stay up.
SICK=10.79.0.14 MUTE=10.79.0.15
ip -n "$NS" addr add "$SICK/24" dev "$TAP" && ip -n "$NS" addr add "$MUTE/24" dev "$TAP" &&
web_start sick "$SICK" 503 || fail "lb-setup" "sick server"
ip netns exec "$NS" python3 -c "import socket, time
s = socket.socket(); s.bind(('$MUTE', $PORT)); s.listen(64); time.sleep(300)" &
NGINX_PIDS="$NGINX_PIDS $!"
if EXTRA="lb.server=sick $SICK:$PORT
lb.server=mute $MUTE:$PORT" boot_lb lb-l7 roundrobin 1 1 1; then
	check "lb-l7-wrong-status" wait_log "Server be/sick is DOWN, reason: Layer7 wrong status, code: 503" $((FALL * INTER + 3))
	check "lb-l7-timeout" wait_log "Server be/mute is DOWN, reason: Layer7 timeout" $((FALL * INTER + 4))
	out=$(dist 30); echo "sick and mute down: $out"
	check "lb-l7-down-get-nothing" sh -c "echo '$out' | grep -qxE 'web1 10 web2 10 web3 10 errors 0'"
	console_send "lb stats"
	check "lb-l7-stats" wait_log "^be +mute +DOWN .* Layer7 timeout in [0-9]+ms" 5
else
	fail "lb-l7" "boot"
fi
EXTRA=""

# Idle timeouts (lb.timeout.client 2s, lb.timeout.server 2s): a client that sends nothing is
# cut between 2 and 2.5 s (looked at every 0.5 s; up to 4 s allowed for a busy host); a
# request sent one byte every 0.5 s and a download read at 2 MB/s for 4 s both finish,
# because the timer measures quiet, not age. Then a server that accepts and never answers
# (web1-3 drained, only "stuck" in service) is cut by the server timeout, counted per server.
IDLE="lb.timeout.client=2s
lb.timeout.server=2s"
if EXTRA="$IDLE" boot_lb lb-idle roundrobin 1 1 1; then
	check "lb-idle-logged" log_has "lb: idle timeouts client 2000 ms, server 2000 ms"
	out=$(in_ns "$NS" python3 "$HELPERS/probe.py" idle "$GUEST" 80); echo "idle client: $out"
	check "lb-idle-client-cut" sh -c "echo '$out' | awk '\$1 == \"closed\" && \$3 >= 1.9 && \$3 <= 4 { ok = 1 } END { exit !ok }'"
	out=$(in_ns "$NS" python3 "$HELPERS/probe.py" trickle "$GUEST" 80 0.5); echo "trickled request: $out"
	check "lb-idle-trickle-served" sh -c "echo '$out' | grep -qxE 'HTTP/1.1 200 OK web[123]'"
	rm -f "$WD/got.bin"
	in_ns "$NS" curl -s --max-time 30 --limit-rate 2M -r 0-8388607 -o "$WD/got.bin" "http://$GUEST/big.bin"
	check "lb-idle-slow-download" sh -c "head -c 8388608 '$BIG' | cmp -s - '$WD/got.bin'"
	met=$(in_ns "$NS" curl -s --max-time 5 "http://$GUEST:9100/metrics")
	echo "$met" | grep idle_timeouts
	check "lb-idle-counted" sh -c "echo '$met' | grep -qx 'haproxy_frontend_idle_timeouts_total{proxy=\"fe\"} 1' &&
		[ \"\$(echo '$met' | grep -c '^haproxy_server_idle_timeouts_total{.*} 0\$')\" = 3 ]"
	console_send "lb stats"
	check "lb-idle-stats" wait_log "idle timeouts client 1 server 0\$" 5
else
	fail "lb-idle" "boot"
fi
STUCK=10.79.0.16
ip -n "$NS" addr add "$STUCK/24" dev "$TAP" || fail "lb-setup" "address $STUCK"
ip netns exec "$NS" python3 -c "import socket, time
s = socket.socket(); s.bind(('$STUCK', $PORT)); s.listen(64); time.sleep(120)" &
NGINX_PIDS="$NGINX_PIDS $!"
if EXTRA="lb.timeout.client=30s
lb.timeout.server=2s
lb.server=stuck $STUCK:$PORT" CHECK="tcp inter 60s" boot_lb lb-idle-srv roundrobin 0 0 0; then
	out=$(in_ns "$NS" python3 "$HELPERS/probe.py" stall "$GUEST" 80); echo "server never answers: $out"
	check "lb-idle-server-cut" sh -c "echo '$out' | awk '\$1 == \"closed\" && \$3 >= 1.9 && \$3 <= 4 { ok = 1 } END { exit !ok }'"
	met=$(in_ns "$NS" curl -s --max-time 5 "http://$GUEST:9100/metrics")
	echo "$met" | grep idle_timeouts
	check "lb-idle-server-counted" sh -c "echo '$met' | grep -qx 'haproxy_server_idle_timeouts_total{proxy=\"be\",server=\"stuck\"} 1' &&
		echo '$met' | grep -qx 'haproxy_frontend_idle_timeouts_total{proxy=\"fe\"} 0'"
else
	fail "lb-idle-srv" "boot"
fi
EXTRA="" CHECK=""

if boot_lb lb-maglev maglev 1 1 1; then
	a=$(dist 50); b=$(dist 50 --src "$CLIENT2")
	echo "maglev from $CLIENT: $a; from $CLIENT2: $b"
	# one client, one server: exactly one name with all 50 requests
	check "lb-maglev-sticky" sh -c "echo '$a' | grep -qE '^web[123] 50 errors 0$' && echo '$b' | grep -qE '^web[123] 50 errors 0$'"
else
	fail "lb-maglev" "boot"
fi
qemu_stop
