#!/bin/sh
# Memory protection: each test=NAME hook breaks one rule and must end in a readable exception
# dump (QEMU status 7) or a panic (status 3), never a silent reboot or a hang:
# wx-text (write to kernel text), idt-write (the IDT page is read-only), nx-data (execute
# .data), null (read page 0), stack-overflow (runs into the boot stack's guard page: #DF on
# its IST stack), canary (-fstack-protector-strong), fortify (_FORTIFY_SOURCE=2 memcpy past
# an 8-byte buffer).
. "$(dirname "$0")/lib.sh"

# hex_of PATTERN: the first 0x... number on the log line matching the extended regex.
hex_of() { tr -d '\r' < "$LOG" | grep -aE -- "$1" | head -1 | grep -aoE '0x[0-9a-f]+' | head -1; }
# reg_is NAME ADDR: the dump's NAME line (CR2, RIP) holds ADDR (as 16 hex digits).
reg_is() { [ -n "$2" ] && [ "$(hex_of "^  $1 ")" = "$(printf '0x%016x' "$2")" ]; }
# in_page ADDR PAGE: PAGE <= ADDR < PAGE + 4096.
in_page() {
	[ -n "$1" ] && [ -n "$2" ] && [ $(($1)) -ge $(($2)) ] && [ $(($1)) -lt $(($2 + 4096)) ]
}
# frame N FUNCTION: backtrace line #N names FUNCTION.
frame() { log_has "^  #$1 +0x[0-9a-f]{16} $2\\+"; }
# dumped_once: one exception header, one banner (no reboot), the dump ran to its end.
dumped_once() {
	[ "$(tr -d '\r' < "$LOG" | grep -ac 'EXCEPTION')" = 1 ] &&
	[ "$(tr -d '\r' < "$LOG" | grep -ac '^Peregrine ')" = 1 ] && log_has '^\*\*\* stopped \*\*\*'
}

qemu_boot_serial protect-boot 60 "test=exit"
check "protect: W^X map installed at boot" \
	log_has "paging: W\^X map: text [0-9]+K RX, rodata [0-9]+K R, IDT R, 4 guard pages, page 0 unm"
check "protect: normal boot unaffected (exit 0 -> status 1)" [ "$QEMU_RC" = 1 ]

# KASLR: every boot moves the image to a random page-aligned address below 2 GiB (never the
# 1 MiB it is linked at); three boots give at least two addresses (the chance that three
# draws among ~32,000 places give one is about 1 in 10^9). kaslr=off keeps it at 1 MiB.
kaslr_ok() {
	[ -n "$1" ] && [ $(($1 % 4096)) = 0 ] && [ $(($1)) -ne $((0x100000)) ] &&
		[ $(($1)) -lt $((0x80000000)) ] && log_has "^kaslr: image at $1 \(link address \+ 0x[0-9a-f]+, one of [0-9]+ places\)"
}
bases=""
for i in 1 2 3; do
	qemu_boot_serial protect-kaslr$i 60 "test=exit"
	b=$(hex_of "^kaslr: image at ")
	check "kaslr boot $i: image moved to $b" kaslr_ok "$b"
	check "kaslr boot $i: boots to the end (status 1)" [ "$QEMU_RC" = 1 ]
	bases="$bases $b"
done
check "kaslr: three boots, at least two addresses ($bases )" \
	[ "$(printf '%s\n' $bases | sort -u | wc -l)" -ge 2 ]
qemu_boot_serial protect-nokaslr 60 "test=exit kaslr=off"
check "kaslr=off: the image stays at 1 MiB" log_has "^kaslr: off \(kaslr=off\), image at 0x100000$"
check "kaslr=off: boots to the end (status 1)" [ "$QEMU_RC" = 1 ]
qemu_boot_serial protect-kaslr-bad 60 "test=exit kaslr=maybe"
check "kaslr=maybe stops the boot" log_has "boot stopped: kaslr=maybe: expected on or off"

