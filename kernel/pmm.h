/* Physical memory allocator: free ranges taken from the boot memory map, minus what is in
 * use (low 1 MiB, the kernel image, boot information, modules). Contiguous, aligned
 * allocations for DMA rings and pools. Plain C, tested on the host. */
#ifndef KERNEL_PMM_H
#define KERNEL_PMM_H

#include <stdint.h>
#include "kernel/bootinfo.h"

#define PMM_MAX_RANGES  64
#define PMM_LIMIT       0x100000000ull   /* only RAM under 4 GiB: what the boot page tables map */
#define PMM_LOW_RESERVE 0x100000ull      /* BIOS data, EBDA, option ROMs, real-mode IVT */

struct pmm_range { uint64_t base, end; };   /* [base, end) */

/* Build the free list from bi's map, excluding [kstart, kend), the boot information and the
 * modules. Returns usable bytes. */
uint64_t pmm_init(const struct boot_info *bi, uint64_t kstart, uint64_t kend);
/* size bytes aligned to align (power of two); returns the physical address or 0. */
uint64_t pmm_alloc(uint64_t size, uint64_t align);
void pmm_free(uint64_t base, uint64_t size);
uint64_t pmm_free_bytes(void);
uint64_t pmm_total_bytes(void);
unsigned pmm_range_count(void);
const struct pmm_range *pmm_range(unsigned i);

#endif
