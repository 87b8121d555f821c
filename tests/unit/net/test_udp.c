/* net/udp.c: delivery to a bound port with exact payload, ICMP port unreachable with exact
 * bytes, checksum rules (bad dropped, zero accepted), length checks, exact transmitted
 * frames from udp_sendto() and a zero-copy echo through udp_send_nb(), the socket table. */
#include <string.h>
#include "unit.h"
#include "net/udp.h"
#include "net/arp.h"
#include "net/net.h"
#include "net/stats.h"
#include "net/checksum.h"
#include "net/proto/ipv4.h"

void unit_expect_tx(const void *want, size_t len, const char *what);   /* fakes/netdev.c */

/* Golden frames (computed independently in Python): peer 10.0.0.1:5555 02:00:00:00:00:01,
 * us 10.0.0.2:7 52:54:00:12:34:56, payload "ping"; requests IP ID 0x4242 without DF;
 * our frames ID 0 with DF, TTL 64. sendto_golden: port 7 -> 10.0.0.1:5555 "hello". */
static const uint8_t udp_to_7[60] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11,
	0x24, 0x89, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x15, 0xb3,
	0x00, 0x07, 0x00, 0x0c, 0xf7, 0x48, 0x70, 0x69, 0x6e, 0x67, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t udp_to_7_nocsum[60] = {
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11,
	0x24, 0x89, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x15, 0xb3,
	0x00, 0x07, 0x00, 0x0c, 0x00, 0x00, 0x70, 0x69, 0x6e, 0x67, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t port_unreach_golden[70] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x38, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01,
	0x26, 0xc3, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x03, 0x03,
	0xef, 0xed, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x20, 0x42, 0x42,
	0x00, 0x00, 0x40, 0x11, 0x24, 0x89, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
	0x00, 0x02, 0x15, 0xb3, 0x00, 0x07, 0x00, 0x0c, 0xf7, 0x48,
};

static const uint8_t sendto_golden[47] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x21, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0x26, 0xca, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x07,
	0x15, 0xb3, 0x00, 0x0d, 0x92, 0x45, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static struct netdev *dev;

static struct {
	int calls;
	uint8_t data[64];
	uint32_t len, src;
	uint16_t sport;
	void *arg;
	bool echo;              /* send the datagram back with udp_send_nb() */
} got;

static void recv_cb(struct udp_sock *s, struct netbuf *nb, uint32_t src, uint16_t sport, void *arg)
{
	got.calls++;
	got.len = nb->len;
	memcpy(got.data, nb->data, MIN(nb->len, sizeof(got.data)));
	got.src = src;
	got.sport = sport;
	got.arg = arg;
	if (got.echo)
		udp_send_nb(s, nb, src, sport);
	else
		nb_free(nb);
}

