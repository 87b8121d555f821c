/* net/icmp.c: echo replies with exact bytes (even and odd lengths, large, without headroom),
 * input validation counters, and the error rules: token-bucket rate limit, and no error
 * about an ICMP error, a broadcast, or a non-first fragment (RFC 1122 §3.2.2). */
#include <string.h>
#include "unit.h"
#include "net/icmp.h"
#include "net/ipv4.h"
#include "net/arp.h"
#include "net/net.h"
#include "net/stats.h"
#include "net/checksum.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"
#include "kernel/time.h"

void unit_expect_tx(const void *want, size_t len, const char *what);   /* fakes/netdev.c */

/* Golden frames (computed independently in Python): peer 10.0.0.1 02:00:00:00:00:01, us
 * 10.0.0.2 52:54:00:12:34:56. Requests carry IP ID 0x4242 without DF; our replies ID 0, DF.
 * Echo id 0x1234 seq 1; payload "abcdefgh" (even) or "hello" (odd). */
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

static const uint8_t udp_to_7[60] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11,
	0x24, 0x89, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x15, 0xb3,
	0x00, 0x07, 0x00, 0x0c, 0xf7, 0x48, 0x70, 0x69, 0x6e, 0x67, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t rcvd_unreach[70] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x38, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01,
	0x24, 0x81, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x03, 0x03,
	0x54, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x21, 0x00, 0x00,
	0x40, 0x00, 0x40, 0x11, 0x26, 0xca, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00,
	0x00, 0x01, 0x00, 0x07, 0x15, 0xb3, 0x00, 0x0d, 0x92, 0x45,
};

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static struct netdev *dev;

static void setup(void)
{
	dev = fake_netdev();
	net_reset();
	fake_netdev_reset();
	arp_learn(dev, IPV4_ADDR(10, 0, 0, 1), peer_mac);
}

static void teardown(void)
{
	net_reset();
	fake_netdev_reset();
}

static void rx(const uint8_t *frame, size_t len)
{
	net_rx(dev, unit_nb_from(frame, len));
}

static void test_echo_reply_even(void)
{
	rx(echo_req_even, sizeof(echo_req_even));
	CU_ASSERT_EQUAL(net_stats.icmp.in_echos, 1);
	CU_ASSERT_EQUAL(net_stats.icmp.out_echo_reps, 1);
	unit_expect_tx(echo_rep_even, sizeof(echo_rep_even), "echo reply (even)");
}

static void test_echo_reply_odd(void)
{
	rx(echo_req_odd, sizeof(echo_req_odd));
	unit_expect_tx(echo_rep_odd, sizeof(echo_rep_odd), "echo reply (odd)");
}

static void test_echo_reply_without_headroom(void)
{
	/* The datagram at the very start of a buffer (no room for our headers): reply by copy. */
	struct netbuf *nb = nb_alloc_rx();
	memcpy(nb_put(nb, sizeof(echo_req_even) - 14), echo_req_even + 14, sizeof(echo_req_even) - 14);
	nb->dev = dev;
	ipv4_input(nb);
	unit_expect_tx(echo_rep_even, sizeof(echo_rep_even), "echo reply (copied)");
}

static void test_echo_reply_large(void)
{
	/* 1472 bytes of payload: the largest echo a 1500-byte MTU carries. */
	enum { PAY = 1472, IPLEN = 20 + 8 + PAY };
	static uint8_t fr[14 + IPLEN];
	memcpy(fr, echo_req_even, 14 + 20 + 8);
	fr[16] = IPLEN >> 8;
	fr[17] = IPLEN & 0xff;
	fr[24] = fr[25] = 0;
	uint16_t c = csum_fold(csum_partial(fr + 14, 20, 0));
	memcpy(fr + 24, &c, 2);
	for (unsigned i = 0; i < PAY; i++)
		fr[42 + i] = (uint8_t)(i * 7 + 3);
	fr[36] = fr[37] = 0;
	c = csum_fold(csum_partial(fr + 34, 8 + PAY, 0));
	memcpy(fr + 36, &c, 2);
	rx(fr, sizeof(fr));
	struct netbuf *nb = fake_tx_pop();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	CU_ASSERT_EQUAL_FATAL(nb->len, sizeof(fr));
	CU_ASSERT_EQUAL(nb->data[34], ICMP_ECHOREPLY);
	CU_ASSERT_EQUAL(memcmp(nb->data + 38, fr + 38, 4 + PAY), 0);     /* id, seq, data */
	CU_ASSERT_EQUAL(csum_fold(csum_partial(nb->data + 34, 8 + PAY, 0)), 0);
	CU_ASSERT_EQUAL(csum_fold(csum_partial(nb->data + 14, 20, 0)), 0);
	nb_free(nb);
}

