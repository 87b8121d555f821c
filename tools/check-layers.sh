#!/bin/sh
# Enforce DESIGN.md's include rules: which folder may include headers from which.
# net/ must compile on the host, so it sees only net/ and the kernel's clock/timer interfaces.
set -u
fail=0
check() { # folder allowed-regex
	dir=$1; allow=$2
	for f in $(find "$dir" -name '*.[chS]' 2>/dev/null); do
		grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
			inc=$(echo "$line" | sed -E 's/.*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/')
			case "$inc" in */*) ;; *) continue ;; esac   # same-folder includes are fine
			echo "$inc" | grep -qE "^($allow)" || echo "$f:${line%%:*}: $dir may not include \"$inc\""
		done
	done
}
out=$(
	check boot 'boot/'
	check arch 'arch/|kernel/(console|panic|log|mem|time|timer|ksyms|arch|bootinfo)\.h'
	check kernel 'kernel/|arch/|net/|drivers/pci/pci\.h|drivers/net/drivers\.h|apps/app\.h'
	check drivers 'drivers/|arch/|kernel/|net/netdev\.h|net/netbuf\.h|net/compiler\.h|net/byteorder\.h'
	check net 'net/|kernel/time\.h|kernel/timer\.h'
	check apps 'apps/|net/|kernel/config\.h|kernel/time\.h|kernel/timer\.h|kernel/log\.h'
)
if [ -n "$out" ]; then
	echo "$out"
	echo "layering: include rules of DESIGN.md broken"
	exit 1
fi
if grep -rlE '__asm__|asm volatile|\binb\(|\boutb\(' net >/dev/null 2>&1; then
	echo "layering: net/ holds machine-specific code:" $(grep -rlE '__asm__|asm volatile' net)
	exit 1
fi
echo "layering: ok"
