#!/bin/sh
# The serial console, driven over a QEMU socket: each command's output has the shape of the
# Linux tool it is named after. User networking with a host port forward (no root needed);
# one TCP echo through the forward fills the ARP cache and the TCP counters.
. "$(dirname "$0")/lib.sh"

PORT=${CONSOLE_TEST_PORT:-17777}
cleanup() { qemu_stop; rm -f "${CONSOLE_SOCK:-}"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

console_setup console
qemu_start_bg console 120 -kernel "$KERNEL" -append "ip=10.0.2.15/24 gw=10.0.2.2 route=10.9.0.0/16,via=10.0.2.2" $CONSOLE_ARGS \
	-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:7" -device e1000,netdev=n0
check "console: appliance up" wait_log "echo: tcp and udp port 7" 60
reply=$(echo "console-test" | timeout 10 nc -q 2 127.0.0.1 "$PORT")
check "console: echo through the port forward" [ "$reply" = "console-test" ]

# cmd COMMAND PATTERN: type the command, wait for an output line matching PATTERN.
cmd() {
	console_send "$1"
	if wait_log "$2" 10; then pass "console: $1"; else fail "console: $1" "no line matching '$2'"; fi
}
cmd "help" "^ip neigh +ARP cache"
cmd "ip addr" "^    inet 10\.0\.2\.15/24 scope global eth0"
cmd "ip route" "^default via 10\.0\.2\.2"
check "console: ip route connected" log_has "^10\.0\.2\.0/24 dev eth0 proto kernel scope link src 10\.0\.2\.15"
check "console: ip route from route= at boot" log_has "^10\.9\.0\.0/16 via 10\.0\.2\.2 dev eth0"
console_send "ip route add 10.8.0.0/16 via 10.0.2.2"
cmd "ip route" "^10\.8\.0\.0/16 via 10\.0\.2\.2 dev eth0"
console_send "ip route del 10.8.0.0/16"
cmd "ip route del 10.9.0.0/24" "^RTNETLINK answers: No such process"
cmd "iptables -L -n" "^Chain FORWARD \(policy ACCEPT\)"
cmd "iptables -t nat -L -v -n" "^Chain POSTROUTING \(policy ACCEPT 0 packets, 0 bytes\)"
cmd "iptables -t mangle -L" "^iptables: can't initialize iptables table .mangle'"
cmd "conntrack -L" "^conntrack v1\.4\.7 \(conntrack-tools\): 0 flow entries have been shown\."
cmd "ip neigh" "^10\.0\.2\.2 dev eth0 lladdr 52:55:0a:00:02:02"
cmd "ip -s link" "^    RX: +bytes +packets +errors +dropped"
check "console: ip -s link shows the MAC" log_has "^    link/ether 52:54:00:12:34:56"
cmd "netstat -s" "^ +passive_opens +1$"
cmd "ss -tan" "^LISTEN +0 +[0-9]+ 0\.0\.0\.0:7 "
cmd "interrupts" "^loop: [0-9]+ iterations, [0-9]+ halts"
cmd "mem" "^netbufs: [0-9]+ of [0-9]+ free, 0 allocation failures"
cmd "log level debug" "^log level debug"
cmd "no-such-command" "^no-such-command: unknown command \(try help\)"
long=$(head -c 300 /dev/zero | tr '\0' 'x')
console_send "$long"
check "console: a 300-character line is refused" wait_log "^line longer than 255 characters ignored" 10
console_send "poweroff"
wait_log "^power off" 10
sleep 1
kill -0 "$QEMU_PID" 2>/dev/null && running=yes || running=no
check "console: poweroff prints the counters and stops QEMU" [ "$running" = no ]
check "console: final counters printed at power off" log_has "^power off"
