/* TCP data transfer segment by segment: delivery and delayed ACKs (RFC 1122 §4.2.3.2), our
 * segmentation by MSS, Nagle, the out-of-order queue, sequence wrap at 2^32, the manual
 * receive window, zero-window probing (RFC 9293 §3.8.6.1) and window scaling at 2^30. */
#include <string.h>
#include "tcp_harness.h"

#define P0 1001u                       /* peer's first data sequence number */

static uint8_t pattern[8192];

static void fill_pattern(void)
{
	for (unsigned i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
}

static void test_delivery_and_delayed_ack(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK | TCP_PSH, .data = "hello", .len = 5);
	CU_ASSERT_EQUAL(th_app.rx_len, 5);
	CU_ASSERT(memcmp(th_app.rx, "hello", 5) == 0);
	CU_ASSERT_EQUAL(c->rcv_nxt, P0 + 5);
	th_expect_none();                                /* one small segment: ACK is delayed */
	th_advance_ms(39);
	th_expect_none();
	th_advance_ms(1);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, P0 + 5);
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(tcp_stats.delayed_acks, 1);
	/* two full-sized segments: ACK at once (RFC 5681 §4.2) */
	fill_pattern();
	TH_SEG(.seq = P0 + 5, .ack = iss + 1, .flags = TCP_ACK, .data = pattern, .len = 1460);
	th_expect_none();
	TH_SEG(.seq = P0 + 1465, .ack = iss + 1, .flags = TCP_ACK, .data = pattern + 1460, .len = 1460);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.ack, P0 + 2925);
	CU_ASSERT(memcmp(th_app.rx + 5, pattern, 2920) == 0);
	th_advance_ms(100);
	th_expect_none();                                /* nothing left to acknowledge */
}

static void test_echo_piggybacks_ack(void)
{
	uint32_t iss;
	struct th_out o;
	th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	th_app.echo = true;
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK | TCP_PSH, .data = "ping", .len = 4);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK | TCP_PSH);
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(o.ack, P0 + 4);
	CU_ASSERT_EQUAL(o.len, 4);
	CU_ASSERT(memcmp(o.data, "ping", 4) == 0);
	CU_ASSERT_EQUAL(o.win, 65535);
	th_advance_ms(100);
	th_expect_none();                                /* the data carried the ACK */
}

static void test_send_segments_by_mss_and_acks(void)
{
	uint32_t iss;
	struct th_out o;
	fill_pattern();
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	CU_ASSERT_EQUAL(tcp_send(c, pattern, 3000), 3000);
	uint32_t want_len[3] = { 1460, 1460, 80 };
	uint32_t seq = iss + 1;
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(th_pop(&o));
		CU_ASSERT_EQUAL(o.seq, seq);
		CU_ASSERT_EQUAL(o.len, want_len[i]);
		CU_ASSERT(memcmp(o.data, pattern + (seq - iss - 1), o.len) == 0);
		CU_ASSERT_EQUAL(o.flags, i == 2 ? (TCP_ACK | TCP_PSH) : TCP_ACK);
		seq += o.len;
	}
	th_expect_none();
	CU_ASSERT_EQUAL(c->snd_queued, 3000);
	TH_SEG(.seq = P0, .ack = iss + 1 + 1460, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->snd_una, iss + 1461);
	CU_ASSERT_EQUAL(c->snd_queued, 1540);
	TH_SEG(.seq = P0, .ack = iss + 3001, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->snd_queued, 0);
	CU_ASSERT_FALSE(timer_pending(&c->t_rtx));       /* nothing outstanding */
	th_expect_none();
}

static void test_send_buffer_full_and_sent_callback(void)
{
	uint32_t iss;
	struct th_out o;
	fill_pattern();
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .win = 0);   /* peer window closed */
	size_t total = 0;
	while (total < TCP_SNDBUF) {
		ssize_t n = tcp_send(c, pattern, sizeof(pattern));
		CU_ASSERT_FATAL(n > 0);
		total += (size_t)n;
	}
	CU_ASSERT_EQUAL(total, TCP_SNDBUF);
	CU_ASSERT_EQUAL(tcp_send_room(c), 0);
	CU_ASSERT_EQUAL(tcp_send(c, pattern, 10), 0);
	th_expect_none();                                /* zero window: nothing goes out */
	/* the window opens: data flows; when the peer acknowledges, sent() fires once */
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .win = 8760);
	for (int i = 0; i < 6; i++) {
		CU_ASSERT_FATAL(th_pop(&o));
		CU_ASSERT_EQUAL(o.len, 1460);
	}
	th_expect_none();
	CU_ASSERT_EQUAL(th_app.sents, 0);
	TH_SEG(.seq = P0, .ack = iss + 1 + 2920, .flags = TCP_ACK, .win = 8760);
	CU_ASSERT_EQUAL(th_app.sents, 1);
	CU_ASSERT_EQUAL(tcp_send_room(c), 2920);
	fake_netdev_reset();
}

