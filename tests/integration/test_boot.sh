#!/bin/sh
# The banner appears on serial when booting through QEMU's multiboot1 loader (-kernel), and
# through GRUB from the ISO under BIOS and under UEFI (OVMF). A bad command line stops the boot
# with a message naming the problem.
. "$(dirname "$0")/lib.sh"

banner_ok() {
	log_has "^Peregrine " && log_has "^cpu: " && log_has "^tsc: [0-9]+\.[0-9]{3} MHz" &&
		log_has "^memory: [0-9]+ KiB usable" && log_has "^cmdline: .*$1" &&
		log_has "^boot: [0-9]+ us from entry to banner"
}

qemu_boot_serial boot-kernel 60 "test=exit log=info"
check "banner via -kernel (multiboot1)" banner_ok "test=exit"
check "test=exit leaves QEMU with status 1" [ "$QEMU_RC" = 1 ]
check "multiboot1 named in banner" log_has "multiboot1"

qemu_boot_serial boot-badcmd 60 "bogus=1"
check "unknown key stops the boot" log_has "boot stopped: command line: unknown key 'bogus'"
check "stopped boot exits non-zero" [ "$QEMU_RC" = 9 ]

# An ISO with the same kernel and test=exit, so each boot ends right after the banner.
iso=$ITEST_DIR/boot-exit.iso
sh "$ROOT/tools/mkiso.sh" "$iso" "$ROOT/build/peregrine.elf" "test=exit" >/dev/null

LOG=$ITEST_DIR/boot-iso-bios.log
: > "$LOG"
timeout --kill-after=5 60 $QEMU -cdrom "$iso" -serial "file:$LOG" </dev/null >/dev/null 2>&1
QEMU_RC=$?
check "banner via ISO under BIOS (GRUB multiboot2)" banner_ok "test=exit"
check "multiboot2 named in banner" log_has "multiboot2, GRUB"
check "ISO boot under BIOS exits cleanly" [ "$QEMU_RC" = 1 ]

LOG=$ITEST_DIR/boot-iso-uefi.log
: > "$LOG"
vars=$ITEST_DIR/ovmf-vars.fd
cp "$OVMF_VARS" "$vars"
timeout --kill-after=5 120 $QEMU -M q35 -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
	-drive "if=pflash,format=raw,file=$vars" -cdrom "$iso" -serial "file:$LOG" </dev/null >/dev/null 2>&1
QEMU_RC=$?
check "banner via ISO under UEFI (OVMF, GRUB multiboot2)" banner_ok "test=exit"
check "ISO boot under UEFI exits cleanly" [ "$QEMU_RC" = 1 ]
rm -f "$vars" "$iso"

# A configuration file passed as a multiboot module (QEMU -initrd): a good one is loaded, a
# bad line stops the boot naming the file and line.
conf=$ITEST_DIR/boot-good.conf
printf '# test\nlog=info\necho.port=7\n' > "$conf"
qemu_boot_serial boot-config 60 "test=exit" -initrd "$conf"
check "config module loaded" log_has "config: .*boot-good.conf \(28 bytes\)"
check "config module listed in banner" log_has "^module: .*boot-good.conf \(28 bytes\)"
conf=$ITEST_DIR/boot-bad.conf
printf 'log=info\nechoport=7\n' > "$conf"
qemu_boot_serial boot-config-bad 60 "test=exit" -initrd "$conf"
check "bad config line stops the boot" log_has "boot stopped: .*boot-bad.conf:2: unknown key 'echoport'"
check "stopped boot (config) exits non-zero" [ "$QEMU_RC" = 9 ]
rm -f "$ITEST_DIR/boot-good.conf" "$conf"
