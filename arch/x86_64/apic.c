/* Interrupt controllers: the legacy 8259 pair (remapped to 0x20-0x2F, then fully masked),
 * the local APIC in xAPIC (MMIO) mode, and the I/O APICs found in the MADT with
 * ioapic_route()/ioapic_mask() and irq_isa_to_gsi() from arch/x86_64/irq.h. */
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/panic.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/irq.h"
#include "arch_priv.h"

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xA0
#define PIC2_DATA 0xA1

#define MSR_APIC_BASE      0x1B
#define APIC_BASE_ENABLE   (1ull << 11)
#define APIC_BASE_X2APIC   (1ull << 10)
#define SVR_APIC_ENABLE    (1u << 8)

/* I/O APIC registers (82093AA datasheet §3.1-§3.2). */
#define IOREGSEL  0x00
#define IOWIN     0x10
#define IOAPIC_VER 0x01
#define IOREDTBL(n) (0x10 + 2 * (n))
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL      (1u << 15)
#define RTE_MASKED     (1u << 16)

static volatile uint8_t *lapic;
struct ioapic {
	volatile uint8_t *base;
	uint32_t gsi_base, n_pins;
};
static struct ioapic ioapics[MAX_IOAPICS];
static unsigned n_ioapics;

/* 8259A: ICW1 (init, ICW4 follows), ICW2 vector base, ICW3 cascade on IRQ2, ICW4 8086 mode;
 * then mask every line - the APICs take over. */
void pic_disable(void)
{
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VEC_PIC_BASE);
	outb(PIC2_DATA, VEC_PIC_BASE + 8);
	outb(PIC1_DATA, 4);
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, 1);
	outb(PIC2_DATA, 1);
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
}

uint32_t lapic_read(uint32_t reg) { return mmio_read32(lapic + reg); }
void lapic_write(uint32_t reg, uint32_t v) { mmio_write32(lapic + reg, v); }
void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }
uint32_t lapic_id(void) { return lapic ? lapic_read(LAPIC_ID) >> 24 : 0; }

static void lapic_error_irq(void *arg)
{
	/* Intel SDM vol 3 §11.5.3: write ESR before reading it. The count is in irq_count(). */
	lapic_write(LAPIC_ESR, 0);
	(void)lapic_read(LAPIC_ESR);
}

/* Intel SDM vol 3 §11.4: global enable in IA32_APIC_BASE, software enable in the SVR with the
 * spurious vector; LINT0/LINT1 masked (no ExtINT from the 8259, NMI unused), TPR 0. */
void lapic_init(uint64_t phys)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if ((base & 0xFFFFFFFFFF000ull) != phys)
		log_warn("apic: IA32_APIC_BASE says 0x%llx, MADT 0x%llx; using the MADT",
			 (unsigned long long)(base & 0xFFFFFFFFFF000ull), (unsigned long long)phys);
	if (base & APIC_BASE_X2APIC) {
		/* Firmware left x2APIC mode on; MMIO only works in xAPIC mode. Intel SDM vol 3
		 * §11.12.5: x2APIC -> xAPIC only by way of disabled. */
		wrmsr(MSR_APIC_BASE, base & ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE));
		base &= ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE);
		log_info("apic: firmware had x2APIC mode on; using xAPIC (MMIO)");
	}
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = mmio_map(phys, 4096);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	irq_set_fixed(VEC_APIC_ERROR, lapic_error_irq, NULL);
	lapic_write(LAPIC_LVT_ERROR, VEC_APIC_ERROR);
	lapic_write(LAPIC_SVR, SVR_APIC_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_ESR, 0);
	lapic_eoi();                          /* nothing should be in service; be sure */
	log_info("apic: local APIC id %u version 0x%x at 0x%llx", (unsigned)lapic_id(),
		 (unsigned)(lapic_read(LAPIC_VER) & 0xFF), (unsigned long long)phys);
}

static uint32_t ioapic_read(const struct ioapic *io, uint32_t reg)
{
	mmio_write32(io->base + IOREGSEL, reg);
	return mmio_read32(io->base + IOWIN);
}

