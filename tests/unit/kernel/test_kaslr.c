/* kernel/kaslr.c: the kaslr=off word, the choice of base against a brute-force reference,
 * and the relocation pass on exact bytes. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "kernel/kaslr.h"
#include "bootmap.h"

static struct boot_info bi;

static void map_add(uint64_t base, uint64_t len, uint32_t type) { bootmap_add(&bi, base, len, type); }

static void setup(void) { bootmap_qemu_128m(&bi); }

static void test_disabled_word(void)
{
	CU_ASSERT_TRUE(kaslr_disabled("kaslr=off"));
	CU_ASSERT_TRUE(kaslr_disabled("app=echo  kaslr=off ip=10.0.0.2/24"));
	CU_ASSERT_FALSE(kaslr_disabled(""));
	CU_ASSERT_FALSE(kaslr_disabled("kaslr=on"));
	CU_ASSERT_FALSE(kaslr_disabled("kaslr=offx"));
	CU_ASSERT_FALSE(kaslr_disabled("xkaslr=off"));
	CU_ASSERT_FALSE(kaslr_disabled("test=kaslr=off"));
}

#define IMG 0xd8000ull   /* 864 KiB, about what the kernel is */

static void test_choose_qemu_map(void)
{
	struct kaslr_range keep[] = { { 0x100000, 0x100000 + IMG } };
	uint32_t slots;
	uint64_t expect = (0x7fe0000 - (0x100000 + IMG) - IMG) / 4096 + 1;
	CU_ASSERT_EQUAL(kaslr_choose(&bi, IMG, keep, 1, 0, &slots), 0x100000 + IMG);
	CU_ASSERT_EQUAL(slots, expect);
	CU_ASSERT_EQUAL(kaslr_choose(&bi, IMG, keep, 1, expect - 1, &slots), 0x7fe0000 - IMG);
	CU_ASSERT_EQUAL(kaslr_choose(&bi, IMG, keep, 1, expect, &slots), 0x100000 + IMG);
}

static void test_choose_keeps_out(void)
{
	/* Boot information and a module split the free RAM; unaligned edges round outwards. */
	struct kaslr_range keep[] = { { 0x100000, 0x100000 + IMG }, { 0x300100, 0x300700 },
				      { 0x7000000, 0x7fe0000 } };
	uint32_t slots;
	uint64_t lo = (0x300000 - (0x100000 + IMG) - IMG) / 4096 + 1;
	uint64_t hi = (0x7000000 - 0x301000 - IMG) / 4096 + 1;
	kaslr_choose(&bi, IMG, keep, 3, 0, &slots);
	CU_ASSERT_EQUAL(slots, lo + hi);
	for (uint64_t r = 0; r < lo + hi; r += 997) {
		uint64_t b = kaslr_choose(&bi, IMG, keep, 3, r, &slots);
		CU_ASSERT_EQUAL(b & 4095, 0);
		CU_ASSERT_TRUE((b >= 0x100000 + IMG && b + IMG <= 0x300000) ||
			       (b >= 0x301000 && b + IMG <= 0x7000000));
	}
}

static void test_choose_no_room(void)
{
	struct kaslr_range keep[] = { { 0x100000, 0x7fe0000 } };
	uint32_t slots = 7;
	CU_ASSERT_EQUAL(kaslr_choose(&bi, IMG, keep, 1, 12345, &slots), 0);
	CU_ASSERT_EQUAL(slots, 0);
	CU_ASSERT_EQUAL(kaslr_choose(&bi, 0, NULL, 0, 1, &slots), 0);
	/* RAM only above 2 GiB, or reaching into it: the image must end at or below 2 GiB. */
	bi = (struct boot_info){ 0 };
	map_add(0x100000000ull, 0x40000000, MMAP_USABLE);
	CU_ASSERT_EQUAL(kaslr_choose(&bi, IMG, NULL, 0, 0, &slots), 0);
	map_add(KASLR_LIMIT - IMG - 4096, 0x100000, MMAP_USABLE);
	CU_ASSERT_EQUAL(kaslr_choose(&bi, IMG, NULL, 0, 0, &slots), KASLR_LIMIT - IMG - 4096);
	CU_ASSERT_EQUAL(slots, 2);
	CU_ASSERT_EQUAL(kaslr_choose(&bi, IMG, NULL, 0, 1, &slots), KASLR_LIMIT - IMG);
}

/* Reference: base is good when it is page-aligned, in [MIN, LIMIT - size], inside one usable
 * entry, and clear of every other entry and keep-out (both rounded out to pages). */
static bool overlaps(uint64_t b, uint64_t e, uint64_t rb, uint64_t re)
{
	rb &= ~4095ull;
	re = (re + 4095) & ~4095ull;
	return b < re && rb < e;
}

/* Every byte of [b, e) in some usable entry: step from entry to entry. */
static bool covered(uint64_t b, uint64_t e)
{
	bool moved = true;
	while (b < e && moved) {
		moved = false;
		for (unsigned i = 0; i < bi.mmap_count; i++) {
			const struct boot_mmap *m = &bi.mmap[i];
			if (m->type == MMAP_USABLE && m->base <= b && b < m->base + m->len) {
				b = m->base + m->len;
				moved = true;
			}
		}
	}
	return b >= e;
}

