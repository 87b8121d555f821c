/* kernel/timer.c on the fake clock: ordering, cancel from callbacks, periodic re-arm,
 * far timers across wheel revolutions, next-deadline reporting. */
#include "unit.h"
#include "kernel/timer.h"
#include "kernel/time.h"

#define MS 1000000ull

struct rec { struct timer t; int fired; uint64_t at; struct timer *cancel; };

static void fire(struct timer *t)
{
	struct rec *r = (struct rec *)t;    /* t is the first member */
	r->fired++;
	r->at = fake_now;
	if (r->cancel)
		timer_cancel(r->cancel);
}

static struct rec recs[4];

static void setup(void)
{
	timers_reset();
	fake_now = 5 * 1000 * MS;   /* start away from zero */
	for (int i = 0; i < 4; i++) {
		recs[i] = (struct rec){ 0 };
		timer_init(&recs[i].t, fire);
	}
}

static void test_oneshot_fires_once_at_deadline(void)
{
	timer_arm(&recs[0].t, 10 * MS);
	CU_ASSERT_TRUE(timer_pending(&recs[0].t));
	fake_advance(9 * MS);
	CU_ASSERT_EQUAL(recs[0].fired, 0);
	fake_advance(1 * MS);
	CU_ASSERT_EQUAL(recs[0].fired, 1);
	CU_ASSERT_EQUAL(recs[0].at, 5000 * MS + 10 * MS);
	CU_ASSERT_FALSE(timer_pending(&recs[0].t));
	fake_advance(100 * MS);
	CU_ASSERT_EQUAL(recs[0].fired, 1);
}

static void test_sub_tick_precision(void)
{
	/* Two timers in the same ~1 ms tick: the earlier must not drag the later one along. */
	timer_arm(&recs[0].t, 100);
	timer_arm(&recs[1].t, 900000);
	fake_advance(100);
	CU_ASSERT_EQUAL(recs[0].fired, 1);
	CU_ASSERT_EQUAL(recs[1].fired, 0);
	fake_advance(899900);
	CU_ASSERT_EQUAL(recs[1].fired, 1);
}

static void test_cancel_and_rearm(void)
{
	timer_arm(&recs[0].t, 5 * MS);
	timer_cancel(&recs[0].t);
	CU_ASSERT_FALSE(timer_pending(&recs[0].t));
	fake_advance(10 * MS);
	CU_ASSERT_EQUAL(recs[0].fired, 0);
	timer_arm(&recs[0].t, 5 * MS);
	timer_arm(&recs[0].t, 20 * MS);     /* re-arm moves it */
	fake_advance(10 * MS);
	CU_ASSERT_EQUAL(recs[0].fired, 0);
	fake_advance(10 * MS);
	CU_ASSERT_EQUAL(recs[0].fired, 1);
}

static void test_callback_cancels_other_due_timer(void)
{
	timer_arm(&recs[0].t, 5 * MS);
	timer_arm(&recs[1].t, 5 * MS);
	recs[0].cancel = &recs[1].t;
	recs[1].cancel = &recs[0].t;
	fake_advance(5 * MS);
	/* Whichever ran first cancelled the other. */
	CU_ASSERT_EQUAL(recs[0].fired + recs[1].fired, 1);
	CU_ASSERT_EQUAL(timers_next_deadline(), UINT64_MAX);
}

static void test_periodic(void)
{
	timer_arm_periodic(&recs[0].t, 10 * MS);
	for (int i = 0; i < 10; i++)
		fake_advance(10 * MS);
	CU_ASSERT_EQUAL(recs[0].fired, 10);
	CU_ASSERT_TRUE(timer_pending(&recs[0].t));
	/* A long stall runs it once, not once per missed period. */
	fake_advance(1000 * MS);
	CU_ASSERT_EQUAL(recs[0].fired, 11);
	timer_cancel(&recs[0].t);
}

static void test_far_timer_waits_for_its_round(void)
{
	/* 60 s is many wheel revolutions away. */
	timer_arm(&recs[0].t, 60000 * MS);
	for (int i = 0; i < 599; i++)
		fake_advance(100 * MS);
	CU_ASSERT_EQUAL(recs[0].fired, 0);
	fake_advance(100 * MS);
	CU_ASSERT_EQUAL(recs[0].fired, 1);
	CU_ASSERT_EQUAL(recs[0].at, 5000 * MS + 60000 * MS);
}

static void test_next_deadline(void)
{
	CU_ASSERT_EQUAL(timers_next_deadline(), UINT64_MAX);
	timer_arm(&recs[0].t, 30 * MS);
	timer_arm(&recs[1].t, 7 * MS);
	timer_arm(&recs[2].t, 9000 * MS);   /* beyond one revolution */
	CU_ASSERT_EQUAL(timers_next_deadline(), fake_now + 7 * MS);
	timer_cancel(&recs[1].t);
	CU_ASSERT_EQUAL(timers_next_deadline(), fake_now + 30 * MS);
	timer_cancel(&recs[0].t);
	CU_ASSERT_EQUAL(timers_next_deadline(), fake_now + 9000 * MS);
	timer_cancel(&recs[2].t);
}

static void test_arm_in_past_runs_next(void)
{
	fake_advance(50 * MS);
	timer_arm_at(&recs[0].t, fake_now - 20 * MS);
	CU_ASSERT_EQUAL(timers_run(fake_now), 1);
	CU_ASSERT_EQUAL(recs[0].fired, 1);
}

static CU_TestInfo tests[] = {
	{ "oneshot fires once at deadline", test_oneshot_fires_once_at_deadline },
	{ "sub-tick precision", test_sub_tick_precision },
	{ "cancel and re-arm", test_cancel_and_rearm },
	{ "callback cancels other due timer", test_callback_cancels_other_due_timer },
	{ "periodic", test_periodic },
	{ "far timer waits for its round", test_far_timer_waits_for_its_round },
	{ "next deadline", test_next_deadline },
	{ "arm in the past runs next", test_arm_in_past_runs_next },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("kernel/timer", setup, NULL, tests);
