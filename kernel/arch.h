/* What kmain needs from arch/x86_64 (implemented there). Called in this order. */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdint.h>
#include "kernel/bootinfo.h"

/* KASLR (kernel/relocate.c): fill the boot page tables of the image copy that lies delta bytes
 * from the running one, with the same identity map of 0..4 GiB boot/boot.S made. */
void arch_boot_map_copy(int64_t delta);

/* GDT with TSS (IST stacks for #DF, NMI, #MC), IDT with all 32 exceptions. No heap needed. */
void arch_init_early(void);
/* PIC remapped+masked, ACPI MADT, local APIC, I/O APIC, TSC calibrated, LAPIC timer ready. */
void arch_init(const struct boot_info *bi);
/* Arm the LAPIC timer to interrupt after ns (0 = disarm). The interrupt only wakes hlt. */
void arch_timer_oneshot(uint64_t ns);
uint64_t arch_tsc_hz(void);
/* CPU description for the banner: vendor, brand, features in use. */
void arch_cpu_describe(char *buf, unsigned len);

/* After mem_init() and arch_init() (ACPI reads the BIOS data area in page 0): replace the
 * boot identity map with a W^X one (arch/x86_64/paging.c) and unmap page 0 and stack guards. */
void arch_protect_kernel(const struct boot_info *bi);

#endif
