/* What the boot loader told us, in one protocol-neutral struct (kernel/multiboot.c parses
 * multiboot1 and multiboot2 information into it). */
#ifndef KERNEL_BOOTINFO_H
#define KERNEL_BOOTINFO_H

#include <stdint.h>
#include <stdbool.h>

#define BOOT_MMAP_MAX  64
#define BOOT_MODS_MAX  8
#define BOOT_CMDLINE_MAX 1024

enum { MMAP_USABLE = 1, MMAP_RESERVED = 2, MMAP_ACPI = 3, MMAP_NVS = 4, MMAP_BAD = 5 };

struct boot_mmap { uint64_t base, len; uint32_t type; };
struct boot_module { uint64_t start, end; char name[64]; };
struct boot_fb {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type;          /* type: 0 indexed, 1 RGB, 2 EGA text */
};

struct boot_info {
	int protocol;               /* 1 = multiboot1, 2 = multiboot2 */
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[64];
	struct boot_mmap mmap[BOOT_MMAP_MAX];
	unsigned mmap_count;
	struct boot_module mods[BOOT_MODS_MAX];
	unsigned mod_count;
	bool has_fb;
	struct boot_fb fb;
	uint64_t rsdp;              /* physical address of a copy of the ACPI RSDP (mb2 tag 14/15), 0 = search */
	uint64_t info_start, info_end; /* the boot information block itself (kept out of the allocator) */
};

/* Parse the information at info (as found in EBX) for magic (as found in EAX).
 * Returns 0, or -1 for an unknown magic or malformed information. */
int multiboot_parse(uint32_t magic, const void *info, struct boot_info *bi);

#define MB1_MAGIC 0x2BADB002u
#define MB2_MAGIC 0x36D76289u

#endif