static void test_nagle(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	tcp_set_nodelay(c, false);
	CU_ASSERT_EQUAL(tcp_send(c, "abc", 3), 3);
	CU_ASSERT_FATAL(th_pop(&o));                     /* nothing in flight: goes at once */
	CU_ASSERT_EQUAL(o.len, 3);
	CU_ASSERT_EQUAL(tcp_send(c, "def", 3), 3);
	CU_ASSERT_EQUAL(tcp_send(c, "gh", 2), 2);
	th_expect_none();                                /* RFC 9293 §3.7.4: wait for the ACK */
	TH_SEG(.seq = P0, .ack = iss + 4, .flags = TCP_ACK);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, iss + 4);
	CU_ASSERT_EQUAL(o.len, 5);
	CU_ASSERT(memcmp(o.data, "defgh", 5) == 0);
	tcp_set_nodelay(c, true);
	CU_ASSERT_EQUAL(tcp_send(c, "i", 1), 1);
	CU_ASSERT_FATAL(th_pop(&o));                     /* nodelay: small segment with data out */
	CU_ASSERT_EQUAL(o.seq, iss + 9);
}

static void test_out_of_order_queue(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	TH_SEG(.seq = P0 + 5, .ack = iss + 1, .flags = TCP_ACK, .data = "world", .len = 5);
	CU_ASSERT_FATAL(th_pop(&o));                     /* immediate duplicate ACK */
	CU_ASSERT_EQUAL(o.ack, P0);
	CU_ASSERT_EQUAL(th_app.rx_len, 0);
	CU_ASSERT_EQUAL(c->ooo_count, 1);
	TH_SEG(.seq = P0 + 5, .ack = iss + 1, .flags = TCP_ACK, .data = "world", .len = 5);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(c->ooo_count, 1);                /* the duplicate was not kept twice */
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .data = "hello", .len = 5);
	CU_ASSERT_FATAL(th_pop(&o));                     /* hole filled: ACK at once */
	CU_ASSERT_EQUAL(o.ack, P0 + 10);
	CU_ASSERT_EQUAL(th_app.rx_len, 10);
	CU_ASSERT(memcmp(th_app.rx, "helloworld", 10) == 0);
	CU_ASSERT_EQUAL(c->ooo_count, 0);
	CU_ASSERT_EQUAL(tcp_stats.ooo_queued, 1);
	CU_ASSERT_EQUAL(tcp_stats.ooo_dropped, 1);
	/* a segment overlapping old and new data delivers only the new part */
	TH_SEG(.seq = P0 + 8, .ack = iss + 1, .flags = TCP_ACK, .data = "ldXYZ", .len = 5);
	CU_ASSERT_EQUAL(th_app.rx_len, 13);
	CU_ASSERT(memcmp(th_app.rx + 10, "XYZ", 3) == 0);
	/* a fully duplicate segment is re-ACKed at once */
	fake_netdev_reset();
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .data = "hello", .len = 5);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.ack, P0 + 13);
	CU_ASSERT_EQUAL(tcp_stats.out_of_window, 1);      /* RFC 9293 §3.10.7.4: not acceptable, ACK */
}

