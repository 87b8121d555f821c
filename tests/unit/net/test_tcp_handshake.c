/* TCP connection set-up and teardown, segment by segment: passive and active open with the
 * exact SYN-ACK/SYN options, RSTs for segments to no connection (RFC 9293 §3.10.7.1), header
 * validation counters, and every FIN path (RFC 9293 §3.10.7.4 eighth step) to CLOSED. */
#include <string.h>
#include "tcp_harness.h"

static const uint8_t syn_opts_linux[20] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0, 0, 1, 3, 3, 7,
};

static void test_passive_open_mss_only(void)
{
	struct th_out sa;
	uint32_t iss;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, &sa);
	CU_ASSERT_EQUAL(sa.sport, TH_LPORT);
	CU_ASSERT_EQUAL(sa.dport, TH_PPORT);
	CU_ASSERT_EQUAL(sa.ack, 1001);
	CU_ASSERT_EQUAL(sa.win, 65535);                  /* SYN window is never scaled */
	CU_ASSERT_EQUAL(sa.optlen, 4);                   /* no WS/TS: the peer did not offer */
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	CU_ASSERT(memcmp(sa.opt, mss, 4) == 0);
	CU_ASSERT_EQUAL(sa.len, 0);
	CU_ASSERT_EQUAL(c->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(th_app.accepts, 1);
	CU_ASSERT_EQUAL(c->snd_mss, 1460);
	CU_ASSERT_EQUAL(c->snd_una, iss + 1);
	CU_ASSERT_EQUAL(c->rcv_nxt, 1001);
	CU_ASSERT_EQUAL(c->snd_wscale, 0);
	CU_ASSERT_EQUAL(tcp_stats.passive_opens, 1);
	CU_ASSERT_EQUAL(tcp_stats.curr_estab, 1);
	th_expect_none();                                /* the final ACK is not answered */
}

static void test_passive_open_all_options(void)
{
	struct th_out sa;
	uint32_t iss;
	struct tcp_conn *c = th_open(0xfffffff0u, syn_opts_linux, 20, &iss, &sa);
	/* MSS 1460, SACK_PERM TS(tsval = 1000000 ms, tsecr = 0x1234), NOP WS 2 */
	CU_ASSERT_EQUAL_FATAL(sa.optlen, 20);
	static const uint8_t want[20] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x00, 0x0f, 0x42, 0x40, 0, 0, 0x12, 0x34, 1, 3, 3, 2,
	};
	CU_ASSERT(memcmp(sa.opt, want, 20) == 0);
	CU_ASSERT_EQUAL(sa.ack, 0xfffffff1u);
	CU_ASSERT_EQUAL(c->snd_wscale, 7);
	CU_ASSERT_EQUAL(c->rcv_wscale, 2);
	CU_ASSERT_TRUE(c->ts_on);
	CU_ASSERT_TRUE(c->sack_on);
	CU_ASSERT_EQUAL(c->snd_mss, 1460 - 12);          /* RFC 6691: room for the TS option */
	CU_ASSERT_EQUAL(c->snd_wnd, 65535u << 7);        /* the ACK's window is scaled */
}

static void test_rst_for_closed_port(void)
{
	struct th_out o;
	TH_SEG(.dport = 9, .seq = 5000, .flags = TCP_SYN);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_RST | TCP_ACK);     /* no ACK in: <SEQ=0><ACK=SEG.SEQ+SEG.LEN> */
	CU_ASSERT_EQUAL(o.seq, 0);
	CU_ASSERT_EQUAL(o.ack, 5001);
	CU_ASSERT_EQUAL(o.sport, 9);
	CU_ASSERT_EQUAL(o.win, 0);
	TH_SEG(.dport = 9, .seq = 5000, .ack = 777, .flags = TCP_ACK, .data = "abc", .len = 3);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_RST);               /* ACK in: <SEQ=SEG.ACK><CTL=RST> */
	CU_ASSERT_EQUAL(o.seq, 777);
	CU_ASSERT_EQUAL(o.ack, 0);
	TH_SEG(.dport = 9, .seq = 5000, .flags = TCP_RST);
	th_expect_none();                                /* never answer an RST */
	CU_ASSERT_EQUAL(tcp_stats.no_port, 2);
	CU_ASSERT_EQUAL(tcp_stats.rst_no_conn, 1);
	CU_ASSERT_EQUAL(tcp_stats.out_rsts, 2);
}

