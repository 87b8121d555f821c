/* net/arp.c: replies to requests for us (exact bytes), the anti-poisoning rules, header
 * validation counters, resolution with a bounded queue and retry timing on the fake clock,
 * stale entries and gratuitous ARP. Golden frames were computed independently (Python). */
#include <string.h>
#include "unit.h"
#include "net/arp.h"
#include "net/net.h"
#include "net/ipv4.h"
#include "net/stats.h"
#include "net/proto/ipv4.h"
#include "net/proto/ether.h"
#include "kernel/time.h"

void unit_expect_tx(const void *want, size_t len, const char *what);   /* fakes/netdev.c */

/* Golden frames (computed independently in Python): req_for_us is an ARP request from
 * 10.0.0.1 (02:00:00:00:00:01) for 10.0.0.2, padded to 60 bytes; reply_golden our answer;
 * our_request_golden our request for 10.0.0.5; gratuitous_golden our announcement. */
static const uint8_t req_for_us[60] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t reply_golden[42] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02, 0x52, 0x54,
	0x00, 0x12, 0x34, 0x56, 0x0a, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x0a, 0x00, 0x00, 0x01,
};

static const uint8_t our_request_golden[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54,
	0x00, 0x12, 0x34, 0x56, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x0a, 0x00, 0x00, 0x05,
};

static const uint8_t gratuitous_golden[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54,
	0x00, 0x12, 0x34, 0x56, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x0a, 0x00, 0x00, 0x02,
};

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

static struct netdev *dev;

static void setup(void)
{
	dev = fake_netdev();
	net_reset();
	fake_netdev_reset();
}

static void teardown(void)
{
	net_if_set_addr(dev, IPV4_ADDR(10, 0, 0, 2), 24);
	net_reset();
	fake_netdev_reset();
}

static void rx(const uint8_t *frame, size_t len)
{
	net_rx(dev, unit_nb_from(frame, len));
}

/* A copy of req_for_us with one byte changed. */
static void rx_mutated(unsigned off, uint8_t val)
{
	uint8_t f[sizeof(req_for_us)];
	memcpy(f, req_for_us, sizeof(f));
	f[off] = val;
	rx(f, sizeof(f));
}

/* Send an 8-byte L4 payload towards dst through IPv4 (nb->data at the "L4 header"). */
static int send_ip(uint32_t dst)
{
	struct netbuf *nb = nb_alloc();
	memset(nb_put(nb, 8), 0xab, 8);
	return ipv4_output(nb, 0, dst, 253, 0);
}

static void test_request_for_us_exact_reply(void)
{
	rx(req_for_us, sizeof(req_for_us));
	CU_ASSERT_EQUAL(fake_tx.count, 1);
	unit_expect_tx(reply_golden, sizeof(reply_golden), "arp reply");
	CU_ASSERT_EQUAL(net_stats.arp.requests_in, 1);
	CU_ASSERT_EQUAL(net_stats.arp.replies_out, 1);
	/* RFC 826: we are the target, so the sender's triplet is added. */
	uint8_t mac[6];
	CU_ASSERT_TRUE(arp_lookup(IPV4_ADDR(10, 0, 0, 1), mac));
	CU_ASSERT_EQUAL(memcmp(mac, peer_mac, 6), 0);
}

static void test_request_not_for_us_ignored(void)
{
	rx_mutated(41, 0x09);            /* tpa 10.0.0.9 */
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	CU_ASSERT_EQUAL(net_stats.arp.not_for_us, 1);
	uint8_t mac[6];
	CU_ASSERT_FALSE(arp_lookup(IPV4_ADDR(10, 0, 0, 1), mac));
}

