/* Exceptions: a readable dump on the console (name, decoded error code, control registers,
 * every general register, a symbolised frame-pointer backtrace), then machine_exit(3).
 * trap_dispatch() is the single C entry from entry.S; interrupts go on to irq_dispatch(). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "kernel/console.h"
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "arch/x86_64/io.h"
#include "arch_priv.h"

/* Intel SDM vol 3 table 6-1. */
static const char *const exc_name[32] = {
	"#DE Divide Error", "#DB Debug", "NMI Non-Maskable Interrupt", "#BP Breakpoint",
	"#OF Overflow", "#BR BOUND Range Exceeded", "#UD Invalid Opcode", "#NM Device Not Available",
	"#DF Double Fault", "Coprocessor Segment Overrun", "#TS Invalid TSS", "#NP Segment Not Present",
	"#SS Stack-Segment Fault", "#GP General Protection", "#PF Page Fault", "Reserved (15)",
	"#MF x87 Floating-Point Error", "#AC Alignment Check", "#MC Machine Check",
	"#XM SIMD Floating-Point", "#VE Virtualization", "#CP Control Protection",
	"Reserved (22)", "Reserved (23)", "Reserved (24)", "Reserved (25)", "Reserved (26)",
	"Reserved (27)", "#HV Hypervisor Injection", "#VC VMM Communication", "#SX Security",
	"Reserved (31)",
};

static volatile int in_exception;
extern char _kernel_start[], _etext[];      /* linker.ld */

static void dump_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void dump_printf(const char *fmt, ...)
{
	char line[192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		console_write(line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }

/* #PF error code, Intel SDM vol 3 §4.7 figure 4-12. */
static void dump_pf_error(uint64_t err, uint64_t cr2)
{
	dump_printf("  error 0x%llx: %s, %s, %s%s%s%s\n", (unsigned long long)err,
		    err & 1 ? "P=1 protection violation" : "P=0 page not present",
		    err & 2 ? "W=1 write" : "W=0 read",
		    err & 4 ? "U=1 user" : "U=0 supervisor",
		    err & 8 ? ", RSVD=1 reserved bit set" : "",
		    err & 16 ? ", I=1 instruction fetch" : "",
		    err & 32 ? ", PK=1 protection key" : "");
	dump_printf("  CR2    0x%016llx (faulting address)\n", (unsigned long long)cr2);
}

/* Selector error code (#TS #NP #SS #GP), Intel SDM vol 3 §6.13. */
static void dump_sel_error(uint64_t err)
{
	static const char *const tbl[] = { "GDT", "IDT", "LDT", "IDT" };
	dump_printf("  error 0x%llx: %s selector index 0x%llx%s\n", (unsigned long long)err,
		    tbl[(err >> 1) & 3], (unsigned long long)((err >> 3) & 0x1FFF),
		    err & 1 ? ", external event" : "");
}

static void dump_regs(const struct trap_frame *tf)
{
	uint64_t off = 0;
	const char *sym = ksym_lookup(tf->rip, &off);
	dump_printf("  RIP    0x%016llx %s+0x%llx\n", (unsigned long long)tf->rip,
		    sym ? sym : "?", (unsigned long long)off);
	dump_printf("  RSP    0x%016llx  RFLAGS 0x%016llx  CS 0x%llx SS 0x%llx\n",
		    (unsigned long long)tf->rsp, (unsigned long long)tf->rflags,
		    (unsigned long long)tf->cs, (unsigned long long)tf->ss);
	dump_printf("  CR0    0x%016llx  CR3    0x%016llx  CR4 0x%llx\n",
		    (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
		    (unsigned long long)read_cr4());
#define R(a, b, c) dump_printf("  %-3s 0x%016llx  %-3s 0x%016llx  %-3s 0x%016llx\n", #a, \
	(unsigned long long)tf->a, #b, (unsigned long long)tf->b, #c, (unsigned long long)tf->c)
	R(rax, rbx, rcx);
	R(rdx, rsi, rdi);
	R(rbp, r8, r9);
	R(r10, r11, r12);
	R(r13, r14, r15);
#undef R
}

static bool in_text(uint64_t a) { return a >= (uint64_t)_kernel_start && a < (uint64_t)_etext; }
static bool stack_ok(uint64_t a) { return !(a & 7) && a >= 0x1000 && a < 0x100000000ull; }

/* Did the word at the top of the stack come from a `call rel32` (E8) into the function that
 * faulted? Then that function had not set up a frame yet (or never does: GCC leaves leaf
 * functions frameless) and its caller would be missing from the rbp walk. */
static bool leaf_return(uint64_t ret, uint64_t rip)
{
	uint64_t off;
	if (!in_text(ret) || !in_text(ret - 5) || !ksym_lookup(rip, &off))
		return false;
	const uint8_t *call = (const uint8_t *)(uintptr_t)(ret - 5);
	int32_t rel;
	memcpy(&rel, call + 1, 4);
	return call[0] == 0xE8 && ret + (uint64_t)(int64_t)rel == rip - off;
}

/* The frame-pointer walk is kernel/ksyms.c's; the dump adds the caller of a frameless
 * faulting function, which the walk alone would miss. */
static void backtrace_dump(const struct trap_frame *tf)
{
	int n = 0;
	backtrace_header();
	backtrace_frame(n++, tf->rip, false, "");
	if (stack_ok(tf->rsp) && leaf_return(*(const uint64_t *)(uintptr_t)tf->rsp, tf->rip))
		backtrace_frame(n++, *(const uint64_t *)(uintptr_t)tf->rsp, true, " (caller of a frameless function)");
	backtrace_walk(n, tf->rbp);
}

static __attribute__((noreturn)) void exception_dump(struct trap_frame *tf)
{
	/* A fault while dumping would recurse: the second one leaves at once. */
	if (in_exception++) {
		if (in_exception == 2)
			machine_exit(3);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	uint64_t cr2 = read_cr2();
	dump_printf("\n*** EXCEPTION %s (vector %llu) ***\n", exc_name[tf->vector & 31],
		    (unsigned long long)tf->vector);
	if (tf->vector == 14)
		dump_pf_error(tf->error, cr2);
	else if (tf->vector >= 10 && tf->vector <= 13 && tf->error)
		dump_sel_error(tf->error);
	else
		dump_printf("  error 0x%llx\n", (unsigned long long)tf->error);
	if (tf->vector == 8)        /* often a #PF that could not push its frame */
		dump_printf("  CR2    0x%016llx (last page-fault address)\n", (unsigned long long)cr2);
	dump_regs(tf);
	backtrace_dump(tf);
	dump_printf("*** stopped ***\n");
	machine_exit(3);
}

void trap_dispatch(struct trap_frame *tf)
{
	if (tf->vector < 32)
		exception_dump(tf);
	irq_dispatch((int)tf->vector);
}
