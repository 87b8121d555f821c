/* net/ipv4.c: every malformed header dropped with its own counter and nothing sent,
 * padding trimmed, options walked, destination and source filters, protocol unreachable
 * with exact bytes, and the output path (routing, gateway, MTU). */
#include <string.h>
#include "unit.h"
#include "net/ipv4.h"
#include "net/ipv4_frag.h"
#include "net/arp.h"
#include "net/net.h"
#include "net/stats.h"
#include "net/checksum.h"
#include "net/proto/ipv4.h"

void unit_expect_tx(const void *want, size_t len, const char *what);   /* fakes/netdev.c */

/* Golden frames (computed independently in Python): peer 10.0.0.1 02:00:00:00:00:01, us
 * 10.0.0.2 52:54:00:12:34:56. Requests carry IP ID 0x4242 without DF; our replies ID 0, DF. */

static const uint8_t echo_req_even[50] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x24, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01,
	0x24, 0x95, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x00,
	0x54, 0x35, 0x12, 0x34, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
	0x67, 0x68,
};

static const uint8_t echo_rep_even[50] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x24, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01,
	0x26, 0xd7, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x5c, 0x35, 0x12, 0x34, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
	0x67, 0x68,
};

static const uint8_t echo_req_odd[60] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x21, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01,
	0x24, 0x98, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x00,
	0xa1, 0xf8, 0x12, 0x34, 0x00, 0x01, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t echo_rep_odd[47] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x21, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01,
	0x26, 0xda, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x00,
	0xa9, 0xf8, 0x12, 0x34, 0x00, 0x01, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t proto253[60] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x1e, 0x42, 0x42, 0x00, 0x00, 0x40, 0xfd,
	0x23, 0x9f, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x30, 0x31,
	0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t proto_unreach_golden[70] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x38, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01,
	0x26, 0xc3, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x03, 0x02,
	0x30, 0x2d, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x1e, 0x42, 0x42,
	0x00, 0x00, 0x40, 0xfd, 0x23, 0x9f, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
	0x00, 0x02, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37,
};

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static struct netdev *dev;
static uint8_t f[128];          /* the frame being mutated: a copy of echo_req_even */
static size_t flen;

static void setup(void)
{
	dev = fake_netdev();
	net_reset();
	fake_netdev_reset();
	arp_learn(dev, IPV4_ADDR(10, 0, 0, 1), peer_mac);
	memcpy(f, echo_req_even, sizeof(echo_req_even));
	flen = sizeof(echo_req_even);
}

static void teardown(void)
{
	net_reset();
	fake_netdev_reset();
}

/* Recompute the IPv4 header checksum of f (IHL taken from the frame, clamped). */
static void fix_csum(void)
{
	unsigned hlen = (f[14] & 0x0f) * 4u;
	if (hlen < 20)
		hlen = 20;
	f[24] = f[25] = 0;
	uint16_t c = csum_fold(csum_partial(f + 14, hlen, 0));
	memcpy(f + 24, &c, 2);
}

static void rx(void)
{
	net_rx(dev, unit_nb_from(f, flen));
}

/* Each malformed case: exactly one counter moves, nothing is delivered or sent. */
#define EXPECT_DROP(counter) do { \
	uint64_t before = net_stats.ipv4.counter; \
	rx(); \
	CU_ASSERT_EQUAL(net_stats.ipv4.counter, before + 1); \
	CU_ASSERT_EQUAL(net_stats.ipv4.delivered, 0); \
	CU_ASSERT_EQUAL(fake_tx.count, 0); \
} while (0)

static void test_valid_is_delivered(void)
{
	rx();
	CU_ASSERT_EQUAL(net_stats.ipv4.in_receives, 1);
	CU_ASSERT_EQUAL(net_stats.ipv4.delivered, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 1);                 /* the echo reply */
}

static void test_too_short(void)
{
	flen = 14 + 19;
	EXPECT_DROP(too_short);
}

