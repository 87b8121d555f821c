/* net/ipv4_frag.c reassembly through ipv4_input(): an ICMP echo request in fragments is
 * answered with exactly the reply the whole request gets, in order, out of order, with a
 * duplicate, from a first fragment without tailroom; overlaps, tiny first fragments, bad
 * lengths, too many fragments, full tables, oversize datagrams and the 30 s timeout (ICMP
 * time exceeded code 1, exact bytes) are counted drops that leave nothing held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "ipv4_build.h"
#include "net/ipv4.h"
#include "net/ipv4_frag.h"
#include "net/arp.h"
#include "net/net.h"
#include "net/stats.h"
#include "net/proto/ipv4.h"
#include "kernel/timer.h"

void unit_expect_tx(const void *want, size_t len, const char *what);   /* fakes/netdev.c */

#define PEER   IPV4_ADDR(10, 0, 0, 1)
#define US     IPV4_ADDR(10, 0, 0, 2)
#define DLEN   1000                     /* echo data bytes: ICMP message of 1008 */

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t echo_rest[4] = { 0x12, 0x34, 0x00, 0x01 };   /* identifier, sequence */
static struct netdev *dev;
static uint8_t data[DLEN], msg[8 + DLEN];
static struct ipv4_stats *st = &net_stats.ipv4;

static void setup(void)
{
	dev = fake_netdev();
	net_reset();
	fake_netdev_reset();
	arp_learn(dev, PEER, peer_mac);
	for (unsigned i = 0; i < DLEN; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	ipb_icmp(msg, 8, 0, echo_rest, data, DLEN);    /* the echo request */
}

static void teardown(void)
{
	net_reset();
	fake_netdev_reset();
}

/* Receive bytes [off, off + len) of p as a fragment of datagram id (proto, MF as given). */
static void frag_p(const uint8_t *p, uint8_t proto, uint16_t id, unsigned off, unsigned len, bool mf)
{
	static uint8_t fr[1600];
	struct ipb h = { .ttl = 64, .proto = proto, .id = id, .src = PEER, .dst = US,
			 .frag_off = (uint16_t)((mf ? IPV4_F_MF : 0) | off / 8) };
	size_t n = ipb_frame(fr, our_mac, peer_mac, &h, p + off, len);
	net_rx(dev, unit_nb_from(fr, n));
}

static void frag(unsigned off, unsigned len, bool mf)
{
	frag_p(msg, IP_PROTO_ICMP, 0x4242, off, len, mf);
}

/* The reply to the whole request: our first datagram (ID 0), DF, TTL 64. */
static void expect_reply(const char *what)
{
	static uint8_t icmp[8 + DLEN], want[1600];
	size_t il = ipb_icmp(icmp, 0, 0, echo_rest, data, DLEN);
	struct ipb h = { .ttl = 64, .proto = IP_PROTO_ICMP, .frag_off = IPV4_F_DF, .src = US, .dst = PEER };
	size_t n = ipb_frame(want, peer_mac, our_mac, &h, icmp, il);
	CU_ASSERT_EQUAL(fake_tx.count, 1);
	unit_expect_tx(want, n, what);
	CU_ASSERT_EQUAL(st->reasm_oks, 1);
	CU_ASSERT_EQUAL(st->delivered, 1);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 0);
	CU_ASSERT_EQUAL(ipv4_reasm_pending(), 0);
}

static void test_in_order(void)
{
	frag(0, 400, true);
	frag(400, 400, true);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 2);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	frag(800, 208, false);
	CU_ASSERT_EQUAL(st->reasm_reqds, 3);
	expect_reply("in order");
}

static void test_out_of_order(void)
{
	frag(800, 208, false);
	frag(0, 400, true);
	frag(400, 400, true);
	expect_reply("out of order");
}

static void test_duplicate(void)
{
	frag(400, 400, true);
	frag(400, 400, true);           /* the same fragment again: dropped alone */
	CU_ASSERT_EQUAL(st->reasm_dup, 1);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 1);
	frag(0, 400, true);
	frag(800, 208, false);
	frag(800, 208, false);          /* after completion: a new datagram, held until timeout */
	CU_ASSERT_EQUAL(st->reasm_oks, 1);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 1);
	ipv4_reasm_flush();
	expect_reply("duplicate");
}

