/* RFC 1812 forwarding in net/ipv4.c between the fake eth0 (10.0.0.2/24) and a second fake
 * interface (10.1.0.1/24): the received buffer itself goes out with TTL - 1 (exact bytes),
 * ICMP time exceeded / net unreachable / fragmentation needed byte for byte, addresses that
 * are never forwarded, fragmentation with copied options (exact fragments), pool exhaustion,
 * reassembly before forwarding, and forwarding off. */
#include <string.h>
#include "unit.h"
#include "ipv4_build.h"
#include "net/ipv4.h"
#include "net/ipv4_frag.h"
#include "net/arp.h"
#include "net/ether.h"
#include "net/net.h"
#include "net/route.h"
#include "net/stats.h"
#include "net/proto/ipv4.h"

void unit_expect_tx(const void *want, size_t len, const char *what);   /* fakes/netdev.c */

#define PEER   IPV4_ADDR(10, 0, 0, 1)
#define US0    IPV4_ADDR(10, 0, 0, 2)
#define US1    IPV4_ADDR(10, 1, 0, 1)
#define HOST   IPV4_ADDR(10, 1, 0, 9)
#define GW1    IPV4_ADDR(10, 1, 0, 254)

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t host_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x09 };
static const uint8_t gw_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };
static const uint8_t eth0_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero4[4];

/* The second interface: records what it sends in fake_tx like eth0 does. */
static int dev1_xmit(struct netdev *d, struct netbuf *nb)
{
	if (fake_tx.count == FAKE_TX_MAX) {
		nb_free(nb);
		return -1;
	}
	fake_tx.frames[fake_tx.count++] = nb;
	return 0;
}
static int dev1_poll(struct netdev *d, int budget) { return 0; }
static bool dev1_irq_enable(struct netdev *d) { return false; }
static void dev1_irq_disable(struct netdev *d) { }
static const struct netdev_ops dev1_ops = {
	.xmit = dev1_xmit, .poll = dev1_poll,
	.irq_enable = dev1_irq_enable, .irq_disable = dev1_irq_disable,
};
static struct netdev dev1 = {
	.mac = { 0x52, 0x54, 0x00, 0x00, 0x00, 0x02 },
	.mtu = 1500, .ops = &dev1_ops, .driver = "fake1",
};

static struct netdev *dev0;
static struct ipv4_stats *st = &net_stats.ipv4;
static uint8_t payload[1400];

static void setup(void)
{
	static bool registered;
	dev0 = fake_netdev();
	if (!registered) {
		CU_ASSERT_EQUAL_FATAL(netdev_register(&dev1), 0);
		registered = true;
	}
	net_reset();
	fake_netdev_reset();
	dev1.mtu = 1500;
	dev1.flags = NETDEV_F_UP | NETDEV_F_LINK;
	CU_ASSERT_EQUAL_FATAL(net_if_set_addr(&dev1, US1, 24), 0);
	arp_learn(dev0, PEER, peer_mac);
	arp_learn(&dev1, HOST, host_mac);
	arp_learn(&dev1, GW1, gw_mac);
	ipv4_set_forwarding(true);
	for (unsigned i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 13 + 1);
}

static void teardown(void)
{
	ipv4_set_forwarding(false);
	net_if_set_addr(&dev1, 0, 0);   /* other suites see one configured interface */
	dev1.flags = 0;
	net_reset();
	fake_netdev_reset();
}

static struct ipb udp_hdr(uint32_t src, uint32_t dst, uint8_t ttl)
{
	return (struct ipb){ .ttl = ttl, .proto = IP_PROTO_UDP, .id = 0x0777, .src = src, .dst = dst };
}

/* Receive h + payload[0, plen) on eth0 (Ethernet destination dmac); returns the buffer. */
static struct netbuf *rx(const struct ipb *h, size_t plen, const uint8_t *dmac)
{
	static uint8_t fr[1600];
	size_t n = ipb_frame(fr, dmac, peer_mac, h, payload, plen);
	struct netbuf *nb = unit_nb_from(fr, n);
	net_rx(dev0, nb);
	return nb;
}

static void expect_on_dev1(const uint8_t *mac, const struct ipb *h, const void *p, size_t plen,
			   const char *what)
{
	static uint8_t want[1600];
	size_t n = ipb_frame(want, mac, dev1.mac, h, p, plen);
	unit_expect_tx(want, n, what);
}

/* An ICMP error from eth0's address to PEER quoting the 20-byte header h and 8 data bytes
 * of payload (the datagram as received, TTL not yet decremented). */