static void test_bad_version(void)
{
	f[14] = 0x65;
	fix_csum();
	EXPECT_DROP(bad_version);
}

static void test_ihl_below_5(void)
{
	f[14] = 0x44;
	fix_csum();
	EXPECT_DROP(bad_ihl);
}

static void test_ihl_past_total_length(void)
{
	f[14] = 0x4f;                   /* 60-byte header, total length 36 */
	f[16] = 0; f[17] = 36;
	fix_csum();
	EXPECT_DROP(bad_ihl);
}

static void test_total_below_20(void)
{
	f[16] = 0; f[17] = 19;
	fix_csum();
	EXPECT_DROP(bad_len);
}

static void test_total_past_frame(void)
{
	f[16] = 0; f[17] = 37;          /* frame holds 36 bytes of IP */
	fix_csum();
	EXPECT_DROP(bad_len);
}

static void test_bad_checksum(void)
{
	f[24] ^= 0x01;
	EXPECT_DROP(bad_csum);
}

static void test_fragments_held(void)
{
	f[20] = 0x20;                   /* MF: the first 16 bytes of a datagram */
	fix_csum();
	rx();
	CU_ASSERT_EQUAL(net_stats.ipv4.reasm_reqds, 1);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 1);
	CU_ASSERT_EQUAL(net_stats.ipv4.delivered, 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	memcpy(f, echo_req_even, flen);
	f[21] = 0x01;                   /* offset 8, last: overlaps bytes 8..15 held */
	fix_csum();
	rx();
	CU_ASSERT_EQUAL(net_stats.ipv4.reasm_overlap, 2);
	CU_ASSERT_EQUAL(net_stats.ipv4.reasm_fails, 1);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 0);
	CU_ASSERT_EQUAL(net_stats.ipv4.delivered, 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_bogus_sources(void)
{
	static const uint8_t srcs[][4] = { { 255, 255, 255, 255 }, { 224, 0, 0, 1 },
					   { 10, 0, 0, 255 }, { 127, 0, 0, 1 } };
	for (unsigned i = 0; i < ARRAY_SIZE(srcs); i++) {
		memcpy(f + 26, srcs[i], 4);
		fix_csum();
		EXPECT_DROP(bad_src);
	}
}

static void test_not_for_us(void)
{
	f[33] = 9;                      /* 10.0.0.9 */
	fix_csum();
	EXPECT_DROP(not_for_us);
}

/* Grow the header of f by 4 option bytes. */
static void add_options(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	memmove(f + 38, f + 34, flen - 34);
	f[34] = a; f[35] = b; f[36] = c; f[37] = d;
	flen += 4;
	f[14] = 0x46;
	f[17] += 4;
	fix_csum();
}

static void test_options_overrunning_header(void)
{
	add_options(0x07, 9, 4, 0);     /* record route claiming 9 bytes in a 4-byte area */
	EXPECT_DROP(bad_options);
	memcpy(f, echo_req_even, sizeof(echo_req_even));
	flen = sizeof(echo_req_even);
	add_options(0x07, 1, 0, 0);     /* length 1 is below the minimum of 2 */
	EXPECT_DROP(bad_options);
}

static void test_sane_options_accepted(void)
{
	add_options(1, 1, 1, 0);        /* NOP NOP NOP EOL */
	rx();
	CU_ASSERT_EQUAL(net_stats.ipv4.delivered, 1);
	CU_ASSERT_EQUAL(net_stats.icmp.in_echos, 1);
	/* The reply carries no options: same as the reply to the option-less request. */
	unit_expect_tx(echo_rep_even, sizeof(echo_rep_even), "echo reply to request with options");
}

static void test_padding_trimmed(void)
{
	/* A 60-byte frame carrying a 33-byte datagram: the reply is built from 33 bytes. */
	memcpy(f, echo_req_odd, sizeof(echo_req_odd));
	flen = sizeof(echo_req_odd);
	rx();
	unit_expect_tx(echo_rep_odd, sizeof(echo_rep_odd), "echo reply, padding trimmed");
}

static void test_unknown_protocol_unreachable(void)
{
	memcpy(f, proto253, sizeof(proto253));
	flen = sizeof(proto253);
	rx();
	CU_ASSERT_EQUAL(net_stats.ipv4.no_proto, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 1);
	unit_expect_tx(proto_unreach_golden, sizeof(proto_unreach_golden), "protocol unreachable");
}

static void test_unknown_protocol_broadcast_silent(void)
{
	memcpy(f, proto253, sizeof(proto253));
	flen = sizeof(proto253);
	f[33] = 255;                    /* to 10.0.0.255 */
	fix_csum();
	rx();
	CU_ASSERT_EQUAL(net_stats.ipv4.no_proto, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static struct netbuf *payload(unsigned n)
{
	struct netbuf *nb = nb_alloc();
	memset(nb_put(nb, n), 0x5a, n);
	return nb;
}

static void test_output_no_route(void)
{
	CU_ASSERT_EQUAL(ipv4_output(payload(8), 0, IPV4_ADDR(192, 168, 1, 1), 253, 0), -1);
	CU_ASSERT_EQUAL(net_stats.ipv4.no_route, 1);
	CU_ASSERT_EQUAL(ipv4_select_src(IPV4_ADDR(192, 168, 1, 1)), 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_output_via_gateway(void)
{
	net_set_gateway(IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(ipv4_select_src(IPV4_ADDR(192, 168, 1, 1)), IPV4_ADDR(10, 0, 0, 2));
	CU_ASSERT_EQUAL(ipv4_output(payload(4), 0, IPV4_ADDR(192, 168, 1, 1), 253, 0x10), 0);
	struct netbuf *nb = fake_tx_pop();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	static const uint8_t want[14 + 20] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x00,
		0x45, 0x10, 0x00, 0x18, 0x00, 0x00, 0x40, 0x00, 0x40, 0xfd, 0x00, 0x00,
		10, 0, 0, 2, 192, 168, 1, 1 };
	CU_ASSERT_EQUAL_FATAL(nb->len, 14 + 20 + 4);
	/* Header checksum checked separately: it must verify to zero. */
	CU_ASSERT_EQUAL(memcmp(nb->data, want, 24), 0);
	CU_ASSERT_EQUAL(memcmp(nb->data + 26, want + 26, 8), 0);
	CU_ASSERT_EQUAL(csum_fold(csum_partial(nb->data + 14, 20, 0)), 0);
	nb_free(nb);
}

static void test_output_too_big(void)
{
	/* TCP relies on DF and its MSS: over the MTU is counted, not sent. */
	CU_ASSERT_EQUAL(ipv4_output(payload(1481), 0, IPV4_ADDR(10, 0, 0, 1), IP_PROTO_TCP, 0), -1);
	CU_ASSERT_EQUAL(net_stats.ipv4.out_too_big, 1);
	CU_ASSERT_EQUAL(ipv4_output(payload(1480), 0, IPV4_ADDR(10, 0, 0, 1), 253, 0), 0);
	CU_ASSERT_EQUAL(fake_tx.count, 1);
	CU_ASSERT_EQUAL(ipv4_route_mtu(IPV4_ADDR(10, 0, 0, 1)), 1500);
	fake_netdev_reset();
	/* Another protocol: two fragments without DF, 1480 + 1 bytes (RFC 791 §3.2). */
	CU_ASSERT_EQUAL(ipv4_output(payload(1481), 0, IPV4_ADDR(10, 0, 0, 1), 253, 0), 0);
	CU_ASSERT_EQUAL_FATAL(fake_tx.count, 2);
	struct netbuf *a = fake_tx_pop(), *b = fake_tx_pop();
	CU_ASSERT_EQUAL(a->len, 14 + 1500);
	CU_ASSERT_EQUAL(b->len, 14 + 20 + 1);
	CU_ASSERT_EQUAL(a->data[16] << 8 | a->data[17], 1500);
	CU_ASSERT_EQUAL(a->data[20] << 8 | a->data[21], IPV4_F_MF);
	CU_ASSERT_EQUAL(b->data[16] << 8 | b->data[17], 21);
	CU_ASSERT_EQUAL(b->data[20] << 8 | b->data[21], 1480 / 8);
	CU_ASSERT_EQUAL(memcmp(a->data + 18, b->data + 18, 2), 0);     /* one ID */
	CU_ASSERT_EQUAL(csum_fold(csum_partial(a->data + 14, 20, 0)), 0);
	CU_ASSERT_EQUAL(csum_fold(csum_partial(b->data + 14, 20, 0)), 0);
	CU_ASSERT_EQUAL(a->data[14 + 20 + 1479], 0x5a);  /* payload(): every byte 0x5a */
	CU_ASSERT_EQUAL(b->data[14 + 20], 0x5a);
	nb_free(a);
	nb_free(b);
	CU_ASSERT_EQUAL(net_stats.ipv4.frag_created, 2);
}

static void test_output_ids_increase(void)
{
	ipv4_output(payload(1), 0, IPV4_ADDR(10, 0, 0, 1), 253, 0);
	ipv4_output(payload(1), 0, IPV4_ADDR(10, 0, 0, 1), 253, 0);
	struct netbuf *a = fake_tx_pop(), *b = fake_tx_pop();
	CU_ASSERT_EQUAL(a->data[18] << 8 | a->data[19], 0);
	CU_ASSERT_EQUAL(b->data[18] << 8 | b->data[19], 1);
	nb_free(a);
	nb_free(b);
}

static void test_is_local(void)
{
	CU_ASSERT_TRUE(ipv4_is_local(IPV4_ADDR(10, 0, 0, 2)));
	CU_ASSERT_FALSE(ipv4_is_local(IPV4_ADDR(10, 0, 0, 1)));
	CU_ASSERT_FALSE(ipv4_is_local(0));
}

/* Even with a default route, 0.0.0.0 is never a destination (a reply to a spoofed source). */
static void test_output_to_zero_address(void)
{
	net_set_gateway(IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(ipv4_output(payload(8), 0, 0, 17, 0), -1);
	CU_ASSERT_EQUAL(net_stats.ipv4.no_route, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	net_set_gateway(0);
}

static CU_TestInfo tests[] = {
	{ "valid datagram delivered", test_valid_is_delivered },
	{ "shorter than a header", test_too_short },
	{ "version 6", test_bad_version },
	{ "IHL < 5", test_ihl_below_5 },
	{ "IHL past total length", test_ihl_past_total_length },
	{ "total length < 20", test_total_below_20 },
	{ "total length > frame", test_total_past_frame },
	{ "bad header checksum", test_bad_checksum },
	{ "fragments held, overlap drops both", test_fragments_held },
	{ "broadcast/multicast/loopback sources", test_bogus_sources },
	{ "not for us", test_not_for_us },
	{ "options overrunning the header", test_options_overrunning_header },
	{ "NOP/EOL options accepted", test_sane_options_accepted },
	{ "Ethernet padding trimmed", test_padding_trimmed },
	{ "unknown protocol -> protocol unreachable", test_unknown_protocol_unreachable },
	{ "unknown protocol to broadcast: no error", test_unknown_protocol_broadcast_silent },
	{ "output without a route", test_output_no_route },
	{ "output to 0.0.0.0", test_output_to_zero_address },
	{ "output via the default gateway", test_output_via_gateway },
	{ "output over the MTU", test_output_too_big },
	{ "output IDs increase", test_output_ids_increase },
	{ "is_local", test_is_local },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/ipv4", setup, teardown, tests);
