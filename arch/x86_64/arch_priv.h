/* Internals shared between the arch/x86_64 files: the trap frame built by entry.S, the
 * fixed vectors, and the APIC/ACPI/TSC pieces that arch_init() wires together. */
#ifndef ARCH_X86_64_PRIV_H
#define ARCH_X86_64_PRIV_H

#include <stdint.h>
#include <stdbool.h>

/* Segment selectors of the GDT built in desc.c. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_TSS   0x18

/* Fixed vectors (device vectors are allocated from 0x30..0xEF, see irq.h). */
#define VEC_PIC_BASE    0x20    /* remapped 8259s, fully masked: only spurious 0x27/0x2F */
#define VEC_DEV_FIRST   0x30
#define VEC_DEV_LAST    0xEF
#define VEC_TIMER       0xF0    /* LAPIC timer */
#define VEC_APIC_ERROR  0xFE
#define VEC_SPURIOUS    0xFF

/* Pushed by entry.S, lowest address first. The CPU pushes rip..ss (Intel SDM vol 3 §6.14.2);
 * the stubs push a zero error code for vectors without one so every frame looks the same. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* entry.S: one stub per vector, all 256. */
extern const uint64_t isr_stub_table[256];

/* trap.c: called by entry.S with the frame of every interrupt and exception. */
void trap_dispatch(struct trap_frame *tf);
/* irq.c: device, timer and spurious vectors. */
void irq_dispatch(int vector);
void irq_set_fixed(int vector, void (*fn)(void *), void *arg);

/* acpi.c: what the MADT told us (defaults when there is no ACPI). */
#define MAX_IOAPICS   8
#define MAX_OVERRIDES 16
struct ioapic_info { uint8_t id; uint32_t addr; uint32_t gsi_base; };
struct iso_info { uint8_t isa_irq; uint32_t gsi; uint16_t flags; };
struct madt_info {
	bool found;
	uint64_t lapic_addr;
	unsigned n_cpus;
	unsigned n_ioapics;
	struct ioapic_info ioapic[MAX_IOAPICS];
	unsigned n_overrides;
	struct iso_info iso[MAX_OVERRIDES];
};
extern struct madt_info madt;
void acpi_init(uint64_t rsdp_hint);
/* Pure parser (no globals): fill *out from a MADT of len bytes already checksum-verified. */
int madt_parse(const uint8_t *t, uint32_t len, struct madt_info *out);

/* apic.c */
void pic_disable(void);
void lapic_init(uint64_t phys);
void lapic_eoi(void);
uint32_t lapic_id(void);
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
void ioapic_init(void);

#define LAPIC_ID        0x020
#define LAPIC_VER       0x030
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0B0
#define LAPIC_SVR       0x0F0
#define LAPIC_ESR       0x280
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_ICR 0x380
#define LAPIC_TIMER_CCR 0x390
#define LAPIC_TIMER_DCR 0x3E0
#define LVT_MASKED      (1u << 16)
#define LVT_PERIODIC    (1u << 17)

/* tsc.c */
/* TSC and LAPIC timer rates from PIT channel 2 (needs lapic_init() first). */
void time_calibrate(void);

/* irqtest.c: PIT IRQ 0 through the MADT override, the I/O APIC and a shared vector. */
int arch_irq_selftest(void);

/* cpu.c */
bool cpu_has(int leaf_sel, int reg, int bit);

#endif