static void setup(void)
{
	dev = fake_netdev();
	net_reset();
	fake_netdev_reset();
	arp_learn(dev, IPV4_ADDR(10, 0, 0, 1), peer_mac);
	memset(&got, 0, sizeof(got));
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

static int cookie;

static void test_bound_port_delivers_payload(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(udp_bind(7, recv_cb, &cookie));
	rx(udp_to_7, sizeof(udp_to_7));
	CU_ASSERT_EQUAL(got.calls, 1);
	CU_ASSERT_EQUAL(got.len, 4);        /* padding trimmed: just "ping" */
	CU_ASSERT_EQUAL(memcmp(got.data, "ping", 4), 0);
	CU_ASSERT_EQUAL(got.src, IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(got.sport, 5555);
	CU_ASSERT_PTR_EQUAL(got.arg, &cookie);
	CU_ASSERT_EQUAL(net_stats.udp.in_datagrams, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_unbound_port_unreachable(void)
{
	rx(udp_to_7, sizeof(udp_to_7));
	CU_ASSERT_EQUAL(net_stats.udp.no_port, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 1);
	unit_expect_tx(port_unreach_golden, sizeof(port_unreach_golden), "port unreachable");
}

static void test_unbound_port_broadcast_silent(void)
{
	uint8_t fr[sizeof(udp_to_7)];
	memcpy(fr, udp_to_7, sizeof(fr));
	memset(fr, 0xff, 6);                /* Ethernet broadcast */
	memset(fr + 30, 0xff, 4);           /* to 255.255.255.255 */
	fr[24] = fr[25] = 0;
	uint16_t c = csum_fold(csum_partial(fr + 14, 20, 0));
	memcpy(fr + 24, &c, 2);
	fr[40] = fr[41] = 0;                /* no UDP checksum */
	rx(fr, sizeof(fr));
	CU_ASSERT_EQUAL(net_stats.udp.bcast_no_port, 1);
	CU_ASSERT_EQUAL(net_stats.udp.no_port, 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_bad_checksum_dropped(void)
{
	udp_bind(7, recv_cb, NULL);
	uint8_t fr[sizeof(udp_to_7)];
	memcpy(fr, udp_to_7, sizeof(fr));
	fr[42] ^= 0x01;                     /* "qing" */
	rx(fr, sizeof(fr));
	CU_ASSERT_EQUAL(net_stats.udp.bad_csum, 1);
	CU_ASSERT_EQUAL(got.calls, 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_zero_checksum_accepted(void)
{
	udp_bind(7, recv_cb, NULL);
	rx(udp_to_7_nocsum, sizeof(udp_to_7_nocsum));
	CU_ASSERT_EQUAL(got.calls, 1);
	CU_ASSERT_EQUAL(memcmp(got.data, "ping", 4), 0);
	CU_ASSERT_EQUAL(net_stats.udp.bad_csum, 0);
}

/* udp_to_7 with the UDP length field set to ulen (checksum off so only the length matters). */
static void rx_with_ulen(uint16_t ulen)
{
	uint8_t fr[sizeof(udp_to_7_nocsum)];
	memcpy(fr, udp_to_7_nocsum, sizeof(fr));
	fr[38] = ulen >> 8;
	fr[39] = ulen & 0xff;
	rx(fr, sizeof(fr));
}

static void test_length_checks(void)
{
	udp_bind(7, recv_cb, NULL);
	rx_with_ulen(7);                    /* below the header */
	rx_with_ulen(13);                   /* past the IP payload (12) */
	CU_ASSERT_EQUAL(net_stats.udp.bad_len, 2);
	rx_with_ulen(10);                   /* shorter than the IP payload: 2 bytes delivered */
	CU_ASSERT_EQUAL(got.calls, 1);
	CU_ASSERT_EQUAL(got.len, 2);
	/* IP payload of 7 bytes: not even a header. */
	uint8_t fr[14 + 27];
	memcpy(fr, udp_to_7_nocsum, sizeof(fr));
	fr[17] = 27;
	fr[24] = fr[25] = 0;
	uint16_t c = csum_fold(csum_partial(fr + 14, 20, 0));
	memcpy(fr + 24, &c, 2);
	rx(fr, sizeof(fr));
	CU_ASSERT_EQUAL(net_stats.udp.short_hdr, 1);
	CU_ASSERT_EQUAL(got.calls, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_sendto_exact_frame(void)
{
	struct udp_sock *s = udp_bind(7, recv_cb, NULL);
	CU_ASSERT_EQUAL(udp_sendto(s, IPV4_ADDR(10, 0, 0, 1), 5555, "hello", 5), 0);
	CU_ASSERT_EQUAL(net_stats.udp.out_datagrams, 1);
	unit_expect_tx(sendto_golden, sizeof(sendto_golden), "udp_sendto");
}

static void test_echo_zero_copy(void)
{
	udp_bind(7, recv_cb, NULL);
	got.echo = true;
	rx(udp_to_7, sizeof(udp_to_7));
	struct netbuf *nb = fake_tx_pop();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	static const uint8_t hdrs[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x00,
		0x45, 0x00, 0x00, 0x20, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11 };
	CU_ASSERT_EQUAL_FATAL(nb->len, 14 + 20 + 8 + 4);
	CU_ASSERT_EQUAL(memcmp(nb->data, hdrs, sizeof(hdrs)), 0);
	/* Ports swapped, length 12, payload unchanged, both checksums verify. */
	static const uint8_t l4[] = { 0x00, 0x07, 0x15, 0xb3, 0x00, 0x0c };
	CU_ASSERT_EQUAL(memcmp(nb->data + 34, l4, sizeof(l4)), 0);
	CU_ASSERT_EQUAL(memcmp(nb->data + 42, "ping", 4), 0);
	CU_ASSERT_EQUAL(csum_fold(csum_partial(nb->data + 14, 20, 0)), 0);
	CU_ASSERT_EQUAL(csum_fold(csum_partial(nb->data + 34, 12,
		csum_pseudo(IPV4_ADDR(10, 0, 0, 2), IPV4_ADDR(10, 0, 0, 1), 17, 12))), 0);
	nb_free(nb);
}

static void test_socket_table(void)
{
	struct udp_sock *a = udp_bind(7, recv_cb, NULL);
	CU_ASSERT_PTR_NOT_NULL(a);
	CU_ASSERT_PTR_NULL(udp_bind(7, recv_cb, NULL));          /* port taken */
	CU_ASSERT_PTR_NULL(udp_bind(0, recv_cb, NULL));
	/* Fill the table; ports 7 and 7+64 share a hash bucket. */
	for (int i = 1; i < UDP_SOCK_MAX; i++)
		CU_ASSERT_PTR_NOT_NULL(udp_bind((uint16_t)(7 + 64 * i), recv_cb, NULL));
	CU_ASSERT_PTR_NULL(udp_bind(9, recv_cb, NULL));          /* full */
	udp_unbind(a);
	rx(udp_to_7, sizeof(udp_to_7));                        /* unbound again: unreachable */
	CU_ASSERT_EQUAL(net_stats.udp.no_port, 1);
	CU_ASSERT_PTR_NOT_NULL(udp_bind(9, recv_cb, NULL));      /* the slot is free again */
	rx_with_ulen(12);                                        /* port 7: still unbound */
	CU_ASSERT_EQUAL(got.calls, 0);
}

static void test_sendto_no_route(void)
{
	struct udp_sock *s = udp_bind(7, recv_cb, NULL);
	CU_ASSERT_EQUAL(udp_sendto(s, IPV4_ADDR(192, 168, 9, 9), 53, "x", 1), -1);
	CU_ASSERT_EQUAL(net_stats.ipv4.no_route, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static CU_TestInfo tests[] = {
	{ "bound port: payload delivered exactly", test_bound_port_delivers_payload },
	{ "unbound port -> port unreachable exact bytes", test_unbound_port_unreachable },
	{ "unbound port, broadcast: silent", test_unbound_port_broadcast_silent },
	{ "bad checksum dropped", test_bad_checksum_dropped },
	{ "zero checksum accepted", test_zero_checksum_accepted },
	{ "length field checks", test_length_checks },
	{ "sendto builds the exact frame", test_sendto_exact_frame },
	{ "echo through udp_send_nb", test_echo_zero_copy },
	{ "socket table: duplicates, full, unbind", test_socket_table },
	{ "sendto without a route", test_sendto_no_route },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/udp", setup, teardown, tests);
