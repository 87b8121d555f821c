/* TCP resets and blind-attack defences: RST acceptance (RFC 9293 §3.10.7.4, RFC 5961 §3:
 * exact -> reset, in-window -> challenge ACK, outside -> ignored), SYN in a synchronized state
 * (RFC 5961 §4), ACK checks (RFC 5961 §5), the challenge-ACK rate limit (§7), PAWS
 * (RFC 7323 §5), and refusals: connection table full (RST); listener backlog full (SYN cookie). */
#include <string.h>
#include "tcp_harness.h"

#define P0 1001u

static void test_rst_exact_resets(void)
{
	uint32_t iss;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	CU_ASSERT_PTR_NOT_NULL(c);
	TH_SEG(.seq = P0, .flags = TCP_RST);
	CU_ASSERT_EQUAL(th_app.closes, 1);
	CU_ASSERT_EQUAL(th_app.close_reason, TCP_CLOSE_RESET);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_EQUAL(tcp_stats.estab_resets, 1);
	th_expect_none();
}

static void test_rst_in_window_challenge_ack(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	TH_SEG(.seq = P0 + 100, .flags = TCP_RST);
	CU_ASSERT_EQUAL(c->state, TCP_ESTABLISHED);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(o.ack, P0);
	CU_ASSERT_EQUAL(tcp_stats.challenge_acks, 1);
	/* outside the window: silently ignored */
	TH_SEG(.seq = P0 + 70000, .flags = TCP_RST);
	TH_SEG(.seq = P0 - 1, .flags = TCP_RST);
	th_expect_none();
	CU_ASSERT_EQUAL(tcp_stats.rst_ignored, 2);
	CU_ASSERT_EQUAL(th_app.closes, 0);
	CU_ASSERT_EQUAL(tcp_conn_count(), 1);
}

/* A peer ISS in the upper half of the sequence space must give the same window as any other:
 * the advertised edge starts at RCV.NXT, not at 0 (found by the hostile-packet suite). */
static void test_window_with_high_peer_iss(void)
{
	uint32_t iss, piss = 0xC0000000u;
	struct th_out o;
	struct tcp_conn *c = th_open(piss, th_opt_mss1460, 4, &iss, NULL);
	CU_ASSERT_EQUAL(c->rcv_adv - c->rcv_nxt, 65535);
	TH_SEG(.seq = piss + 1 + 0x100000, .flags = TCP_RST);
	th_expect_none();
	CU_ASSERT_EQUAL(tcp_stats.rst_ignored, 1);
	CU_ASSERT_EQUAL(tcp_stats.challenge_acks, 0);
	TH_SEG(.seq = piss + 1 + 100, .flags = TCP_RST);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, piss + 1);
	CU_ASSERT_EQUAL(tcp_stats.challenge_acks, 1);
}

static void test_syn_in_established_challenge_ack(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	TH_SEG(.seq = P0 + 10, .flags = TCP_SYN);
	CU_ASSERT_EQUAL(c->state, TCP_ESTABLISHED);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, P0);
	CU_ASSERT_EQUAL(tcp_stats.challenge_acks, 1);
	th_expect_none();
}

static void test_challenge_ack_rate_limit(void)
{
	uint32_t iss;
	struct th_out o;
	th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	unsigned sent = 0;
	for (int i = 0; i < TCP_CHALLENGE_PER_S + 5; i++) {
		TH_SEG(.seq = P0 + 1 + (uint32_t)i, .flags = TCP_RST);
		while (th_pop(&o))
			sent++;
	}
	CU_ASSERT_EQUAL(sent, TCP_CHALLENGE_PER_S);
	CU_ASSERT_EQUAL(tcp_stats.challenge_limited, 5);
	th_advance_ms(1000);                             /* next second: allowed again */
	TH_SEG(.seq = P0 + 1, .flags = TCP_RST);
	CU_ASSERT_TRUE(th_pop(&o));
}

