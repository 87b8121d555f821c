/* CPU identification (CPUID) for the banner and arch_init(): the order in which the
 * interrupt controllers, ACPI and the clocks come up (kernel/arch.h). */
#include <stdio.h>
#include <string.h>
#include "kernel/arch.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "arch/x86_64/io.h"
#include "arch_priv.h"

enum { EAX, EBX, ECX, EDX };

/* leaf: 1 = 0x00000001, 7 = 0x00000007 subleaf 0, 0x81 = 0x80000001, 0x87 = 0x80000007. */
bool cpu_has(int leaf_sel, int reg, int bit)
{
	uint32_t r[4], max[4];
	uint32_t leaf = leaf_sel >= 0x80 ? 0x80000000u | (uint32_t)(leaf_sel & 0x7F) : (uint32_t)leaf_sel;
	cpuid(leaf & 0x80000000u, 0, max);
	if (leaf > max[EAX])
		return false;
	cpuid(leaf, 0, r);
	return (r[reg] >> bit) & 1;
}

static const struct { const char *name; int leaf, reg, bit; } features[] = {
	{ "lm", 0x81, EDX, 29 },  { "nx", 0x81, EDX, 20 },   { "sse2", 1, EDX, 26 },
	{ "apic", 1, EDX, 9 },    { "tsc", 1, EDX, 4 },      { "tsc-invariant", 0x87, EDX, 8 },
	{ "x2apic", 1, ECX, 21 }, { "sse4.2", 1, ECX, 20 },  { "popcnt", 1, ECX, 23 },
	{ "rdrand", 1, ECX, 30 }, { "avx2", 7, EBX, 5 },     { "hypervisor", 1, ECX, 31 },
};

void arch_cpu_describe(char *buf, unsigned len)
{
	uint32_t r[4];
	char vendor[13], brand[49];
	const char *b = brand;

	cpuid(0, 0, r);
	memcpy(vendor, &r[EBX], 4);
	memcpy(vendor + 4, &r[EDX], 4);
	memcpy(vendor + 8, &r[ECX], 4);
	vendor[12] = 0;
	brand[0] = 0;
	cpuid(0x80000000u, 0, r);
	if (r[EAX] >= 0x80000004u) {
		for (uint32_t i = 0; i < 3; i++) {
			cpuid(0x80000002u + i, 0, r);
			memcpy(brand + 16 * i, r, 16);
		}
		brand[48] = 0;
		while (*b == ' ')
			b++;
	}
	int n = snprintf(buf, len, "%s, %s, features:", vendor, *b ? b : "(no brand string)");
	for (unsigned i = 0; i < sizeof(features) / sizeof(features[0]) && n > 0 && (unsigned)n < len; i++)
		if (cpu_has(features[i].leaf, features[i].reg, features[i].bit))
			n += snprintf(buf + n, len - (unsigned)n, " %s", features[i].name);
}

void arch_init(const struct boot_info *bi)
{
	if (!cpu_has(1, EDX, 9) || !cpu_has(1, EDX, 4))
		panic("cpu: Peregrine needs a local APIC and a TSC (CPUID.1:EDX bits 9 and 4)");
	pic_disable();
	acpi_init(bi->rsdp);
	lapic_init(madt.lapic_addr);
	ioapic_init();
	time_calibrate();
}
