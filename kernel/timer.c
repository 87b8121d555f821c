/* Timers on a hashed timing wheel: O(1) arm and cancel (TCP re-arms its retransmission
 * timer on nearly every ACK), run cost proportional to elapsed ticks plus due timers.
 * A slot holds every timer whose expiry tick maps to it, across rounds; timers_run()
 * checks the absolute expiry, so far timers simply wait for their round. */
#include <stddef.h>
#include "kernel/timer.h"
#include "kernel/time.h"

#define TICK_SHIFT  20                  /* one tick = 2^20 ns, about 1.05 ms */
#define WHEEL_SLOTS 4096u               /* one revolution = about 4.4 s */
#define WHEEL_MASK  (WHEEL_SLOTS - 1)

static struct timer *wheel[WHEEL_SLOTS];
static uint64_t cur_tick;               /* every slot before this tick has been run */
static unsigned armed;

static void link_into(struct timer **head, struct timer *t)
{
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	*head = t;
	t->pprev = head;
}

static void unlink_timer(struct timer *t)
{
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

void timer_init(struct timer *t, timer_fn fn)
{
	t->expires = 0;
	t->period = 0;
	t->fn = fn;
	t->next = NULL;
	t->pprev = NULL;
	t->slot = 0;
}

bool timer_pending(const struct timer *t)
{
	return t->pprev != NULL;
}

void timer_cancel(struct timer *t)
{
	if (!timer_pending(t))
		return;
	unlink_timer(t);
	armed--;
}

void timer_arm_at(struct timer *t, uint64_t when)
{
	timer_cancel(t);
	uint64_t tick = when >> TICK_SHIFT;
	if (tick < cur_tick)
		tick = cur_tick;        /* already late: runs on the next timers_run() */
	t->expires = when;
	t->slot = (uint32_t)(tick & WHEEL_MASK);
	link_into(&wheel[t->slot], t);
	armed++;
}

void timer_arm(struct timer *t, uint64_t delay_ns)
{
	t->period = 0;
	timer_arm_at(t, time_now_ns() + delay_ns);
}

void timer_arm_periodic(struct timer *t, uint64_t period_ns)
{
	timer_arm_at(t, time_now_ns() + period_ns);
	t->period = period_ns;
}

/* Move the due timers of one slot onto *due, keeping the others in place. */
static void collect_due(uint32_t slot, uint64_t now, struct timer **due)
{
	struct timer *t = wheel[slot];
	while (t) {
		struct timer *next = t->next;
		if (t->expires <= now) {
			unlink_timer(t);
			link_into(due, t);
		}
		t = next;
	}
}

unsigned timers_run(uint64_t now)
{
	struct timer *due = NULL;
	uint64_t now_tick = now >> TICK_SHIFT;
	unsigned ran = 0;

	if (armed == 0) {
		cur_tick = now_tick;
		return 0;
	}
	uint64_t span = now_tick >= cur_tick ? now_tick - cur_tick : 0;
	if (span >= WHEEL_SLOTS)
		span = WHEEL_SLOTS - 1;         /* every slot once is enough */
	for (uint64_t i = 0; i <= span; i++)
		collect_due((uint32_t)((cur_tick + i) & WHEEL_MASK), now, &due);
	/* The current tick stays open: timers later within it are found next time. */
	cur_tick = now_tick;

	/* Callbacks may cancel timers still on the due list: timer_cancel() unlinks from
	 * whichever list holds the timer, so pop one at a time. */
	while (due) {
		struct timer *t = due;
		unlink_timer(t);
		armed--;
		if (t->period) {
			uint64_t next = t->expires + t->period;
			timer_arm_at(t, next > now ? next : now + t->period);
		}
		t->fn(t);
		ran++;
	}
	return ran;
}

uint64_t timers_next_deadline(void)
{
	uint64_t best = UINT64_MAX;

	if (armed == 0)
		return best;
	for (uint32_t i = 0; i < WHEEL_SLOTS; i++) {
		for (struct timer *t = wheel[(cur_tick + i) & WHEEL_MASK]; t; t = t->next)
			if (t->expires < best)
				best = t->expires;
		/* Anything found that expires by the end of this slot's tick is the earliest. */
		if (best != UINT64_MAX && (best >> TICK_SHIFT) <= cur_tick + i)
			return best;
	}
	return best;
}

void timers_reset(void)
{
	for (uint32_t i = 0; i < WHEEL_SLOTS; i++)
		while (wheel[i])
			unlink_timer(wheel[i]);
	armed = 0;
	cur_tick = 0;
}