static void expect_icmp_error(uint8_t type, uint8_t code, const uint8_t rest[4],
			      const struct ipb *h, size_t plen, const char *what)
{
	static uint8_t orig[1600], icmp[64], want[128];
	ipb_ip(orig, h, payload, plen);
	size_t il = ipb_icmp(icmp, type, code, rest, orig, 28);
	struct ipb e = { .ttl = 64, .proto = IP_PROTO_ICMP, .frag_off = IPV4_F_DF, .src = US0, .dst = PEER };
	size_t n = ipb_frame(want, peer_mac, eth0_mac, &e, icmp, il);
	unit_expect_tx(want, n, what);
}

static void test_forward_zero_copy(void)
{
	struct ipb h = udp_hdr(PEER, HOST, 64);
	struct netbuf *nb = rx(&h, 100, eth0_mac);
	CU_ASSERT_EQUAL_FATAL(fake_tx.count, 1);
	CU_ASSERT_PTR_EQUAL(fake_tx.frames[0], nb);     /* the received buffer itself */
	h.ttl = 63;                                     /* checksum recomputed in full here */
	expect_on_dev1(host_mac, &h, payload, 100, "forwarded");
	CU_ASSERT_EQUAL(st->forwarded, 1);
	CU_ASSERT_EQUAL(st->delivered, 0);
	CU_ASSERT_EQUAL(ipv4_forwarding(), true);
}

static void test_ttl_exceeded(void)
{
	for (uint8_t ttl = 0; ttl <= 1; ttl++) {
		struct ipb h = udp_hdr(PEER, HOST, ttl);
		rx(&h, 100, eth0_mac);
		CU_ASSERT_EQUAL(fake_tx.count, 1);
		h.id = 0x0777;
		expect_icmp_error(11, 0, zero4, &h, 100, "time exceeded");
		ipv4_reset();                   /* our next IP ID is 0 again */
	}
	CU_ASSERT_EQUAL(st->fwd_ttl_exceeded, 2);
	CU_ASSERT_EQUAL(st->forwarded, 0);
}

static void test_no_route_then_routes(void)
{
	struct ipb h = udp_hdr(PEER, IPV4_ADDR(192, 0, 2, 7), 9);
	rx(&h, 40, eth0_mac);
	CU_ASSERT_EQUAL(fake_tx.count, 1);
	expect_icmp_error(3, 0, zero4, &h, 40, "net unreachable");
	CU_ASSERT_EQUAL(st->fwd_no_route, 1);
	/* A static route, then (for other networks) the default gateway. */
	CU_ASSERT_EQUAL(route_add(IPV4_ADDR(192, 0, 2, 0), 24, GW1), 0);
	rx(&h, 40, eth0_mac);
	h.ttl = 8;
	expect_on_dev1(gw_mac, &h, payload, 40, "via static route");
	net_set_gateway(GW1);
	h = udp_hdr(PEER, IPV4_ADDR(198, 51, 100, 1), 9);
	rx(&h, 40, eth0_mac);
	h.ttl = 8;
	expect_on_dev1(gw_mac, &h, payload, 40, "via default");
	CU_ASSERT_EQUAL(st->forwarded, 2);
}

static void test_frag_needed(void)
{
	dev1.mtu = 576;
	struct ipb h = udp_hdr(PEER, HOST, 64);
	h.frag_off = IPV4_F_DF;
	rx(&h, 1000, eth0_mac);
	static const uint8_t mtu576[4] = { 0, 0, 0x02, 0x40 };   /* RFC 1191 §4 */
	CU_ASSERT_EQUAL(fake_tx.count, 1);
	expect_icmp_error(3, 4, mtu576, &h, 1000, "fragmentation needed");
	CU_ASSERT_EQUAL(st->fwd_frag_needed, 1);
	/* Exactly the MTU passes. */
	rx(&h, 576 - 20, eth0_mac);
	h.ttl = 63;
	expect_on_dev1(host_mac, &h, payload, 556, "exactly the MTU");
}

static void test_fragmentation_exact(void)
{
	/* Router alert (0x94, copied) and a timestamp (0x44, first fragment only). */
	static const uint8_t opts[8] = { 0x94, 0x04, 0x00, 0x00, 0x44, 0x04, 0x05, 0x00 };
	dev1.mtu = 576;
	struct ipb h = udp_hdr(PEER, HOST, 30);
	h.opt = opts;
	h.optlen = 8;
	rx(&h, 1200, eth0_mac);
	CU_ASSERT_EQUAL_FATAL(fake_tx.count, 3);
	/* RFC 791 §3.2: (576 - 28) & ~7 = 544 bytes in the first, (576 - 24) & ~7 = 552 after. */
	h.ttl = 29;
	h.frag_off = IPV4_F_MF;
	expect_on_dev1(host_mac, &h, payload, 544, "fragment 1");
	h.optlen = 4;
	h.frag_off = IPV4_F_MF | 544 / 8;
	expect_on_dev1(host_mac, &h, payload + 544, 552, "fragment 2");
	h.frag_off = (544 + 552) / 8;
	expect_on_dev1(host_mac, &h, payload + 1096, 104, "fragment 3");
	CU_ASSERT_EQUAL(st->frag_oks, 1);
	CU_ASSERT_EQUAL(st->frag_created, 3);
	CU_ASSERT_EQUAL(st->forwarded, 1);
}

