#!/bin/sh
# Build a GRUB rescue ISO that boots Peregrine under BIOS and UEFI (grub-mkrescue makes a
# hybrid image: El Torito BIOS + an EFI system partition; also writable to a USB stick).
# usage: mkiso.sh OUT.iso KERNEL.elf "CMDLINE" [CONFIG-FILE]
set -eu
out=$1; kernel=$2; cmdline=${3:-}; config=${4:-}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/boot/grub"
cp "$kernel" "$dir/boot/peregrine.elf"
module=""
if [ -n "$config" ]; then
	cp "$config" "$dir/boot/peregrine.conf"
	module="	module2 /boot/peregrine.conf config"
fi
cat > "$dir/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
menuentry "Peregrine" {
	multiboot2 /boot/peregrine.elf $cmdline
$module
	boot
}
CFG
echo "  ISO     $out"
grub-mkrescue -o "$out" "$dir" >"$dir.log" 2>&1 || { cat "$dir.log" >&2; rm -f "$dir.log"; exit 1; }
rm -f "$dir.log"