static void test_ack_checks(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	/* ACK of data never sent: ACK back, segment dropped (its data too) */
	TH_SEG(.seq = P0, .ack = iss + 100, .flags = TCP_ACK, .data = "zz", .len = 2);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.ack, P0);
	CU_ASSERT_EQUAL(th_app.rx_len, 0);
	CU_ASSERT_EQUAL(tcp_stats.ack_too_new, 1);
	/* RFC 5961 §5.2: far below SND.UNA - MAX.SND.WND: challenge ACK */
	TH_SEG(.seq = P0, .ack = iss - 200000, .flags = TCP_ACK, .data = "zz", .len = 2);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(tcp_stats.ack_too_old, 1);
	CU_ASSERT_EQUAL(tcp_stats.challenge_acks, 1);
	CU_ASSERT_EQUAL(th_app.rx_len, 0);
	/* no ACK flag in a synchronized state: dropped */
	TH_SEG(.seq = P0, .flags = TCP_PSH, .data = "zz", .len = 2);
	CU_ASSERT_EQUAL(tcp_stats.no_ack, 1);
	CU_ASSERT_EQUAL(th_app.rx_len, 0);
	CU_ASSERT_EQUAL(c->state, TCP_ESTABLISHED);
	th_expect_none();
}

static void test_rst_in_syn_received(void)
{
	struct th_out o;
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(0, TH_LPORT, 8, th_accept, NULL));
	TH_SEG(.seq = 500, .flags = TCP_SYN);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(tcp_conn_count(), 1);
	TH_SEG(.seq = 501, .flags = TCP_RST);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_EQUAL(th_app.accepts, 0);
	CU_ASSERT_EQUAL(th_app.closes, 0);
	CU_ASSERT_EQUAL(tcp_stats.attempt_fails, 1);
	/* the listener is still there and its backlog slot was returned */
	TH_SEG(.seq = 900, .flags = TCP_SYN);
	CU_ASSERT_TRUE(th_pop(&o));
	CU_ASSERT_EQUAL(tcp_listener_lookup(TH_US, TH_LPORT)->pending, 1);
}

static void test_bad_ack_in_syn_received(void)
{
	struct th_out o;
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(0, TH_LPORT, 8, th_accept, NULL));
	TH_SEG(.seq = 500, .flags = TCP_SYN);
	CU_ASSERT_FATAL(th_pop(&o));
	TH_SEG(.seq = 501, .ack = o.seq + 5, .flags = TCP_ACK);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_RST);               /* <SEQ=SEG.ACK><CTL=RST> */
	CU_ASSERT_EQUAL(th_app.accepts, 0);
}

static void test_table_full_refused_with_rst(void)
{
	uint32_t iss;
	struct th_out o;
	tcp_set_max_conns(1);
	th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	TH_SEG(.sport = 40001, .seq = 3000, .flags = TCP_SYN);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, 3001);
	CU_ASSERT_EQUAL(o.dport, 40001);
	CU_ASSERT_EQUAL(tcp_stats.conn_table_full, 1);
	CU_ASSERT_EQUAL(tcp_conn_count(), 1);
	CU_ASSERT_PTR_NULL(tcp_connect(TH_PEER, 80, &th_cbs, NULL, th_connected));
	CU_ASSERT_EQUAL(tcp_stats.conn_table_full, 2);
}

