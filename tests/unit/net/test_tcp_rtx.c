/* TCP retransmission with the fake clock: RFC 6298 RTO from measured RTT, exponential
 * back-off, Karn's rule, the 60 s ceiling, giving up after TCP_MAX_RETRIES, fast retransmit
 * on three duplicate ACKs with NewReno partial/full ACKs (RFC 5681, RFC 6582), SACK-based
 * recovery (RFC 6675), and the Reno and CUBIC (RFC 9438) window curves. */
#include <string.h>
#include "tcp_harness.h"

#define P0 1001u

static uint8_t buf[8000];

/* Passive open with a 100 ms handshake RTT and peer MSS 1000. */
static struct tcp_conn *open_rtt100(uint32_t *iss)
{
	static const uint8_t mss1000[4] = { 2, 4, 0x03, 0xe8 };
	struct th_out o;
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(0, TH_LPORT, 8, th_accept, NULL));
	TH_SEG(.seq = 1000, .flags = TCP_SYN, .opt = mss1000, .optlen = 4);
	CU_ASSERT_FATAL(th_pop(&o));
	*iss = o.seq;
	th_advance_ms(100);
	TH_SEG(.seq = P0, .ack = o.seq + 1, .flags = TCP_ACK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(th_app.conn);
	return th_app.conn;
}

static void test_rto_backoff_and_karn(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_rtt100(&iss);
	CU_ASSERT_EQUAL(c->srtt, 100 * NS_PER_MS);       /* RFC 6298 §2.2 first sample */
	CU_ASSERT_EQUAL(c->rttvar, 50 * NS_PER_MS);
	CU_ASSERT_EQUAL(c->rto, 300 * NS_PER_MS);        /* SRTT + 4*RTTVAR */
	CU_ASSERT_EQUAL(tcp_send(c, "abcd", 4), 4);
	CU_ASSERT_FATAL(th_pop(&o));
	th_advance_ms(299);
	th_expect_none();
	th_advance_ms(1);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(o.len, 4);
	CU_ASSERT(memcmp(o.data, "abcd", 4) == 0);
	CU_ASSERT_EQUAL(c->rto, 600 * NS_PER_MS);        /* §5.5 back-off */
	CU_ASSERT_EQUAL(c->cwnd, 1000);                  /* RFC 5681 loss window */
	th_advance_ms(599);
	th_expect_none();
	th_advance_ms(1);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(tcp_stats.retrans_segs, 2);
	CU_ASSERT_EQUAL(tcp_stats.rto_timeouts, 2);
	th_advance_ms(50);
	TH_SEG(.seq = P0, .ack = iss + 5, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->srtt, 100 * NS_PER_MS);       /* Karn: no sample from a retransmission */
	CU_ASSERT_EQUAL(c->rto, 1200 * NS_PER_MS);       /* back-off kept until a new sample */
	CU_ASSERT_FALSE(timer_pending(&c->t_rtx));
	/* a fresh segment gives a sample again: SRTT 93.75 ms, RTTVAR 50 ms */
	CU_ASSERT_EQUAL(tcp_send(c, "efgh", 4), 4);
	CU_ASSERT_FATAL(th_pop(&o));
	th_advance_ms(50);
	TH_SEG(.seq = P0, .ack = iss + 9, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->srtt, 93750 * NS_PER_US);
	CU_ASSERT_EQUAL(c->rttvar, 50 * NS_PER_MS);
	CU_ASSERT_EQUAL(c->rto, 293750 * NS_PER_US);
}

