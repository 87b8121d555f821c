/* kernel/multiboot.c: a real GRUB multiboot2 block, a multiboot1 block laid out per the
 * 0.6.96 spec, and malformed blocks that must be refused. */
#include <string.h>
#include "unit.h"
#include "kernel/bootinfo.h"
#include "kernel/multiboot.h"

static const uint8_t grub_mb2[] __attribute__((aligned(8))) = {
#include "mb2_grub_bios.inc"
};

static struct boot_info bi;

static void setup(void)
{
	multiboot_phys_base = 0;
}

static void test_mb2_grub_capture(void)
{
	CU_ASSERT_EQUAL_FATAL(multiboot_parse(MB2_MAGIC, grub_mb2, &bi), 0);
	CU_ASSERT_EQUAL(bi.protocol, 2);
	CU_ASSERT_STRING_EQUAL(bi.cmdline, "app=echo ip=10.0.0.2/24");
	CU_ASSERT_STRING_EQUAL(bi.loader, "GRUB 2.06-13+deb12u2");
	CU_ASSERT_EQUAL_FATAL(bi.mmap_count, 7);
	CU_ASSERT_EQUAL(bi.mmap[0].base, 0);
	CU_ASSERT_EQUAL(bi.mmap[0].len, 0x9fc00);
	CU_ASSERT_EQUAL(bi.mmap[0].type, MMAP_USABLE);
	CU_ASSERT_EQUAL(bi.mmap[3].base, 0x100000);
	CU_ASSERT_EQUAL(bi.mmap[3].len, 0x7fe0000 - 0x100000);
	CU_ASSERT_EQUAL(bi.mmap[3].type, MMAP_USABLE);
	CU_ASSERT_EQUAL(bi.mmap[6].base, 0xfd00000000ull);
	CU_ASSERT_EQUAL(bi.mmap[6].len, 0x300000000ull);
	CU_ASSERT_EQUAL(bi.mmap[6].type, MMAP_RESERVED);
	CU_ASSERT_TRUE(bi.has_fb);
	CU_ASSERT_EQUAL(bi.fb.addr, 0xb8000);
	CU_ASSERT_EQUAL(bi.fb.width, 80);
	CU_ASSERT_EQUAL(bi.fb.height, 25);
	CU_ASSERT_EQUAL(bi.fb.type, 2);
	CU_ASSERT_EQUAL(bi.mod_count, 0);
	/* The RSDP copy lies inside the block and starts with its signature. */
	CU_ASSERT_TRUE(bi.rsdp > (uintptr_t)grub_mb2 && bi.rsdp < (uintptr_t)grub_mb2 + sizeof(grub_mb2));
	CU_ASSERT_EQUAL(memcmp((const void *)(uintptr_t)bi.rsdp, "RSD PTR ", 8), 0);
	CU_ASSERT_EQUAL(bi.info_start, (uintptr_t)grub_mb2);
	CU_ASSERT_EQUAL(bi.info_end, (uintptr_t)grub_mb2 + 1528);
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A fake physical memory of 64 KiB: info at 0x1000, strings at 0x2000, map at 0x3000,
 * modules at 0x4000. multiboot_phys_base points at it. */
static uint8_t mem1[0x10000] __attribute__((aligned(16)));

static void build_mb1(void)
{
	memset(mem1, 0, sizeof(mem1));
	uint8_t *info = mem1 + 0x1000;
	put32(info, (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
	strcpy((char *)mem1 + 0x2000, "/boot/peregrine.elf app=router log=debug");
	put32(info + 16, 0x2000);
	strcpy((char *)mem1 + 0x2100, "qemu");
	put32(info + 64, 0x2100);
	/* Two map entries, the second with a larger size field (extra bytes skipped). */
	uint8_t *e = mem1 + 0x3000;
	put32(e, 20); put64(e + 4, 0); put64(e + 12, 0x9fc00); put32(e + 20, 1);
	e += 24;
	put32(e, 24); put64(e + 4, 0x100000); put64(e + 12, 0x7ee0000); put32(e + 20, 1);
	put32(info + 44, 24 + 28);
	put32(info + 48, 0x3000);
	strcpy((char *)mem1 + 0x2200, "config");
	put32(mem1 + 0x4000, 0x8000);
	put32(mem1 + 0x4004, 0x8123);
	put32(mem1 + 0x4008, 0x2200);
	put32(info + 20, 1);
	put32(info + 24, 0x4000);
	multiboot_phys_base = (uintptr_t)mem1;
}

static void test_mb1_layout(void)
{
	build_mb1();
	CU_ASSERT_EQUAL_FATAL(multiboot_parse(MB1_MAGIC, mem1 + 0x1000, &bi), 0);
	CU_ASSERT_EQUAL(bi.protocol, 1);
	CU_ASSERT_STRING_EQUAL(bi.cmdline, "/boot/peregrine.elf app=router log=debug");
	CU_ASSERT_STRING_EQUAL(bi.loader, "qemu");
	CU_ASSERT_EQUAL_FATAL(bi.mmap_count, 2);
	CU_ASSERT_EQUAL(bi.mmap[1].base, 0x100000);
	CU_ASSERT_EQUAL(bi.mmap[1].len, 0x7ee0000);
	CU_ASSERT_EQUAL_FATAL(bi.mod_count, 1);
	CU_ASSERT_EQUAL(bi.mods[0].start, 0x8000);
	CU_ASSERT_EQUAL(bi.mods[0].end, 0x8123);
	CU_ASSERT_STRING_EQUAL(bi.mods[0].name, "config");
	CU_ASSERT_FALSE(bi.has_fb);
	CU_ASSERT_EQUAL(bi.info_start, 0x1000);
}

static void test_mb1_bad_map_entry_size(void)
{
	build_mb1();
	put32(mem1 + 0x3000, 4);   /* smaller than base+len+type */
	CU_ASSERT_EQUAL(multiboot_parse(MB1_MAGIC, mem1 + 0x1000, &bi), -1);
}

static void test_unknown_magic(void)
{
	CU_ASSERT_EQUAL(multiboot_parse(0x12345678, grub_mb2, &bi), -1);
}

static uint8_t mb2[64] __attribute__((aligned(8)));

static void test_mb2_malformed(void)
{
	memset(mb2, 0, sizeof(mb2));
	put32(mb2, 8);                      /* total size below the minimum */
	CU_ASSERT_EQUAL(multiboot_parse(MB2_MAGIC, mb2, &bi), -1);
	put32(mb2, 32);
	put32(mb2 + 8, 1);                  /* cmdline tag claiming 100 bytes in a 32-byte block */
	put32(mb2 + 12, 100);
	CU_ASSERT_EQUAL(multiboot_parse(MB2_MAGIC, mb2, &bi), -1);
	put32(mb2 + 12, 4);                 /* tag size below its own header */
	CU_ASSERT_EQUAL(multiboot_parse(MB2_MAGIC, mb2, &bi), -1);
	put32(mb2 + 12, 12);                /* good tag, but no end tag before total_size */
	memcpy(mb2 + 16, "abc", 4);
	put32(mb2 + 24, 1);
	put32(mb2 + 28, 8);
	CU_ASSERT_EQUAL(multiboot_parse(MB2_MAGIC, mb2, &bi), -1);
	put32(mb2 + 24, 0);                 /* end tag: now valid */
	CU_ASSERT_EQUAL(multiboot_parse(MB2_MAGIC, mb2, &bi), 0);
	CU_ASSERT_STRING_EQUAL(bi.cmdline, "abc");
}

static void test_mb2_unterminated_cmdline(void)
{
	memset(mb2, 0, sizeof(mb2));
	put32(mb2, 32);
	put32(mb2 + 8, 1);
	put32(mb2 + 12, 16);
	memcpy(mb2 + 16, "abcdefgh", 8);    /* no NUL inside the tag */
	put32(mb2 + 24, 0);
	put32(mb2 + 28, 8);
	CU_ASSERT_EQUAL(multiboot_parse(MB2_MAGIC, mb2, &bi), 0);
	CU_ASSERT_STRING_EQUAL(bi.cmdline, "abcdefgh");
}

static CU_TestInfo tests[] = {
	{ "multiboot2 block captured from GRUB", test_mb2_grub_capture },
	{ "multiboot1 layout", test_mb1_layout },
	{ "multiboot1 bad map entry size", test_mb1_bad_map_entry_size },
	{ "unknown magic", test_unknown_magic },
	{ "multiboot2 malformed blocks", test_mb2_malformed },
	{ "multiboot2 unterminated cmdline", test_mb2_unterminated_cmdline },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("kernel/multiboot", setup, NULL, tests);
