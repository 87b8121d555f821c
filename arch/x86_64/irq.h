/* Device interrupts: vector allocation, handler registration, routing through the I/O APIC
 * (legacy INTx / ISA) or as MSI/MSI-X messages to the local APIC. Handlers run with interrupts
 * off on the interrupt stack; they must only acknowledge/mask the device and flag work. */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <stdint.h>
#include <stdbool.h>

typedef void (*irq_handler_fn)(void *arg);

/* Allocate a free vector (0x30..0xEF) and attach fn. Returns the vector, or -1. */
int irq_alloc_vector(irq_handler_fn fn, void *arg);
/* Attach another handler to an existing vector (shared INTx lines). Returns 0 or -1. */
int irq_share_vector(int vector, irq_handler_fn fn, void *arg);

/* Route a GSI (I/O APIC input) to vector. level/low-active for PCI INTx, edge/high for ISA.
 * ISA IRQs pass through the MADT interrupt source overrides first: use irq_isa_to_gsi(). */
void ioapic_route(uint32_t gsi, int vector, bool level, bool active_low);
void ioapic_mask(uint32_t gsi, bool masked);
uint32_t irq_isa_to_gsi(uint8_t isa_irq, bool *level, bool *active_low);

/* MSI address/data for a vector delivered to the boot CPU (Intel SDM vol 3 §11.11). */
void msi_compose(int vector, uint64_t *addr, uint32_t *data);

/* Counters per vector, for the `interrupts` console command. */
uint64_t irq_count(int vector);

#endif