static void test_fragmentation_pool_empty(void)
{
	static uint8_t fr[1600];
	dev1.mtu = 576;
	struct ipb h = udp_hdr(PEER, HOST, 30);
	size_t n = ipb_frame(fr, eth0_mac, peer_mac, &h, payload, 1200);
	struct netbuf *nb = unit_nb_from(fr, n), *hold = NULL;
	for (struct netbuf *b; (b = nb_alloc()); hold = b)
		b->next = hold;
	net_rx(dev0, nb);
	CU_ASSERT_EQUAL(st->frag_fails, 1);
	CU_ASSERT_EQUAL(st->frag_created, 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	while (hold) {
		struct netbuf *next = hold->next;
		nb_free(hold);
		hold = next;
	}
}

static void test_never_forwarded(void)
{
	const uint32_t dsts[] = { IPV4_ADDR(169, 254, 1, 1), IPV4_ADDR(224, 0, 0, 5),
				  IPV4_ADDR(240, 0, 0, 1), IPV4_ADDR(0, 1, 2, 3),
				  IPV4_ADDR(127, 0, 0, 1), IPV4_ADDR(10, 1, 0, 255) };
	for (unsigned i = 0; i < ARRAY_SIZE(dsts); i++) {
		struct ipb h = udp_hdr(PEER, dsts[i], 64);
		rx(&h, 20, eth0_mac);
	}
	struct ipb h = udp_hdr(IPV4_ADDR(169, 254, 3, 3), HOST, 64);
	rx(&h, 20, eth0_mac);
	h = udp_hdr(US1, HOST, 64);      /* our own address as source */
	rx(&h, 20, eth0_mac);
	h = udp_hdr(PEER, HOST, 64);
	rx(&h, 20, bcast_mac);          /* RFC 1812 §5.3.4: link-layer broadcast */
	CU_ASSERT_EQUAL(st->fwd_bad_addr, ARRAY_SIZE(dsts) + 3);
	CU_ASSERT_EQUAL(st->forwarded, 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_reassembled_then_forwarded(void)
{
	static uint8_t fr[1600];
	struct ipb h = udp_hdr(PEER, HOST, 64);
	h.frag_off = IPV4_F_MF;
	size_t n = ipb_frame(fr, eth0_mac, peer_mac, &h, payload, 400);
	net_rx(dev0, unit_nb_from(fr, n));
	h.frag_off = 400 / 8;
	n = ipb_frame(fr, eth0_mac, peer_mac, &h, payload + 400, 300);
	net_rx(dev0, unit_nb_from(fr, n));
	h.frag_off = 0;
	h.ttl = 63;
	CU_ASSERT_EQUAL_FATAL(fake_tx.count, 1);
	expect_on_dev1(host_mac, &h, payload, 700, "reassembled, forwarded whole");
	CU_ASSERT_EQUAL(st->reasm_oks, 1);
	CU_ASSERT_EQUAL(st->forwarded, 1);
}

static void test_forwarding_off(void)
{
	ipv4_set_forwarding(false);
	struct ipb h = udp_hdr(PEER, HOST, 64);
	rx(&h, 100, eth0_mac);
	CU_ASSERT_EQUAL(st->not_for_us, 1);
	CU_ASSERT_EQUAL(st->forwarded, 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static CU_TestInfo tests[] = {
	{ "forwarded in the received buffer, TTL - 1", test_forward_zero_copy },
	{ "TTL 0 and 1: time exceeded", test_ttl_exceeded },
	{ "no route: net unreachable; static and default routes", test_no_route_then_routes },
	{ "DF over the MTU: fragmentation needed with the MTU", test_frag_needed },
	{ "fragmentation: exact fragments, copied options", test_fragmentation_exact },
	{ "fragmentation with the pool empty", test_fragmentation_pool_empty },
	{ "addresses never forwarded", test_never_forwarded },
	{ "reassembled, then forwarded", test_reassembled_then_forwarded },
	{ "forwarding off", test_forwarding_off },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/forward", setup, teardown, tests);
