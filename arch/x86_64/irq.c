/* Interrupt vectors: allocation of device vectors (0x30..0xEF), handler chains for shared
 * INTx lines, per-vector counters, and the dispatch from trap_dispatch() with the EOI sent to
 * the local APIC after the handlers ran. Spurious vectors are counted and never EOI'd. */
#include <stddef.h>
#include "arch/x86_64/io.h"
#include "arch/x86_64/irq.h"
#include "kernel/panic.h"
#include "arch_priv.h"

#define MAX_SHARED 32

struct irq_action {
	irq_handler_fn fn;
	void *arg;
	struct irq_action *next;
};

static struct irq_action first[256];            /* the first handler lives in the table */
static struct irq_action shared_pool[MAX_SHARED];
static unsigned shared_used;
static uint64_t counts[256];

uint64_t irq_count(int vector)
{
	return vector >= 0 && vector < 256 ? counts[vector] : 0;
}

/* Fixed arch vectors (timer, APIC error): set once at boot. */
void irq_set_fixed(int vector, void (*fn)(void *), void *arg)
{
	first[vector].fn = fn;
	first[vector].arg = arg;
}

int irq_alloc_vector(irq_handler_fn fn, void *arg)
{
	int got = -1;
	uint64_t f = irq_save();
	for (int v = VEC_DEV_FIRST; v <= VEC_DEV_LAST; v++) {
		if (!first[v].fn) {
			first[v].fn = fn;
			first[v].arg = arg;
			got = v;
			break;
		}
	}
	irq_restore(f);
	return got;
}

int irq_share_vector(int vector, irq_handler_fn fn, void *arg)
{
	int rc = -1;
	if (vector < VEC_DEV_FIRST || vector > VEC_DEV_LAST || !fn)
		return -1;
	uint64_t f = irq_save();
	if (!first[vector].fn) {
		first[vector].fn = fn;
		first[vector].arg = arg;
		rc = 0;
	} else if (shared_used < MAX_SHARED) {
		struct irq_action *a = &shared_pool[shared_used++], *p = &first[vector];
		a->fn = fn;
		a->arg = arg;
		a->next = NULL;
		while (p->next)
			p = p->next;
		p->next = a;               /* appended last: the chain is only ever walked forward */
		rc = 0;
	}
	irq_restore(f);
	return rc;
}

void irq_dispatch(int vector)
{
	counts[vector]++;
	/* Spurious: the APIC's own (Intel SDM vol 3 §11.9) and the masked 8259s' IRQ7/IRQ15
	 * (0x27/0x2F). Neither has an in-service bit to clear: no EOI. */
	if (vector == VEC_SPURIOUS || (vector >= VEC_PIC_BASE && vector < VEC_DEV_FIRST))
		return;
	for (struct irq_action *a = &first[vector]; a && a->fn; a = a->next)
		a->fn(a->arg);
	lapic_eoi();
}
