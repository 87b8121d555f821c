/* kernel/pmm.c: free ranges from a memory map, reservations, aligned allocation. */
#include "unit.h"
#include "kernel/pmm.h"
#include "bootmap.h"

static struct boot_info bi;

static void map_add(uint64_t base, uint64_t len, uint32_t type) { bootmap_add(&bi, base, len, type); }

static void setup(void) { bootmap_qemu_128m(&bi); }

static void test_init_excludes_low_mem_and_kernel(void)
{
	uint64_t free = pmm_init(&bi, 0x100000, 0x13a000);
	CU_ASSERT_EQUAL(pmm_range_count(), 1);
	CU_ASSERT_EQUAL(pmm_range(0)->base, 0x13a000);
	CU_ASSERT_EQUAL(pmm_range(0)->end, 0x7fe0000);
	CU_ASSERT_EQUAL(free, 0x7fe0000 - 0x13a000);
	CU_ASSERT_EQUAL(pmm_total_bytes(), free);
}

static void test_modules_and_bootinfo_reserved(void)
{
	bi.mods[0] = (struct boot_module){ 0x200000, 0x200800, "config" };
	bi.mod_count = 1;
	bi.info_start = 0x300100;
	bi.info_end = 0x300700;
	pmm_init(&bi, 0x100000, 0x13a000);
	CU_ASSERT_EQUAL_FATAL(pmm_range_count(), 3);
	CU_ASSERT_EQUAL(pmm_range(0)->end, 0x200000);
	CU_ASSERT_EQUAL(pmm_range(1)->base, 0x201000);   /* module end rounded to the page */
	CU_ASSERT_EQUAL(pmm_range(1)->end, 0x300000);
	CU_ASSERT_EQUAL(pmm_range(2)->base, 0x301000);
}

static void test_aligned_alloc_and_free(void)
{
	pmm_init(&bi, 0x100000, 0x13a000);
	uint64_t before = pmm_free_bytes();
	uint64_t a = pmm_alloc(4096, 0x200000);
	CU_ASSERT_EQUAL(a, 0x200000);
	/* The gap below the aligned block stays free. */
	CU_ASSERT_EQUAL(pmm_free_bytes(), before - 4096);
	uint64_t b = pmm_alloc(100, 16);
	CU_ASSERT_EQUAL(b, 0x13a000);
	pmm_free(a, 4096);
	pmm_free(b, 100);
	CU_ASSERT_EQUAL(pmm_free_bytes(), before);
	CU_ASSERT_EQUAL(pmm_range_count(), 1);           /* merged back into one range */
}

static void test_exhaustion_and_bad_args(void)
{
	pmm_init(&bi, 0x100000, 0x13a000);
	CU_ASSERT_EQUAL(pmm_alloc(0x10000000, 4096), 0);  /* 256 MiB in a 128 MiB machine */
	CU_ASSERT_EQUAL(pmm_alloc(0, 4096), 0);
	CU_ASSERT_EQUAL(pmm_alloc(4096, 3000), 0);        /* alignment not a power of two */
	uint64_t all = pmm_free_bytes();
	CU_ASSERT_NOT_EQUAL(pmm_alloc(all, 4096), 0);
	CU_ASSERT_EQUAL(pmm_free_bytes(), 0);
	CU_ASSERT_EQUAL(pmm_alloc(16, 16), 0);
}

static void test_reserved_overlapping_usable_wins(void)
{
	map_add(0x400000, 0x1000, MMAP_ACPI);   /* inside the usable range */
	map_add(0x200000000ull, 0x100000000ull, MMAP_USABLE);   /* above 4 GiB: not mapped */
	pmm_init(&bi, 0x100000, 0x13a000);
	CU_ASSERT_EQUAL(pmm_range_count(), 2);
	CU_ASSERT_EQUAL(pmm_range(0)->end, 0x400000);
	CU_ASSERT_EQUAL(pmm_range(1)->base, 0x401000);
}

static CU_TestInfo tests[] = {
	{ "init excludes low memory and kernel", test_init_excludes_low_mem_and_kernel },
	{ "modules and boot info reserved", test_modules_and_bootinfo_reserved },
	{ "aligned alloc and free", test_aligned_alloc_and_free },
	{ "exhaustion and bad arguments", test_exhaustion_and_bad_args },
	{ "reserved overlapping usable wins", test_reserved_overlapping_usable_wins },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("kernel/pmm", setup, NULL, tests);
