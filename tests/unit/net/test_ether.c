/* net/ether.c and net/netdev.c: frame length and destination MAC filtering with their
 * counters, EtherType dispatch, the exact header ether_output() builds, device counters,
 * and the NAPI round of netdev_poll_once() (budget, histogram, irq_enable race). */
#include <string.h>
#include "unit.h"
#include "net/ether.h"
#include "net/net.h"
#include "net/stats.h"
#include "net/udp.h"
#include "net/checksum.h"
#include "kernel/time.h"

void unit_expect_tx(const void *want, size_t len, const char *what);   /* fakes/netdev.c */

static struct netdev *dev;

static void setup(void)
{
	dev = fake_netdev();
	net_reset();
	fake_netdev_reset();
}

static void teardown(void)
{
	net_reset();
	fake_netdev_reset();
}

/* ARP request from 10.0.0.1 for 10.0.0.2 with dst MAC given, padded to 60 bytes. */
static void rx_arp_to(const uint8_t dst[6], size_t len)
{
	uint8_t f[60] = {
		0, 0, 0, 0, 0, 0, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
		10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2 };
	memcpy(f, dst, 6);
	net_rx(dev, unit_nb_from(f, len));
}

static void test_short_frame(void)
{
	uint64_t drops = dev->stats.rx_dropped;
	rx_arp_to(dev->mac, 13);
	CU_ASSERT_EQUAL(net_stats.ether.short_frame, 1);
	CU_ASSERT_EQUAL(dev->stats.rx_dropped, drops + 1);
	CU_ASSERT_EQUAL(net_stats.arp.in_pkts, 0);
	/* 14 bytes is a header with nothing after it: reaches ARP, which finds it short. */
	rx_arp_to(dev->mac, 14);
	CU_ASSERT_EQUAL(net_stats.ether.short_frame, 1);
	CU_ASSERT_EQUAL(net_stats.arp.short_pkt, 1);
}

static void test_wrong_unicast_mac(void)
{
	static const uint8_t other[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 };
	rx_arp_to(other, 60);
	CU_ASSERT_EQUAL(net_stats.ether.not_ours, 1);
	CU_ASSERT_EQUAL(net_stats.arp.in_pkts, 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_multicast_dropped(void)
{
	static const uint8_t mc[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	rx_arp_to(mc, 60);
	CU_ASSERT_EQUAL(net_stats.ether.multicast, 1);
	CU_ASSERT_EQUAL(net_stats.arp.in_pkts, 0);
}

static void test_broadcast_and_ours_accepted(void)
{
	uint64_t rxp = dev->stats.rx_packets, rxb = dev->stats.rx_bytes;
	rx_arp_to(ether_broadcast, 60);
	rx_arp_to(dev->mac, 60);
	CU_ASSERT_EQUAL(net_stats.arp.in_pkts, 2);
	CU_ASSERT_EQUAL(net_stats.arp.requests_in, 2);
	CU_ASSERT_EQUAL(fake_tx.count, 2);               /* two replies */
	CU_ASSERT_EQUAL(dev->stats.rx_packets, rxp + 2);
	CU_ASSERT_EQUAL(dev->stats.rx_bytes, rxb + 120);
	CU_ASSERT_EQUAL(net_stats.ether.in_frames, 2);
}

static void test_unknown_type(void)
{
	uint8_t f[60] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0, 0, 0, 0, 1, 0x86, 0xdd };
	net_rx(dev, unit_nb_from(f, sizeof(f)));
	CU_ASSERT_EQUAL(net_stats.ether.unknown_type, 1);
}

static void test_output_header(void)
{
	static const uint8_t dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x09 };
	static const uint8_t want[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x09, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x88, 0xb5,
		'x', 'y', 'z' };
	uint64_t txp = dev->stats.tx_packets, txb = dev->stats.tx_bytes;
	struct netbuf *nb = nb_alloc();
	memcpy(nb_put(nb, 3), "xyz", 3);
	CU_ASSERT_EQUAL(ether_output(dev, nb, dst, 0x88b5), 0);
	CU_ASSERT_EQUAL(dev->stats.tx_packets, txp + 1);
	CU_ASSERT_EQUAL(dev->stats.tx_bytes, txb + sizeof(want));
	unit_expect_tx(want, sizeof(want), "ether_output");
}

static void test_netdev_names(void)
{
	CU_ASSERT_STRING_EQUAL(dev->name, "eth0");
	CU_ASSERT_PTR_EQUAL(netdev_by_name("eth0"), dev);
	CU_ASSERT_PTR_EQUAL(netdev_get(0), dev);
	CU_ASSERT_PTR_NULL(netdev_by_name("eth9"));
	CU_ASSERT_PTR_NULL(netdev_get(-1));
	CU_ASSERT_PTR_NULL(netdev_get(netdev_count()));
}

/* A device for the NAPI round: poll returns what the test says; irq_enable reports a race. */
static int next_poll, irq_enables;
static bool race;
static int t_poll(struct netdev *d, int budget) { return next_poll < budget ? next_poll : budget; }
static bool t_irq_enable(struct netdev *d) { irq_enables++; return race; }
static const struct netdev_ops t_ops = { .poll = t_poll, .irq_enable = t_irq_enable };

static void test_poll_once(void)
{
	struct netdev d = { .ops = &t_ops };
	static const int n[] = { 0, 1, 3, 4, 15, 16, 63, 64, 64 };
	static const unsigned bucket[] = { 0, 1, 2, 3, 4, 5, 6, 7, 7 };
	irq_enables = 0;
	race = false;
	for (unsigned i = 0; i < ARRAY_SIZE(n); i++) {
		netdev_schedule(&d);
		next_poll = n[i];
		CU_ASSERT_EQUAL(netdev_poll_once(&d), n[i]);
		/* Budget used up: stay scheduled, interrupt left masked. Else re-enabled. */
		CU_ASSERT_EQUAL(d.scheduled, n[i] == NETDEV_BUDGET);
	}
	CU_ASSERT_EQUAL(irq_enables, 7);
	CU_ASSERT_EQUAL(d.stats.polls, ARRAY_SIZE(n));
	CU_ASSERT_EQUAL(d.stats.irqs, ARRAY_SIZE(n));
	unsigned want[NETDEV_HIST] = { 0 };
	for (unsigned i = 0; i < ARRAY_SIZE(n); i++)
		want[bucket[i]]++;
	for (unsigned b = 0; b < NETDEV_HIST; b++)
		CU_ASSERT_EQUAL(d.stats.poll_hist[b], want[b]);
	/* A frame raced in while unmasking: the device stays scheduled for another round. */
	race = true;
	next_poll = 2;
	netdev_poll_once(&d);
	CU_ASSERT_EQUAL(d.scheduled, 1);
}


/* Robustness: valid ARP, UDP and ICMP frames with random bytes changed and random lengths,
 * half of them with the IPv4 header checksum repaired so the deeper layers see them too.
 * Under ASan/UBSan nothing may crash, read out of bounds or leak (the runner checks the
 * pool after the test). A fixed seed keeps failures reproducible. */
static uint32_t rng = 0x2545f491;
static uint32_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static void sink(struct udp_sock *s, struct netbuf *nb, uint32_t src, uint16_t sport, void *arg)
{
	if (nb->len & 1)
		udp_send_nb(s, nb, src, sport);     /* echo some back: exercises output too */
	else
		nb_free(nb);
}

static size_t base_frame(unsigned kind, uint8_t *f)
{
	static const uint8_t eth_ip[14] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
					    0x02, 0, 0, 0, 0, 1, 0x08, 0x00 };
	static const uint8_t ip[20] = { 0x45, 0, 0, 0, 0, 1, 0, 0, 64, 0, 0, 0,
					10, 0, 0, 1, 10, 0, 0, 2 };
	memset(f, 0, 128);
	if (kind == 0) {                    /* ARP request for us */
		static const uint8_t arp[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1,
						 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2 };
		memcpy(f, ether_broadcast, 6);
		memcpy(f + 6, eth_ip + 6, 6);
		f[12] = 0x08; f[13] = 0x06;
		memcpy(f + 14, arp, 28);
		return 60;
	}
	size_t l4 = 8 + (xorshift() % 64);
	memcpy(f, eth_ip, 14);
	memcpy(f + 14, ip, 20);
	f[23] = kind == 1 ? 17 : 1;
	f[17] = (uint8_t)(20 + l4);
	for (size_t i = 8; i < l4; i++)
		f[34 + i] = (uint8_t)xorshift();
	if (kind == 1) {                    /* UDP 10.0.0.1:1000 -> port 7, no checksum */
		f[34] = 0x03; f[35] = 0xe8; f[36] = 0; f[37] = 7; f[39] = (uint8_t)l4;
	} else {                            /* ICMP echo request */
		f[34] = 8;
		uint16_t c = csum_fold(csum_partial(f + 34, l4, 0));
		memcpy(f + 36, &c, 2);
	}
	uint16_t c = csum_fold(csum_partial(f + 14, 20, 0));
	memcpy(f + 24, &c, 2);
	return 34 + l4 < 60 ? 60 : 34 + l4;
}