static void test_bad_segments_counted(void)
{
	TH_SEG(.dport = 9, .seq = 1, .flags = TCP_SYN, .bad_csum = true);
	th_expect_none();
	CU_ASSERT_EQUAL(tcp_stats.bad_csum, 1);
	CU_ASSERT_EQUAL(tcp_stats.in_errs, 1);
	static const uint8_t badopt[4] = { 2, 0, 0, 0 };   /* option length 0 */
	TH_SEG(.dport = 9, .seq = 1, .flags = TCP_SYN, .opt = badopt, .optlen = 4);
	th_expect_none();
	CU_ASSERT_EQUAL(tcp_stats.bad_opt, 1);
	static const uint8_t runs_past[4] = { 1, 1, 8, 10 };  /* TS claims 10 bytes, 2 left */
	TH_SEG(.dport = 9, .seq = 1, .flags = TCP_SYN, .opt = runs_past, .optlen = 4);
	CU_ASSERT_EQUAL(tcp_stats.bad_opt, 2);
	CU_ASSERT_EQUAL(tcp_stats.in_errs, 3);
	CU_ASSERT_EQUAL(tcp_stats.in_segs, 3);
	th_expect_none();
}

static void test_listener_rejects_ack_and_ignores_rst(void)
{
	struct th_out o;
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(0, TH_LPORT, 8, th_accept, NULL));
	TH_SEG(.seq = 10, .ack = 4242, .flags = TCP_ACK);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_RST);
	CU_ASSERT_EQUAL(o.seq, 4242);
	TH_SEG(.seq = 10, .flags = TCP_RST);
	th_expect_none();
	CU_ASSERT_EQUAL(tcp_stats.bad_listen_seg, 2);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_PTR_NULL(tcp_listen(0, TH_LPORT, 8, th_accept, NULL));   /* port taken */
}

