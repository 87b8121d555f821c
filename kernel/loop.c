/* One run-to-completion loop (DESIGN.md "The path of a packet"): every scheduled netdev is
 * polled with a budget, expired timers run, and when nothing is scheduled the CPU halts
 * until the next interrupt, with the LAPIC timer armed for the next timer deadline. */
#include "kernel/loop.h"
#include "kernel/arch.h"
#include "kernel/time.h"
#include "kernel/timer.h"
#include "arch/x86_64/io.h"
#include "net/netdev.h"

struct loop_stats loop_stats;
static void (*idle_hook)(void);

void loop_set_idle_hook(void (*fn)(void))
{
	idle_hook = fn;
}

/* Returns true when some device is still scheduled (it used its whole budget). */
static bool poll_devices(void)
{
	bool busy = false;
	int n = netdev_count();
	for (int i = 0; i < n; i++) {
		struct netdev *dev = netdev_get(i);
		if (!dev->scheduled)
			continue;
		netdev_poll_once(dev);
		loop_stats.polls++;
		busy |= dev->scheduled != 0;
	}
	return busy;
}

static bool any_scheduled(void)
{
	int n = netdev_count();
	for (int i = 0; i < n; i++)
		if (netdev_get(i)->scheduled)
			return true;
	return false;
}

void loop_run(void)
{
	for (;;) {
		loop_stats.iterations++;
		bool busy = poll_devices();
		timers_run(time_now_ns());
		if (idle_hook)
			idle_hook();
		if (busy)
			continue;
		/* Halt only if no interrupt scheduled work since the check: interrupts are off
		 * between the check and `sti; hlt`, and sti's shadow covers the hlt. */
		irq_off();
		if (any_scheduled()) {
			irq_on();
			continue;
		}
		uint64_t next = timers_next_deadline(), now = time_now_ns();
		if (next != UINT64_MAX)
			arch_timer_oneshot(next > now ? next - now : 1);
		loop_stats.halts++;
		cpu_idle();
	}
}