static void test_backlog_full_syn_cookie(void)
{
	struct th_out o, ck;
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(0, TH_LPORT, 2, th_accept, NULL));
	TH_SEG(.sport = 50001, .seq = 1, .flags = TCP_SYN);
	TH_SEG(.sport = 50002, .seq = 1, .flags = TCP_SYN);
	CU_ASSERT_TRUE(th_pop(&o));
	CU_ASSERT_TRUE(th_pop(&o));
	/* the third SYN gets a stateless SYN-ACK: MSS option only, no new connection */
	TH_SEG(.sport = 50003, .seq = 7000, .flags = TCP_SYN, .opt = th_opt_mss1460, .optlen = 4,
	       .win = 29200);
	CU_ASSERT_FATAL(th_pop(&ck));
	CU_ASSERT_EQUAL(ck.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(ck.ack, 7001);
	CU_ASSERT_EQUAL(ck.optlen, 4);
	CU_ASSERT_EQUAL((ck.seq >> 24) & 7, 6);          /* MSS index: 1460 */
	CU_ASSERT_EQUAL(tcp_stats.listen_overflow, 1);
	CU_ASSERT_EQUAL(tcp_stats.syn_cookies_sent, 1);
	CU_ASSERT_EQUAL(tcp_conn_count(), 2);
	/* a forged ACK from a port no cookie went to is refused with RST */
	TH_SEG(.sport = 50004, .seq = 7001, .ack = ck.seq + 1, .flags = TCP_ACK);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_RST);
	CU_ASSERT_EQUAL(o.dport, 50004);
	CU_ASSERT_EQUAL(o.seq, ck.seq + 1);
	CU_ASSERT_EQUAL(tcp_stats.syn_cookies_failed, 1);
	/* the ACK and first data lost: a later segment of the peer that got the cookie is
	 * dropped without an answer, and without a connection */
	TH_SEG(.sport = 50003, .seq = 7001 + 1460, .ack = ck.seq + 1, .flags = TCP_ACK,
	       .data = "later", .len = 5, .win = 29200);
	CU_ASSERT_FALSE(th_pop(&o));
	CU_ASSERT_EQUAL(tcp_stats.syn_cookies_ahead, 1);
	CU_ASSERT_EQUAL(tcp_stats.syn_cookies_failed, 1);
	CU_ASSERT_EQUAL(tcp_conn_count(), 2);
	CU_ASSERT_EQUAL(th_app.accepts, 0);
	/* the real ACK, with data, makes the connection */
	TH_SEG(.sport = 50003, .seq = 7001, .ack = ck.seq + 1, .flags = TCP_ACK | TCP_PSH,
	       .data = "cookie", .len = 6, .win = 29200);
	CU_ASSERT_EQUAL(tcp_stats.syn_cookies_ok, 1);
	CU_ASSERT_EQUAL(th_app.accepts, 1);
	struct tcp_conn *c = th_app.conn;
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->rport, 50003);
	CU_ASSERT_EQUAL(c->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(c->snd_mss, 1460);
	CU_ASSERT_EQUAL(c->snd_una, ck.seq + 1);
	CU_ASSERT_EQUAL(c->snd_wnd, 29200);
	CU_ASSERT_EQUAL(th_app.rx_len, 6);
	CU_ASSERT(memcmp(th_app.rx, "cookie", 6) == 0);
	CU_ASSERT_EQUAL(tcp_conn_count(), 3);
	CU_ASSERT_EQUAL(tcp_send(c, "ok", 2), 2);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, ck.seq + 1);
	CU_ASSERT_EQUAL(o.ack, 7007);
}

/* A burst of cookies must not push its own 4-tuples out of the table (CI: 72 at once, one
 * reset when the table was direct-mapped): every later segment is held, none reset. */
static void test_syn_cookie_burst_remembered(void)
{
	struct th_out o, ck;
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(0, TH_LPORT, 1, th_accept, NULL));
	TH_SEG(.sport = 50001, .seq = 1, .flags = TCP_SYN);
	CU_ASSERT_TRUE(th_pop(&o));
	uint32_t cookie[100];
	for (unsigned i = 0; i < 100; i++) {
		TH_SEG(.sport = (uint16_t)(51000 + i), .seq = 7000 + i, .flags = TCP_SYN);
		CU_ASSERT_FATAL(th_pop(&ck));
		CU_ASSERT_EQUAL(ck.flags, TCP_SYN | TCP_ACK);
		cookie[i] = ck.seq;
	}
	CU_ASSERT_EQUAL(tcp_stats.syn_cookies_sent, 100);
	for (unsigned i = 0; i < 100; i++)
		TH_SEG(.sport = (uint16_t)(51000 + i), .seq = 7001 + i + 536, .ack = cookie[i] + 1,
		       .flags = TCP_ACK, .data = "later", .len = 5);
	CU_ASSERT_FALSE(th_pop(&o));
	CU_ASSERT_EQUAL(tcp_stats.syn_cookies_ahead, 100);
	CU_ASSERT_EQUAL(tcp_stats.syn_cookies_failed, 0);
	CU_ASSERT_EQUAL(tcp_conn_count(), 1);
}