static void test_syn_ack_retransmitted_on_dup_syn(void)
{
	struct th_out a, b;
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(0, TH_LPORT, 8, th_accept, NULL));
	TH_SEG(.seq = 77, .flags = TCP_SYN, .opt = th_opt_mss1460, .optlen = 4);
	CU_ASSERT_FATAL(th_pop(&a));
	TH_SEG(.seq = 77, .flags = TCP_SYN, .opt = th_opt_mss1460, .optlen = 4);
	CU_ASSERT_FATAL(th_pop(&b));
	CU_ASSERT_EQUAL(b.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(b.seq, a.seq);
	CU_ASSERT_EQUAL(b.ack, 78);
	CU_ASSERT_EQUAL(tcp_conn_count(), 1);
	/* RFC 6298 §5: the SYN-ACK is retransmitted after 1 s, then 2 s */
	th_advance_ms(999);
	th_expect_none();
	th_advance_ms(1);
	CU_ASSERT_FATAL(th_pop(&b));
	CU_ASSERT_EQUAL(b.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(b.seq, a.seq);
	th_advance_ms(1999);
	th_expect_none();
	th_advance_ms(1);
	CU_ASSERT_FATAL(th_pop(&b));
	CU_ASSERT_EQUAL(tcp_stats.retrans_segs, 3);   /* answer to the duplicate SYN + 2 timeouts */
}

static void test_active_open(void)
{
	struct th_out o;
	struct tcp_conn *c = tcp_connect(TH_PEER, 80, &th_cbs, NULL, th_connected);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_SYN);
	CU_ASSERT_EQUAL(o.dport, 80);
	CU_ASSERT_EQUAL(o.sport, TCP_EPHEMERAL_LO);
	CU_ASSERT_EQUAL(o.ack, 0);
	static const uint8_t want[20] = {    /* MSS, SACK_PERM, TS (tsecr 0), NOP, WS 2 */
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x00, 0x0f, 0x42, 0x40, 0, 0, 0, 0, 1, 3, 3, 2,
	};
	CU_ASSERT_EQUAL_FATAL(o.optlen, 20);
	CU_ASSERT(memcmp(o.opt, want, 20) == 0);
	CU_ASSERT_EQUAL(c->state, TCP_SYN_SENT);
	uint32_t iss = o.seq;
	/* SYN-ACK with MSS 1000 only: no WS, no TS afterwards */
	static const uint8_t mss1000[4] = { 2, 4, 0x03, 0xe8 };
	TH_SEG(.sport = 80, .dport = o.sport, .seq = 9000, .ack = iss + 1, .flags = TCP_SYN | TCP_ACK,
	       .opt = mss1000, .optlen = 4, .win = 30000);
	CU_ASSERT_EQUAL(th_app.connects, 1);
	CU_ASSERT_EQUAL(th_app.connect_err, 0);
	CU_ASSERT_EQUAL(c->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(c->snd_mss, 1000);
	CU_ASSERT_FALSE(c->ts_on);
	CU_ASSERT_FALSE(c->ws_on);
	CU_ASSERT_FALSE(c->sack_on);
	CU_ASSERT_EQUAL(c->snd_wnd, 30000);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(o.ack, 9001);
	CU_ASSERT_EQUAL(o.optlen, 0);
	CU_ASSERT_EQUAL(o.win, 65535);
	CU_ASSERT_EQUAL(tcp_stats.active_opens, 1);
}

static void test_active_open_refused(void)
{
	struct th_out o;
	struct tcp_conn *c = tcp_connect(TH_PEER, 81, &th_cbs, NULL, th_connected);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_FATAL(th_pop(&o));
	uint16_t lport = o.sport;
	/* an RST whose ACK does not cover our SYN is ignored (RFC 9293 §3.10.7.3) */
	TH_SEG(.sport = 81, .dport = lport, .seq = 0, .ack = o.seq, .flags = TCP_RST | TCP_ACK);
	th_expect_none();
	CU_ASSERT_EQUAL(th_app.connects, 0);
	CU_ASSERT_EQUAL(c->state, TCP_SYN_SENT);
	TH_SEG(.sport = 81, .dport = lport, .seq = 0, .ack = c->iss + 1,
	       .flags = TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(th_app.connects, 1);
	CU_ASSERT_EQUAL(th_app.connect_err, TCP_CLOSE_REFUSED);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_EQUAL(tcp_stats.attempt_fails, 1);
}

static void test_syn_sent_gives_up(void)
{
	struct th_out o;
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_connect(TH_PEER, 82, &th_cbs, NULL, th_connected));
	CU_ASSERT_FATAL(th_pop(&o));
	uint64_t wait = 1000;
	for (int i = 0; i < TCP_SYN_RETRIES; i++) {    /* 1, 2, 4, 8, 16 s */
		th_advance_ms(wait - 1);
		th_expect_none();
		th_advance_ms(1);
		CU_ASSERT_FATAL(th_pop(&o));
		CU_ASSERT_EQUAL(o.flags, TCP_SYN);
		wait *= 2;
	}
	th_advance_ms(wait);
	th_expect_none();
	CU_ASSERT_EQUAL(th_app.connects, 1);
	CU_ASSERT_EQUAL(th_app.connect_err, TCP_CLOSE_TIMEOUT);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
}

static CU_TestInfo tests[] = {
	{ "passive open, MSS only", test_passive_open_mss_only },
	{ "passive open, MSS+SACK_PERM+TS+WS", test_passive_open_all_options },
	{ "RST for a closed port", test_rst_for_closed_port },
	{ "bad checksum and options counted", test_bad_segments_counted },
	{ "listener: ACK gets RST, RST ignored", test_listener_rejects_ack_and_ignores_rst },
	{ "SYN-ACK retransmission", test_syn_ack_retransmitted_on_dup_syn },
	{ "active open", test_active_open },
	{ "active open refused", test_active_open_refused },
	{ "SYN retries then timeout", test_syn_sent_gives_up },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/tcp_handshake", th_setup, th_teardown, tests);
