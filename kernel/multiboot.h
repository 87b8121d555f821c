/* Multiboot wire constants (Multiboot 0.6.96 and Multiboot2 specifications). */
#ifndef KERNEL_MULTIBOOT_H
#define KERNEL_MULTIBOOT_H

#include <stdint.h>

#define MB1_F_MEM      (1u << 0)
#define MB1_F_CMDLINE  (1u << 2)
#define MB1_F_MODS     (1u << 3)
#define MB1_F_MMAP     (1u << 6)
#define MB1_F_LOADER   (1u << 9)
#define MB1_F_FB       (1u << 12)
#define MB1_INFO_SIZE  116u

#define MB2_TAG_END      0
#define MB2_TAG_CMDLINE  1
#define MB2_TAG_LOADER   2
#define MB2_TAG_MODULE   3
#define MB2_TAG_MMAP     6
#define MB2_TAG_FB       8
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_INFO_MAX     (1u << 20)   /* anything larger is not a real boot information block */

/* Added to every physical address the boot information contains (0 in the kernel). */
extern uintptr_t multiboot_phys_base;

#endif
