/* Symbol lookup over the table tools/mksyms.sh links into .ksyms, and frame-pointer
 * backtraces (the kernel is built with -fno-omit-frame-pointer). */
#include <stdbool.h>
#include <stdio.h>
#include "kernel/ksyms.h"
#include "kernel/console.h"
#include "kernel/kaslr.h"

struct ksym { uint64_t addr; const char *name; };
extern const uint64_t ksym_count;
extern const struct ksym ksym_table[];
extern char _kernel_start[], _etext[], boot_stack_top[];

const char *ksym_lookup(uint64_t addr, uint64_t *off)
{
	if (ksym_count == 0 || addr < (uint64_t)_kernel_start || addr >= (uint64_t)_etext)
		return NULL;
	addr -= (uint64_t)kaslr_offset;        /* the table holds link addresses */
	if (addr < ksym_table[0].addr)
		return NULL;
	uint64_t lo = 0, hi = ksym_count;      /* last entry with .addr <= addr */
	while (hi - lo > 1) {
		uint64_t mid = (lo + hi) / 2;
		if (ksym_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*off = addr - ksym_table[lo].addr;
	return ksym_table[lo].name;
}

/* pc of a return address is named by pc - 1: a call that ends its function returns to the
 * first byte of the next one. */
void backtrace_frame(int n, uint64_t pc, bool is_return, const char *note)
{
	char line[200];
	uint64_t off = 0;
	const char *name = ksym_lookup(pc - is_return, &off);
	off += is_return;
	int len = snprintf(line, sizeof(line), "  #%-2d 0x%016llx %s+0x%llx%s\n", n,
			   (unsigned long long)pc, name ? name : "?", (unsigned long long)off, note);
	if (len > 0)
		console_write(line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
}

/* Frames live in the kernel's memory: 8-aligned, inside the low 4 GiB, moving up the stack;
 * anything else ends the walk (a corrupt chain must not loop or fault the dump). */
void backtrace_walk(int n, uint64_t rbp)
{
	while (n < 32 && !(rbp & 7) && rbp >= 0x1000 && rbp < 0x100000000ull) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
		uint64_t ret = frame[1];
		if (ret < (uint64_t)_kernel_start || ret >= (uint64_t)_etext)
			break;
		backtrace_frame(n++, ret, true, "");
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

/* Under KASLR the addresses printed are where the code runs; the header gives the offset, so
 * `addr2line -e build/peregrine.elf` can be fed address minus offset. */
void backtrace_header(void)
{
	char line[96];
	int len = kaslr_offset ? snprintf(line, sizeof(line), "Backtrace (kaslr: link address = "
					  "address - 0x%llx):\n", (unsigned long long)kaslr_offset)
			       : snprintf(line, sizeof(line), "Backtrace:\n");
	if (len > 0)
		console_write(line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	backtrace_header();
	backtrace_frame(0, rip, false, "");
	backtrace_walk(1, rbp);
}
