/* Console output on COM1 and the VGA text buffer; input from COM1.
 * 16550 registers: PC16550D datasheet (THR/RBR 0, IER 1, FCR 2, LCR 3, MCR 4, LSR 5). */
#include <stdint.h>
#include <string.h>
#include "kernel/console.h"
#include "arch/x86_64/io.h"

#define COM1      0x3F8
#define UART_LSR_DR    0x01   /* data ready */
#define UART_LSR_THRE  0x20   /* transmit holding register empty */
#define VGA_BASE  ((volatile uint16_t *)0xB8000)
#define VGA_COLS  80
#define VGA_ROWS  25
#define VGA_ATTR  0x0700      /* light grey on black */

static bool have_serial;
static bool have_vga;
static unsigned vga_col, vga_row;

static void serial_init(void)
{
	outb(COM1 + 1, 0x00);         /* IER: no interrupts yet */
	outb(COM1 + 3, 0x80);         /* LCR: DLAB to set the divisor */
	outb(COM1 + 0, 0x01);         /* divisor 1 = 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);         /* 8N1 */
	outb(COM1 + 2, 0xC7);         /* FCR: enable + clear FIFOs, 14-byte threshold */
	outb(COM1 + 4, 0x0B);         /* MCR: DTR, RTS, OUT2 (IRQ gate) */
	/* A missing UART reads back 0xFF from every register. */
	have_serial = inb(COM1 + 5) != 0xFF;
}

static void serial_putc(char c)
{
	for (unsigned spin = 0; spin < 100000; spin++)
		if (inb(COM1 + 5) & UART_LSR_THRE)
			break;
	outb(COM1, (uint8_t)c);
}

static void vga_scroll(void)
{
	for (unsigned i = 0; i < VGA_COLS * (VGA_ROWS - 1); i++)
		VGA_BASE[i] = VGA_BASE[i + VGA_COLS];
	for (unsigned i = 0; i < VGA_COLS; i++)
		VGA_BASE[VGA_COLS * (VGA_ROWS - 1) + i] = VGA_ATTR | ' ';
	vga_row = VGA_ROWS - 1;
}

static void vga_putc(char c)
{
	if (c == '\n') {
		vga_col = 0;
		if (++vga_row == VGA_ROWS)
			vga_scroll();
		return;
	}
	if (c == '\r')
		return;
	VGA_BASE[vga_row * VGA_COLS + vga_col] = VGA_ATTR | (uint8_t)c;
	if (++vga_col == VGA_COLS) {
		vga_col = 0;
		if (++vga_row == VGA_ROWS)
			vga_scroll();
	}
}

void console_init(bool vga_text)
{
	serial_init();
	have_vga = vga_text;
	if (have_vga) {
		for (unsigned i = 0; i < VGA_COLS * VGA_ROWS; i++)
			VGA_BASE[i] = VGA_ATTR | ' ';
		vga_col = vga_row = 0;
	}
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (have_serial) {
			if (s[i] == '\n')
				serial_putc('\r');
			serial_putc(s[i]);
		}
		if (have_vga)
			vga_putc(s[i]);
	}
}

void console_puts(const char *s)
{
	console_write(s, strlen(s));
}

int console_getc(void)
{
	if (!have_serial || !(inb(COM1 + 5) & UART_LSR_DR))
		return -1;
	return inb(COM1);
}
