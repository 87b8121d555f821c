/* Memory maps for the kernel suites (pmm, kaslr): an entry at a time, and the map SeaBIOS
 * gives a 128 MiB QEMU guest. */
#ifndef TESTS_UNIT_KERNEL_BOOTMAP_H
#define TESTS_UNIT_KERNEL_BOOTMAP_H

#include "kernel/bootinfo.h"

static inline void bootmap_add(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	bi->mmap[bi->mmap_count++] = (struct boot_mmap){ base, len, type };
}

static inline void bootmap_qemu_128m(struct boot_info *bi)
{
	*bi = (struct boot_info){ 0 };
	bootmap_add(bi, 0, 0x9fc00, MMAP_USABLE);
	bootmap_add(bi, 0x9fc00, 0x400, MMAP_RESERVED);
	bootmap_add(bi, 0xf0000, 0x10000, MMAP_RESERVED);
	bootmap_add(bi, 0x100000, 0x7ee0000, MMAP_USABLE);
	bootmap_add(bi, 0x7fe0000, 0x20000, MMAP_RESERVED);
	bootmap_add(bi, 0xfffc0000, 0x40000, MMAP_RESERVED);
}

#endif