static void test_rto_ceiling_and_give_up(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_rtt100(&iss);
	CU_ASSERT_EQUAL(tcp_send(c, "x", 1), 1);
	CU_ASSERT_FATAL(th_pop(&o));
	c->rto = 40 * NS_PER_S;
	tcp_rtx_arm(c);
	th_advance_ms(40000);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(c->rto, TCP_RTO_MAX_NS);         /* 80 s capped at 60 s */
	for (int i = 1; i < TCP_MAX_RETRIES; i++) {
		th_advance_ms(60000);
		CU_ASSERT_FATAL(th_pop(&o));
		CU_ASSERT_EQUAL(o.seq, iss + 1);
	}
	CU_ASSERT_EQUAL(th_app.closes, 0);
	th_advance_ms(60000);
	CU_ASSERT_EQUAL(th_app.closes, 1);
	CU_ASSERT_EQUAL(th_app.close_reason, TCP_CLOSE_TIMEOUT);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_EQUAL(tcp_stats.conn_timeouts, 1);
}

static void test_fast_retransmit_newreno(void)
{
	uint32_t iss;
	struct th_out o;
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	struct tcp_conn *c = open_rtt100(&iss);
	CU_ASSERT_EQUAL(c->cwnd, 10000);                 /* RFC 6928 IW: 10 segments */
	CU_ASSERT_EQUAL(tcp_send(c, buf, 5000), 5000);
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_FATAL(th_pop(&o));
		CU_ASSERT_EQUAL(o.seq, iss + 1 + 1000u * i);
	}
	TH_SEG(.seq = P0, .ack = iss + 1001, .flags = TCP_ACK);    /* segment 2 was lost */
	TH_SEG(.seq = P0, .ack = iss + 1001, .flags = TCP_ACK);
	TH_SEG(.seq = P0, .ack = iss + 1001, .flags = TCP_ACK);
	th_expect_none();
	TH_SEG(.seq = P0, .ack = iss + 1001, .flags = TCP_ACK);    /* third duplicate */
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, iss + 1001);
	CU_ASSERT_EQUAL(o.len, 1000);
	CU_ASSERT(memcmp(o.data, buf + 1000, 1000) == 0);
	CU_ASSERT_EQUAL(tcp_stats.fast_retrans, 1);
	CU_ASSERT_TRUE(c->in_recovery);
	CU_ASSERT_EQUAL(c->ssthresh, 2000);              /* FlightSize 4000 / 2 */
	CU_ASSERT_EQUAL(c->cwnd, 5000);                  /* ssthresh + 3*SMSS */
	CU_ASSERT_EQUAL(c->recover, iss + 5001);
	/* partial ACK: the next hole is retransmitted at once (RFC 6582 §3.2 step 5) */
	TH_SEG(.seq = P0, .ack = iss + 3001, .flags = TCP_ACK);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, iss + 3001);
	CU_ASSERT_EQUAL(o.len, 1000);
	CU_ASSERT_TRUE(c->in_recovery);
	/* full ACK ends recovery: cwnd = min(ssthresh, max(FlightSize, SMSS) + SMSS) */
	TH_SEG(.seq = P0, .ack = iss + 5001, .flags = TCP_ACK);
	CU_ASSERT_FALSE(c->in_recovery);
	CU_ASSERT_EQUAL(c->cwnd, 2000);
	CU_ASSERT_EQUAL(c->snd_queued, 0);
	th_expect_none();
	CU_ASSERT_EQUAL(tcp_stats.dup_acks, 3);
}

static void test_slow_start_growth(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_rtt100(&iss);
	CU_ASSERT_EQUAL(tcp_send(c, buf, 2000), 2000);
	th_pop(&o);
	th_pop(&o);
	TH_SEG(.seq = P0, .ack = iss + 2001, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->cwnd, 11000);                 /* ABC, L = 1 SMSS per ACK */
	c->ssthresh = 11000;                             /* congestion avoidance from here */
	CU_ASSERT_EQUAL(tcp_send(c, buf, 5500), 5500);
	while (th_pop(&o))
		;
	TH_SEG(.seq = P0, .ack = iss + 2001 + 5500, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->cwnd, 11000);                 /* half a window acked: not yet */
	CU_ASSERT_EQUAL(tcp_send(c, buf, 5500), 5500);
	while (th_pop(&o))
		;
	TH_SEG(.seq = P0, .ack = iss + 2001 + 11000, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->cwnd, 12000);                 /* one SMSS per window */
}

