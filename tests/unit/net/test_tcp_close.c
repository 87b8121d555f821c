/* TCP connection teardown, every FIN path of RFC 9293 §3.10.7.4 (eighth step) and the
 * CLOSE call (§3.10.4): passive close (CLOSE-WAIT, LAST-ACK), active close (FIN-WAIT-1/2,
 * TIME-WAIT for 2*MSL), simultaneous close (CLOSING), FIN+ACK in FIN-WAIT-1, FIN
 * retransmission, data after tcp_close() answered with RST, and tcp_abort(). */
#include <string.h>
#include "tcp_harness.h"

#define P0 1001u

static struct tcp_conn *open_conn(uint32_t *iss)
{
	tcp_set_msl(1000);                               /* TIME-WAIT = 2 s in these tests */
	return th_open(1000, th_opt_mss1460, 4, iss, NULL);
}

static void test_passive_close(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_conn(&iss);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK | TCP_FIN);
	CU_ASSERT_EQUAL(c->state, TCP_CLOSE_WAIT);
	CU_ASSERT_EQUAL(th_app.fins, 1);
	CU_ASSERT_FATAL(th_pop(&o));                     /* FIN is ACKed at once */
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, P0 + 1);
	/* half-close: we can still send */
	CU_ASSERT_EQUAL(tcp_send(c, "bye", 3), 3);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.len, 3);
	tcp_close(c);
	CU_ASSERT_EQUAL(c->state, TCP_LAST_ACK);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK | TCP_FIN);
	CU_ASSERT_EQUAL(o.seq, iss + 4);
	CU_ASSERT_EQUAL(o.ack, P0 + 1);
	TH_SEG(.seq = P0 + 1, .ack = iss + 5, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_EQUAL(th_app.closes, 0);               /* tcp_close(): no callback */
	CU_ASSERT_EQUAL(tcp_stats.curr_estab, 0);
	th_expect_none();
}

static void test_passive_close_with_closed_callback(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_conn(&iss);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK | TCP_FIN);
	th_pop(&o);
	tcp_shutdown(c);                                 /* app keeps its handle */
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK | TCP_FIN);
	TH_SEG(.seq = P0 + 1, .ack = iss + 2, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(th_app.closes, 1);
	CU_ASSERT_EQUAL(th_app.close_reason, TCP_CLOSE_NORMAL);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
}

static void test_active_close_time_wait(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_conn(&iss);
	tcp_shutdown(c);
	CU_ASSERT_EQUAL(c->state, TCP_FIN_WAIT_1);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK | TCP_FIN);
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(tcp_send(c, "x", 1), -1);        /* no data after our FIN */
	TH_SEG(.seq = P0, .ack = iss + 2, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->state, TCP_FIN_WAIT_2);
	th_expect_none();
	/* FIN-WAIT-2 still receives */
	TH_SEG(.seq = P0, .ack = iss + 2, .flags = TCP_ACK, .data = "late", .len = 4);
	CU_ASSERT_EQUAL(th_app.rx_len, 4);
	TH_SEG(.seq = P0 + 4, .ack = iss + 2, .flags = TCP_ACK | TCP_FIN);
	CU_ASSERT_EQUAL(c->state, TCP_TIME_WAIT);
	CU_ASSERT_EQUAL(th_app.fins, 1);
	CU_ASSERT_EQUAL(th_app.closes, 1);               /* closed() on entering TIME-WAIT */
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, P0 + 5);
	CU_ASSERT_EQUAL(o.seq, iss + 2);
	/* a retransmitted FIN is ACKed again and restarts 2*MSL */
	th_advance_ms(1500);
	TH_SEG(.seq = P0 + 4, .ack = iss + 2, .flags = TCP_ACK | TCP_FIN);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.ack, P0 + 5);
	th_advance_ms(1999);
	CU_ASSERT_EQUAL(tcp_conn_count(), 1);
	th_advance_ms(1);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_EQUAL(th_app.closes, 1);
	th_expect_none();
}

