/* One-shot and periodic timers as callbacks, driven by the main loop (kernel/loop.c calls
 * timers_run()). Pure C, no machine dependencies: the same file runs in host unit tests with
 * a fake clock. Nothing sleeps: a timer callback runs from the loop, never from an interrupt. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <stdint.h>
#include <stdbool.h>

struct timer;
typedef void (*timer_fn)(struct timer *t);

struct timer {
	uint64_t expires;          /* absolute ns */
	uint64_t period;           /* 0 = one-shot; else re-armed by this much after firing */
	timer_fn fn;
	/* internal: */
	struct timer *next, **pprev;
	uint32_t slot;
};

/* Set the callback; the timer starts disarmed. Use container_of() in fn to find the owner. */
void timer_init(struct timer *t, timer_fn fn);
/* Arm (or re-arm) to fire at now + delay_ns. */
void timer_arm(struct timer *t, uint64_t delay_ns);
/* Arm at an absolute time. */
void timer_arm_at(struct timer *t, uint64_t when_ns);
/* Arm a periodic timer: first at now + period_ns, then every period_ns. */
void timer_arm_periodic(struct timer *t, uint64_t period_ns);
void timer_cancel(struct timer *t);
bool timer_pending(const struct timer *t);

/* Run every timer whose time is <= now. Callbacks may arm/cancel any timer. Returns count run. */
unsigned timers_run(uint64_t now);
/* Earliest deadline of any armed timer, or UINT64_MAX when none. */
uint64_t timers_next_deadline(void);
/* Forget every timer (unit tests). */
void timers_reset(void);

#endif