static void test_syn_cookie_expires(void)
{
	struct th_out o, ck;
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(0, TH_LPORT, 1, th_accept, NULL));
	TH_SEG(.sport = 50001, .seq = 1, .flags = TCP_SYN);
	th_pop(&o);
	TH_SEG(.sport = 50002, .seq = 1, .flags = TCP_SYN);
	CU_ASSERT_FATAL(th_pop(&ck));
	th_advance_ms(130000);                           /* more than two 64 s periods */
	fake_netdev_reset();
	TH_SEG(.sport = 50002, .seq = 2, .ack = ck.seq + 1, .flags = TCP_ACK);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_RST);
	CU_ASSERT_EQUAL(tcp_stats.syn_cookies_ok, 0);
	CU_ASSERT_EQUAL(tcp_stats.syn_cookies_ahead, 0);   /* remembered no longer than valid */
	CU_ASSERT_EQUAL(th_app.accepts, 0);
}

static void test_paws(void)
{
	static const uint8_t syn_ts[16] = { 2, 4, 0x05, 0xb4, 1, 1, 8, 10, 0, 0, 0x10, 0, 0, 0, 0, 0 };
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, syn_ts, 16, &iss, NULL);
	CU_ASSERT_TRUE_FATAL(c->ts_on);
	uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0x20, 0, 0, 0, 0, 0 };
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .opt = ts, .optlen = 12, .data = "a", .len = 1);
	CU_ASSERT_EQUAL(th_app.rx_len, 1);
	CU_ASSERT_EQUAL(c->ts_recent, 0x2000);
	ts[6] = 0x18;                                    /* older timestamp: PAWS drops it */
	TH_SEG(.seq = P0 + 1, .ack = iss + 1, .flags = TCP_ACK, .opt = ts, .optlen = 12, .data = "b", .len = 1);
	CU_ASSERT_EQUAL(th_app.rx_len, 1);
	CU_ASSERT_EQUAL(tcp_stats.paws_dropped, 1);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.ack, P0 + 1);
	CU_ASSERT_EQUAL_FATAL(o.optlen, 12);             /* our ACK echoes TS.Recent */
	CU_ASSERT_EQUAL(o.opt[8] << 24 | o.opt[9] << 16 | o.opt[10] << 8 | o.opt[11], 0x2000);
}

static CU_TestInfo tests[] = {
	{ "RST at RCV.NXT resets", test_rst_exact_resets },
	{ "in-window RST: challenge ACK; outside: ignored", test_rst_in_window_challenge_ack },
	{ "window with a peer ISS in the upper half", test_window_with_high_peer_iss },
	{ "SYN when established: challenge ACK", test_syn_in_established_challenge_ack },
	{ "challenge ACK rate limit", test_challenge_ack_rate_limit },
	{ "ACK too new / too old / missing", test_ack_checks },
	{ "RST in SYN-RECEIVED", test_rst_in_syn_received },
	{ "bad ACK in SYN-RECEIVED", test_bad_ack_in_syn_received },
	{ "table full: RST", test_table_full_refused_with_rst },
	{ "backlog full: SYN cookie round trip", test_backlog_full_syn_cookie },
	{ "SYN cookie expires", test_syn_cookie_expires },
	{ "SYN cookie burst: every 4-tuple remembered", test_syn_cookie_burst_remembered },
	{ "PAWS", test_paws },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/tcp_rst", th_setup, th_teardown, tests);
