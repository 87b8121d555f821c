/* Memory set-up at boot: the physical allocator, the heap behind newlib's malloc, and
 * dma_alloc() for rings and packet pools. */
#include <string.h>
#include "kernel/mem.h"
#include "kernel/pmm.h"
#include "kernel/panic.h"
#include "kernel/log.h"

#define HEAP_MIN  (1ull << 20)
#define HEAP_MAX  (16ull << 20)

extern char _kernel_start[], _kernel_end[];
void syscalls_set_heap(void *start, size_t size);
size_t syscalls_heap_used(void *start);

static void *heap_base;
static uint64_t heap_size, dma_bytes;

/* Heap: 1/16 of RAM between 1 and 16 MiB; packet pools come from dma_alloc, not malloc. */
void mem_init(const struct boot_info *bi)
{
	uint64_t total = pmm_init(bi, (uint64_t)_kernel_start, (uint64_t)_kernel_end);
	if (total < (4ull << 20))
		panic("memory: only %llu KiB usable below 4 GiB; Peregrine needs at least 4 MiB",
		      (unsigned long long)(total >> 10));
	heap_size = total / 16;
	heap_size = heap_size < HEAP_MIN ? HEAP_MIN : heap_size > HEAP_MAX ? HEAP_MAX : heap_size;
	uint64_t pa = pmm_alloc(heap_size, PAGE_SIZE);
	if (!pa)
		panic("memory: no room for a %llu KiB heap", (unsigned long long)(heap_size >> 10));
	heap_base = phys_to_virt(pa);
	syscalls_set_heap(heap_base, heap_size);
}

void *dma_alloc(size_t size, size_t align)
{
	uint64_t pa = pmm_alloc(size, align < 16 ? 16 : align);
	if (!pa)
		panic("dma_alloc: %zu bytes (align %zu) do not fit in free memory", size, align);
	dma_bytes += size;
	void *p = phys_to_virt(pa);
	memset(p, 0, size);
	return p;
}

void *page_alloc(size_t n)
{
	uint64_t pa = pmm_alloc(n * PAGE_SIZE, PAGE_SIZE);
	return pa ? phys_to_virt(pa) : NULL;
}

void page_free(void *p, size_t n)
{
	pmm_free(virt_to_phys(p), n * PAGE_SIZE);
}

void mem_get_info(struct mem_info *mi)
{
	mi->total = pmm_total_bytes() + (uint64_t)(_kernel_end - _kernel_start);
	mi->free = pmm_free_bytes();
	mi->kernel = (uint64_t)(_kernel_end - _kernel_start);
	mi->heap_used = syscalls_heap_used(heap_base);
	mi->dma_used = dma_bytes;
}
