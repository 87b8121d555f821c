/* Memory protection internals shared inside arch/x86_64: which pages must stay unmapped
 * (stack guards) or become read-only (the IDT). arch_protect_kernel() is in kernel/arch.h. */
#ifndef ARCH_X86_64_PROTECT_H
#define ARCH_X86_64_PROTECT_H

#include <stdint.h>

/* desc.c: the 4 KiB guard page below each IST stack; fills out[], returns how many. */
unsigned desc_stack_guards(uint64_t *out, unsigned max);

/* desc.c: the page holding the IDT (exactly one page), read-only once protection is on. */
uint64_t desc_idt_page(void);

#endif