/* A first fragment whose buffer has no room behind it for the rest: copied to a fresh one. */
static void test_first_without_tailroom(void)
{
	static uint8_t fr[600];
	struct ipb h = { .ttl = 64, .proto = IP_PROTO_ICMP, .id = 0x4242, .src = PEER, .dst = US,
			 .frag_off = IPV4_F_MF };
	size_t n = ipb_frame(fr, our_mac, peer_mac, &h, msg, 400);
	struct netbuf *nb = nb_alloc();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	nb->data = nb->buf + NB_BUF_SIZE - n - 100;     /* 100 bytes of tailroom */
	memcpy(nb_put(nb, (uint32_t)n), fr, n);
	frag(800, 208, false);
	net_rx(dev, nb);
	frag(400, 400, true);
	expect_reply("first fragment copied");
}

static void test_overlap_drops_all(void)
{
	frag(0, 400, true);
	frag(400, 400, true);
	frag(792, 216, false);          /* starts 8 bytes inside the second */
	CU_ASSERT_EQUAL(st->reasm_overlap, 3);
	CU_ASSERT_EQUAL(st->reasm_fails, 1);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 0);
	CU_ASSERT_EQUAL(ipv4_reasm_pending(), 0);
	/* Same offset, other length: an overlap too, not a duplicate. */
	frag(0, 400, true);
	frag(0, 408, true);
	CU_ASSERT_EQUAL(st->reasm_overlap, 5);
	CU_ASSERT_EQUAL(st->reasm_dup, 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	CU_ASSERT_EQUAL(st->delivered, 0);
}

static void test_tiny_first_fragment(void)
{
	static uint8_t seg[64];
	memset(seg, 0xab, sizeof(seg));
	frag_p(seg, IP_PROTO_TCP, 7, 0, 16, true);  /* RFC 1858 §3: 16 of 20 header bytes */
	frag_p(seg, IP_PROTO_TCP, 8, 8, 16, true);  /* RFC 1858 §4: TCP at offset 8 */
	CU_ASSERT_EQUAL(st->reasm_tiny, 2);
	frag_p(seg, IP_PROTO_TCP, 9, 0, 24, true);  /* whole header: held */
	frag_p(seg, IP_PROTO_UDP, 9, 0, 8, true);   /* UDP header: held (another datagram) */
	CU_ASSERT_EQUAL(st->reasm_tiny, 2);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 2);
}

static void test_bad_lengths(void)
{
	frag(0, 12, true);                          /* non-last, not a multiple of 8 */
	CU_ASSERT_EQUAL(st->reasm_bad_len, 1);
	static uint8_t big[120];
	frag_p(big, IP_PROTO_UDP, 5, 8189 * 8, 100, false);     /* 65512 + 100 + 20 > 65535 */
	CU_ASSERT_EQUAL(st->reasm_bad_len, 2);
	/* Two different ends. */
	frag(800, 208, false);
	frag(400, 400, false);
	CU_ASSERT_EQUAL(st->reasm_bad_len, 4);
	/* A non-last fragment past the known end. */
	frag(400, 200, false);
	frag(600, 8, true);
	CU_ASSERT_EQUAL(st->reasm_bad_len, 6);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 0);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_too_many_fragments(void)
{
	static uint8_t p[8 * (IPV4_REASM_FRAGS + 1)];
	for (unsigned i = 0; i < IPV4_REASM_FRAGS; i++)
		frag_p(p, IP_PROTO_UDP, 3, 8 * i, 8, true);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), IPV4_REASM_FRAGS);
	frag_p(p, IP_PROTO_UDP, 3, 8 * IPV4_REASM_FRAGS, 8, false);
	CU_ASSERT_EQUAL(st->reasm_too_many, IPV4_REASM_FRAGS + 1);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 0);
}

