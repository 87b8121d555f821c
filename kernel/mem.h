/* Physical memory: a page allocator built from the boot memory map, the heap behind malloc,
 * and DMA memory for device rings. All RAM and MMIO are identity-mapped (virt == phys), so
 * virt_to_phys() is the identity; drivers still call it so the mapping can change later. */
#ifndef KERNEL_MEM_H
#define KERNEL_MEM_H

#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE 4096ul

/* Physically contiguous, zeroed, aligned to align (a power of two >= 16). Never freed:
 * rings and pools live as long as the kernel. Panics when memory is exhausted at boot. */
void *dma_alloc(size_t size, size_t align);

static inline uint64_t virt_to_phys(const void *p) { return (uint64_t)(uintptr_t)p; }
static inline void *phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }

/* Map [phys, phys+size) uncached for device registers and return its virtual address.
 * Works above 4 GiB too (arch/x86_64/paging.c builds the page tables on demand). */
void *mmio_map(uint64_t phys, size_t size);

/* Pages from the physical allocator (contiguous run of n pages), or NULL. */
void *page_alloc(size_t n);
void page_free(void *p, size_t n);

struct mem_info {
	uint64_t total;       /* usable RAM from the memory map */
	uint64_t free;        /* still in the page allocator */
	uint64_t kernel;      /* image size */
	uint64_t heap_used;
	uint64_t dma_used;
};
void mem_get_info(struct mem_info *mi);

struct boot_info;
/* Boot: build the page allocator from the memory map and hand the heap to newlib. */
void mem_init(const struct boot_info *bi);

#endif