static void test_unsolicited_reply_ignored(void)
{
	/* reply_golden seen from the other side: a reply to us from 10.0.0.1 we never asked for. */
	uint8_t f[60] = { 0 };
	memcpy(f, reply_golden, sizeof(reply_golden));
	memcpy(f, dev->mac, 6);                       /* to our MAC */
	memcpy(f + 6, peer_mac, 6);
	memcpy(f + 22, peer_mac, 6);                  /* sha */
	f[28] = 10; f[29] = 0; f[30] = 0; f[31] = 1;  /* spa 10.0.0.1 */
	memcpy(f + 32, dev->mac, 6);                  /* tha */
	f[38] = 10; f[39] = 0; f[40] = 0; f[41] = 2;  /* tpa 10.0.0.2 */
	rx(f, sizeof(f));
	CU_ASSERT_EQUAL(net_stats.arp.unsolicited, 1);
	CU_ASSERT_EQUAL(net_stats.arp.replies_in, 0);
	uint8_t mac[6];
	CU_ASSERT_FALSE(arp_lookup(IPV4_ADDR(10, 0, 0, 1), mac));
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_bad_fields_dropped_and_counted(void)
{
	rx_mutated(15, 0x06);            /* htype 6 (IEEE 802) */
	CU_ASSERT_EQUAL(net_stats.arp.bad_htype, 1);
	rx_mutated(16, 0x86);            /* ptype 0x8600 */
	CU_ASSERT_EQUAL(net_stats.arp.bad_ptype, 1);
	rx_mutated(18, 8);               /* hlen 8 */
	CU_ASSERT_EQUAL(net_stats.arp.bad_hlen, 1);
	rx_mutated(19, 16);              /* plen 16 */
	CU_ASSERT_EQUAL(net_stats.arp.bad_plen, 1);
	rx_mutated(21, 3);               /* op 3 (RARP request) */
	CU_ASSERT_EQUAL(net_stats.arp.bad_op, 1);
	rx_mutated(22, 0x01);            /* multicast sender MAC */
	CU_ASSERT_EQUAL(net_stats.arp.bad_sender, 1);
	rx(req_for_us, 14 + 27);         /* one byte short of an ARP packet */
	CU_ASSERT_EQUAL(net_stats.arp.short_pkt, 1);
	CU_ASSERT_EQUAL(net_stats.arp.in_pkts, 7);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	uint8_t mac[6];
	CU_ASSERT_FALSE(arp_lookup(IPV4_ADDR(10, 0, 0, 1), mac));
}

static void test_resolution_retries_then_fails(void)
{
	CU_ASSERT_EQUAL(send_ip(IPV4_ADDR(10, 0, 0, 5)), 0);
	CU_ASSERT_EQUAL(send_ip(IPV4_ADDR(10, 0, 0, 5)), 0);
	CU_ASSERT_EQUAL(net_stats.arp.queued, 2);
	CU_ASSERT_EQUAL(fake_tx.count, 1);               /* one request, no second one */
	unit_expect_tx(our_request_golden, sizeof(our_request_golden), "arp request");
	fake_advance(ARP_RETRY_NS - 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	fake_advance(1);
	CU_ASSERT_EQUAL(fake_tx.count, 1);               /* second try at 1 s */
	unit_expect_tx(our_request_golden, sizeof(our_request_golden), "arp retry 1");
	fake_advance(ARP_RETRY_NS);
	CU_ASSERT_EQUAL(fake_tx.count, 1);               /* third try at 2 s */
	unit_expect_tx(our_request_golden, sizeof(our_request_golden), "arp retry 2");
	CU_ASSERT_EQUAL(net_stats.arp.resolve_failed, 0);
	unsigned before = nb_pool_free();
	fake_advance(ARP_RETRY_NS);                      /* 3 s: give up */
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	CU_ASSERT_EQUAL(net_stats.arp.requests_out, 3);
	CU_ASSERT_EQUAL(net_stats.arp.resolve_failed, 1);
	CU_ASSERT_EQUAL(net_stats.arp.dropped_unresolved, 2);
	CU_ASSERT_EQUAL(nb_pool_free(), before + 2);
	/* Nothing more happens later. */
	fake_advance(10 * ARP_RETRY_NS);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_reply_flushes_queue_in_order(void)
{
	send_ip(IPV4_ADDR(10, 0, 0, 5));
	struct netbuf *nb = nb_alloc();
	memset(nb_put(nb, 9), 0xcd, 9);                 /* a second, distinguishable frame */
	ipv4_output(nb, 0, IPV4_ADDR(10, 0, 0, 5), 253, 0);
	fake_netdev_reset();                             /* forget the request */
	/* The reply from 10.0.0.5 (02:00:00:00:00:05), as the answer to our request. */
	uint8_t f[60] = { 0 };
	const uint8_t m5[6] = { 0x02, 0, 0, 0, 0, 0x05 };
	memcpy(f, reply_golden, sizeof(reply_golden));
	memcpy(f, dev->mac, 6);
	memcpy(f + 6, m5, 6);
	memcpy(f + 22, m5, 6);
	f[31] = 5;
	memcpy(f + 32, dev->mac, 6);
	f[41] = 2;
	rx(f, sizeof(f));
	CU_ASSERT_EQUAL(net_stats.arp.replies_in, 1);
	CU_ASSERT_EQUAL_FATAL(fake_tx.count, 2);
	struct netbuf *a = fake_tx_pop(), *b = fake_tx_pop();
	CU_ASSERT_EQUAL(memcmp(a->data, m5, 6), 0);
	CU_ASSERT_EQUAL(memcmp(b->data, m5, 6), 0);
	CU_ASSERT_EQUAL(a->len, 14 + 20 + 8);
	CU_ASSERT_EQUAL(b->len, 14 + 20 + 9);
	CU_ASSERT_EQUAL(a->data[12], 0x08);
	CU_ASSERT_EQUAL(a->data[13], 0x00);
	nb_free(a);
	nb_free(b);
	/* Resolved: the retry timer is gone. */
	fake_advance(5 * ARP_RETRY_NS);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	CU_ASSERT_EQUAL(net_stats.arp.resolve_failed, 0);
}

static void test_queue_bound_per_entry(void)
{
	for (int i = 0; i < ARP_QUEUE_PER_ENTRY; i++)
		CU_ASSERT_EQUAL(send_ip(IPV4_ADDR(10, 0, 0, 7)), 0);
	CU_ASSERT_EQUAL(send_ip(IPV4_ADDR(10, 0, 0, 7)), -1);
	CU_ASSERT_EQUAL(net_stats.arp.queued, ARP_QUEUE_PER_ENTRY);
	CU_ASSERT_EQUAL(net_stats.arp.queue_full, 1);
}

static void test_queue_bound_total(void)
{
	/* 16 addresses x 4 frames fill the global bound; the next frame anywhere is dropped. */
	for (int a = 0; a < ARP_QUEUE_TOTAL / ARP_QUEUE_PER_ENTRY; a++)
		for (int i = 0; i < ARP_QUEUE_PER_ENTRY; i++)
			send_ip(IPV4_ADDR(10, 0, 0, 100 + a));
	CU_ASSERT_EQUAL(net_stats.arp.queued, ARP_QUEUE_TOTAL);
	CU_ASSERT_EQUAL(net_stats.arp.queue_full, 0);
	CU_ASSERT_EQUAL(send_ip(IPV4_ADDR(10, 0, 0, 200)), -1);
	CU_ASSERT_EQUAL(net_stats.arp.queue_full, 1);
}

static void test_learned_entry_goes_stale_and_is_refreshed(void)
{
	arp_learn(dev, IPV4_ADDR(10, 0, 0, 1), peer_mac);
	CU_ASSERT_EQUAL(send_ip(IPV4_ADDR(10, 0, 0, 1)), 0);
	CU_ASSERT_EQUAL(fake_tx.count, 1);               /* sent at once, no request */
	fake_netdev_reset();
	fake_advance(ARP_REACHABLE_NS);
	uint8_t mac[6];
	CU_ASSERT_FALSE(arp_lookup(IPV4_ADDR(10, 0, 0, 1), mac));
	/* Stale: the frame still goes to the old MAC, and a request asks again. */
	CU_ASSERT_EQUAL(send_ip(IPV4_ADDR(10, 0, 0, 1)), 0);
	CU_ASSERT_EQUAL_FATAL(fake_tx.count, 2);
	struct netbuf *r = fake_tx_pop(), *d = fake_tx_pop();
	CU_ASSERT_EQUAL(r->data[13], 0x06);              /* ARP request first */
	CU_ASSERT_EQUAL(memcmp(d->data, peer_mac, 6), 0);
	nb_free(r);
	nb_free(d);
	/* The peer answers the request (arriving as a request for us also refreshes). */
	rx(req_for_us, sizeof(req_for_us));
	CU_ASSERT_TRUE(arp_lookup(IPV4_ADDR(10, 0, 0, 1), mac));
	fake_netdev_reset();
	fake_advance(10 * ARP_RETRY_NS);
	CU_ASSERT_EQUAL(fake_tx.count, 0);               /* no more probing */
	CU_ASSERT_EQUAL(net_stats.arp.resolve_failed, 0);
}

static void test_gratuitous_at_link_up(void)
{
	net_link_up(dev);
	CU_ASSERT_EQUAL(net_stats.arp.announces_out, 1);
	unit_expect_tx(gratuitous_golden, sizeof(gratuitous_golden), "gratuitous arp");
}

static void test_sender_claims_our_address(void)
{
	rx_mutated(31, 0x02);            /* spa = 10.0.0.2: address conflict */
	CU_ASSERT_EQUAL(net_stats.arp.bad_sender, 1);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_table_full_evicts_oldest_resolved(void)
{
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0 };
	for (unsigned i = 0; i < ARP_TABLE_SIZE; i++) {
		mac[5] = (uint8_t)i;
		arp_learn(dev, IPV4_ADDR(10, 0, 1, 0) + i, mac);   /* 10.0.1.0 .. 10.0.1.255 */
		fake_advance(1000);                                /* distinct ages */
	}
	CU_ASSERT_TRUE(arp_lookup(IPV4_ADDR(10, 0, 1, 0), mac));
	arp_learn(dev, IPV4_ADDR(10, 0, 2, 1), peer_mac);
	CU_ASSERT_FALSE(arp_lookup(IPV4_ADDR(10, 0, 1, 0), mac));   /* the oldest went */
	CU_ASSERT_TRUE(arp_lookup(IPV4_ADDR(10, 0, 1, 1), mac));
	CU_ASSERT_EQUAL(mac[5], 1);
	CU_ASSERT_TRUE(arp_lookup(IPV4_ADDR(10, 0, 2, 1), mac));
	CU_ASSERT_EQUAL(net_stats.arp.table_full, 0);
}

static void test_table_full_of_unresolved(void)
{
	/* Entries still resolving are never evicted: with all of them pending, a new address
	 * cannot get one, and its frame is dropped and counted. A /16 gives enough neighbours. */
	net_if_set_addr(dev, IPV4_ADDR(10, 0, 0, 2), 16);
	for (unsigned i = 0; i < ARP_TABLE_SIZE; i++) {
		send_ip(IPV4_ADDR(10, 0, 3, 0) + i);
		fake_netdev_reset();
	}
	CU_ASSERT_EQUAL(net_stats.arp.queued, ARP_QUEUE_TOTAL);
	CU_ASSERT_EQUAL(net_stats.arp.queue_full, ARP_TABLE_SIZE - ARP_QUEUE_TOTAL);
	CU_ASSERT_EQUAL(send_ip(IPV4_ADDR(10, 0, 4, 1)), -1);
	CU_ASSERT_EQUAL(net_stats.arp.table_full, 1);
	/* Once they fail (3 s), the table is usable again. */
	for (int i = 0; i < ARP_MAX_TRIES; i++) {
		fake_advance(ARP_RETRY_NS);
		fake_netdev_reset();
	}
	CU_ASSERT_EQUAL(net_stats.arp.resolve_failed, ARP_TABLE_SIZE);
	CU_ASSERT_EQUAL(net_stats.arp.dropped_unresolved, ARP_QUEUE_TOTAL);
	CU_ASSERT_EQUAL(send_ip(IPV4_ADDR(10, 0, 4, 1)), 0);
}

static CU_TestInfo tests[] = {
	{ "request for us -> exact reply, sender learned", test_request_for_us_exact_reply },
	{ "request for another address ignored", test_request_not_for_us_ignored },
	{ "unsolicited reply creates no entry", test_unsolicited_reply_ignored },
	{ "bad htype/ptype/hlen/plen/op/sender/short counted", test_bad_fields_dropped_and_counted },
	{ "3 requests 1 s apart, then queued frames freed", test_resolution_retries_then_fails },
	{ "reply sends queued frames in order", test_reply_flushes_queue_in_order },
	{ "queue bound per entry", test_queue_bound_per_entry },
	{ "queue bound in total", test_queue_bound_total },
	{ "stale entry used while re-asking", test_learned_entry_goes_stale_and_is_refreshed },
	{ "gratuitous ARP at link up", test_gratuitous_at_link_up },
	{ "sender with our address is a conflict", test_sender_claims_our_address },
	{ "full table evicts the oldest resolved entry", test_table_full_evicts_oldest_resolved },
	{ "full table of unresolved entries", test_table_full_of_unresolved },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/arp", setup, teardown, tests);
