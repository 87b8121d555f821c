/* panic() and the ways out of the machine. Under QEMU the isa-debug-exit device (port 0xf4)
 * ends QEMU with status (code << 1) | 1, which is how tests see a failure. */
#include <stdarg.h>
#include <stdio.h>
#include "kernel/panic.h"
#include "kernel/console.h"
#include "kernel/ksyms.h"
#include "arch/x86_64/io.h"

#define DEBUG_EXIT_PORT   0xf4
#define QEMU_ACPI_PM1A    0x604    /* QEMU's PIIX4/ICH9 PM1a control: SLP_EN | S5 */
#define BOCHS_ACPI_PM1A   0xB004

void machine_exit(int code)
{
	irq_off();
	outb(DEBUG_EXIT_PORT, (uint8_t)code);
	outw(QEMU_ACPI_PM1A, 0x2000);
	outw(BOCHS_ACPI_PM1A, 0x2000);
	for (;;)
		__asm__ volatile("hlt");
}

void panic(const char *fmt, ...)
{
	static int panicking;
	char msg[256];
	va_list ap;

	irq_off();
	if (panicking++)
		machine_exit(2);        /* panic while panicking: leave at once */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	console_puts("\nKERNEL PANIC: ");
	console_puts(msg);
	console_puts("\n");
	uint64_t rbp = (uint64_t)__builtin_frame_address(0);
	backtrace_print((uint64_t)__builtin_return_address(0), *(uint64_t *)rbp);
	machine_exit(1);
}
