/* libFuzzer harness: the multiboot2 information parser (kernel/multiboot.c).
 * Multiboot2 only: a multiboot1 block holds 32-bit physical pointers (cmdline, mmap, modules)
 * that the parser follows by design (the boot loader is trusted), so hostile mb1 input reads
 * wherever it points. For mb2 everything lies inside the block, whose total_size the loader
 * guarantees; the harness makes that true by clamping total_size to the input length. */
#include <stdlib.h>
#include <string.h>
#include "kernel/bootinfo.h"
#include "kernel/multiboot.h"

static struct boot_info bi;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8 || size > MB2_INFO_MAX)
		return 0;
	/* Exact-size copy (malloc is 16-byte aligned, as GRUB's 8-byte alignment requires). */
	uint8_t *p = malloc(size);
	if (!p)
		return 0;
	memcpy(p, data, size);
	uint32_t total;
	memcpy(&total, p, 4);
	if (total > size) {
		total = (uint32_t)size;
		memcpy(p, &total, 4);
	}
	multiboot_phys_base = 0;
	if (multiboot_parse(MB2_MAGIC, p, &bi) == 0) {
		if (bi.mmap_count > BOOT_MMAP_MAX || bi.mod_count > BOOT_MODS_MAX ||
		    strnlen(bi.cmdline, sizeof(bi.cmdline)) == sizeof(bi.cmdline) ||
		    strnlen(bi.loader, sizeof(bi.loader)) == sizeof(bi.loader))
			abort();
		for (unsigned i = 0; i < bi.mod_count; i++)
			if (strnlen(bi.mods[i].name, sizeof(bi.mods[i].name)) == sizeof(bi.mods[i].name))
				abort();
		if (bi.rsdp && (bi.rsdp < (uintptr_t)p || bi.rsdp + 20 > (uintptr_t)p + total))
			abort();        /* the RSDP copy must lie inside the block */
	}
	free(p);
	return 0;
}
