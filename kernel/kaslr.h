/* Kernel address-space layout randomisation for an identity-mapped kernel. Early in boot the
 * image is copied to a random page-aligned address in usable RAM (physical = virtual) and every
 * absolute address the linker wrote into it is moved by the same distance. The list of those
 * places (.kreloc) is made at build time by tools/mkrelocs.py from the linker's --emit-relocs
 * output, the way Linux's arch/x86/tools/relocs does for its compressed kernel. The code stays
 * -mcmodel=small and position-dependent: the hot path runs exactly the instructions it ran at
 * the link address. Plain C, tested on the host. */
#ifndef KERNEL_KASLR_H
#define KERNEL_KASLR_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/bootinfo.h"

#define KASLR_ALIGN 4096ull           /* every section of linker.ld is page-aligned, none more */
#define KASLR_MIN   0x100000ull       /* never below 1 MiB (BIOS data, EBDA, option ROMs) */
/* -mcmodel=small code holds addresses in 32-bit sign-extended immediates (R_X86_64_32S):
 * the whole image must stay below 2 GiB. */
#define KASLR_LIMIT 0x80000000ull
#define KASLR_MAX_PIECES 128          /* free pieces considered; more are ignored (fewer slots) */

/* The relocation table: n64 offsets of 8-byte absolute addresses, then n32 of 4-byte
 * zero-extended ones, then n32s of 4-byte sign-extended ones; offsets from the image start. */
struct kreloc {
	uint32_t n64, n32, n32s, pad;
	uint32_t off[];
};

struct kaslr_range { uint64_t base, end; };   /* [base, end) */

enum kaslr_state {
	KASLR_OFF_CMDLINE,    /* kaslr=off on the command line */
	KASLR_OFF_NO_TABLE,   /* an image linked without its table (the build's first passes) */
	KASLR_OFF_NO_ROOM,    /* no usable RAM below 2 GiB big enough for a second copy */
	KASLR_OFF_BAD_TABLE,  /* a table entry outside the image or a 32-bit field overflowing */
	KASLR_OFF_BOOT_INFO,  /* the boot information could not be parsed */
	KASLR_ON,
};

/* Runtime address minus link address of the running image, and how it came about. They live
 * in .data so the copy made at boot carries the values set just before it. */
extern int64_t kaslr_offset;
extern int kaslr_state;
extern uint32_t kaslr_slots;          /* how many places the image could have gone to */

/* True when the command line holds the word kaslr=off (the config key kaslr, read this early). */
bool kaslr_disabled(const char *cmdline);

/* A KASLR_ALIGN-aligned base for size bytes of usable RAM in bi's memory map (adjacent usable
 * entries join), within [KASLR_MIN, KASLR_LIMIT), clear of every other map entry (rounded out
 * to pages) and of avoid[]. rnd picks
 * one of the possible bases uniformly (modulo bias aside); *slots gets their number.
 * Returns 0 when there is none. */
uint64_t kaslr_choose(const struct boot_info *bi, uint64_t size, const struct kaslr_range *avoid,
		      unsigned navoid, uint64_t rnd, uint32_t *slots);

/* Add delta to every field t lists in img (size bytes, linked at link_base). Returns 0, or -1
 * when an entry lies outside the image or a 32-bit field would overflow; img is then unusable. */
int kaslr_apply(uint8_t *img, uint64_t size, const struct kreloc *t, int64_t delta);

/* A word for the banner: "on", "off (kaslr=off)", ... */
const char *kaslr_describe(int state);

#endif
