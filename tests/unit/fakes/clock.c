/* Fake clock for host tests: time stands still until a test advances it. */
#include "unit.h"
#include "kernel/time.h"
#include "kernel/timer.h"

uint64_t fake_now;

uint64_t time_now_ns(void)
{
	return fake_now;
}

void fake_advance(uint64_t ns)
{
	fake_now += ns;
	timers_run(fake_now);
}