static void test_table_full_evicts_oldest(void)
{
	for (unsigned i = 0; i < IPV4_REASM_MAX; i++)
		frag_p(msg, IP_PROTO_ICMP, (uint16_t)(0x1000 + i), 400, 400, true);
	frag(400, 400, true);           /* datagram 0x4242: the oldest (0x1000) goes */
	CU_ASSERT_EQUAL(st->reasm_evicted, 1);
	CU_ASSERT_EQUAL(ipv4_reasm_pending(), IPV4_REASM_MAX);
	frag(0, 400, true);
	frag(800, 208, false);
	CU_ASSERT_EQUAL(fake_tx.count, 1);
	fake_netdev_reset();
	frag_p(msg, IP_PROTO_ICMP, 0x1000, 0, 400, true);   /* evicted: a new datagram */
	CU_ASSERT_EQUAL(ipv4_reasm_held(), IPV4_REASM_MAX);
	frag_p(msg, IP_PROTO_ICMP, 0x1001, 0, 400, true);   /* still there: 2 of 3 */
	CU_ASSERT_EQUAL(ipv4_reasm_held(), IPV4_REASM_MAX + 1);
	CU_ASSERT_EQUAL(st->reasm_evicted, 1);
}

static void test_buffer_limit_evicts_oldest(void)
{
	static uint8_t p[8 * IPV4_REASM_FRAGS];
	unsigned per = IPV4_REASM_NBUFS / 2;
	for (unsigned d = 0; d < 2; d++)
		for (unsigned i = 0; i < per; i++)
			frag_p(p, IP_PROTO_UDP, (uint16_t)(20 + d), 8 * i, 8, true);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), IPV4_REASM_NBUFS);
	frag_p(p, IP_PROTO_UDP, 22, 0, 8, true);
	CU_ASSERT_EQUAL(st->reasm_evicted, per);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), per + 1);
	CU_ASSERT_EQUAL(ipv4_reasm_pending(), 2);
}

static void test_oversize(void)
{
	static uint8_t p[IPV4_REASM_MAXLEN];
	frag_p(p, IP_PROTO_UDP, 4, 0, 1000, true);
	unsigned last = IPV4_REASM_MAXLEN - 20 - 1000 + 1;     /* one byte too many */
	frag_p(p, IP_PROTO_UDP, 4, 1000, last, false);
	CU_ASSERT_EQUAL(st->reasm_oversize, 2);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 0);
	/* Exactly the limit fits. */
	frag_p(p, IP_PROTO_UDP, 6, 0, 1000, true);
	frag_p(p, IP_PROTO_UDP, 6, 1000, last - 1, false);
	CU_ASSERT_EQUAL(st->reasm_oks, 1);
	CU_ASSERT_EQUAL(st->reasm_oversize, 2);
}

static void test_timeout_sends_time_exceeded(void)
{
	frag(0, 400, true);
	frag(800, 208, false);
	fake_advance(IPV4_REASM_TIMEOUT_NS - 1);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 2);
	fake_advance(1);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 0);
	CU_ASSERT_EQUAL(st->reasm_timeout, 2);
	CU_ASSERT_EQUAL(st->reasm_fails, 1);
	/* RFC 792: type 11 code 1 quoting fragment zero's header and its first 8 data bytes. */
	static uint8_t quote[28], icmp[36], want[80];
	struct ipb f0 = { .ttl = 64, .proto = IP_PROTO_ICMP, .id = 0x4242, .src = PEER, .dst = US,
			  .frag_off = IPV4_F_MF };
	ipb_ip(quote, &f0, msg, 8);
	ipb_put16(quote + 2, 420);              /* the fragment's total length, not the quote's */
	quote[10] = quote[11] = 0;
	ipb_put16(quote + 10, ipb_csum(quote, 20));
	static const uint8_t zero[4];
	size_t il = ipb_icmp(icmp, 11, 1, zero, quote, 28);
	struct ipb h = { .ttl = 64, .proto = IP_PROTO_ICMP, .frag_off = IPV4_F_DF, .src = US, .dst = PEER };
	size_t n = ipb_frame(want, peer_mac, our_mac, &h, icmp, il);
	CU_ASSERT_EQUAL(fake_tx.count, 1);
	unit_expect_tx(want, n, "reassembly time exceeded");
	/* Without fragment zero there is nothing to quote: no error (RFC 1122 §3.3.2). */
	frag(400, 400, true);
	fake_advance(IPV4_REASM_TIMEOUT_NS);
	CU_ASSERT_EQUAL(st->reasm_timeout, 3);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
}

