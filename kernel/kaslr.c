/* KASLR's choice of address and its relocation pass (kernel/kaslr.h). Runs before anything
 * else in the kernel is set up: no console, no allocator, no interrupts; no pointers into the
 * image may be stored in a global here, because the copy would carry the old address. */
#include <string.h>
#include "kernel/kaslr.h"

int64_t kaslr_offset __attribute__((section(".data")));
int kaslr_state __attribute__((section(".data"))) = KASLR_OFF_NO_TABLE;
uint32_t kaslr_slots __attribute__((section(".data")));

bool kaslr_disabled(const char *cmdline)
{
	static const char word[] = "kaslr=off";
	const size_t wl = sizeof(word) - 1;
	for (const char *p = cmdline; *p;) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (n == wl && !memcmp(p, word, wl))
			return true;
		p += n;
	}
	return false;
}

/* Cut [b, e) out of every piece; a piece split in two needs a free slot, else its upper part
 * is dropped (fewer bases to choose from, never a wrong one). */
static unsigned cut(struct kaslr_range *p, unsigned n, uint64_t b, uint64_t e)
{
	for (unsigned i = 0; i < n; i++) {
		struct kaslr_range r = p[i];
		if (e <= r.base || b >= r.end)
			continue;
		if (b > r.base && e < r.end) {          /* a hole in the middle */
			p[i].end = b;
			if (n < KASLR_MAX_PIECES)
				p[n++] = (struct kaslr_range){ e, r.end };
		} else if (b > r.base) {
			p[i].end = b;
		} else if (e < r.end) {
			p[i].base = e;
		} else {
			p[i--] = p[--n];                    /* swallowed whole */
		}
	}
	return n;
}

static uint64_t up(uint64_t v) { return (v + KASLR_ALIGN - 1) & ~(KASLR_ALIGN - 1); }
static uint64_t down(uint64_t v) { return v & ~(KASLR_ALIGN - 1); }

static uint64_t slots_in(const struct kaslr_range *r, uint64_t size)
{
	uint64_t b = up(r->base), e = r->end;
	return e > b && e - b >= size ? (e - b - size) / KASLR_ALIGN + 1 : 0;
}

/* Sort the usable pieces and join those that overlap or touch: RAM split over two adjacent
 * map entries is one place, and overlapping entries must not offer a base twice. */
static unsigned merge(struct kaslr_range *p, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && p[j].base < p[j - 1].base; j--) {
			struct kaslr_range t = p[j];
			p[j] = p[j - 1];
			p[j - 1] = t;
		}
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++) {
		if (m > 0 && p[i].base <= p[m - 1].end) {
			if (p[i].end > p[m - 1].end)
				p[m - 1].end = p[i].end;
		} else {
			p[m++] = p[i];
		}
	}
	return m;
}

uint64_t kaslr_choose(const struct boot_info *bi, uint64_t size, const struct kaslr_range *avoid,
		      unsigned navoid, uint64_t rnd, uint32_t *slots)
{
	struct kaslr_range p[KASLR_MAX_PIECES];
	unsigned n = 0;
	uint64_t total = 0;

	*slots = 0;
	if (size == 0 || size > KASLR_LIMIT)
		return 0;
	for (unsigned i = 0; i < bi->mmap_count && n < KASLR_MAX_PIECES; i++) {
		const struct boot_mmap *m = &bi->mmap[i];
		uint64_t b = m->base, e = m->base + m->len;
		if (m->type != MMAP_USABLE || e < b)
			continue;
		b = b < KASLR_MIN ? KASLR_MIN : b;
		e = e > KASLR_LIMIT ? KASLR_LIMIT : e;
		if (b < e)
			p[n++] = (struct kaslr_range){ b, e };
	}
	n = merge(p, n);
	/* Reserved entries can overlap usable ones in buggy maps: reserved wins (as in pmm.c). */
	for (unsigned i = 0; i < bi->mmap_count; i++)
		if (bi->mmap[i].type != MMAP_USABLE)
			n = cut(p, n, down(bi->mmap[i].base), up(bi->mmap[i].base + bi->mmap[i].len));
	for (unsigned i = 0; i < navoid; i++)
		n = cut(p, n, down(avoid[i].base), up(avoid[i].end));
	for (unsigned i = 0; i < n; i++)
		total += slots_in(&p[i], size);
	if (total == 0)
		return 0;
	*slots = total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
	uint64_t pick = rnd % total;
	for (unsigned i = 0; i < n; i++) {
		uint64_t s = slots_in(&p[i], size);
		if (pick < s)
			return up(p[i].base) + pick * KASLR_ALIGN;
		pick -= s;
	}
	return 0;   /* not reached: pick < total */
}

static int fix(uint8_t *img, uint64_t size, uint32_t off, unsigned width, int64_t delta, int kind)
{
	if ((uint64_t)off + width > size)
		return -1;
	if (width == 8) {
		uint64_t v;
		memcpy(&v, img + off, 8);
		v += (uint64_t)delta;
		memcpy(img + off, &v, 8);
		return 0;
	}
	uint32_t v32;
	memcpy(&v32, img + off, 4);
	int64_t v = kind == 's' ? (int64_t)(int32_t)v32 : (int64_t)v32;
	v += delta;
	if (kind == 's' ? (v < INT32_MIN || v > INT32_MAX) : (v < 0 || v > UINT32_MAX))
		return -1;
	v32 = (uint32_t)v;
	memcpy(img + off, &v32, 4);
	return 0;
}

int kaslr_apply(uint8_t *img, uint64_t size, const struct kreloc *t, int64_t delta)
{
	const uint32_t *o = t->off;
	for (uint32_t i = 0; i < t->n64; i++)
		if (fix(img, size, *o++, 8, delta, 0) < 0)
			return -1;
	for (uint32_t i = 0; i < t->n32; i++)
		if (fix(img, size, *o++, 4, delta, 'u') < 0)
			return -1;
	for (uint32_t i = 0; i < t->n32s; i++)
		if (fix(img, size, *o++, 4, delta, 's') < 0)
			return -1;
	return 0;
}

const char *kaslr_describe(int state)
{
	switch (state) {
	case KASLR_ON: return "on";
	case KASLR_OFF_CMDLINE: return "off (kaslr=off)";
	case KASLR_OFF_NO_TABLE: return "off (image has no relocation table)";
	case KASLR_OFF_NO_ROOM: return "off (no room for a second copy below 2 GiB)";
	case KASLR_OFF_BAD_TABLE: return "off (relocation table does not fit the image)";
	case KASLR_OFF_BOOT_INFO: return "off (boot information unreadable)";
	default: return "?";
	}
}
