#!/bin/sh
# test=timer: the guest runs the LAPIC timer at 100 Hz for 300 ticks and prints its TSC time
# at every 50th tick. The host stamps each of those lines with its own clock as it arrives on
# the serial port and checks (1) the LAPIC timer against the TSC: the median tick period is
# 10 ms, and (2) the TSC against the host: guest and host elapsed time agree within 5%.
# Before that the guest runs PIT interrupts through the I/O APIC (arch_irq_selftest); also
# checks what arch_init() logged about ACPI and the APICs on QEMU's i440fx machine.
. "$(dirname "$0")/lib.sh"

name=timer
LOG=$ITEST_DIR/$name.log
STAMPED=$ITEST_DIR/$name.stamped
rcfile=$ITEST_DIR/$name.rc
: > "$LOG"
: > "$STAMPED"
# QEMU's serial goes to a pipe; the reader copies every line to $LOG and stamps the tick lines
# with the host's clock (date runs only for those six lines, so the reader keeps up).
{
	timeout --kill-after=5 60 $QEMU -kernel "$KERNEL" -append "test=timer" -serial stdio \
		</dev/null 2>"$ITEST_DIR/$name.qemu.out"
	echo $? > "$rcfile"
} | while IFS= read -r line; do
	case "$line" in
	timer-tick*) echo "$(date +%s%N) $line" | tr -d '\r' >> "$STAMPED" ;;
	esac
	printf '%s\n' "$line" >> "$LOG"
done
QEMU_RC=$(cat "$rcfile" 2>/dev/null || echo none)

check "timer: QEMU exited through machine_exit(0) (status 1)" [ "$QEMU_RC" = 1 ]
check "timer: six tick marks printed" [ "$(grep -c 'timer-tick [0-9]* tsc_ns=[0-9]*' "$STAMPED")" = 6 ]
check "timer: summary line" log_has "^timer: ticks=300 over [0-9]+ms hz=[0-9]+ median_period_us=[0-9]+ "

# LAPIC timer against the TSC: the median tick period (TSC-stamped in the guest's handler;
# the median ignores ticks an overloaded emulator delays or merges) is 10 ms within 5%.
guest_rate_ok() {
	us=$(tr -d '\r' < "$LOG" | sed -n 's/^timer: .* median_period_us=\([0-9]*\) .*/\1/p')
	echo "  guest: median LAPIC timer period ${us:-?} us (expect 10000)"
	[ -n "$us" ] && [ "$us" -ge 9500 ] && [ "$us" -le 10500 ]
}
# Host vs guest: a line can only arrive late, never early, so the smallest (host - guest)
# offset among the first two marks and among the last two are the truest; their change
# over the guest time between those marks is the relative clock error.
host_rate_ok() {
	awk '{ sub("tsc_ns=", "", $4); h = $1 - 0; g = $4 - 0; if (NR == 1) h0 = h;
	       off = (h - h0) - g;
	       if (NR <= 2 && (e == "" || off < e)) { e = off; ge = g }
	       if (NR >= 5 && (l == "" || off < l)) { l = off; gl = g } ; n = NR }
	     END { if (n < 6 || gl <= ge) exit 1; err = (l - e) / (gl - ge);
		   printf "  host vs guest clock error: %.2f%% over %.2f s\n", err * 100, (gl - ge) / 1e9;
		   exit !(err > -0.05 && err < 0.05) }' "$STAMPED"
}
check "timer: LAPIC timer period agrees with the TSC (5%)" guest_rate_ok
check "timer: TSC time agrees with the host clock (5%)" host_rate_ok
check "timer: TSC calibrated from the PIT" log_has "tsc: [0-9]+ Hz, apic timer [0-9]+ Hz \(median of 5 PIT windows"

# Device interrupts: PIT IRQ 0 -> MADT override -> GSI 2 -> I/O APIC -> shared vector -> EOI.
check "irq: ISA IRQ 0 through the override and the I/O APIC to two shared handlers" \
	log_has "^irq-selftest: ok isa irq 0 -> gsi 2 \(edge, active high\) vector 0x[3-9a-e][0-9a-f]: 50 interrupts in [0-9]+ ms, shared handler 50, irq_count 50"

# QEMU i440fx: one I/O APIC (id 0, 24 pins), ISA IRQ 0 overridden to GSI 2.
check "arch: MADT parsed (ioapic, overrides)" \
	log_has "acpi: RSDP rev [0-9]+ at 0x[0-9a-f]+, MADT: 1 cpu\(s\), lapic 0xfee00000, 1 ioapic\(s\), ioapic0 id 0 at 0xfec00000 gsi 0, irq overrides: 0->2 "
check "arch: I/O APIC pins counted" log_has "apic: I/O APIC id 0 at 0xfec00000, GSI 0-23"
check "arch: local APIC enabled" log_has "apic: local APIC id 0 version 0x[0-9a-f]+ at 0xfee00000"