static void test_mutated_frames_never_crash(void)
{
	uint8_t f[128];
	struct udp_sock *s = udp_bind(7, sink, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	for (unsigned i = 0; i < 20000; i++) {
		size_t len = base_frame(i % 3, f);
		for (unsigned k = xorshift() % 5; k > 0; k--)
			f[xorshift() % len] = (uint8_t)xorshift();
		if (xorshift() & 1 && (f[14] & 0x0f) >= 5) {
			unsigned hlen = (f[14] & 0x0f) * 4u;
			f[24] = f[25] = 0;
			uint16_t c = csum_fold(csum_partial(f + 14, hlen, 0));
			memcpy(f + 24, &c, 2);
		}
		if (xorshift() % 8 == 0)
			len = xorshift() % (len + 1);
		net_rx(dev, unit_nb_from(f, len));
		if (fake_tx.count > 32)
			fake_netdev_reset();
		if (i % 1000 == 0)
			fake_advance(500 * NS_PER_MS);      /* ARP retries, ICMP tokens */
	}
	/* The mix reached every layer and every kind of outcome. */
	CU_ASSERT_TRUE(net_stats.arp.replies_out > 0);
	CU_ASSERT_TRUE(net_stats.icmp.out_echo_reps > 0);
	CU_ASSERT_TRUE(net_stats.udp.in_datagrams > 0);
	CU_ASSERT_TRUE(net_stats.ipv4.bad_csum > 0);
	CU_ASSERT_TRUE(net_stats.ipv4.bad_len > 0);
	CU_ASSERT_TRUE(net_stats.ether.short_frame > 0);
	udp_unbind(s);
}

static CU_TestInfo tests[] = {
	{ "short frame", test_short_frame },
	{ "unicast to another MAC", test_wrong_unicast_mac },
	{ "multicast dropped", test_multicast_dropped },
	{ "broadcast and our MAC accepted", test_broadcast_and_ours_accepted },
	{ "unknown EtherType", test_unknown_type },
	{ "ether_output header bytes", test_output_header },
	{ "netdev names and lookup", test_netdev_names },
	{ "netdev_poll_once budget, histogram, irq race", test_poll_once },
	{ "20000 mutated frames: no crash, no leak", test_mutated_frames_never_crash },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/ether", setup, teardown, tests);
