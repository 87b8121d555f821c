/* Robustness: thousands of pseudo-random segments (random flags, sequence and ACK numbers near
 * and far from the connection's, random options, lengths and clock jumps) against a listener
 * and live connections, under ASan/UBSan. Checks TCB invariants after every segment and, via
 * the runner, that no netbuf leaks. */
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include "tcp_harness.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static uint32_t near(uint32_t base)
{
	switch (rnd() % 4) {
	case 0: return rnd();
	case 1: return base + rnd() % 3000 - 1500;
	default: return base + rnd() % 8;
	}
}

static void check_invariants(void)
{
	for (uint16_t p = 40000; p < 40004; p++) {
		struct tcp_conn *c = tcp_conn_lookup(TH_US, TH_LPORT, TH_PEER, p);
		if (!c)
			continue;
		bool ok = SEQ_LEQ(c->snd_una, c->snd_nxt) && SEQ_LEQ(c->snd_nxt, c->snd_max) &&
			  c->snd_queued <= TCP_SNDBUF && c->ooo_count <= TCP_OOO_MAX && c->busy == 0;
		if (!ok)
			fprintf(stderr, "\nTCB %s una %u nxt %u max %u queued %u ooo %u busy %d\n",
				tcp_state_names[c->state], c->snd_una, c->snd_nxt, c->snd_max,
				c->snd_queued, c->ooo_count, c->busy);
		CU_ASSERT_FATAL(ok);
		for (unsigned i = 0; i < c->nsacked; i++) {       /* scoreboard sorted, disjoint */
			CU_ASSERT_FATAL(SEQ_LT(c->sacked[i][0], c->sacked[i][1]));
			CU_ASSERT_FATAL(SEQ_GEQ(c->sacked[i][0], c->snd_una));
			if (i)
				CU_ASSERT_FATAL(SEQ_GT(c->sacked[i][0], c->sacked[i - 1][1]));
		}
	}
}

static void one_segment(void)
{
	uint8_t opt[40], data[1500];
	uint16_t port = (uint16_t)(40000 + rnd() % 4);
	struct tcp_conn *c = tcp_conn_lookup(TH_US, TH_LPORT, TH_PEER, port);
	uint32_t rn = c ? c->rcv_nxt : rnd();
	uint32_t ack = !c ? rnd() : rnd() % 2 ? c->snd_nxt : near(c->snd_una);
	unsigned optlen = (rnd() % 8 == 0) ? (rnd() % 11) * 4 : 0;
	for (unsigned i = 0; i < optlen; i++)
		opt[i] = (uint8_t)(rnd() % 4 == 0 ? rnd() : (rnd() % 10));
	if (optlen == 0 && rnd() % 2) {                  /* well-formed options: SACK_PERM or blocks */
		static const uint8_t perm[4] = { 1, 1, 4, 2 };
		memcpy(opt, perm, 4);
		optlen = 4;
		if (c && c->sack_on) {
			unsigned n = 1 + rnd() % 3;
			opt[2] = 5;
			opt[3] = (uint8_t)(2 + 8 * n);
			for (unsigned i = 0; i < 2 * n; i++) {
				uint32_t e = near(c->snd_una + rnd() % (c->snd_max - c->snd_una + 1));
				for (int b = 0; b < 4; b++)
					opt[4 + 4 * i + b] = (uint8_t)(e >> (24 - 8 * b));
			}
			optlen = 4 + 8 * n;
		}
	}
	unsigned len = rnd() % 3 == 0 ? rnd() % sizeof(data) : rnd() % 20;
	for (unsigned i = 0; i < len; i++)
		data[i] = (uint8_t)rnd();
	uint8_t flags = (uint8_t)(rnd() % 2 ? (TCP_ACK | (rnd() & (TCP_FIN | TCP_PSH))) : rnd());
	TH_SEG(.sport = port, .seq = near(rn), .ack = ack, .flags = flags,
	       .win = (uint16_t)(rnd() % 4 ? rnd() : 0), .opt = opt, .optlen = optlen, .data = data,
	       .len = len, .bad_csum = rnd() % 50 == 0);
}

static void test_random_segments(void)
{
	if (getenv("TCP_ROBUST_SEED"))
		rng = strtoull(getenv("TCP_ROBUST_SEED"), NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(0, TH_LPORT, 4, th_accept, NULL));
	for (int i = 0; i < 20000; i++) {
		one_segment();
		if (th_app.conn && rnd() % 8 == 0) {
			uint8_t junk[700];
			memset(junk, 'j', sizeof(junk));
			tcp_send(th_app.conn, junk, rnd() % sizeof(junk));
		}
		if (th_app.conn && rnd() % 500 == 0)
			tcp_shutdown(th_app.conn);
		if (rnd() % 16 == 0)
			th_advance_ms(rnd() % 3000);
		fake_netdev_reset();
		th_app.rx_len = 0;                       /* the recorder's buffer is bounded */
		check_invariants();
	}
	CU_ASSERT(tcp_stats.in_segs == 20000);
}

static CU_TestInfo tests[] = {
	{ "random segments", test_random_segments },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/tcp_robust", th_setup, th_teardown, tests);
