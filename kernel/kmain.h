/* Pieces of the boot sequence that live in their own files. */
#ifndef KERNEL_KMAIN_H
#define KERNEL_KMAIN_H

#include <stdarg.h>
#include <stdint.h>
#include "kernel/bootinfo.h"
#include "kernel/config.h"

/* boot.S's first C call: parse the boot information, then KASLR (kernel/relocate.c). Both
 * return the distance the image moved (0: it stayed). */
int64_t kmain_early(uint32_t magic, uint32_t info);
int64_t kernel_relocate(const struct boot_info *bi);

/* Print "boot stopped: <why>" and stop the machine (QEMU exits non-zero). */
__attribute__((noreturn, format(printf, 1, 2))) void boot_fail(const char *fmt, ...);
/* test=NAME hooks for the integration tests (kernel/testhooks.c); unknown names stop the boot. */
void run_test_hooks(const char *name);
/* Drivers, interfaces, addresses and the appliance (kernel/netinit.c). */
void net_bringup(const struct config *cfg);

#endif
