/* The kernel's own function symbols (generated at link time by tools/mksyms.sh). */
#ifndef KERNEL_KSYMS_H
#define KERNEL_KSYMS_H

#include <stdbool.h>
#include <stdint.h>

/* Name of the function containing addr and the offset into it, or NULL when unknown. */
const char *ksym_lookup(uint64_t addr, uint64_t *off);
/* Print "  #n 0x... name+0xoff" lines walking saved frame pointers from rbp (at most 32). */
void backtrace_print(uint64_t rip, uint64_t rbp);
/* The pieces, for the exception dump: one line (is_return: pc is a return address, named by
 * pc - 1; note is appended), and the frame-pointer walk numbering from n. */
void backtrace_frame(int n, uint64_t pc, bool is_return, const char *note);
void backtrace_walk(int n, uint64_t rbp);
/* "Backtrace:", with the KASLR offset when the image was moved. */
void backtrace_header(void);

#endif