static void ioapic_write(const struct ioapic *io, uint32_t reg, uint32_t v)
{
	mmio_write32(io->base + IOREGSEL, reg);
	mmio_write32(io->base + IOWIN, v);
}

/* Every pin masked until a driver routes it. */
void ioapic_init(void)
{
	for (unsigned i = 0; i < madt.n_ioapics && n_ioapics < MAX_IOAPICS; i++) {
		struct ioapic *io = &ioapics[n_ioapics++];
		io->base = mmio_map(madt.ioapic[i].addr, 4096);
		io->gsi_base = madt.ioapic[i].gsi_base;
		io->n_pins = ((ioapic_read(io, IOAPIC_VER) >> 16) & 0xFF) + 1;
		for (uint32_t p = 0; p < io->n_pins; p++) {
			ioapic_write(io, IOREDTBL(p) + 1, 0);
			ioapic_write(io, IOREDTBL(p), RTE_MASKED);
		}
		log_info("apic: I/O APIC id %u at 0x%x, GSI %u-%u", madt.ioapic[i].id,
			 (unsigned)madt.ioapic[i].addr, (unsigned)io->gsi_base,
			 (unsigned)(io->gsi_base + io->n_pins - 1));
	}
}

static struct ioapic *ioapic_for(uint32_t gsi, uint32_t *pin)
{
	for (unsigned i = 0; i < n_ioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->n_pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

/* 82093AA §3.2.4: fixed delivery, physical destination = the boot CPU's APIC id. */
void ioapic_route(uint32_t gsi, int vector, bool level, bool active_low)
{
	uint32_t pin;
	struct ioapic *io = ioapic_for(gsi, &pin);
	if (!io)
		panic("ioapic_route: GSI %u is on no I/O APIC", (unsigned)gsi);
	if (vector < VEC_DEV_FIRST || vector > VEC_DEV_LAST)
		panic("ioapic_route: vector 0x%x outside the device range", vector);
	uint32_t lo = (uint32_t)vector | (level ? RTE_LEVEL : 0) | (active_low ? RTE_ACTIVE_LOW : 0);
	uint64_t f = irq_save();
	ioapic_write(io, IOREDTBL(pin), RTE_MASKED);
	ioapic_write(io, IOREDTBL(pin) + 1, lapic_id() << 24);
	ioapic_write(io, IOREDTBL(pin), lo);
	irq_restore(f);
}

void ioapic_mask(uint32_t gsi, bool masked)
{
	uint32_t pin;
	struct ioapic *io = ioapic_for(gsi, &pin);
	if (!io)
		return;
	uint64_t f = irq_save();
	uint32_t lo = ioapic_read(io, IOREDTBL(pin));
	ioapic_write(io, IOREDTBL(pin), masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
	irq_restore(f);
}

/* ACPI 6.5 §5.2.12.5 MPS INTI flags: polarity bits 0-1 (01 high, 11 low), trigger bits 2-3
 * (01 edge, 11 level); 00 = the bus default, which for ISA is edge/active-high. */
uint32_t irq_isa_to_gsi(uint8_t isa_irq, bool *level, bool *active_low)
{
	*level = false;
	*active_low = false;
	for (unsigned i = 0; i < madt.n_overrides; i++) {
		const struct iso_info *o = &madt.iso[i];
		if (o->isa_irq != isa_irq)
			continue;
		*active_low = (o->flags & 3) == 3;
		*level = ((o->flags >> 2) & 3) == 3;
		return o->gsi;
	}
	return isa_irq;
}

/* Intel SDM vol 3 §11.11.1-2: address 0xFEE00000 | destination id << 12 (physical, no
 * redirection hint); data = vector, fixed delivery, edge. */
void msi_compose(int vector, uint64_t *addr, uint32_t *data)
{
	*addr = 0xFEE00000ull | ((uint64_t)lapic_id() << 12);
	*data = (uint32_t)vector & 0xFF;
}
