/* panic(): print the message and a backtrace, then stop (exit QEMU non-zero under test). */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
/* Leave the machine: QEMU isa-debug-exit with code (exit status 2*code+1), else ACPI-less
 * power-off attempts, else halt forever. */
__attribute__((noreturn)) void machine_exit(int code);

#endif
