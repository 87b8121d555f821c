/* The kernel's own function symbols (generated at link time by tools/mksyms.sh). */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdint.h>

/* Name of the function containing addr and the offset into it, or NULL when unknown. */
const char *ksym_lookup(uint64_t addr, uint64_t *off);
/* Print "  #n 0x... name+0xoff" lines walking saved frame pointers from rbp (at most 32). */
void backtrace_print(uint64_t rip, uint64_t rbp);

#endif
