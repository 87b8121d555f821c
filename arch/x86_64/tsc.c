/* Time: the TSC and the LAPIC timer calibrated together against PIT channel 2 (median of
 * five 1 ms windows, ~5 ms of boot), time_now_ns() (kernel/time.h) as one rdtsc and a
 * 64x64->128 multiply, arch_timer_oneshot() and the test=timer self-test. */
#include <stdio.h>
#include "kernel/arch.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/irq.h"
#include "arch_priv.h"

#define PIT_HZ        1193182u
#define PIT_CH2       0x42
#define PIT_MODE      0x43
#define PORT_B        0x61      /* bit 0: ch2 gate, bit 1: speaker, bit 5: ch2 OUT */
#define CAL_RUNS      5
#define CAL_US        1000
#define LAPIC_DIV_16  0x3       /* Intel SDM vol 3 §11.5.4 figure 11-10 */

extern uint32_t boot_tsc_lo, boot_tsc_hi;   /* boot/boot.S: TSC at entry */

static uint64_t tsc_hz, tsc_base;
static uint64_t ns_mult;                    /* ns = (tsc delta * ns_mult) >> 32 */
static uint64_t lapic_hz;                   /* timer ticks per second after the divider */

uint64_t arch_tsc_hz(void) { return tsc_hz; }

uint64_t time_now_ns(void)
{
	if (!ns_mult)
		return 0;                       /* before calibration (early log lines) */
	return (uint64_t)(((unsigned __int128)(rdtsc() - tsc_base) * ns_mult) >> 32);
}

static void sort_u64(uint64_t *v, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j]; v[j] = v[j - 1]; v[j - 1] = t;
		}
}

/* One window: PIT channel 2 in mode 0 (interrupt on terminal count) counts down `us`
 * microseconds; OUT2 (port 0x61 bit 5) goes high at zero (8254 datasheet, mode 0). The LAPIC
 * timer (masked, one-shot, divide by 16) counts down over the same window, so one pass
 * calibrates both. Returns false when OUT2 never rose. */
static bool pit_window(unsigned us, uint64_t *tsc_per_s, uint64_t *lapic_per_s)
{
	uint32_t count = (uint32_t)((uint64_t)PIT_HZ * us / 1000000);
	uint8_t b = inb(PORT_B);
	outb(PORT_B, b & ~0x03);                /* gate low, speaker off */
	outb(PIT_MODE, 0xB0);                   /* ch2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, count & 0xFF);
	outb(PIT_CH2, count >> 8);
	lapic_write(LAPIC_TIMER_ICR, 0xFFFFFFFFu);
	outb(PORT_B, (b & ~0x02) | 0x01);       /* gate high: counting starts */
	uint64_t t0 = rdtsc();
	uint32_t c0 = lapic_read(LAPIC_TIMER_CCR);
	for (uint32_t spins = 0; !(inb(PORT_B) & 0x20); spins++)
		if (spins > 50000000u)
			return false;
	uint64_t t1 = rdtsc();
	uint32_t c1 = lapic_read(LAPIC_TIMER_CCR);
	outb(PORT_B, b & ~0x03);
	/* The PIT really counted count/PIT_HZ seconds (the rounding of `us` does not matter). */
	*tsc_per_s = (uint64_t)(((unsigned __int128)(t1 - t0) * PIT_HZ) / count);
	*lapic_per_s = (uint64_t)(c0 - c1) * PIT_HZ / count;
	return true;
}

static void lapic_timer_irq(void *arg) { (void)arg; }   /* it only wakes hlt */

/* Median of CAL_RUNS windows: the first run also pays for translating this code under an
 * emulator, and any run may be stretched by the host; the median ignores both. */
