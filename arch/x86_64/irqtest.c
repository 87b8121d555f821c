/* Boot-time self-test of the device-interrupt path (run by test=timer): PIT channel 0 as an
 * ISA device, its IRQ 0 translated by the MADT override, routed through the I/O APIC to an
 * allocated vector shared by two handlers, dispatched and EOI'd. Offers arch_irq_selftest(). */
#include <stdio.h>
#include "kernel/time.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/irq.h"
#include "arch_priv.h"

#define PIT_CH0   0x40
#define PIT_MODE  0x43
#define PIT_HZ    1193182u
#define WANT      50

static volatile uint32_t hits_a, hits_b;
static void handler_a(void *arg) { hits_a++; *(volatile uint32_t *)arg += 1; }
static void handler_b(void *arg) { (void)arg; hits_b++; }

/* Returns 0 when WANT interrupts reached both handlers within a second, -1 otherwise. */
int arch_irq_selftest(void)
{
	static volatile uint32_t cookie;
	bool level, low;
	uint32_t gsi = irq_isa_to_gsi(0, &level, &low);
	int vec = irq_alloc_vector(handler_a, (void *)&cookie);
	if (vec < 0 || irq_share_vector(vec, handler_b, NULL) < 0) {
		printf("irq-selftest: FAIL no vector\n");
		return -1;
	}
	ioapic_route(gsi, vec, level, low);
	/* 8254 mode 2 (rate generator) on channel 0: one IRQ 0 edge per period. */
	outb(PIT_MODE, 0x34);
	outb(PIT_CH0, (PIT_HZ / 1000) & 0xFF);
	outb(PIT_CH0, (PIT_HZ / 1000) >> 8);
	uint64_t t0 = time_now_ns(), deadline = t0 + NS_PER_S;
	irq_on();
	while (hits_a < WANT && time_now_ns() < deadline)
		cpu_relax();
	irq_off();
	uint64_t ms = (time_now_ns() - t0) / NS_PER_MS;
	ioapic_mask(gsi, true);
	outb(PIT_MODE, 0x30);                   /* mode 0 without a count: channel 0 stops */
	bool ok = hits_a >= WANT && hits_b == hits_a && cookie == hits_a &&
		  irq_count(vec) == hits_a;
	printf("irq-selftest: %s isa irq 0 -> gsi %u (%s, active %s) vector 0x%x: %u interrupts "
	       "in %llu ms, shared handler %u, irq_count %llu\n", ok ? "ok" : "FAIL",
	       (unsigned)gsi, level ? "level" : "edge", low ? "low" : "high", vec, (unsigned)hits_a,
	       (unsigned long long)ms, (unsigned)hits_b, (unsigned long long)irq_count(vec));
	return ok ? 0 : -1;
}