/* RFC 9438: after a loss at W_max the window climbs back concavely, plateaus near W_max
 * around t = K = cbrt(W_max*(1-beta)/C) (4.217 s for 100 segments), then grows convexly. */
static void test_cubic_curve(void)
{
	uint32_t iss;
	struct tcp_conn *c = open_rtt100(&iss);
	CU_ASSERT_EQUAL_FATAL(tcp_set_cc(c, "cubic"), 0);
	CU_ASSERT_EQUAL(tcp_set_cc(c, "vegas"), -1);
	c->srtt = 0;                                     /* evaluate W_cubic(t) itself */
	c->cwnd = 100000;                                /* 100 segments of 1000 */
	c->cc->on_loss(c, false);
	CU_ASSERT_EQUAL(c->ssthresh, 70000);             /* beta 0.7 */
	c->cwnd = c->ssthresh;
	uint32_t at[9];
	for (int ms = 0; ms <= 8000; ms++) {
		c->cc->on_ack(c, 1000);
		if (ms % 1000 == 0)
			at[ms / 1000] = c->cwnd;
		fake_now += NS_PER_MS;
	}
	CU_ASSERT_EQUAL(c->cc_priv[2], 4217);            /* K in ms */
	CU_ASSERT(at[1] > 70000 && at[1] < 100000);
	CU_ASSERT(at[1] - at[0] > at[4] - at[3]);        /* concave: slowing towards W_max */
	CU_ASSERT(at[4] >= 97000 && at[4] <= 101000);    /* plateau near W_max */
	CU_ASSERT(at[8] - at[7] > at[6] - at[5]);        /* convex beyond K */
	CU_ASSERT(at[8] > 110000);
	/* fast convergence: a loss below the previous maximum lowers W_max to cwnd*(1+beta)/2 */
	c->cwnd = 90000;
	c->cc_priv[1] = 120000;
	c->cc->on_loss(c, false);
	CU_ASSERT_EQUAL(c->cc_priv[1], 76500);
	CU_ASSERT_EQUAL(c->ssthresh, 63000);
	c->cc->on_loss(c, true);
	CU_ASSERT_EQUAL(c->cwnd, 1000);                  /* RTO: loss window */
}

static void test_default_cc(void)
{
	uint32_t iss;
	CU_ASSERT_EQUAL(tcp_set_default_cc("nope"), -1);
	CU_ASSERT_EQUAL_FATAL(tcp_set_default_cc("cubic"), 0);
	struct tcp_conn *c = open_rtt100(&iss);
	CU_ASSERT_PTR_EQUAL(c->cc, &tcp_cc_cubic);
	CU_ASSERT_EQUAL(c->cwnd, 10000);
}

/* ACK with up to two SACK blocks, edges relative to base. */
static void sack_ack(uint32_t base, uint32_t ack, int n, uint32_t l1, uint32_t r1, uint32_t l2, uint32_t r2)
{
	uint8_t opt[20] = { 1, 1, 5, (uint8_t)(2 + 8 * n) };
	uint32_t e[4] = { base + l1, base + r1, base + l2, base + r2 };
	for (int i = 0; i < 2 * n; i++)
		for (int b = 0; b < 4; b++)
			opt[4 + 4 * i + b] = (uint8_t)(e[i] >> (24 - 8 * b));
	TH_SEG(.seq = P0, .ack = base + ack, .flags = TCP_ACK, .opt = opt, .optlen = 4 + 8u * n);
}

/* Two segments lost in one window: SACK recovery resends both holes when it starts and
 * does not resend the second again on the partial ACK (NewReno alone would need 2 RTTs). */