static void test_fin_ack_in_fin_wait_1(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_conn(&iss);
	tcp_shutdown(c);
	th_pop(&o);
	TH_SEG(.seq = P0, .ack = iss + 2, .flags = TCP_ACK | TCP_FIN);
	CU_ASSERT_EQUAL(c->state, TCP_TIME_WAIT);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.ack, P0 + 1);
}

static void test_simultaneous_close(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_conn(&iss);
	tcp_shutdown(c);
	th_pop(&o);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK | TCP_FIN);   /* crosses our FIN */
	CU_ASSERT_EQUAL(c->state, TCP_CLOSING);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, P0 + 1);
	TH_SEG(.seq = P0 + 1, .ack = iss + 2, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->state, TCP_TIME_WAIT);
	th_advance_ms(2000);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
}

static void test_fin_retransmitted(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_conn(&iss);
	CU_ASSERT_EQUAL(tcp_send(c, "data", 4), 4);
	tcp_shutdown(c);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK | TCP_PSH);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK | TCP_FIN);
	CU_ASSERT_EQUAL(o.seq, iss + 5);
	TH_SEG(.seq = P0, .ack = iss + 5, .flags = TCP_ACK);   /* data acked, FIN lost */
	CU_ASSERT_EQUAL(c->state, TCP_FIN_WAIT_1);
	th_advance_ms(c->rto / NS_PER_MS);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK | TCP_FIN);
	CU_ASSERT_EQUAL(o.seq, iss + 5);
	CU_ASSERT_EQUAL(o.len, 0);
	TH_SEG(.seq = P0, .ack = iss + 6, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->state, TCP_FIN_WAIT_2);
}

static void test_data_after_close_gets_rst(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_conn(&iss);
	tcp_close(c);
	th_pop(&o);
	TH_SEG(.seq = P0, .ack = iss + 2, .flags = TCP_ACK, .data = "more", .len = 4);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(o.seq, iss + 2);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_EQUAL(tcp_stats.rcv_after_close, 1);
	CU_ASSERT_EQUAL(th_app.rx_len, 0);
}

static void test_abort_sends_rst(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_conn(&iss);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK, .data = "abc", .len = 3);
	tcp_abort(c);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(o.ack, P0 + 3);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_EQUAL(th_app.closes, 0);
	th_advance_ms(100);
	th_expect_none();                                /* the delayed ACK died with it */
}

static void test_orphan_fin_wait_2_times_out(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = open_conn(&iss);
	tcp_close(c);
	th_pop(&o);
	TH_SEG(.seq = P0, .ack = iss + 2, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->state, TCP_FIN_WAIT_2);
	th_advance_ms(1999);                             /* the peer never sends its FIN */
	CU_ASSERT_EQUAL(tcp_conn_count(), 1);
	th_advance_ms(1);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_EQUAL(th_app.closes, 0);
}

static void test_unlisten_orphans_handshake(void)
{
	struct th_out o;
	struct tcp_listener *l = tcp_listen(0, TH_LPORT, 8, th_accept, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	TH_SEG(.seq = 1000, .flags = TCP_SYN);
	CU_ASSERT_FATAL(th_pop(&o));
	tcp_unlisten(l);
	TH_SEG(.seq = 1001, .ack = o.seq + 1, .flags = TCP_ACK);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_RST | TCP_ACK);     /* completed, but nobody would own it */
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	CU_ASSERT_EQUAL(th_app.accepts, 0);
}

static CU_TestInfo tests[] = {
	{ "passive close with tcp_close", test_passive_close },
	{ "passive close with shutdown: closed()", test_passive_close_with_closed_callback },
	{ "active close through TIME-WAIT", test_active_close_time_wait },
	{ "FIN+ACK in FIN-WAIT-1", test_fin_ack_in_fin_wait_1 },
	{ "simultaneous close (CLOSING)", test_simultaneous_close },
	{ "FIN retransmitted", test_fin_retransmitted },
	{ "data after tcp_close: RST", test_data_after_close_gets_rst },
	{ "tcp_abort sends RST", test_abort_sends_rst },
	{ "orphaned FIN-WAIT-2 times out", test_orphan_fin_wait_2_times_out },
	{ "unlisten during a handshake", test_unlisten_orphans_handshake },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/tcp_close", th_setup, th_teardown, tests);
