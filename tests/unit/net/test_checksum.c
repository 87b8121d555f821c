/* net/checksum.c: the RFC 1071 §3 worked example, odd lengths, a real IPv4 header, chained
 * partial sums, carries over long buffers, and the pseudo-header against its byte layout. */
#include <string.h>
#include "unit.h"
#include "net/checksum.h"

/* Store a folded checksum as the stack does and return its two bytes in wire order. */
static void as_bytes(uint16_t c, uint8_t out[2])
{
	memcpy(out, &c, 2);
}

static void test_rfc1071_example(void)
{
	/* RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (one's complement); the
	 * checksum is its complement, 22 0d. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint8_t out[2];
	as_bytes(csum_fold(csum_partial(b, sizeof(b), 0)), out);
	CU_ASSERT_EQUAL(out[0], 0x22);
	CU_ASSERT_EQUAL(out[1], 0x0d);
}

static void test_odd_length(void)
{
	/* 00 01 f2 -> words 0001 + f200 = f201 -> checksum 0dfe. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2 };
	uint8_t out[2];
	as_bytes(csum_fold(csum_partial(b, sizeof(b), 0)), out);
	CU_ASSERT_EQUAL(out[0], 0x0d);
	CU_ASSERT_EQUAL(out[1], 0xfe);
	/* One byte: ab -> ab00 -> 54ff. */
	as_bytes(csum_fold(csum_partial("\xab", 1, 0)), out);
	CU_ASSERT_EQUAL(out[0], 0x54);
	CU_ASSERT_EQUAL(out[1], 0xff);
}

/* A captured IPv4 header (192.168.0.1 -> 192.168.0.199, UDP) with checksum b861. */
static const uint8_t iphdr[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

static void test_ipv4_header(void)
{
	CU_ASSERT_EQUAL(csum_fold(csum_partial(iphdr, 20, 0)), 0);     /* verifies */
	uint8_t h[20], out[2];
	memcpy(h, iphdr, 20);
	h[10] = h[11] = 0;
	as_bytes(csum_fold(csum_partial(h, 20, 0)), out);
	CU_ASSERT_EQUAL(out[0], 0xb8);
	CU_ASSERT_EQUAL(out[1], 0x61);
}

static void test_chained_partial_sums(void)
{
	uint8_t buf[301];
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 37 + 11);
	uint16_t whole = csum_fold(csum_partial(buf, sizeof(buf), 0));
	for (unsigned cut = 0; cut <= 300; cut += 2) {   /* every even split point */
		uint32_t s = csum_partial(buf, cut, 0);
		CU_ASSERT_EQUAL(csum_fold(csum_partial(buf + cut, sizeof(buf) - cut, s)), whole);
	}
	/* Alignment of the buffer does not matter. */
	uint8_t shifted[302];
	memcpy(shifted + 1, buf, sizeof(buf));
	CU_ASSERT_EQUAL(csum_fold(csum_partial(shifted + 1, sizeof(buf), 0)), whole);
}

static void test_carries(void)
{
	/* All-ones words: the sum stays ffff (negative zero), the checksum 0000. 64 KiB of
	 * them forces many end-around carries. */
	static uint8_t ones[65536];
	memset(ones, 0xff, sizeof(ones));
	CU_ASSERT_EQUAL(csum_fold(csum_partial(ones, sizeof(ones), 0)), 0x0000);
	/* ffff + 0001 wraps to 0001: checksum fffe. */
	static const uint8_t b[] = { 0xff, 0xff, 0x00, 0x01 };
	uint8_t out[2];
	as_bytes(csum_fold(csum_partial(b, 4, 0)), out);
	CU_ASSERT_EQUAL(out[0], 0xff);
	CU_ASSERT_EQUAL(out[1], 0xfe);
	CU_ASSERT_EQUAL(csum_fold(0), 0xffff);
}

static void test_pseudo_header(void)
{
	/* RFC 768: src, dst, zero, protocol, UDP length - summed as bytes must equal csum_pseudo. */
	static const uint8_t ph[12] = { 192, 168, 0, 1, 192, 168, 0, 199, 0, 17, 0x00, 0x5f };
	uint16_t want = csum_fold(csum_partial(ph, 12, 0));
	uint32_t s = csum_pseudo(0xc0a80001, 0xc0a800c7, 17, 0x5f);
	CU_ASSERT_EQUAL(csum_fold(s), want);
	/* Same with carries out of the host-order sum. */
	static const uint8_t ph2[12] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0, 6, 0xff, 0xf0 };
	CU_ASSERT_EQUAL(csum_fold(csum_pseudo(0xffffffff, 0xfffffffe, 6, 0xfff0)),
			csum_fold(csum_partial(ph2, 12, 0)));
}

static void test_incremental_update(void)
{
	/* RFC 1624 §4 example: checksum dd2f, a word changes from 5555 to 3285 -> 0000, as
	 * a computation from scratch gives (RFC 1141's eqn. 2 would give ffff). Values below
	 * are in wire order. */
	uint8_t c[2] = { 0xdd, 0x2f }, o[2] = { 0x55, 0x55 }, n[2] = { 0x32, 0x85 }, out[2];
	uint16_t check, old, new;
	memcpy(&check, c, 2);
	memcpy(&old, o, 2);
	memcpy(&new, n, 2);
	as_bytes(csum_replace2(check, old, new), out);
	CU_ASSERT_EQUAL(out[0], 0x00);
	CU_ASSERT_EQUAL(out[1], 0x00);
	/* Against recomputation on a real header: change the TTL/protocol word of iphdr. */
	uint8_t h[20];
	memcpy(h, iphdr, 20);
	uint16_t ck, w_old, w_new;
	memcpy(&ck, h + 10, 2);
	memcpy(&w_old, h + 8, 2);
	h[8] = 63;                      /* TTL 64 -> 63, as a router would */
	memcpy(&w_new, h + 8, 2);
	uint16_t inc = csum_replace2(ck, w_old, w_new);
	h[10] = h[11] = 0;
	CU_ASSERT_EQUAL(inc, csum_fold(csum_partial(h, 20, 0)));
}

static CU_TestInfo tests[] = {
	{ "RFC 1071 example", test_rfc1071_example },
	{ "odd lengths", test_odd_length },
	{ "IPv4 header compute and verify", test_ipv4_header },
	{ "chained partial sums", test_chained_partial_sums },
	{ "carries", test_carries },
	{ "pseudo-header", test_pseudo_header },
	{ "RFC 1624 incremental update", test_incremental_update },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/checksum", NULL, NULL, tests);
