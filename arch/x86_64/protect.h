/* Memory protection internals shared inside arch/x86_64: which pages must stay unmapped
 * (stack guards). arch_protect_kernel() itself is declared in kernel/arch.h. */
#ifndef ARCH_X86_64_PROTECT_H
#define ARCH_X86_64_PROTECT_H

#include <stdint.h>

/* desc.c: the 4 KiB guard page below each IST stack; fills out[], returns how many. */
unsigned desc_stack_guards(uint64_t *out, unsigned max);

#endif
