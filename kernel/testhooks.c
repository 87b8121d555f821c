/* test=NAME: deliberate behaviours the integration tests boot into. */
#include <string.h>
#include "kernel/kmain.h"
#include "kernel/panic.h"

void arch_timer_selftest(void);

/* Not static and not inlined: the exception dump must name it. */
__attribute__((noinline)) void test_fault_trigger(void)
{
	/* 4 TiB: outside the boot identity map, so this write is a #PF with CR2 = this address. */
	*(volatile uint64_t *)0x40000000000ull = 1;
}

void run_test_hooks(const char *name)
{
	if (!name)
		return;
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