static bool good_base(uint64_t b, uint64_t size, const struct kaslr_range *k, unsigned nk)
{
	if (b < KASLR_MIN || b + size > KASLR_LIMIT || !covered(b, b + size))
		return false;
	for (unsigned i = 0; i < bi.mmap_count; i++) {
		const struct boot_mmap *m = &bi.mmap[i];
		if (m->type != MMAP_USABLE && overlaps(b, b + size, m->base, m->base + m->len))
			return false;
	}
	for (unsigned i = 0; i < nk; i++)
		if (overlaps(b, b + size, k[i].base, k[i].end))
			return false;
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

#define SPAN (48ull << 20)   /* random maps starting inside 0..48 MiB */

static void test_choose_against_reference(void)
{
	static uint64_t want[2 * SPAN / 4096], got[2 * SPAN / 4096];
	unsigned empty = 0;
	srand(5);
	for (int round = 0; round < 150; round++) {
		struct kaslr_range keep[4];
		unsigned nk = rand() % 5;
		uint64_t size = (uint64_t)(rand() % 2048 + 1) * 1024;
		bi = (struct boot_info){ 0 };
		for (int i = rand() % 8 + 1; i > 0; i--)
			map_add((uint64_t)rand() % SPAN, (uint64_t)rand() % (SPAN / 3), rand() % 3 ? MMAP_USABLE : MMAP_RESERVED);
		for (unsigned i = 0; i < nk; i++) {
			keep[i].base = (uint64_t)rand() % SPAN;
			keep[i].end = keep[i].base + rand() % (4 << 20);
		}
		unsigned nw = 0;
		for (uint64_t b = 0; b < 2 * SPAN; b += 4096)     /* entries end before 2 * SPAN */
			if (good_base(b, size, keep, nk))
				want[nw++] = b;
		uint32_t slots;
		kaslr_choose(&bi, size, keep, nk, 0, &slots);
		CU_ASSERT_EQUAL_FATAL(slots, nw);
		for (unsigned r = 0; r < nw; r++)
			got[r] = kaslr_choose(&bi, size, keep, nk, r, &slots);
		qsort(got, nw, sizeof(got[0]), cmp_u64);
		CU_ASSERT_EQUAL_FATAL(memcmp(got, want, nw * sizeof(got[0])), 0);
		empty += nw == 0;
	}
	CU_ASSERT_TRUE(empty < 50);   /* the random maps mostly leave room: the test tests */
}

static uint8_t img[64];

static void put(unsigned off, uint64_t v, unsigned w) { memcpy(img + off, &v, w); }

static void test_apply_exact_bytes(void)
{
	static const uint32_t t[] = { 1, 1, 1, 0, 8, 20, 28 };
	static const uint8_t want[64] = {
		[8] = 0x40, 0x30, 0x10, 0, 0, 0, 0, 0,          /* 0x100040 + 0x3000 */
		[20] = 0x10, 0x30, 0x10, 0,                     /* 0x100010 + 0x3000 */
		[28] = 0x20, 0x30, 0x10, 0,                     /* 0x100020 + 0x3000 */
		[40] = 0x99,                                    /* not listed: untouched */
	};
	memset(img, 0, sizeof(img));
	put(8, 0x100040, 8);
	put(20, 0x100010, 4);
	put(28, 0x100020, 4);
	img[40] = 0x99;
	CU_ASSERT_EQUAL(kaslr_apply(img, sizeof(img), (const struct kreloc *)t, 0x3000), 0);
	CU_ASSERT_EQUAL(memcmp(img, want, sizeof(img)), 0);
	/* Back again: a negative distance. */
	CU_ASSERT_EQUAL(kaslr_apply(img, sizeof(img), (const struct kreloc *)t, -0x3000), 0);
	CU_ASSERT_EQUAL(img[9], 0x00);
	CU_ASSERT_EQUAL(img[21], 0x00);
}

static void test_apply_rejects(void)
{
	static const uint32_t past_end[] = { 1, 0, 0, 0, 57 };        /* 57 + 8 > 64 */
	static const uint32_t u32[] = { 0, 1, 0, 0, 0 };
	static const uint32_t s32[] = { 0, 0, 1, 0, 0 };
	memset(img, 0, sizeof(img));
	CU_ASSERT_EQUAL(kaslr_apply(img, sizeof(img), (const struct kreloc *)past_end, 0x1000), -1);
	put(0, 0xfffff000, 4);
	CU_ASSERT_EQUAL(kaslr_apply(img, sizeof(img), (const struct kreloc *)u32, 0x2000), -1);
	CU_ASSERT_EQUAL(kaslr_apply(img, sizeof(img), (const struct kreloc *)u32, 0xfff), 0);
	put(0, 0x7ffff000, 4);
	CU_ASSERT_EQUAL(kaslr_apply(img, sizeof(img), (const struct kreloc *)s32, 0x1000), -1);
	CU_ASSERT_EQUAL(kaslr_apply(img, sizeof(img), (const struct kreloc *)s32, 0xfff), 0);
	CU_ASSERT_EQUAL(img[3], 0x7f);
	CU_ASSERT_EQUAL(img[0], 0xff);
}

static void test_describe(void)
{
	CU_ASSERT_STRING_EQUAL(kaslr_describe(KASLR_ON), "on");
	CU_ASSERT_STRING_EQUAL(kaslr_describe(KASLR_OFF_CMDLINE), "off (kaslr=off)");
	CU_ASSERT_STRING_EQUAL(kaslr_describe(99), "?");
}

static CU_TestInfo tests[] = {
	{ "kaslr=off word", test_disabled_word },
	{ "choose on the QEMU map", test_choose_qemu_map },
	{ "choose keeps out boot info and modules", test_choose_keeps_out },
	{ "choose with no room", test_choose_no_room },
	{ "choose against brute force", test_choose_against_reference },
	{ "apply exact bytes", test_apply_exact_bytes },
	{ "apply rejects", test_apply_rejects },
	{ "describe", test_describe },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("kernel/kaslr", setup, NULL, tests);
