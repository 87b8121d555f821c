/* apps/lb_sched.c: exact pick sequences for roundrobin, static-rr and leastconn; maxconn,
 * exclude, weight 0 and all-down for every algorithm; Maglev table population, weight
 * shares, stability, and the fraction of 100,000 clients remapped when a server leaves. */
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "apps/lb.h"

static const enum lb_algo all_algos[] = { LB_ROUNDROBIN, LB_STATIC_RR, LB_LEASTCONN, LB_MAGLEV };
static struct lb_conf c;
static struct lb_sched s;

/* n servers "a", "b", ... ("s26" on) at 10.0.1.1.. with the given weights, finished, scheduler built. */
static void make(enum lb_algo algo, unsigned n, const uint16_t *weights)
{
	char err[128], val[64];
	lb_conf_defaults(&c);
	c.algo = algo;
	CU_ASSERT_EQUAL_FATAL(lb_conf_line(&c, "lb.frontend", "10.0.0.2:80", err, sizeof(err)), 0);
	for (unsigned i = 0; i < n; i++) {
		unsigned w = weights ? weights[i] : 1;
		if (i < 26)
			snprintf(val, sizeof(val), "%c 10.0.1.%u:80 weight %u", 'a' + i, i + 1, w);
		else
			snprintf(val, sizeof(val), "s%u 10.0.1.%u:80 weight %u", i, i + 1, w);
		CU_ASSERT_EQUAL_FATAL(lb_conf_line(&c, "lb.server", val, err, sizeof(err)), 0);
	}
	CU_ASSERT_EQUAL_FATAL(lb_conf_finish(&c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(lb_sched_init(&s, &c), 0);
}

static void teardown(void)
{
	lb_sched_free(&s);
}

/* n picks as letters, '-' for none; client address 0, exclude as given. */
static const char *seq(unsigned n, uint64_t exclude)
{
	static char out[128];
	for (unsigned i = 0; i < n; i++) {
		int k = lb_sched_pick(&s, 0, exclude);
		out[i] = k < 0 ? '-' : (char)('a' + k);
	}
	out[n] = 0;
	return out;
}

static void test_rr_equal(void)
{
	make(LB_ROUNDROBIN, 3, NULL);
	CU_ASSERT_STRING_EQUAL(seq(9, 0), "abcabcabc");
}

static void test_rr_weighted(void)
{
	make(LB_ROUNDROBIN, 3, (const uint16_t[]){ 5, 1, 1 });
	CU_ASSERT_STRING_EQUAL(seq(14, 0), "aabacaaaabacaa");
	teardown();
	make(LB_ROUNDROBIN, 2, (const uint16_t[]){ 3, 2 });
	CU_ASSERT_STRING_EQUAL(seq(10, 0), "ababaababa");
	teardown();
	make(LB_ROUNDROBIN, 3, (const uint16_t[]){ 0, 2, 1 });     /* weight 0: drained */
	CU_ASSERT_STRING_EQUAL(seq(6, 0), "bcbbcb");
}

static void test_rr_down_and_back(void)
{
	make(LB_ROUNDROBIN, 3, NULL);
	CU_ASSERT_STRING_EQUAL(seq(2, 0), "ab");
	c.srv[2].health.up = false;            /* picked up even before a rebuild */
	CU_ASSERT_STRING_EQUAL(seq(4, 0), "abab");
	c.srv[2].health.up = true;
	lb_sched_rebuild(&s);
	CU_ASSERT_STRING_EQUAL(seq(6, 0), "abcabc");
}

static void test_static_rr_cycle(void)
{
	make(LB_STATIC_RR, 3, (const uint16_t[]){ 5, 1, 1 });
	CU_ASSERT_EQUAL(s.cycle_len, 7);
	const uint16_t want[] = { 0, 0, 1, 0, 2, 0, 0 };
	CU_ASSERT_EQUAL(memcmp(s.cycle, want, sizeof(want)), 0);
	CU_ASSERT_STRING_EQUAL(seq(14, 0), "aabacaaaabacaa");
	/* b goes down: without a rebuild its turn passes to the next entry... */
	c.srv[1].health.up = false;
	CU_ASSERT_STRING_EQUAL(seq(7, 0), "aaacaaa");
	/* ...and the rebuilt cycle leaves it out */
	lb_sched_rebuild(&s);
	CU_ASSERT_EQUAL(s.cycle_len, 6);
	const uint16_t want2[] = { 0, 0, 0, 2, 0, 0 };
	CU_ASSERT_EQUAL(memcmp(s.cycle, want2, sizeof(want2)), 0);
	teardown();
	make(LB_STATIC_RR, 2, (const uint16_t[]){ 3, 2 });
	CU_ASSERT_EQUAL(s.cycle_len, 5);
	CU_ASSERT_STRING_EQUAL(seq(10, 0), "ababaababa");
}

static void test_static_rr_largest(void)
{
	uint16_t w[LB_MAX_SERVERS];
	unsigned count[LB_MAX_SERVERS] = { 0 };
	for (unsigned i = 0; i < LB_MAX_SERVERS; i++)
		w[i] = LB_WEIGHT_MAX;
	make(LB_STATIC_RR, LB_MAX_SERVERS, w);
	CU_ASSERT_EQUAL(s.cycle_len, LB_MAX_SERVERS * LB_WEIGHT_MAX);
	for (unsigned k = 0; k < s.cycle_len; k++)
		count[s.cycle[k]]++;
	for (unsigned i = 0; i < LB_MAX_SERVERS; i++)
		CU_ASSERT_EQUAL(count[i], LB_WEIGHT_MAX);
}

/* leastconn as the proxy drives it: every pick opens a connection on that server. */
static const char *lc_seq(unsigned n)
{
	static char out[64];
	for (unsigned i = 0; i < n; i++) {
		int k = lb_sched_pick(&s, 0, 0);
		out[i] = k < 0 ? '-' : (char)('a' + k);
		if (k >= 0)
			c.srv[k].cur_conns++;
	}
	out[n] = 0;
	return out;
}

static void test_leastconn(void)
{
	make(LB_LEASTCONN, 3, NULL);
	CU_ASSERT_STRING_EQUAL(seq(6, 0), "abcabc");      /* all idle: ties go round */
	c.srv[0].cur_conns = 3;
	c.srv[1].cur_conns = 1;
	c.srv[2].cur_conns = 2;
	CU_ASSERT_STRING_EQUAL(seq(3, 0), "bbb");
	CU_ASSERT_STRING_EQUAL(lc_seq(4), "bcbc");        /* b 2 c 2 → tie from after b */
	CU_ASSERT_EQUAL(c.srv[1].cur_conns, 3);
	CU_ASSERT_EQUAL(c.srv[2].cur_conns, 4);
	c.srv[2].cur_conns = 0;                          /* c's connections closed */
	CU_ASSERT_STRING_EQUAL(lc_seq(3), "ccc");
	teardown();
	/* per unit of weight: a (weight 2) takes two connections for b's one */
	make(LB_LEASTCONN, 2, (const uint16_t[]){ 2, 1 });
	CU_ASSERT_STRING_EQUAL(lc_seq(9), "ababaabaa");
	CU_ASSERT_EQUAL(c.srv[0].cur_conns, 6);
	CU_ASSERT_EQUAL(c.srv[1].cur_conns, 3);
}

static void test_leastconn_large_counts(void)
{
	make(LB_LEASTCONN, 2, (const uint16_t[]){ 256, 1 });
	/* 4e9 / 256 < 20e6 / 1, but 20e6 * 256 wraps in 32 bits: the products are 64-bit */
	c.srv[0].cur_conns = 4000000000u;
	c.srv[1].cur_conns = 20000000u;
	CU_ASSERT_STRING_EQUAL(seq(2, 0), "aa");
	c.srv[1].cur_conns = 15000000u;
	CU_ASSERT_STRING_EQUAL(seq(2, 0), "bb");
}

static void test_maxconn_skipping(void)
{
	for (unsigned a = 0; a < 3; a++) {         /* roundrobin, static-rr, leastconn */
		make(all_algos[a], 3, NULL);
		c.srv[0].maxconn = 2;
		c.srv[0].cur_conns = 2;
		CU_ASSERT_STRING_EQUAL(seq(4, 0), "bcbc");
		c.srv[0].cur_conns = c.srv[1].cur_conns = c.srv[2].cur_conns = 1;   /* a below maxconn */
		CU_ASSERT_PTR_NOT_NULL(strchr(seq(3, 0), 'a'));
		c.srv[1].maxconn = c.srv[2].maxconn = 1;
		c.srv[0].cur_conns = c.srv[1].cur_conns = c.srv[2].cur_conns = 5;
		CU_ASSERT_STRING_EQUAL(seq(2, 0), "--");
		teardown();
	}
}

static void test_exclude_and_all_down(void)
{
	for (unsigned a = 0; a < 4; a++) {
		make(all_algos[a], 3, NULL);
		for (unsigned i = 0; i < 20; i++) {
			int k = lb_sched_pick(&s, i * 7919u, 1u << 1);
			CU_ASSERT(k == 0 || k == 2);
			k = lb_sched_pick(&s, i * 7919u, 1u << 0 | 1u << 2);
			CU_ASSERT_EQUAL(k, 1);
		}
		CU_ASSERT_EQUAL(lb_sched_pick(&s, 1, 7), -1);
		CU_ASSERT_EQUAL(lb_sched_pick(&s, 1, ~(uint64_t)0), -1);
		for (unsigned i = 0; i < 3; i++)
			c.srv[i].health.up = false;
		CU_ASSERT_EQUAL(lb_sched_pick(&s, 1, 0), -1);   /* before the rebuild */
		lb_sched_rebuild(&s);
		CU_ASSERT_EQUAL(lb_sched_pick(&s, 1, 0), -1);   /* and after */
		if (all_algos[a] == LB_STATIC_RR)
			CU_ASSERT_EQUAL(s.cycle_len, 0);
		if (all_algos[a] == LB_MAGLEV)
			for (unsigned e = 0; e < LB_MAGLEV_M; e++)
				if (s.maglev[e] != 0xff) {
					CU_FAIL("maglev entry filled with every server down");
					break;
				}
		c.srv[1].health.up = true;
		lb_sched_rebuild(&s);
		CU_ASSERT_EQUAL(lb_sched_pick(&s, 12345, 0), 1);
		teardown();
	}
}

static void test_eligible(void)
{
	make(LB_ROUNDROBIN, 2, NULL);
	CU_ASSERT_TRUE(lb_sched_eligible(&c, 0, 0));
	CU_ASSERT_FALSE(lb_sched_eligible(&c, 0, 1));
	CU_ASSERT_TRUE(lb_sched_eligible(&c, 1, 1));
	CU_ASSERT_FALSE(lb_sched_eligible(&c, 2, 0));              /* no such server */
	CU_ASSERT_FALSE(lb_sched_eligible(&c, 64, 0));
	c.srv[1].weight = 0;
	CU_ASSERT_FALSE(lb_sched_eligible(&c, 1, 0));
	c.srv[0].maxconn = 3;
	c.srv[0].cur_conns = 2;
	CU_ASSERT_TRUE(lb_sched_eligible(&c, 0, 0));
	c.srv[0].cur_conns = 3;
	CU_ASSERT_FALSE(lb_sched_eligible(&c, 0, 0));
	c.srv[0].cur_conns = 0;
	c.srv[0].health.up = false;
	CU_ASSERT_FALSE(lb_sched_eligible(&c, 0, 0));
}

/* Table entries per server. */
static void maglev_counts(unsigned *count)
{
	memset(count, 0, sizeof(unsigned) * LB_MAX_SERVERS);
	for (unsigned e = 0; e < LB_MAGLEV_M; e++)
		if (s.maglev[e] < LB_MAX_SERVERS)
			count[s.maglev[e]]++;
}

static void test_maglev_populated_and_shares(void)
{
	static const uint16_t w[] = { 1, 2, 3, 4, 10, 1, 1, 1, 1, 1 };
	const unsigned ns[] = { 1, 3, 5, 10 };
	unsigned count[LB_MAX_SERVERS];
	for (unsigned t = 0; t < 4; t++) {
		unsigned n = ns[t], total = 0, filled = 0;
		make(LB_MAGLEV, n, w);
		maglev_counts(count);
		for (unsigned i = 0; i < n; i++) {
			filled += count[i];
			total += w[i];
		}
		CU_ASSERT_EQUAL(filled, LB_MAGLEV_M);      /* every entry names a server */
		for (unsigned i = 0; i < n; i++) {
			double share = (double)count[i] / LB_MAGLEV_M, want = (double)w[i] / total;
			CU_ASSERT(share > want * 0.98 && share < want * 1.02);
		}
		teardown();
	}
}

static void test_maglev_stable(void)
{
	static uint8_t first[LB_MAGLEV_M];
	make(LB_MAGLEV, 5, NULL);
	memcpy(first, s.maglev, LB_MAGLEV_M);
	int k = lb_sched_pick(&s, 0x0a000001, 0);
	teardown();
	/* a restart with the same servers builds the same table (hashes of the names only) */
	make(LB_MAGLEV, 5, NULL);
	CU_ASSERT_EQUAL(memcmp(first, s.maglev, LB_MAGLEV_M), 0);
	CU_ASSERT_EQUAL(lb_sched_pick(&s, 0x0a000001, 0), k);
	/* and the same client always lands on the same server */
	for (unsigned i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(lb_sched_pick(&s, 0x0a000001, 0), k);
	/* a server's address plays no part */
	c.srv[2].addr = 0x0b0b0b0b;
	lb_sched_rebuild(&s);
	CU_ASSERT_EQUAL(memcmp(first, s.maglev, LB_MAGLEV_M), 0);
}

/* Pinned: servers a, b, c give this table start and these picks for 10.0.0.0..15. A change
 * here means every client moves on upgrade (new hashes or population order): say so in the
 * release notes, then update the pin. */
static void test_maglev_pinned(void)
{
	char got[33];
	make(LB_MAGLEV, 3, NULL);
	for (unsigned e = 0; e < 32; e++)
		got[e] = (char)('a' + s.maglev[e]);
	got[32] = 0;
	CU_ASSERT_STRING_EQUAL(got, "acabcabcaabcbbcbaccacbaacabcabca");
	for (unsigned k = 0; k < 16; k++)
		got[k] = (char)('a' + lb_sched_pick(&s, 0x0a000000u + k, 0));
	got[16] = 0;
	CU_ASSERT_STRING_EQUAL(got, "cacbbbcaacccbbab");
}

static void test_maglev_fallback(void)
{
	make(LB_MAGLEV, 3, NULL);
	uint32_t client = 0xc0a80001;
	int k = lb_sched_pick(&s, client, 0);
	CU_ASSERT_FATAL(k >= 0);
	/* the server is full: the next entries of the table give another one, every time */
	c.srv[k].maxconn = 1;
	c.srv[k].cur_conns = 1;
	int k2 = lb_sched_pick(&s, client, 0);
	CU_ASSERT(k2 >= 0 && k2 != k);
	CU_ASSERT_EQUAL(lb_sched_pick(&s, client, 0), k2);
	c.srv[k].cur_conns = 0;
	CU_ASSERT_EQUAL(lb_sched_pick(&s, client, 0), k);
	/* a retry excludes the servers tried */
	CU_ASSERT_EQUAL(lb_sched_pick(&s, client, (uint64_t)1 << k), k2);
	int k3 = lb_sched_pick(&s, client, (uint64_t)1 << k | (uint64_t)1 << k2);
	CU_ASSERT(k3 >= 0 && k3 != k && k3 != k2);
	CU_ASSERT_EQUAL(lb_sched_pick(&s, client, 7), -1);
}

/* Remove each of n servers in turn; measure over 100,000 client addresses the fraction
 * that move, and the fraction that move although their server stayed. */
static void maglev_remap(unsigned n)
{
	enum { KEYS = 100000 };
	static uint8_t before[KEYS];
	make(LB_MAGLEV, n, NULL);
	for (unsigned k = 0; k < KEYS; k++)
		before[k] = (uint8_t)lb_sched_pick(&s, 0x0a000000u + k, 0);
	for (unsigned r = 0; r < n; r++) {
		unsigned moved = 0, moved_other = 0;
		c.srv[r].health.up = false;
		lb_sched_rebuild(&s);
		for (unsigned k = 0; k < KEYS; k++) {
			int now = lb_sched_pick(&s, 0x0a000000u + k, 0);
			CU_ASSERT(now >= 0 && now != (int)r);
			if (now != before[k]) {
				moved++;
				moved_other += before[k] != r;
			}
		}
		double f = (double)moved / KEYS, fo = (double)moved_other / KEYS;
		printf("\n    maglev N=%u remove %c: moved %.4f (1/N = %.4f), moved from staying servers %.4f",
		       n, 'a' + r, f, 1.0 / n, fo);
		CU_ASSERT(f > 0.8 / n && f < 1.2 / n);
		CU_ASSERT(fo < 0.02);
		c.srv[r].health.up = true;
		lb_sched_rebuild(&s);
		for (unsigned k = 0; k < KEYS; k += 97)          /* back as it was */
			CU_ASSERT_EQUAL(lb_sched_pick(&s, 0x0a000000u + k, 0), before[k]);
	}
	printf("\n");
}

static void test_maglev_remap_3(void)  { maglev_remap(3); }
static void test_maglev_remap_5(void)  { maglev_remap(5); }
static void test_maglev_remap_10(void) { maglev_remap(10); }

static CU_TestInfo tests[] = {
	{ "rr_equal", test_rr_equal },
	{ "rr_weighted", test_rr_weighted },
	{ "rr_down_and_back", test_rr_down_and_back },
	{ "static_rr_cycle", test_static_rr_cycle },
	{ "static_rr_largest", test_static_rr_largest },
	{ "leastconn", test_leastconn },
	{ "leastconn_large_counts", test_leastconn_large_counts },
	{ "maxconn_skipping", test_maxconn_skipping },
	{ "exclude_and_all_down", test_exclude_and_all_down },
	{ "eligible", test_eligible },
	{ "maglev_populated_and_shares", test_maglev_populated_and_shares },
	{ "maglev_stable", test_maglev_stable },
	{ "maglev_pinned", test_maglev_pinned },
	{ "maglev_fallback", test_maglev_fallback },
	{ "maglev_remap_3", test_maglev_remap_3 },
	{ "maglev_remap_5", test_maglev_remap_5 },
	{ "maglev_remap_10", test_maglev_remap_10 },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("apps/lb_sched", NULL, teardown, tests);
