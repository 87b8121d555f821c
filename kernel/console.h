/* The console: COM1 (16550, 115200 8N1) always, plus the VGA text screen when the machine
 * booted in a text mode. console_write() never allocates and is safe from exception handlers. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>
#include <stdbool.h>

void console_init(bool vga_text);
void console_write(const char *s, size_t n);
void console_puts(const char *s);
/* Next byte typed on COM1, or -1 when none is waiting. */
int console_getc(void);

#endif