static void test_bad_checksum_counted(void)
{
	uint8_t fr[sizeof(echo_req_even)];
	memcpy(fr, echo_req_even, sizeof(fr));
	fr[sizeof(fr) - 1] ^= 0x20;     /* payload changed, checksum not */
	rx(fr, sizeof(fr));
	CU_ASSERT_EQUAL(net_stats.icmp.bad_csum, 1);
	CU_ASSERT_EQUAL(net_stats.icmp.in_echos, 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_short_message_counted(void)
{
	/* IP total length 27: 7 bytes of ICMP. */
	uint8_t fr[14 + 27];
	memcpy(fr, echo_req_even, sizeof(fr));
	fr[17] = 27;
	fr[24] = fr[25] = 0;
	uint16_t c = csum_fold(csum_partial(fr + 14, 20, 0));
	memcpy(fr + 24, &c, 2);
	rx(fr, sizeof(fr));
	CU_ASSERT_EQUAL(net_stats.icmp.bad_len, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_echo_with_bad_code(void)
{
	uint8_t fr[sizeof(echo_req_even)];
	memcpy(fr, echo_req_even, sizeof(fr));
	fr[35] = 1;                     /* code 1, with a correct ICMP checksum */
	fr[36] = fr[37] = 0;
	uint16_t c = csum_fold(csum_partial(fr + 34, sizeof(fr) - 34, 0));
	memcpy(fr + 36, &c, 2);
	rx(fr, sizeof(fr));
	CU_ASSERT_EQUAL(net_stats.icmp.bad_code, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_received_error_counted_not_answered(void)
{
	rx(rcvd_unreach, sizeof(rcvd_unreach));
	CU_ASSERT_EQUAL(net_stats.icmp.in_dest_unreachs, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

/* A received frame positioned as the transports see it: data at L4, l3_off recorded. */
static struct netbuf *as_received(const uint8_t *fr, size_t len)
{
	struct netbuf *nb = unit_nb_from(fr, len);
	nb->dev = dev;
	nb->l3_off = nb_offset(nb) + 14;
	nb_pull(nb, 14 + 20);
	return nb;
}

static void test_no_error_about_error(void)
{
	struct netbuf *nb = as_received(rcvd_unreach, sizeof(rcvd_unreach));
	icmp_send_error(nb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH);
	CU_ASSERT_EQUAL(net_stats.icmp.err_suppressed, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	nb_free(nb);
	/* An echo request is a query: an error about it is allowed. */
	nb = as_received(echo_req_even, sizeof(echo_req_even));
	icmp_send_error(nb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH);
	CU_ASSERT_EQUAL(fake_tx.count, 1);
	nb_free(nb);
}

static void test_no_error_about_broadcast_or_fragment(void)
{
	uint8_t fr[sizeof(udp_to_7)];
	memcpy(fr, udp_to_7, sizeof(fr));
	fr[33] = 255;                   /* to 10.0.0.255 */
	struct netbuf *nb = as_received(fr, sizeof(fr));
	icmp_send_error(nb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
	nb_free(nb);
	memcpy(fr, udp_to_7, sizeof(fr));
	fr[21] = 0x10;                  /* fragment offset 16 units */
	nb = as_received(fr, sizeof(fr));
	icmp_send_error(nb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
	nb_free(nb);
	memcpy(fr, udp_to_7, sizeof(fr));
	nb = as_received(fr, sizeof(fr));
	nb->flags |= 0x0100;            /* NB_F_L2BCAST: arrived as link-layer broadcast */
	icmp_send_error(nb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
	nb_free(nb);
	CU_ASSERT_EQUAL(net_stats.icmp.err_suppressed, 3);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_error_rate_limit(void)
{
	/* 60 datagrams to a closed port at one instant: the burst (50) is answered. */
	for (int i = 0; i < 60; i++) {
		rx(udp_to_7, sizeof(udp_to_7));
		fake_netdev_reset();
	}
	CU_ASSERT_EQUAL(net_stats.udp.no_port, 60);
	CU_ASSERT_EQUAL(net_stats.icmp.out_errors, ICMP_ERR_BURST);
	CU_ASSERT_EQUAL(net_stats.icmp.rate_limited, 60 - ICMP_ERR_BURST);
	/* 100 ms later, 100/s has refilled 10 tokens, and no more. */
	fake_advance(100 * NS_PER_MS);
	for (int i = 0; i < 15; i++) {
		rx(udp_to_7, sizeof(udp_to_7));
		fake_netdev_reset();
	}
	CU_ASSERT_EQUAL(net_stats.icmp.out_errors, ICMP_ERR_BURST + 10);
	CU_ASSERT_EQUAL(net_stats.icmp.rate_limited, 60 - ICMP_ERR_BURST + 5);
	/* A long quiet time refills to the burst, not beyond. */
	fake_advance(10 * NS_PER_S);
	for (int i = 0; i < 60; i++) {
		rx(udp_to_7, sizeof(udp_to_7));
		fake_netdev_reset();
	}
	CU_ASSERT_EQUAL(net_stats.icmp.out_errors, 2 * ICMP_ERR_BURST + 10);
}

static CU_TestInfo tests[] = {
	{ "echo reply exact bytes (even)", test_echo_reply_even },
	{ "echo reply exact bytes (odd, padded request)", test_echo_reply_odd },
	{ "echo reply without headroom", test_echo_reply_without_headroom },
	{ "echo reply 1472-byte payload", test_echo_reply_large },
	{ "bad checksum counted", test_bad_checksum_counted },
	{ "short message counted", test_short_message_counted },
	{ "echo with code 1 counted", test_echo_with_bad_code },
	{ "received error counted, not answered", test_received_error_counted_not_answered },
	{ "no error about an ICMP error", test_no_error_about_error },
	{ "no error about broadcast or fragment", test_no_error_about_broadcast_or_fragment },
	{ "error rate limit", test_error_rate_limit },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/icmp", setup, teardown, tests);
