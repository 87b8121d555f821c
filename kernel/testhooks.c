/* test=NAME: deliberate behaviours the integration tests boot into. The protection hooks
 * (wx-text, idt-write, nx-data, null, stack-overflow, canary, fortify) each break one rule of
 * the W^X map, the stack protector or _FORTIFY_SOURCE and must end in an exception dump or a
 * panic (tests/integration/test_protect.sh). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "kernel/kmain.h"
#include "kernel/panic.h"
#include "kernel/ssp.h"

void arch_timer_selftest(void);

/* Not static and not inlined: the exception dump must name it. */
__attribute__((noinline)) void test_fault_trigger(void)
{
	/* 4 TiB: outside the boot identity map, so this write is a #PF with CR2 = this address. */
	*(volatile uint64_t *)0x40000000000ull = 1;
}

/* Writes one byte of its own code back unchanged: text is mapped read-only and CR0.WP holds
 * the kernel to it, so this is a #PF with P=1 W=1 and CR2 = the function's address. */
__attribute__((noinline)) void test_wx_text(void)
{
	volatile uint8_t *code = (volatile uint8_t *)(uintptr_t)test_wx_text;
	printf("test=wx-text: writing to text at 0x%llx\n", (unsigned long long)(uintptr_t)code);
	*code = *code;
}

/* Rewrites the first byte of the IDT (found with SIDT) unchanged: its page is read-only once
 * protection is on, so an IDT overwrite is a #PF with P=1 W=1 and CR2 = the IDT base. */
__attribute__((noinline)) void test_idt_write(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idtr;
	__asm__ volatile("sidt %0" : "=m"(idtr));
	volatile uint8_t *idt = (volatile uint8_t *)(uintptr_t)idtr.base;
	printf("test=idt-write: writing to the IDT at 0x%llx\n", (unsigned long long)idtr.base);
	*idt = *idt;
	__asm__ volatile("" ::: "memory");
}

/* A `ret` (0xC3) in .data: data pages are NX, so calling it is a #PF with I=1 at its address. */
static uint8_t nx_code[16] = { 0xC3 };
__attribute__((noinline)) void test_nx_data(void)
{
	void (*volatile fn)(void) = (void (*)(void))(uintptr_t)nx_code;
	printf("test=nx-data: calling data at 0x%llx\n", (unsigned long long)(uintptr_t)nx_code);
	fn();
	__asm__ volatile("" ::: "memory");     /* a real call, not a tail jump: keeps the frame */
}

__attribute__((noinline)) void test_null_read(void)
{
	volatile uint64_t *p = NULL;
	__asm__("" : "+r"(p));          /* a real load from 0, not undefined behaviour to fold */
	printf("test=null: read 0x%llx\n", (unsigned long long)*p);
}

/* 16-byte frames (return address + saved rbp) and an indirect call so GCC can neither turn
 * the recursion into a loop nor add locals: the write that first lands in the guard page is
 * a push, so the #DF frame's RSP is still on a mapped page and the dump can read it. */
static unsigned test_recurse(unsigned depth);
static unsigned (*volatile recurse_fn)(unsigned) = test_recurse;
__attribute__((noinline)) static unsigned test_recurse(unsigned depth)
{
	return recurse_fn(depth + 1) + 1;
}

__attribute__((noinline)) void test_stack_overflow(void)
{
	extern char boot_stack_guard[], boot_stack_bottom[];
	printf("test=stack-overflow: guard page 0x%llx-0x%llx\n",
	       (unsigned long long)(uintptr_t)boot_stack_guard,
	       (unsigned long long)(uintptr_t)boot_stack_bottom - 1);
	printf("recursed %u deep\n", recurse_fn(0));
}

/* Overwrites buf and everything above it up to (not including) the saved frame pointer:
 * -fstack-protector-strong keeps the canary in that gap, so the epilogue's check calls
 * __stack_chk_fail (kernel/ssp.c) while the frame chain is still intact for the backtrace. */
__attribute__((noinline)) void test_canary_smash(void)
{
	char buf[16];
	volatile char *p = buf;
	size_t len = (size_t)((char *)__builtin_frame_address(0) - buf);
	printf("test=canary: canary from %s, smashing %zu bytes\n", ssp_source(), len);
	for (size_t i = 0; i < len; i++)
		p[i] = 'A';
	__asm__ volatile("" :: "r"(buf) : "memory");
}

/* _FORTIFY_SOURCE=2: GCC knows dst is 8 bytes but not the length, so newlib's ssp/string.h
 * routes this memcpy through __memcpy_chk, which calls __chk_fail (kernel/ssp.c). */
static volatile size_t fortify_len = 16;
__attribute__((noinline)) void test_fortify_memcpy(void)
{
	static const char src[32] = "0123456789abcdef0123456789abcdef";
	char dst[8];
	memcpy(dst, src, fortify_len);
	printf("test=fortify: copied %.8s\n", dst);
}

/* Direct calls (not a table of pointers): the exception dump recognises a `call rel32`
 * return address on top of the stack, so the backtrace still names run_test_hooks when the
 * hook faulted after leaving its frame. */
static bool run_protect_hook(const char *name)
{
	if (!strcmp(name, "wx-text"))
		test_wx_text();
	else if (!strcmp(name, "idt-write"))
		test_idt_write();
	else if (!strcmp(name, "nx-data"))
		test_nx_data();
	else if (!strcmp(name, "null"))
		test_null_read();
	else if (!strcmp(name, "stack-overflow"))
		test_stack_overflow();
	else if (!strcmp(name, "canary"))
		test_canary_smash();
	else if (!strcmp(name, "fortify"))
		test_fortify_memcpy();
	else
		return false;
	return true;
}

void run_test_hooks(const char *name)
{
	if (!name)
		return;
	if (run_protect_hook(name))
		panic("test=%s: the protection did not trigger", name);
	if (!strcmp(name, "fault")) {
		test_fault_trigger();
		panic("test=fault: the write did not fault");
	}
	if (!strcmp(name, "timer")) {
		arch_timer_selftest();
		machine_exit(0);
	}
	if (!strcmp(name, "exit"))
		machine_exit(0);     /* boot-time measurement: leave right after the banner */
	boot_fail("test=%s: no such test hook", name);
}
