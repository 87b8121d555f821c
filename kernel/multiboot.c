/* Boot information of both protocols into struct boot_info. Plain C (tested on the host
 * against captured images): every length is checked before the bytes behind it are read,
 * and physical addresses are turned into pointers through multiboot_phys_base. */
#include <string.h>
#include "kernel/bootinfo.h"
#include "kernel/multiboot.h"

uintptr_t multiboot_phys_base;   /* 0 in the kernel (identity map); a buffer in tests */

static const void *phys(uint64_t addr)
{
	return (const void *)(multiboot_phys_base + (uintptr_t)addr);
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static void copy_str(char *dst, size_t cap, const char *src, size_t maxlen)
{
	size_t n = strnlen(src, maxlen);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

static void add_mmap(struct boot_info *bi, uint64_t base, uint64_t len, uint32_t type)
{
	if (bi->mmap_count < BOOT_MMAP_MAX && len)
		bi->mmap[bi->mmap_count++] = (struct boot_mmap){ base, len, type ? type : MMAP_RESERVED };
}

/* name: namemax bytes at most are readable (the string may lack its NUL). */
static void add_module(struct boot_info *bi, uint64_t start, uint64_t end, const char *name,
		       size_t namemax)
{
	if (bi->mod_count >= BOOT_MODS_MAX || end < start)
		return;
	struct boot_module *m = &bi->mods[bi->mod_count++];
	m->start = start;
	m->end = end;
	copy_str(m->name, sizeof(m->name), name, namemax);
}

/* Multiboot 0.6.96 §3.3: flags say which fields are valid. */
static int parse_mb1(const uint8_t *p, struct boot_info *bi)
{
	uint32_t flags = rd32(p);
	bi->info_start = (uintptr_t)p - multiboot_phys_base;
	bi->info_end = bi->info_start + MB1_INFO_SIZE;
	if (flags & MB1_F_CMDLINE)
		copy_str(bi->cmdline, sizeof(bi->cmdline), phys(rd32(p + 16)), BOOT_CMDLINE_MAX);
	if (flags & MB1_F_LOADER)
		copy_str(bi->loader, sizeof(bi->loader), phys(rd32(p + 64)), 63);
	if (flags & MB1_F_MODS) {
		const uint8_t *m = phys(rd32(p + 24));
		uint32_t n = rd32(p + 20);
		for (uint32_t i = 0; i < n && i < BOOT_MODS_MAX; i++, m += 16)
			add_module(bi, rd32(m), rd32(m + 4), rd32(m + 8) ? phys(rd32(m + 8)) : "", 255);
	}
	if (flags & MB1_F_MMAP) {
		const uint8_t *e = phys(rd32(p + 48)), *end = e + rd32(p + 44);
		/* Each entry: size (not counting itself), base, length, type. */
		while (e + 24 <= end) {
			uint32_t size = rd32(e);
			if (size < 20)
				return -1;
			add_mmap(bi, rd64(e + 4), rd64(e + 12), rd32(e + 20));
			e += size + 4;
		}
	} else if (flags & MB1_F_MEM) {
		add_mmap(bi, 0, (uint64_t)rd32(p + 4) * 1024, MMAP_USABLE);
		add_mmap(bi, 0x100000, (uint64_t)rd32(p + 8) * 1024, MMAP_USABLE);
	}
	if (flags & MB1_F_FB) {
		bi->has_fb = true;
		bi->fb = (struct boot_fb){ rd64(p + 88), rd32(p + 96), rd32(p + 100), rd32(p + 104),
					   p[108], p[109] };
	}
	return 0;
}

static void mb2_tag(const uint8_t *t, uint32_t size, struct boot_info *bi)
{
	const uint8_t *body = t + 8;
	uint32_t blen = size - 8;

	switch (rd32(t)) {
	case MB2_TAG_CMDLINE:
		copy_str(bi->cmdline, sizeof(bi->cmdline), (const char *)body, blen);
		break;
	case MB2_TAG_LOADER:
		copy_str(bi->loader, sizeof(bi->loader), (const char *)body, blen);
		break;
	case MB2_TAG_MODULE:
		if (blen >= 8)
			/* the string ends inside the tag even when its NUL is missing */
			add_module(bi, rd32(body), rd32(body + 4), (const char *)body + 8, blen - 8);
		break;
	case MB2_TAG_MMAP: {
		if (blen < 8)
			break;
		uint32_t esz = rd32(body);
		if (esz < 24)
			break;
		/* esz <= blen - off, not off + esz <= blen: a huge esz must not wrap around */
		for (uint32_t off = 8; off <= blen && esz <= blen - off; off += esz)
			add_mmap(bi, rd64(body + off), rd64(body + off + 8), rd32(body + off + 16));
		break;
	}
	case MB2_TAG_FB:
		if (blen >= 22) {
			bi->has_fb = true;
			bi->fb = (struct boot_fb){ rd64(body), rd32(body + 8), rd32(body + 12),
						   rd32(body + 16), body[20], body[21] };
		}
		break;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		if (blen >= 20 && (!bi->rsdp || rd32(t) == MB2_TAG_ACPI_NEW))
			bi->rsdp = (uintptr_t)body - multiboot_phys_base;
		break;
	}
}

/* Multiboot2 §3.6: total size, reserved, then 8-byte aligned tags until type 0. */
static int parse_mb2(const uint8_t *p, struct boot_info *bi)
{
	uint32_t total = rd32(p);
	if (total < 16 || total > MB2_INFO_MAX)
		return -1;
	bi->info_start = (uintptr_t)p - multiboot_phys_base;
	bi->info_end = bi->info_start + total;
	for (uint32_t off = 8; off + 8 <= total;) {
		uint32_t type = rd32(p + off), size = rd32(p + off + 4);
		if (size < 8 || size > total - off)
			return -1;
		if (type == MB2_TAG_END)
			return 0;
		mb2_tag(p + off, size, bi);
		off += (size + 7) & ~7u;
	}
	return -1;   /* no end tag inside total_size */
}

int multiboot_parse(uint32_t magic, const void *info, struct boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	if (magic == MB1_MAGIC) {
		bi->protocol = 1;
		return parse_mb1(info, bi);
	}
	if (magic == MB2_MAGIC) {
		bi->protocol = 2;
		return parse_mb2(info, bi);
	}
	return -1;
}