static void test_sequence_wrap(void)
{
	uint32_t iss;
	struct th_out o;
	fill_pattern();
	struct tcp_conn *c = th_open(0xfffffff0u, th_opt_mss1460, 4, &iss, NULL);
	/* peer data crosses 2^32 */
	TH_SEG(.seq = 0xfffffff1u, .ack = iss + 1, .flags = TCP_ACK, .data = pattern, .len = 100);
	CU_ASSERT_EQUAL(c->rcv_nxt, 0x55u);
	CU_ASSERT_EQUAL(th_app.rx_len, 100);
	/* an old segment from before the wrap is a duplicate, not future data */
	TH_SEG(.seq = 0xfffffff1u, .ack = iss + 1, .flags = TCP_ACK, .data = pattern, .len = 10);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.ack, 0x55u);
	CU_ASSERT_EQUAL(th_app.rx_len, 100);
	/* our side: move the send sequence next to the wrap and send across it */
	c->snd_una = c->snd_nxt = c->snd_max = c->snd_wl2 = 0xffffff00u;
	CU_ASSERT_EQUAL(tcp_send(c, pattern, 600), 600);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, 0xffffff00u);
	CU_ASSERT_EQUAL(o.len, 600);
	TH_SEG(.seq = 0x55u, .ack = 0xffffff00u + 300, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->snd_una, 0x2cu);              /* 0xffffff00 + 300 mod 2^32 */
	CU_ASSERT_EQUAL(c->snd_queued, 300);
	TH_SEG(.seq = 0x55u, .ack = 0x158u, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->snd_queued, 0);
	CU_ASSERT_EQUAL(c->snd_una, 0x158u);
	th_expect_none();
}

static void test_manual_window_shrinks_and_reopens(void)
{
	uint32_t iss;
	struct th_out o;
	fill_pattern();
	th_app.hold = true;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	uint32_t seq = P0;
	for (int i = 0; i < 4; i++) {
		TH_SEG(.seq = seq, .ack = iss + 1, .flags = TCP_ACK, .data = pattern, .len = 1460);
		seq += 1460;
	}
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.ack, seq);
	CU_ASSERT_EQUAL(o.win, 65535 - 4 * 1460 + 1);    /* 65536 - held, no scaling */
	CU_ASSERT_EQUAL(c->rcv_held, 4 * 1460);
	tcp_recved(c, 1000);
	th_expect_none();                                /* less than an MSS: no update (SWS) */
	tcp_recved(c, 1000);
	CU_ASSERT_FATAL(th_pop(&o));                     /* window update */
	CU_ASSERT_EQUAL(o.win, 65535 - 4 * 1460 + 1 + 2000);
	CU_ASSERT_EQUAL(o.ack, seq);
}

static void test_zero_window_probe(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .win = 0);
	CU_ASSERT_EQUAL(tcp_send(c, "0123456789", 10), 10);
	th_expect_none();
	CU_ASSERT_TRUE(c->persist);
	CU_ASSERT_EQUAL(c->rto, 200 * NS_PER_MS);        /* handshake RTT 0 here: the 200 ms floor */
	th_advance_ms(199);
	th_expect_none();
	th_advance_ms(1);                                /* first probe after one RTO */
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(o.len, 1);
	CU_ASSERT_EQUAL(o.data[0], '0');
	CU_ASSERT_EQUAL(tcp_stats.persist_probes, 1);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .win = 0);   /* still closed */
	th_advance_ms(399);
	th_expect_none();
	th_advance_ms(1);                                /* backed off: 400 ms */
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(o.len, 1);
	/* the peer takes the probe byte and opens its window: the rest follows */
	TH_SEG(.seq = P0, .ack = iss + 2, .flags = TCP_ACK, .win = 1000);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, iss + 2);
	CU_ASSERT_EQUAL(o.len, 9);
	CU_ASSERT(memcmp(o.data, "123456789", 9) == 0);
	CU_ASSERT_FALSE(c->persist);
}

