#!/bin/sh
# Self-test of the benchmark's own tools on the host's loopback before `make bench` spends
# half an hour on them: udprate counts exactly (paced send, every datagram received, none
# lost or reordered), echod echoes request/response and bulk byte for byte (loadgen verifies),
# and the report's statistics. Usage: selftest.sh BUILD_DIR (with loadgen, udprate, bench/echod).
set -u
B=$1
fails=0
ok() { echo "bench selftest: ok   $1"; }
bad() { echo "bench selftest: FAIL $1: $2"; fails=$((fails + 1)); }
val() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# udprate: 20000 pps for 1 s is exactly 20000 datagrams, sequence 0..19999, on loopback.
PORT=$((30000 + $$ % 20000))
out=$(mktemp)
"$B/udprate" recv -p "$PORT" -d 3 > "$out" &
rpid=$!
sleep 0.3
s=$("$B/udprate" send -h 127.0.0.1 -p "$PORT" -s 64 -d 1 -r 20000)
wait "$rpid"
r=$(cat "$out")
rm -f "$out"
if [ "$(val "$s" sent)" = 20000 ] && [ "$(val "$r" received)" = 20000 ] &&
   [ "$(val "$r" bytes)" = 1280000 ] && [ "$(val "$r" highest_seq)" = 19999 ] &&
   [ "$(val "$r" lost)" = 0 ] && [ "$(val "$r" reordered)" = 0 ]; then
	ok "udprate paced 20000 x 64 B"
else
	bad "udprate paced 20000 x 64 B" "send: $s / recv: $r"
fi
# Bad arguments are refused with status 2, not run.
"$B/udprate" send -p 1 >/dev/null 2>&1; rc1=$?
"$B/udprate" recv -s 70000 >/dev/null 2>&1; rc2=$?
[ "$rc1" = 2 ] && [ "$rc2" = 2 ] && ok "udprate refuses bad arguments" ||
	bad "udprate refuses bad arguments" "exit codes $rc1 $rc2"

# echod under loadgen: request/response and a verified 32 MiB bulk echo.
EPORT=$((PORT + 1))
"$B/bench/echod" "$EPORT" > /dev/null &
epid=$!
sleep 0.3
rr=$("$B/loadgen" -h 127.0.0.1 -p "$EPORT" -c 32 -s 64 -d 1)
bulk=$("$B/loadgen" -h 127.0.0.1 -p "$EPORT" -b -s 65536 -n 33554432 -d 10)
kill "$epid"
wait "$epid" 2>/dev/null
case "$rr" in *"conns=32 size=64"*transactions=[1-9]*) ok "echod request/response" ;;
	*) bad "echod request/response" "$rr" ;; esac
case "$bulk" in *"bytes=33554432"*"verified=yes"*) ok "echod bulk 32 MiB verified" ;;
	*) bad "echod bulk" "$bulk" ;; esac

# report.py: medians of odd/even counts, failed samples (None) left out and counted.
py=$(cd "$(dirname "$0")" && python3 -c '
import report
s = report.stats([3.0, None, 1.0, 2.0])
print(report.median([5, 1, 4, 2]), s["min"], s["median"], s["max"], s["n"], s["failed"],
      report.stats([None]))')
[ "$py" = "3.0 1.0 2.0 3.0 3 1 None" ] && ok "report statistics" || bad "report statistics" "$py"

[ "$fails" = 0 ] || { echo "bench selftest: $fails failed"; exit 1; }
