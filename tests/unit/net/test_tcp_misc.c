/* Less common TCP paths: keepalive probes and timeout (RFC 1122 §4.2.3.6), simultaneous open
 * (RFC 9293 §3.5 figure 7), TIME-WAIT reuse by a newer SYN (RFC 6191), and the printers. */
#include <string.h>
#include <stdio.h>
#include <fcntl.h>
#include <unistd.h>
#include "tcp_harness.h"

#define P0 1001u

static void test_keepalive(void)
{
	uint32_t iss;
	struct th_out o;
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	tcp_set_keepalive(c, 10000, 1000, 2);
	th_advance_ms(9999);
	th_expect_none();
	th_advance_ms(1);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(o.seq, iss);                     /* SND.NXT - 1: forces an ACK */
	CU_ASSERT_EQUAL(o.len, 0);
	TH_SEG(.seq = P0, .ack = iss + 1, .flags = TCP_ACK);   /* the peer is alive */
	th_advance_ms(9999);
	th_expect_none();
	th_advance_ms(1);
	CU_ASSERT_TRUE(th_pop(&o));                      /* idle again: probe 1 */
	th_advance_ms(1000);
	CU_ASSERT_TRUE(th_pop(&o));                      /* probe 2 */
	th_advance_ms(1000);
	CU_ASSERT_FATAL(th_pop(&o));                     /* no answer: RST, closed(TIMEOUT) */
	CU_ASSERT_EQUAL(o.flags, TCP_RST | TCP_ACK);
	CU_ASSERT_EQUAL(th_app.closes, 1);
	CU_ASSERT_EQUAL(th_app.close_reason, TCP_CLOSE_TIMEOUT);
	CU_ASSERT_EQUAL(tcp_stats.keepalive_probes, 3);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
}

static void test_simultaneous_open(void)
{
	struct th_out o;
	struct tcp_conn *c = tcp_connect(TH_PEER, 5000, &th_cbs, NULL, th_connected);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_FATAL(th_pop(&o));
	uint32_t iss = o.seq;
	uint16_t lport = o.sport;
	TH_SEG(.sport = 5000, .dport = lport, .seq = 7000, .flags = TCP_SYN, .opt = th_opt_mss1460,
	       .optlen = 4);
	CU_ASSERT_EQUAL(c->state, TCP_SYN_RECEIVED);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(o.seq, iss);
	CU_ASSERT_EQUAL(o.ack, 7001);
	TH_SEG(.sport = 5000, .dport = lport, .seq = 7000, .ack = iss + 1,
	       .flags = TCP_SYN | TCP_ACK, .opt = th_opt_mss1460, .optlen = 4);
	/* their SYN-ACK repeats the SYN we already have: ACKed, and the ACK completes ours */
	TH_SEG(.sport = 5000, .dport = lport, .seq = 7001, .ack = iss + 1, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(c->state, TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(th_app.connects, 1);
	CU_ASSERT_EQUAL(th_app.connect_err, 0);
	fake_netdev_reset();
}

static void test_timewait_reuse(void)
{
	uint32_t iss;
	struct th_out o;
	tcp_set_msl(30000);
	struct tcp_conn *c = th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	tcp_shutdown(c);
	th_pop(&o);
	TH_SEG(.seq = P0, .ack = iss + 2, .flags = TCP_ACK | TCP_FIN);
	CU_ASSERT_EQUAL(c->state, TCP_TIME_WAIT);
	th_pop(&o);
	/* an old SYN (not above RCV.NXT) is only ACKed */
	TH_SEG(.seq = 500, .flags = TCP_SYN);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK);
	CU_ASSERT_EQUAL(tcp_stats.timewait_reused, 0);
	/* a newer one starts a new connection on the same 4-tuple */
	TH_SEG(.seq = 900000, .flags = TCP_SYN, .opt = th_opt_mss1460, .optlen = 4);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, 900001);
	CU_ASSERT_EQUAL(tcp_stats.timewait_reused, 1);
	CU_ASSERT_EQUAL(tcp_conn_count(), 1);
	struct tcp_conn *n = tcp_conn_lookup(TH_US, TH_LPORT, TH_PEER, TH_PPORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->state, TCP_SYN_RECEIVED);
}

static void test_printers_run(void)
{
	uint32_t iss;
	th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	fflush(stdout);
	int saved = dup(1), null = open("/dev/null", O_WRONLY);   /* keep the test log short */
	dup2(null, 1);
	tcp_conns_print();
	tcp_stats_print();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(null);
	CU_ASSERT_EQUAL(tcp_conn_count(), 1);
}

static unsigned seen;
static uint64_t passive;

static void stat_cb(void *arg, const char *section, const char *name, uint64_t value)
{
	CU_ASSERT_STRING_EQUAL(section, "tcp");
	seen++;
	if (strcmp(name, "passive_opens") == 0)
		passive = value;
}

static void test_stats_foreach(void)
{
	uint32_t iss;
	th_open(1000, th_opt_mss1460, 4, &iss, NULL);
	seen = 0;
	tcp_stats_foreach(stat_cb, NULL);
	CU_ASSERT_EQUAL(seen, sizeof(struct tcp_stats) / sizeof(uint64_t));   /* every counter */
	CU_ASSERT_EQUAL(passive, 1);
}

static CU_TestInfo tests[] = {
	{ "keepalive", test_keepalive },
	{ "simultaneous open", test_simultaneous_open },
	{ "TIME-WAIT reuse by a newer SYN", test_timewait_reuse },
	{ "ss/netstat printers", test_printers_run },
	{ "counters for exporters", test_stats_foreach },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/tcp_misc", th_setup, th_teardown, tests);
