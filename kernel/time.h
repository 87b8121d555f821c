/* Monotonic time since boot in nanoseconds, from the TSC calibrated at boot (arch/x86_64/tsc.c).
 * Host unit tests link a fake clock instead (tests/unit/fakes). */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

#define NS_PER_US 1000ull
#define NS_PER_MS 1000000ull
#define NS_PER_S  1000000000ull

uint64_t time_now_ns(void);

#endif