static void test_not_for_us_not_held(void)
{
	static uint8_t fr[200];
	struct ipb h = { .ttl = 64, .proto = IP_PROTO_UDP, .id = 1, .src = PEER,
			 .dst = IPV4_ADDR(10, 0, 0, 9), .frag_off = IPV4_F_MF };
	size_t n = ipb_frame(fr, our_mac, peer_mac, &h, msg, 64);
	net_rx(dev, unit_nb_from(fr, n));
	CU_ASSERT_EQUAL(st->not_for_us, 1);
	CU_ASSERT_EQUAL(st->reasm_reqds, 0);
	CU_ASSERT_EQUAL(ipv4_reasm_held(), 0);
}

/* An echo request larger than the MTU: reassembled, answered, and the reply fragmented
 * (RFC 1122 §3.3.3: a host may fragment what it sends). */
static void test_big_echo_reply_fragmented(void)
{
	enum { BIG = 1700 };
	static uint8_t bdata[BIG], req[8 + BIG], rep[8 + BIG], want[1600];
	for (unsigned i = 0; i < BIG; i++)
		bdata[i] = (uint8_t)(i ^ 0x5c);
	ipb_icmp(req, 8, 0, echo_rest, bdata, BIG);
	frag_p(req, IP_PROTO_ICMP, 0x99, 1480, 8 + BIG - 1480, false);
	frag_p(req, IP_PROTO_ICMP, 0x99, 0, 1480, true);
	CU_ASSERT_EQUAL_FATAL(fake_tx.count, 2);
	ipb_icmp(rep, 0, 0, echo_rest, bdata, BIG);
	struct ipb h = { .ttl = 64, .proto = IP_PROTO_ICMP, .frag_off = IPV4_F_MF, .src = US, .dst = PEER };
	size_t n = ipb_frame(want, peer_mac, our_mac, &h, rep, 1480);
	unit_expect_tx(want, n, "reply fragment 1");
	h.frag_off = 1480 / 8;
	n = ipb_frame(want, peer_mac, our_mac, &h, rep + 1480, 8 + BIG - 1480);
	unit_expect_tx(want, n, "reply fragment 2");
	CU_ASSERT_EQUAL(st->frag_created, 2);
	CU_ASSERT_EQUAL(st->out_too_big, 0);
}

/* netstat -s words Linux uses for the Ip reassembly counters. */
static void test_netstat_lines(void)
{
	frag(0, 400, true);
	frag(400, 400, true);
	frag(800, 208, false);
	fake_netdev_reset();
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len), *old = stdout;
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
	stdout = mem;
	net_stats_print();
	stdout = old;
	fclose(mem);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nIp:\n    3 in_receives\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n    3 reassemblies required\n    1 packets reassembled ok\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "packet reassembles failed"));   /* zero lines are left out */
	free(out);
}

static CU_TestInfo tests[] = {
	{ "in order", test_in_order },
	{ "out of order", test_out_of_order },
	{ "duplicate dropped alone", test_duplicate },
	{ "first fragment without tailroom", test_first_without_tailroom },
	{ "overlap drops the datagram", test_overlap_drops_all },
	{ "tiny first fragment (RFC 1858)", test_tiny_first_fragment },
	{ "bad lengths", test_bad_lengths },
	{ "too many fragments", test_too_many_fragments },
	{ "table full evicts the oldest", test_table_full_evicts_oldest },
	{ "buffer limit evicts the oldest", test_buffer_limit_evicts_oldest },
	{ "oversize", test_oversize },
	{ "timeout: ICMP time exceeded code 1", test_timeout_sends_time_exceeded },
	{ "not for us: not held", test_not_for_us_not_held },
	{ "big echo: reply in fragments", test_big_echo_reply_fragmented },
	{ "netstat -s lines", test_netstat_lines },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/frag", setup, teardown, tests);
