/* Page-table additions after boot: device memory above the boot identity map (4 GiB), e.g.
 * 64-bit BARs that firmware or QEMU place high. Mapped identity, 2 MiB pages, uncached
 * (PCD|PWT: Intel SDM vol 3 §4.9 / §11.12), never executable. */
#include <stdint.h>
#include <string.h>
#include "kernel/mem.h"
#include "kernel/panic.h"

#define PTE_P    0x1ull
#define PTE_W    0x2ull
#define PTE_PWT  0x8ull
#define PTE_PCD  0x10ull
#define PTE_PS   0x80ull
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull
#define LARGE    0x200000ull
#define BOOT_MAP_LIMIT 0x100000000ull

extern uint64_t boot_pml4[512];

static uint64_t *next_table(uint64_t *entry)
{
	if (!(*entry & PTE_P)) {
		void *t = page_alloc(1);
		if (!t)
			panic("paging: out of memory for page tables");
		memset(t, 0, PAGE_SIZE);
		*entry = virt_to_phys(t) | PTE_P | PTE_W;
	}
	return phys_to_virt(*entry & PTE_ADDR);
}

void *mmio_map(uint64_t phys, size_t size)
{
	if (phys + size <= BOOT_MAP_LIMIT)
		return phys_to_virt(phys);   /* the boot map; MTRRs make the PCI hole uncached */
	for (uint64_t a = phys & ~(LARGE - 1); a < phys + size; a += LARGE) {
		uint64_t *pdpt = next_table(&boot_pml4[(a >> 39) & 511]);
		uint64_t *pd = next_table(&pdpt[(a >> 30) & 511]);
		uint64_t *pde = &pd[(a >> 21) & 511];
		if (!(*pde & PTE_P))
			*pde = a | PTE_P | PTE_W | PTE_PS | PTE_PCD | PTE_PWT | PTE_NX;
		__asm__ volatile("invlpg (%0)" :: "r"(a) : "memory");
	}
	return phys_to_virt(phys);
}