qemu_boot_serial protect-wx 60 "test=wx-text"
addr=$(hex_of "test=wx-text: writing to text at")
check "wx-text: #PF" log_has "EXCEPTION #PF Page Fault \(vector 14\)"
check "wx-text: error is present + write" \
	log_has "error 0x3: P=1 protection violation, W=1 write, U=0 supervisor$"
check "wx-text: CR2 is the text address written" reg_is CR2 "$addr"
check "wx-text: RIP in test_wx_text" log_has "RIP +0x[0-9a-f]{16} test_wx_text\+"
check "wx-text: status 7" [ "$QEMU_RC" = 7 ]

qemu_boot_serial protect-idt 60 "test=idt-write"
addr=$(hex_of "test=idt-write: writing to the IDT at")
check "idt-write: #PF, present + write" \
	log_has "error 0x3: P=1 protection violation, W=1 write, U=0 supervisor$"
check "idt-write: CR2 is the IDT base" reg_is CR2 "$addr"
check "idt-write: RIP in test_idt_write" log_has "RIP +0x[0-9a-f]{16} test_idt_write\+"
check "idt-write: status 7" [ "$QEMU_RC" = 7 ]

qemu_boot_serial protect-nx 60 "test=nx-data"
addr=$(hex_of "test=nx-data: calling data at")
check "nx-data: #PF on an instruction fetch" \
	log_has "error 0x11: P=1 protection violation, W=0 read, U=0 supervisor, I=1 instruction fetch"
check "nx-data: CR2 is the data address" reg_is CR2 "$addr"
check "nx-data: RIP is the data address" reg_is RIP "$addr"
check "nx-data: backtrace names the caller" log_has "^  #[0-9]+ +0x[0-9a-f]{16} run_test_hooks\+"
check "nx-data: status 7" [ "$QEMU_RC" = 7 ]

qemu_boot_serial protect-null 60 "test=null"
check "null: #PF, page not present, read" \
	log_has "error 0x0: P=0 page not present, W=0 read, U=0 supervisor$"
check "null: CR2 is 0" log_has "CR2 +0x0000000000000000 \(faulting address\)"
check "null: RIP in test_null_read" log_has "RIP +0x[0-9a-f]{16} test_null_read\+"
check "null: status 7" [ "$QEMU_RC" = 7 ]

qemu_boot_serial protect-stack 60 "test=stack-overflow"
guard=$(hex_of "test=stack-overflow: guard page")
cr2=$(hex_of "^  CR2 ")
check "stack-overflow: #DF dumped from its IST stack" \
	log_has "EXCEPTION #DF Double Fault \(vector 8\)"
check "stack-overflow: last #PF address inside the guard page" in_page "$cr2" "$guard"
check "stack-overflow: RIP in the recursion" log_has "RIP +0x[0-9a-f]{16} test_recurse\+"
check "stack-overflow: backtrace walks the recursion" frame 1 test_recurse
check "stack-overflow: one complete dump, no triple fault or reboot" dumped_once
check "stack-overflow: status 7" [ "$QEMU_RC" = 7 ]

qemu_boot_serial protect-canary 60 "test=canary"
check "canary: set at boot (TSC jitter on the default qemu64 CPU, no RDRAND)" \
	log_has "test=canary: canary from tsc, smashing [0-9]+ bytes"
check "canary: stack smashing detected in the smashed function" \
	log_has "KERNEL PANIC: stack smashing detected in test_canary_smash\+0x[0-9a-f]+"
check "canary: backtrace printed" frame 0 __stack_chk_fail
check "canary: panic status 3" [ "$QEMU_RC" = 3 ]

qemu_boot_serial protect-fortify 60 "test=fortify"
check "fortify: 16-byte memcpy into an 8-byte buffer stopped by __memcpy_chk" \
	log_has "KERNEL PANIC: buffer overflow detected \(_FORTIFY_SOURCE check failed\)"
check "fortify: backtrace starts in __chk_fail" frame 0 __chk_fail
check "fortify: called from __memcpy_chk" frame 1 __memcpy_chk
check "fortify: the copy did not complete" sh -c "! grep -aq 'test=fortify: copied' '$LOG'"
check "fortify: panic status 3" [ "$QEMU_RC" = 3 ]
