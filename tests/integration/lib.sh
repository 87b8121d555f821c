# Shared helpers for the integration tests (POSIX sh, sourced). Every QEMU runs under
# `timeout` and is killed by pid when the test ends; tests record results with pass/fail.
# The repository root: the nearest folder above the script that holds the Makefile.
ROOT=$(cd "$(dirname "$0")" 2>/dev/null && pwd)
while [ "$ROOT" != / ] && ! [ -f "$ROOT/Makefile" -a -d "$ROOT/tests/integration" ]; do
	ROOT=$(dirname "$ROOT")
done
[ -f "$ROOT/Makefile" ] || ROOT=$(pwd)
ITEST_DIR=${ITEST_DIR:-$ROOT/build/itest}
KERNEL=${KERNEL:-$ROOT/build/peregrine-qemu.elf}
ISO=${ISO:-$ROOT/build/peregrine.iso}
RESULTS=${RESULTS:-$ITEST_DIR/results}
ACCEL=${ACCEL:-tcg}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
mkdir -p "$ITEST_DIR"

QEMU="qemu-system-x86_64 -accel $ACCEL -m 128M -display none -no-reboot \
 -device isa-debug-exit,iobase=0xf4,iosize=0x04"

pass() { echo "PASS $1"; echo "pass $1" >> "$RESULTS"; }
fail() { echo "FAIL $1: $2"; echo "fail $1" >> "$RESULTS"; }
# check NAME CONDITION-COMMAND... : pass when the command succeeds
check() { n=$1; shift; if "$@"; then pass "$n"; else fail "$n" "$*"; fi; }

# log_has PATTERN: the serial log ($LOG) contains the extended regex.
log_has() { tr -d '\r' < "$LOG" | grep -aqE -- "$1"; }

# qemu_boot_serial NAME TIMEOUT CMDLINE [QEMU ARGS...]: boot the -kernel image, wait until QEMU
# exits or TIMEOUT seconds pass; the serial log is in $LOG, QEMU's status in $QEMU_RC
# (124 = timed out; isa-debug-exit code c gives 2c+1).
qemu_boot_serial() {
	name=$1; t=$2; cmdline=$3; shift 3
	LOG=$ITEST_DIR/$name.log
	: > "$LOG"
	timeout --kill-after=5 "$t" $QEMU -kernel "$KERNEL" -append "$cmdline" \
		-serial "file:$LOG" "$@" </dev/null >"$ITEST_DIR/$name.qemu.out" 2>&1
	QEMU_RC=$?
}

# qemu_start_bg NAME TIMEOUT [QEMU ARGS...]: start QEMU in the background, inside network
# namespace $QEMU_NS when set; $LOG is $ITEST_DIR/NAME.log (point the serial there, e.g. with
# console_args NAME); $QEMU_PID is its pid. Pair with qemu_stop in a trap.
qemu_start_bg() {
	name=$1; t=$2; shift 2
	LOG=$ITEST_DIR/$name.log
	: > "$LOG"
	ns=""
	[ -n "${QEMU_NS:-}" ] && ns="ip netns exec $QEMU_NS"
	$ns timeout --kill-after=5 "$t" $QEMU "$@" </dev/null >"$ITEST_DIR/$name.qemu.out" 2>&1 &
	QEMU_PID=$!
}

qemu_stop() {
	if [ -n "${QEMU_PID:-}" ]; then
		kill "$QEMU_PID" 2>/dev/null
		pkill -P "$QEMU_PID" 2>/dev/null
		wait "$QEMU_PID" 2>/dev/null
		QEMU_PID=""
	fi
}

# wait_log PATTERN SECONDS: poll $LOG until it matches; returns non-zero on timeout.
wait_log() {
	i=0
	while [ "$i" -lt $(($2 * 10)) ]; do
		log_has "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ---- networks: every address lives inside a namespace the test creates ----------------
# netns_tap_up NS TAP HOSTCIDR: namespace NS holding tap TAP with the host side's address.
# QEMU then runs inside NS (QEMU_NS=NS) so it can attach to the tap by name.
netns_tap_up() {
	ip netns add "$1" &&
	ip -n "$1" link set lo up &&
	ip -n "$1" tuntap add dev "$2" mode tap &&
	ip -n "$1" addr add "$3" dev "$2" &&
	ip -n "$1" link set "$2" up
}
# netns_down NS...: delete namespaces (their taps go with them). Safe to call twice.
netns_down() { for ns in "$@"; do ip netns del "$ns" 2>/dev/null; done; return 0; }
# in_ns NS CMD...: run a command inside NS.
in_ns() { ns=$1; shift; ip netns exec "$ns" "$@"; }

# NIC model names (as NIC= in make run) to QEMU -device strings.
nic_device() {
	case "$1" in
	e1000) echo "e1000" ;;
	e1000e) echo "e1000e" ;;
	virtio) echo "virtio-net-pci,disable-modern=on" ;;
	virtio-modern) echo "virtio-net-pci,disable-legacy=on" ;;
	*) return 1 ;;
	esac
}

# ---- the serial console as a socket, logged to $LOG -------------------------------------
# console_setup NAME: sets CONSOLE_ARGS (QEMU arguments for a console socket
# $ITEST_DIR/NAME.sock whose output is also written to $ITEST_DIR/NAME.log) and CONSOLE_SOCK.
# console_send CMD types a line into it. (console_args NAME prints the same arguments, for
# use in $(...); the caller then sets CONSOLE_SOCK itself.)
console_setup() {
	CONSOLE_ARGS=$(console_args "$1")
	CONSOLE_SOCK=$ITEST_DIR/$1.sock
}
console_args() {
	CONSOLE_SOCK=$ITEST_DIR/$1.sock
	rm -f "$CONSOLE_SOCK"
	echo "-chardev socket,id=ser0,path=$CONSOLE_SOCK,server=on,wait=off,logfile=$ITEST_DIR/$1.log -serial chardev:ser0"
}
console_send() {
	printf '%s\r' "$1" | socat -t 0.5 - "UNIX-CONNECT:$CONSOLE_SOCK" >/dev/null 2>&1
}