void time_calibrate(void)
{
	uint64_t tr[CAL_RUNS], lr[CAL_RUNS];
	int n = 0;
	irq_set_fixed(VEC_TIMER, lapic_timer_irq, NULL);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(LAPIC_TIMER_DCR, LAPIC_DIV_16);
	for (int i = 0; i < CAL_RUNS; i++)
		if (pit_window(CAL_US, &tr[n], &lr[n]))
			n++;
	lapic_write(LAPIC_TIMER_ICR, 0);
	if (n == 0)
		panic("tsc: PIT channel 2 never reached terminal count; cannot calibrate the TSC");
	sort_u64(tr, n);
	sort_u64(lr, n);
	tsc_hz = tr[n / 2];
	lapic_hz = lr[n / 2];
	if (lapic_hz == 0)
		panic("apic: the local APIC timer does not count");
	tsc_base = (uint64_t)boot_tsc_hi << 32 | boot_tsc_lo;
	if (!tsc_base || tsc_base > rdtsc())
		tsc_base = rdtsc();
	/* 2^32 * 1e9 / hz fits 64 bits for any hz above 1 Hz; the product in time_now_ns() is
	 * 128-bit, so uptime never overflows in practice (2^64 ns is 584 years). */
	ns_mult = (uint64_t)(((unsigned __int128)NS_PER_S << 32) / tsc_hz);
	log_info("tsc: %llu Hz, apic timer %llu Hz (median of %d PIT windows of %u us; "
		 "spread of the middle three %llu ppm)", (unsigned long long)tsc_hz,
		 (unsigned long long)lapic_hz, n, CAL_US,
		 (unsigned long long)(n >= 3 ? (tr[n / 2 + 1] - tr[n / 2 - 1]) * 1000000ull / tsc_hz : 0));
}

static uint32_t ns_to_ticks(uint64_t ns)
{
	unsigned __int128 t = ((unsigned __int128)ns * lapic_hz) / NS_PER_S;
	if (t == 0)
		return 1;
	return t > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)t;    /* long waits wake early, re-arm */
}

/* Called before every hlt of the main loop: one MMIO write when the LVT is already set up
 * (each MMIO access is an exit under virtualisation). Writing ICR restarts the count; 0 stops
 * it (Intel SDM vol 3 §11.5.4). */
static bool oneshot_lvt;

void arch_timer_oneshot(uint64_t ns)
{
	if (!lapic_hz)
		return;
	if (ns == 0) {
		lapic_write(LAPIC_TIMER_ICR, 0);
		return;
	}
	if (!oneshot_lvt) {
		lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);  /* one-shot, unmasked */
		oneshot_lvt = true;
	}
	lapic_write(LAPIC_TIMER_ICR, ns_to_ticks(ns));
}

/* test=timer: first the device-interrupt path (arch_irq_selftest), then a periodic 100 Hz
 * LAPIC timer for 300 ticks; every 50th tick prints the TSC time, which
 * tests/integration/test_timer.sh compares with the host's clock. Each tick's TSC is kept:
 * the median period is immune to ticks an overloaded emulator merges or delays. */
#define SELFTEST_TICKS 300
static volatile uint32_t selftest_ticks;
static uint64_t selftest_tsc[SELFTEST_TICKS];

static void selftest_irq(void *arg)
{
	(void)arg;
	if (selftest_ticks < SELFTEST_TICKS)
		selftest_tsc[selftest_ticks++] = rdtsc();
}

static uint64_t median_period_ns(void)
{
	static uint64_t d[SELFTEST_TICKS - 1];
	for (int i = 0; i < SELFTEST_TICKS - 1; i++)
		d[i] = selftest_tsc[i + 1] - selftest_tsc[i];
	sort_u64(d, SELFTEST_TICKS - 1);
	return (uint64_t)(((unsigned __int128)d[(SELFTEST_TICKS - 1) / 2] * NS_PER_S) / tsc_hz);
}

void arch_timer_selftest(void)
{
	const uint32_t hz = 100;
	uint32_t shown = 0;
	arch_irq_selftest();
	irq_set_fixed(VEC_TIMER, selftest_irq, NULL);
	oneshot_lvt = false;
	uint64_t start = time_now_ns();
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER | LVT_PERIODIC);
	lapic_write(LAPIC_TIMER_ICR, ns_to_ticks(NS_PER_S / hz));
	while (shown < SELFTEST_TICKS) {
		cpu_idle();                               /* sti; hlt - woken by the tick */
		uint32_t t = selftest_ticks;
		if (t / 50 > shown / 50) {
			shown = t / 50 * 50;
			printf("timer-tick %u tsc_ns=%llu\n", (unsigned)shown,
			       (unsigned long long)time_now_ns());
		}
	}
	irq_off();
	lapic_write(LAPIC_TIMER_ICR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	uint64_t ms = (time_now_ns() - start) / NS_PER_MS;
	printf("timer: ticks=%u over %llums hz=%llu median_period_us=%llu irqs=%llu\n",
	       (unsigned)selftest_ticks, (unsigned long long)ms,
	       (unsigned long long)(ms ? selftest_ticks * 1000ull / ms : 0),
	       (unsigned long long)(median_period_ns() / NS_PER_US),
	       (unsigned long long)irq_count(VEC_TIMER));
	irq_set_fixed(VEC_TIMER, lapic_timer_irq, NULL);
}