static void test_sack_recovery_two_holes(void)
{
	static const uint8_t syn[8] = { 2, 4, 0x03, 0xe8, 1, 1, 4, 2 };
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, syn, 8, &iss, NULL);
	CU_ASSERT_TRUE_FATAL(c->sack_on);
	uint32_t b = iss + 1;
	CU_ASSERT_EQUAL(tcp_send(c, buf, 8000), 8000);
	for (int i = 0; i < 8; i++)
		CU_ASSERT_FATAL(th_pop(&o));
	TH_SEG(.seq = P0, .ack = b + 1000, .flags = TCP_ACK);          /* segment 1 */
	sack_ack(b, 1000, 1, 2000, 3000, 0, 0);                       /* 3: dup 1 */
	sack_ack(b, 1000, 1, 2000, 4000, 0, 0);                       /* 4: dup 2 */
	th_expect_none();
	sack_ack(b, 1000, 2, 5000, 6000, 2000, 4000);                 /* 6: dup 3 */
	CU_ASSERT_EQUAL(c->nsacked, 2);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, b + 1000);
	CU_ASSERT_EQUAL(o.len, 1000);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, b + 4000);                             /* the second hole too */
	CU_ASSERT_EQUAL(o.len, 1000);
	CU_ASSERT(memcmp(o.data, buf + 4000, 1000) == 0);
	th_expect_none();
	sack_ack(b, 1000, 2, 5000, 7000, 2000, 4000);                 /* 7: nothing new to resend */
	th_expect_none();
	sack_ack(b, 4000, 1, 5000, 7000, 0, 0);                       /* partial ACK */
	th_expect_none();                                             /* 4000.. already resent */
	CU_ASSERT_TRUE(c->in_recovery);
	CU_ASSERT_EQUAL(c->nsacked, 1);
	TH_SEG(.seq = P0, .ack = b + 8000, .flags = TCP_ACK);
	CU_ASSERT_FALSE(c->in_recovery);
	CU_ASSERT_EQUAL(c->nsacked, 0);
	CU_ASSERT_EQUAL(tcp_stats.retrans_segs, 2);
	CU_ASSERT_EQUAL(tcp_stats.fast_retrans, 1);
	/* blocks outside what was sent are ignored */
	CU_ASSERT_EQUAL(tcp_send(c, buf, 1000), 1000);
	th_pop(&o);
	sack_ack(b, 8000, 1, 9000, 12000, 0, 0);
	CU_ASSERT_EQUAL(c->nsacked, 0);
}

static void test_sack_scoreboard_merge(void)
{
	static const uint8_t syn[8] = { 2, 4, 0x03, 0xe8, 1, 1, 4, 2 };
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, syn, 8, &iss, NULL);
	uint32_t b = iss + 1;
	CU_ASSERT_EQUAL(tcp_send(c, buf, 8000), 8000);
	while (th_pop(&o))
		;
	sack_ack(b, 0, 2, 5000, 6000, 1000, 2000);
	sack_ack(b, 0, 1, 3000, 4000, 0, 0);
	CU_ASSERT_EQUAL_FATAL(c->nsacked, 3);
	CU_ASSERT_EQUAL(c->sacked[0][0], b + 1000);
	CU_ASSERT_EQUAL(c->sacked[1][0], b + 3000);
	CU_ASSERT_EQUAL(c->sacked[2][0], b + 5000);
	CU_ASSERT_EQUAL(c->sacked[2][1], b + 6000);
	sack_ack(b, 0, 1, 1500, 5500, 0, 0);                          /* bridges all three */
	CU_ASSERT_EQUAL_FATAL(c->nsacked, 1);
	CU_ASSERT_EQUAL(c->sacked[0][0], b + 1000);
	CU_ASSERT_EQUAL(c->sacked[0][1], b + 6000);
	TH_SEG(.seq = P0, .ack = b + 3000, .flags = TCP_ACK);          /* cumulative ACK trims */
	CU_ASSERT_EQUAL(c->sacked[0][0], b + 3000);
	fake_netdev_reset();
}

/* A data segment the interface refuses (TX ring full) with nothing in flight: no ACK will
 * come to trigger output again, so the retransmission timer must send it, as a first
 * transmission with no congestion response. */
