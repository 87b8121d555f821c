/* The boot-time move of the image to a random address (kernel/kaslr.h). boot/boot.S calls
 * kernel_relocate() in long mode on the boot stack, before kmain; when it returns a non-zero
 * distance, boot.S jumps into the copy, loads the copy's page tables and GDT, and calls kmain
 * there. The old image is left behind untouched; pmm_init() later hands its pages out. */
#include <string.h>
#include "kernel/arch.h"
#include "kernel/kaslr.h"
#include "kernel/kmain.h"
#include "kernel/ssp.h"

extern char _kernel_start[], _bss_start[], _kernel_end[];
extern const struct kreloc kreloc_table;

/* What kernel_relocate() must not overwrite: the running image (its stack and page tables
 * are in use), the boot information and the modules (the config file), which kmain reads. */
static unsigned boot_keepouts(const struct boot_info *bi, struct kaslr_range *r)
{
	unsigned n = 0;
	r[n++] = (struct kaslr_range){ (uint64_t)_kernel_start, (uint64_t)_kernel_end };
	if (bi->info_end)
		r[n++] = (struct kaslr_range){ bi->info_start, bi->info_end };
	for (unsigned i = 0; i < bi->mod_count; i++)
		r[n++] = (struct kaslr_range){ bi->mods[i].start, bi->mods[i].end };
	return n;
}

static int64_t off(int state)
{
	kaslr_state = state;
	kaslr_offset = 0;
	return 0;
}

int64_t kernel_relocate(const struct boot_info *bi)
{
	struct kaslr_range keep[2 + BOOT_MODS_MAX];
	const struct kreloc *t = &kreloc_table;
	uint64_t size = (uint64_t)(_kernel_end - _kernel_start);

	if (kaslr_disabled(bi->cmdline))
		return off(KASLR_OFF_CMDLINE);
	if (t->n64 + t->n32 + t->n32s == 0)
		return off(KASLR_OFF_NO_TABLE);
	unsigned nkeep = boot_keepouts(bi, keep);
	uint64_t base = kaslr_choose(bi, size, keep, nkeep, boot_random64(), &kaslr_slots);
	if (base == 0)
		return off(KASLR_OFF_NO_ROOM);
	/* Set before the copy: the copy's .data carries these. */
	kaslr_offset = (int64_t)(base - (uint64_t)_kernel_start);
	kaslr_state = KASLR_ON;
	uint8_t *copy = (uint8_t *)(uintptr_t)base;
	memcpy(copy, _kernel_start, (size_t)(_bss_start - _kernel_start));
	memset(copy + (_bss_start - _kernel_start), 0, (size_t)(_kernel_end - _bss_start));
	if (kaslr_apply(copy, size, t, kaslr_offset) < 0)
		return off(KASLR_OFF_BAD_TABLE);
	arch_boot_map_copy(kaslr_offset);
	return kaslr_offset;
}
