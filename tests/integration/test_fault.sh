#!/bin/sh
# test=fault writes to an unmapped address (4 TiB) from test_fault_trigger(): the exception
# dump must name the fault, decode the error code, show CR2 and the registers, give a
# symbolised backtrace through the caller into kmain (with the KASLR offset that maps its
# addresses back to the ELF), and leave QEMU with code 3 (status 7).
. "$(dirname "$0")/lib.sh"

qemu_boot_serial fault 60 "test=fault"
check "fault: #PF named" log_has "EXCEPTION #PF Page Fault \(vector 14\)"
check "fault: error code decoded (not present, write, supervisor)" \
	log_has "error 0x2: P=0 page not present, W=1 write, U=0 supervisor"
check "fault: CR2 is the faulting address" log_has "CR2 +0x0000040000000000"
check "fault: RIP symbolised" log_has "RIP +0x[0-9a-f]{16} test_fault_trigger\+0x[0-9a-f]+"
check "fault: registers and control registers dumped" \
	sh -c "tr -d '\r' < '$LOG' | grep -aqE 'rax 0x[0-9a-f]{16}' && tr -d '\r' < '$LOG' | grep -aqE 'r15 0x[0-9a-f]{16}' && tr -d '\r' < '$LOG' | grep -aqE 'CR3 +0x[0-9a-f]{16}' && tr -d '\r' < '$LOG' | grep -aqE 'RFLAGS 0x[0-9a-f]{16}'"
check "fault: backtrace frame 0 in test_fault_trigger" log_has "^  #0 +0x[0-9a-f]{16} test_fault_trigger\+"
check "fault: backtrace reaches the hook's caller" log_has "^  #[0-9]+ +0x[0-9a-f]{16} run_test_hooks\+"
check "fault: backtrace reaches kmain" log_has "^  #[0-9]+ +0x[0-9a-f]{16} kmain\+"
# Under KASLR the dump prints run-time addresses and the offset; address - offset is a link
# address that addr2line resolves against the ELF on disk.
off=$(tr -d '\r' < "$LOG" | sed -nE 's/^Backtrace \(kaslr: link address = address - (0x[0-9a-f]+)\):$/\1/p' | head -1)
pc=$(tr -d '\r' < "$LOG" | sed -nE 's/^  #0 +(0x[0-9a-f]{16}) .*/\1/p' | head -1)
check "fault: backtrace header gives the KASLR offset" [ -n "$off" ]
check "fault: frame 0 minus the offset is test_fault_trigger in the ELF (addr2line)" sh -c \
	"[ -n '$off' ] && [ -n '$pc' ] && addr2line -f -e '$ROOT/build/peregrine.elf' \$(printf '0x%x' \$(($pc - $off))) | head -1 | grep -qx test_fault_trigger"
check "fault: dump printed once (no recursive fault)" \
	[ "$(tr -d '\r' < "$LOG" | grep -ac 'EXCEPTION')" = 1 ]
check "fault: QEMU exited with isa-debug-exit code 3 (status 7)" [ "$QEMU_RC" = 7 ]
