# Shared helpers for the integration tests (POSIX sh, sourced). Every QEMU runs under
# `timeout` and is killed by pid when the test ends; tests record results with pass/fail.
ROOT=$(cd "$(dirname "$0")/../.." 2>/dev/null && pwd)
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

# qemu_start_bg NAME TIMEOUT [QEMU ARGS...]: start QEMU in the background (serial to $LOG
# unless the args redirect it); $QEMU_PID is its pid. Pair with qemu_stop in a trap.
qemu_start_bg() {
	name=$1; t=$2; shift 2
	LOG=$ITEST_DIR/$name.log
	: > "$LOG"
	timeout --kill-after=5 "$t" $QEMU "$@" </dev/null >"$ITEST_DIR/$name.qemu.out" 2>&1 &
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
