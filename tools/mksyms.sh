#!/bin/sh
# Write the kernel's function symbol table as assembly (section .ksyms) for backtraces:
# ksym_count, then {address, name offset} pairs sorted by address, then the names.
# With /dev/null as input it writes an empty table (the first link pass).
set -eu
elf=$1
if [ "$elf" = /dev/null ]; then
	syms=""
else
	syms=$(nm -n --defined-only "$elf" | awk '$2 ~ /^[tTwW]$/ && $3 !~ /^\./ { print $1, $3 }')
fi
echo '	.section .ksyms, "a"'
echo '	.p2align 3'
echo '	.globl ksym_count, ksym_table'
echo "ksym_count: .quad $(printf '%s' "$syms" | grep -c . || true)"
echo 'ksym_table:'
printf '%s\n' "$syms" | awk 'NF == 2 { printf "\t.quad 0x%s, ksym_s%d\n", $1, NR }'
printf '%s\n' "$syms" | awk 'NF == 2 { printf "ksym_s%d: .asciz \"%s\"\n", NR, $2 }'
