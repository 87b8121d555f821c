/* First-fit allocator over a sorted array of free ranges. Allocation happens at boot (rings,
 * pools, heap) and stays: a range list is smaller and simpler than a bitmap here. */
#include <string.h>
#include "kernel/pmm.h"

static struct pmm_range ranges[PMM_MAX_RANGES];
static unsigned nranges;
static uint64_t total_bytes;

static void remove_at(unsigned i)
{
	memmove(&ranges[i], &ranges[i + 1], (nranges - i - 1) * sizeof(ranges[0]));
	nranges--;
}

static void insert_at(unsigned i, uint64_t base, uint64_t end)
{
	if (nranges == PMM_MAX_RANGES)
		return;    /* the table is full: this piece of memory is left unused */
	memmove(&ranges[i + 1], &ranges[i], (nranges - i) * sizeof(ranges[0]));
	ranges[i] = (struct pmm_range){ base, end };
	nranges++;
}

/* Add [base, end) keeping the array sorted and merged with neighbours. */
static void add_free(uint64_t base, uint64_t end)
{
	unsigned i = 0;
	if (end > PMM_LIMIT)
		end = PMM_LIMIT;
	if (base >= end)
		return;
	while (i < nranges && ranges[i].base < base)
		i++;
	if (i > 0 && ranges[i - 1].end >= base) {          /* merge with the previous one */
		if (end > ranges[i - 1].end)
			ranges[i - 1].end = end;
		i--;
	} else {
		insert_at(i, base, end);
	}
	while (i + 1 < nranges && ranges[i + 1].base <= ranges[i].end) {
		if (ranges[i + 1].end > ranges[i].end)
			ranges[i].end = ranges[i + 1].end;
		remove_at(i + 1);
	}
}

/* Cut [base, end) out of every free range. */
static void reserve(uint64_t base, uint64_t end)
{
	for (unsigned i = 0; i < nranges; i++) {
		struct pmm_range r = ranges[i];
		if (end <= r.base || base >= r.end)
			continue;
		remove_at(i);
		if (r.base < base)
			insert_at(i++, r.base, base);
		if (end < r.end)
			insert_at(i, end, r.end);
		i--;   /* re-examine what now sits at i (the loop's i++ undoes this) */
	}
}

static void reserve_pages(uint64_t base, uint64_t end)
{
	reserve(base & ~4095ull, (end + 4095) & ~4095ull);
}

uint64_t pmm_init(const struct boot_info *bi, uint64_t kstart, uint64_t kend)
{
	nranges = 0;
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct boot_mmap *m = &bi->mmap[i];
		if (m->type != MMAP_USABLE || m->base + m->len < m->base)
			continue;
		/* Whole pages only. */
		uint64_t b = (m->base + 4095) & ~4095ull, e = (m->base + m->len) & ~4095ull;
		add_free(b, e);
	}
	/* Reserved entries can overlap usable ones in buggy maps: reserved wins. */
	for (unsigned i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type != MMAP_USABLE)
			reserve_pages(bi->mmap[i].base, bi->mmap[i].base + bi->mmap[i].len);
	reserve(0, PMM_LOW_RESERVE);
	reserve_pages(kstart, kend);
	/* The boot information stays referenced (the ACPI RSDP copy of multiboot2). */
	if (bi->info_end)
		reserve_pages(bi->info_start, bi->info_end);
	for (unsigned i = 0; i < bi->mod_count; i++)
		reserve_pages(bi->mods[i].start, bi->mods[i].end);
	total_bytes = pmm_free_bytes();
	return total_bytes;
}

uint64_t pmm_alloc(uint64_t size, uint64_t align)
{
	if (size == 0 || (align & (align - 1)))
		return 0;
	if (align < 16)
		align = 16;
	for (unsigned i = 0; i < nranges; i++) {
		uint64_t a = (ranges[i].base + align - 1) & ~(align - 1);
		if (a < ranges[i].base || a + size > ranges[i].end || a + size < a)
			continue;
		reserve(a, a + size);
		return a;
	}
	return 0;
}

void pmm_free(uint64_t base, uint64_t size)
{
	add_free(base, base + size);
}

uint64_t pmm_free_bytes(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < nranges; i++)
		n += ranges[i].end - ranges[i].base;
	return n;
}

uint64_t pmm_total_bytes(void) { return total_bytes; }
unsigned pmm_range_count(void) { return nranges; }
const struct pmm_range *pmm_range(unsigned i) { return i < nranges ? &ranges[i] : NULL; }