static void test_window_scale_at_2_30(void)
{
	/* WS 15 is read as 14 (RFC 7323 §2.3): 65535 << 14 = 0x3fffc000, just under 2^30 */
	static const uint8_t opt[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 15 };
	uint32_t iss;
	struct th_out sa, o;
	struct tcp_conn *c = th_open(1000, opt, 8, &iss, &sa);
	CU_ASSERT_EQUAL(sa.opt[7], TCP_RCV_WSCALE);
	CU_ASSERT_EQUAL(c->snd_wscale, 14);
	CU_ASSERT_EQUAL(c->snd_wnd, 0x3fffc000u);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .win = 1);   /* 1 << 14 */
	CU_ASSERT_EQUAL(c->snd_wnd, 16384);
	/* our advertised window is scaled down by our shift: 65536 >> 2 */
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .data = "x", .len = 1);
	th_advance_ms(40);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.win, (65536 >> 2));
	CU_ASSERT_EQUAL(c->rcv_adv, P0 + 1 + 65536);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void test_sack_blocks(void)
{
	static const uint8_t syn[8] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
	uint32_t iss;
	struct th_out sa, o;
	fill_pattern();
	struct tcp_conn *c = th_open(1000, syn, 8, &iss, &sa);
	static const uint8_t want_syn[8] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
	CU_ASSERT_EQUAL_FATAL(sa.optlen, 8);
	CU_ASSERT(memcmp(sa.opt, want_syn, 8) == 0);
	CU_ASSERT_TRUE(c->sack_on);
	TH_SEG(.seq = P0 + 100, .ack = iss + 1, .flags = TCP_ACK, .data = pattern, .len = 100);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.ack, P0);
	CU_ASSERT_EQUAL_FATAL(o.optlen, 12);             /* NOP NOP SACK(10): one block */
	CU_ASSERT(o.opt[0] == 1 && o.opt[1] == 1 && o.opt[2] == 5 && o.opt[3] == 10);
	CU_ASSERT_EQUAL(get32(o.opt + 4), P0 + 100);
	CU_ASSERT_EQUAL(get32(o.opt + 8), P0 + 200);
	TH_SEG(.seq = P0 + 300, .ack = iss + 1, .flags = TCP_ACK, .data = pattern, .len = 50);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL_FATAL(o.optlen, 20);             /* two blocks, the newest first */
	CU_ASSERT_EQUAL(o.opt[3], 18);
	CU_ASSERT_EQUAL(get32(o.opt + 4), P0 + 300);
	CU_ASSERT_EQUAL(get32(o.opt + 8), P0 + 350);
	CU_ASSERT_EQUAL(get32(o.opt + 12), P0 + 100);
	CU_ASSERT_EQUAL(get32(o.opt + 16), P0 + 200);
	TH_SEG(.seq = P0 + 200, .ack = iss + 1, .flags = TCP_ACK, .data = pattern, .len = 100);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL_FATAL(o.optlen, 12);             /* adjacent segments merge */
	CU_ASSERT_EQUAL(get32(o.opt + 4), P0 + 100);
	CU_ASSERT_EQUAL(get32(o.opt + 8), P0 + 350);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .data = pattern, .len = 100);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.ack, P0 + 350);
	CU_ASSERT_EQUAL(o.optlen, 0);                    /* nothing out of order: no SACK */
	CU_ASSERT_EQUAL(th_app.rx_len, 350);
}

/* SACK blocks take only the room a data segment leaves below the MSS: a full segment plus
 * options never exceeds the MTU (found by the 200-connection integration test). */
static void test_sack_blocks_fit_the_mss(void)
{
	static const uint8_t syn[8] = { 2, 4, 0x05, 0xb4, 1, 1, 4, 2 };
	uint32_t iss;
	struct th_out o;
	fill_pattern();
	struct tcp_conn *c = th_open(1000, syn, 8, &iss, NULL);
	tcp_set_nodelay(c, true);
	TH_SEG(.seq = P0 + 100, .ack = iss + 1, .flags = TCP_ACK, .data = pattern, .len = 100);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.optlen, 12);                   /* the dup ACK carries the block */
	CU_ASSERT_EQUAL(tcp_send(c, pattern, 1460), 1460);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.len, 1460);
	CU_ASSERT_EQUAL(o.optlen, 0);                    /* no room left below MSS 1460 */
	CU_ASSERT_EQUAL(tcp_send(c, pattern, 1000), 1000);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.len, 1000);
	CU_ASSERT_EQUAL_FATAL(o.optlen, 12);             /* 460 bytes of room: one block fits */
	CU_ASSERT_EQUAL(get32(o.opt + 4), P0 + 100);
}

static CU_TestInfo tests[] = {
	{ "delivery and delayed ACK", test_delivery_and_delayed_ack },
	{ "SACK blocks fit the MSS", test_sack_blocks_fit_the_mss },
	{ "echo piggybacks the ACK", test_echo_piggybacks_ack },
	{ "segmentation by MSS, ACKs free the queue", test_send_segments_by_mss_and_acks },
	{ "send buffer full, sent callback", test_send_buffer_full_and_sent_callback },
	{ "Nagle", test_nagle },
	{ "out-of-order queue", test_out_of_order_queue },
	{ "sequence wrap at 2^32", test_sequence_wrap },
	{ "manual receive window", test_manual_window_shrinks_and_reopens },
	{ "zero-window probes", test_zero_window_probe },
	{ "window scale at the 2^30 edge", test_window_scale_at_2_30 },
	{ "SACK blocks (RFC 2018)", test_sack_blocks },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/tcp_data", th_setup, th_teardown, tests);
