/* Descriptor tables: the long-mode GDT (kernel code/data + a 64-bit TSS), the TSS's IST
 * stacks for #DF, NMI and #MC, and the IDT pointing all 256 vectors at entry.S.
 * Offers arch_init_early() (kernel/arch.h); needs no heap and no console. */
#include <stdint.h>
#include <string.h>
#include "kernel/arch.h"
#include "arch_priv.h"
#include "protect.h"

#define IST_DF  1
#define IST_NMI 2
#define IST_MC  3
#define IST_SIZE (16 * 1024)
#define IST_GUARD 4096      /* unmapped by arch_protect_kernel(): an overflow faults */

/* 64-bit TSS, Intel SDM vol 3 §8.7 figure 8-11. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* 64-bit interrupt gate, Intel SDM vol 3 §6.14.1 figure 6-8. */
struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Each IST stack sits on its own pages with a guard page below it (offset 0). */
static uint8_t ist_stacks[3][IST_GUARD + IST_SIZE] __attribute__((aligned(4096)));
static struct tss64 tss;
static uint64_t gdt[5] __attribute__((aligned(16)));
/* Exactly one page (256 x 16 bytes) on its own: arch_protect_kernel() maps it read-only, as
 * nothing writes the IDT after arch_init_early() and the CPU only reads it. */
static struct idt_gate idt[256] __attribute__((aligned(4096)));
_Static_assert(sizeof(idt) == 4096, "the IDT fills exactly one page");

#define GATE_INTR 0x8E      /* present, DPL 0, 64-bit interrupt gate (IF cleared on entry) */

static void set_tss_desc(uint64_t *slot, const struct tss64 *t)
{
	/* System-segment descriptor, 16 bytes: Intel SDM vol 3 §8.2.3 figure 8-4; type 9 =
	 * available 64-bit TSS, present. */
	uint64_t base = (uint64_t)(uintptr_t)t, limit = sizeof(*t) - 1;
	slot[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) |
		  ((limit >> 16 & 0xF) << 48) | ((base >> 24 & 0xFF) << 56);
	slot[1] = base >> 32;
}

static void gdt_load(void)
{
	gdt[0] = 0;
	gdt[1] = 0x00AF9A000000FFFFull;     /* 0x08: code, L=1, DPL 0 */
	gdt[2] = 0x00CF92000000FFFFull;     /* 0x10: data */
	set_tss_desc(&gdt[3], &tss);        /* 0x18: TSS (two slots) */
	struct desc_ptr p = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"                   /* reload CS with the new code selector */
		"1:\n\t"
		"movw %w2, %%ds\n\t"
		"movw %w2, %%es\n\t"
		"movw %w2, %%ss\n\t"
		"ltr %w3"
		:: "m"(p), "i"((uint64_t)SEL_KCODE), "r"(SEL_KDATA), "r"(SEL_TSS)
		: "rax", "memory");
}

static void idt_set(int v, uint64_t handler, int ist)
{
	struct idt_gate *g = &idt[v];
	g->off_lo = handler & 0xFFFF;
	g->sel = SEL_KCODE;
	g->ist = (uint8_t)ist;
	g->type_attr = GATE_INTR;
	g->off_mid = (handler >> 16) & 0xFFFF;
	g->off_hi = (uint32_t)(handler >> 32);
	g->reserved = 0;
}

void arch_init_early(void)
{
	memset(&tss, 0, sizeof(tss));
	/* Stacks grow down: the IST slot holds the top. */
	tss.ist[IST_DF - 1] = (uint64_t)(uintptr_t)(ist_stacks[0] + IST_GUARD + IST_SIZE);
	tss.ist[IST_NMI - 1] = (uint64_t)(uintptr_t)(ist_stacks[1] + IST_GUARD + IST_SIZE);
	tss.ist[IST_MC - 1] = (uint64_t)(uintptr_t)(ist_stacks[2] + IST_GUARD + IST_SIZE);
	tss.iomap_base = sizeof(tss);       /* no I/O permission bitmap */
	gdt_load();

	for (int v = 0; v < 256; v++)
		idt_set(v, isr_stub_table[v], 0);
	idt_set(2, isr_stub_table[2], IST_NMI);
	idt_set(8, isr_stub_table[8], IST_DF);
	idt_set(18, isr_stub_table[18], IST_MC);
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" :: "m"(p) : "memory");
}

unsigned desc_stack_guards(uint64_t *out, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < 3 && n < max; i++)
		out[n++] = (uint64_t)(uintptr_t)ist_stacks[i];
	return n;
}

uint64_t desc_idt_page(void)
{
	return (uint64_t)(uintptr_t)idt;
}