static void test_refused_send_retried(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_rtt100(&iss);
	uint32_t cwnd = c->cwnd;
	fake_tx.refuse = 1;
	CU_ASSERT_EQUAL(tcp_send(c, "abcd", 4), 4);
	th_expect_none();
	CU_ASSERT_EQUAL(tcp_stats.out_blocked, 1);
	CU_ASSERT_EQUAL(c->snd_nxt, iss + 1);               /* still unsent */
	CU_ASSERT_TRUE(timer_pending(&c->t_rtx));
	th_advance_ms(299);
	th_expect_none();
	th_advance_ms(1);                                   /* RTO 300 ms */
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(o.len, 4);
	CU_ASSERT(memcmp(o.data, "abcd", 4) == 0);
	CU_ASSERT_EQUAL(tcp_stats.retrans_segs, 0);         /* never on the wire before */
	CU_ASSERT_EQUAL(tcp_stats.rto_timeouts, 0);
	CU_ASSERT_EQUAL(c->cwnd, cwnd);                     /* our NIC, not the network */
	CU_ASSERT_EQUAL(c->rto, 600 * NS_PER_MS);           /* backed off like a retry */
	CU_ASSERT_EQUAL(c->snd_nxt, iss + 5);
	TH_SEG(.seq = P0, .ack = iss + 5, .flags = TCP_ACK);
	CU_ASSERT_FALSE(timer_pending(&c->t_rtx));
	CU_ASSERT_EQUAL(c->retries, 0);
	fake_netdev_reset();
}

/* The peer closed, we close: a refused FIN in LAST-ACK is sent by the timer too. */
static void test_refused_fin_retried(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_rtt100(&iss);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_FIN | TCP_ACK);
	CU_ASSERT_FATAL(th_pop(&o));                        /* ACK of their FIN */
	CU_ASSERT_EQUAL(o.ack, P0 + 1);
	CU_ASSERT_EQUAL(c->state, TCP_CLOSE_WAIT);
	fake_tx.refuse = 1;
	tcp_close(c);
	CU_ASSERT_EQUAL(c->state, TCP_LAST_ACK);
	th_expect_none();
	CU_ASSERT_EQUAL(tcp_stats.out_blocked, 1);
	th_advance_ms(300);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_FIN | TCP_ACK);
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(tcp_stats.rto_timeouts, 0);
	TH_SEG(.seq = P0 + 1, .ack = iss + 2, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);               /* LAST-ACK -> CLOSED */
	fake_netdev_reset();
}

/* A timer left running after an ACK took everything does nothing when it fires. */
static void test_stale_timer_harmless(void)
{
	uint32_t iss;
	struct tcp_conn *c = open_rtt100(&iss);
	uint32_t cwnd = c->cwnd;
	uint64_t rto = c->rto;
	timer_arm(&c->t_rtx, c->rto);
	th_advance_ms(300);
	th_expect_none();
	CU_ASSERT_EQUAL(c->cwnd, cwnd);
	CU_ASSERT_EQUAL(c->rto, rto);
	CU_ASSERT_EQUAL(tcp_stats.rto_timeouts, 0);
	CU_ASSERT_FALSE(timer_pending(&c->t_rtx));
	fake_netdev_reset();
}

static CU_TestInfo tests[] = {
	{ "refused send retried by the timer", test_refused_send_retried },
	{ "refused FIN in LAST-ACK retried", test_refused_fin_retried },
	{ "stale retransmission timer harmless", test_stale_timer_harmless },
	{ "RTO back-off and Karn", test_rto_backoff_and_karn },
	{ "RTO ceiling and giving up", test_rto_ceiling_and_give_up },
	{ "fast retransmit and NewReno", test_fast_retransmit_newreno },
	{ "slow start and congestion avoidance", test_slow_start_growth },
	{ "CUBIC window curve", test_cubic_curve },
	{ "SACK recovery of two holes", test_sack_recovery_two_holes },
	{ "SACK scoreboard merging", test_sack_scoreboard_merge },
	{ "default congestion control", test_default_cc },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/tcp_rtx", th_setup, th_teardown, tests);
