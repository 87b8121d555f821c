/* net/nf_hook.c with conntrack and NAT (net/conntrack.c, net/nat.c): TCP handshakes
 * through PREROUTING, INPUT, OUTPUT, FORWARD and POSTROUTING as the IPv4 layer runs them;
 * the fast path skips the INPUT walk for a flow's established packets until the rule set
 * changes; a dropped or released first packet leaves no entry behind; conntrack's state
 * reaches the rules; DNAT and MASQUERADE bind on the first packet and rewrite the rest. */
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "net/filter.h"
#include "net/conntrack.h"
#include "net/nf_rule.h"
#include "net/net.h"
#include "net/arp.h"
#include "net/checksum.h"
#include "net/proto/ipv4.h"
#include "kernel/time.h"

#define PEER IPV4_ADDR(10, 0, 0, 1)
#define US   IPV4_ADDR(10, 0, 0, 2)

static struct netdev *dev;

static void setup(void)
{
	dev = fake_netdev();
	net_reset();
	fake_netdev_reset();
	nf_flush();
	ct_flush();
	memset(&nf_stats, 0, sizeof(nf_stats));
	fake_now = 1000 * NS_PER_S;
	CU_ASSERT_EQUAL_FATAL(ct_init(64), 0);
	CU_ASSERT_TRUE_FATAL(ct_enabled());
}

static void teardown(void)
{
	ct_init(0);                     /* conntrack off again, then nf_active follows the rules */
	nf_flush();
	net_reset();
	fake_netdev_reset();
}

/* A TCP segment (20-byte header, no payload) with a valid checksum, data at the IPv4 header. */
static struct netbuf *seg(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint32_t seq,
			  uint32_t ack, uint8_t flags)
{
	uint8_t b[40] = { 0x45, 0, 0, 40, 0x42, 0x42, 0x40, 0, 64, 6 };
	uint8_t *t = b + 20;
	for (int i = 0; i < 4; i++) {
		b[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		b[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
		t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	t[0] = (uint8_t)(sp >> 8), t[1] = (uint8_t)sp, t[2] = (uint8_t)(dp >> 8), t[3] = (uint8_t)dp;
	t[12] = 0x50;
	t[13] = flags;
	t[14] = 0xfa;                           /* window 64000 */
	uint16_t c = csum_fold(csum_partial(b, 20, 0));
	memcpy(b + 10, &c, 2);
	c = csum_fold(csum_partial(t, 20, csum_pseudo(src, dst, 6, 20)));
	memcpy(t + 16, &c, 2);
	struct netbuf *nb = unit_nb_from(b, 40);
	nb->dev = dev;
	return nb;
}

/* An arriving packet: PREROUTING then INPUT, as ipv4_input runs them. */
static int arrive(struct netbuf *nb)
{
	int v = nf_hook(NF_PREROUTING, nb, dev, NULL);
	if (v == NF_ACCEPT)
		v = nf_hook(NF_INPUT, nb, dev, NULL);
	nb_free(nb);
	return v;
}

/* A local packet: OUTPUT then POSTROUTING. */
static int leave(struct netbuf *nb)
{
	int v = nf_hook(NF_OUTPUT, nb, NULL, dev);
	if (v == NF_ACCEPT)
		v = nf_hook(NF_POSTROUTING, nb, NULL, dev);
	CU_ASSERT_PTR_NULL(nb->ct);             /* nothing of the hooks is left on the packet */
	nb_free(nb);
	return v;
}

static const char rules[] =
	"*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";

static void test_fastpath_and_generation(void)
{
	char err[200];
	CU_ASSERT_EQUAL_FATAL(nf_load(rules, strlen(rules), "t", 1, err, sizeof(err)), 0);
	const struct nf_rule *r = &nf_rs->chain[NF_C_F_INPUT].rules[0];
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 22, 1000, 0, 0x02)), NF_ACCEPT);
	CU_ASSERT_EQUAL(ct_count(), 1);
	CU_ASSERT_EQUAL(r->pkts, 1);
	CU_ASSERT_EQUAL(leave(seg(US, PEER, 22, 40000, 5000, 1001, 0x12)), NF_ACCEPT);
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 22, 1001, 5001, 0x10)), NF_ACCEPT);
	CU_ASSERT_EQUAL(nf_stats.fastpath, 1);  /* the walk was skipped ... */
	CU_ASSERT_EQUAL(r->pkts, 1);            /* ... so the rule did not count it */
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 22, 1001, 5001, 0x10)), NF_ACCEPT);
	CU_ASSERT_EQUAL(nf_stats.fastpath, 2);

	/* a rule change bumps the generation: the next packet is walked again */
	uint32_t gen = nf_generation;
	CU_ASSERT_EQUAL(nf_add_rule("-A INPUT -p udp -j ACCEPT", err, sizeof(err)), 0);
	CU_ASSERT_NOT_EQUAL(nf_generation, gen);
	r = &nf_rs->chain[NF_C_F_INPUT].rules[0];
	uint64_t walked = r->pkts;
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 22, 1001, 5001, 0x10)), NF_ACCEPT);
	CU_ASSERT_EQUAL(r->pkts, walked + 1);
	CU_ASSERT_EQUAL(nf_stats.fastpath, 2);
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 22, 1001, 5001, 0x10)), NF_ACCEPT);
	CU_ASSERT_EQUAL(r->pkts, walked + 1);
	CU_ASSERT_EQUAL(nf_stats.fastpath, 3);
}

/* The first packet of a flow is dropped at INPUT: its entry goes with it. */
static void test_dropped_first_packet_forgotten(void)
{
	char err[200];
	CU_ASSERT_EQUAL_FATAL(nf_load(rules, strlen(rules), "t", 1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40001, 23, 1000, 0, 0x02)), NF_DROP);
	CU_ASSERT_EQUAL(ct_count(), 0);
	CU_ASSERT_EQUAL(nf_stats.drop_policy, 1);
	/* accepted at PREROUTING, then the IPv4 layer drops it (no route): nf_release */
	struct netbuf *nb = seg(PEER, US, 40002, 22, 1000, 0, 0x02);
	CU_ASSERT_EQUAL(nf_hook(NF_PREROUTING, nb, dev, NULL), NF_ACCEPT);
	CU_ASSERT_EQUAL(ct_count(), 1);
	nf_release(nb);
	CU_ASSERT_PTR_NULL(nb->ct);
	CU_ASSERT_EQUAL(ct_count(), 0);
	nb_free(nb);
}

/* Conntrack's state reaches the rules at INPUT: NEW, then ESTABLISHED after the reply. */
static void test_ctstate_at_input(void)
{
	char err[200];
	const char *t = "*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\n"
			"-A INPUT -m state --state NEW -p tcp --syn -j ACCEPT\nCOMMIT\n";
	CU_ASSERT_EQUAL_FATAL(nf_load(t, strlen(t), "t", 1, err, sizeof(err)), 0);
	const struct nf_chain *in = &nf_rs->chain[NF_C_F_INPUT];
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 80, 1000, 0, 0x02)), NF_ACCEPT);
	CU_ASSERT_EQUAL(in->rules[0].pkts, 0);
	CU_ASSERT_EQUAL(in->rules[1].pkts, 1);
	CU_ASSERT_EQUAL(leave(seg(US, PEER, 80, 40000, 5000, 1001, 0x12)), NF_ACCEPT);
	/* an ACK without a SYN of a flow never seen: not NEW by --syn, dropped by the policy */
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40009, 80, 77, 88, 0x10)), NF_DROP);
	CU_ASSERT_EQUAL(nf_stats.drop_policy, 1);
}

/* A segment acknowledging data never sent, in a known flow, is INVALID: counted once (at
 * PREROUTING, not again at INPUT) and still filtered by the rules, which drop it here. */
static void test_invalid_counted_once(void)
{
	char err[200];
	const char *t = "*filter\n-A INPUT -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n";
	CU_ASSERT_EQUAL_FATAL(nf_load(t, strlen(t), "t", 1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 7, 1000, 0, 0x02)), NF_ACCEPT);
	CU_ASSERT_EQUAL(leave(seg(US, PEER, 7, 40000, 5000, 1001, 0x12)), NF_ACCEPT);
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 7, 1001, 5001, 0x10)), NF_ACCEPT);
	CU_ASSERT_EQUAL(nf_stats.invalid, 0);
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 7, 1001, 5001 + 0x40000000u, 0x10)), NF_DROP);
	CU_ASSERT_EQUAL(nf_stats.invalid, 1);
	CU_ASSERT_EQUAL(nf_stats.drop_rule, 1);
	CU_ASSERT_EQUAL(ct_count(), 1);         /* the flow itself stays */
}

/* A nat chain that binds nothing for a flow is not walked again for it (null binding). */
static void test_null_binding_walked_once(void)
{
	char err[200];
	CU_ASSERT_EQUAL_FATAL(nf_add_rule("-t nat -A PREROUTING -p tcp --dport 8080 -j DNAT "
					  "--to-destination 10.0.0.2:7", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 9, 1000, 0, 0x02)), NF_ACCEPT);
	CU_ASSERT_EQUAL(arrive(seg(PEER, US, 40000, 9, 1000, 0, 0x02)), NF_ACCEPT);   /* again */
	const struct nf_chain *pre = &nf_rs->chain[NF_C_N_PREROUTING];
	CU_ASSERT_EQUAL(pre->pkts, 1);          /* the policy saw the first SYN only */
	CU_ASSERT_EQUAL(pre->rules[0].pkts, 0);
}

static uint32_t be32_at(const uint8_t *b) { return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]; }
static uint16_t be16_at(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }

/* IPv4 and TCP checksums of a 40-byte segment at d both verify. */
static bool csums_ok(const uint8_t *d)
{
	return csum_fold(csum_partial(d, 20, 0)) == 0 &&
	       csum_fold(csum_partial(d + 20, 20, csum_pseudo(be32_at(d + 12), be32_at(d + 16), 6, 20))) == 0;
}

/* DNAT at PREROUTING: 8080 on us goes to the echo port 7; the reply is turned back. */
static void test_dnat_through_hooks(void)
{
	char err[200];
	CU_ASSERT_EQUAL_FATAL(nf_add_rule("-t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:7",
					  err, sizeof(err)), 0);
	struct netbuf *nb = seg(PEER, US, 40000, 8080, 1000, 0, 0x02);
	CU_ASSERT_EQUAL(nf_hook(NF_PREROUTING, nb, dev, NULL), NF_ACCEPT);
	CU_ASSERT_EQUAL(be16_at(nb->data + 22), 7);
	CU_ASSERT_TRUE(csums_ok(nb->data));
	CU_ASSERT_EQUAL(nf_hook(NF_INPUT, nb, dev, NULL), NF_ACCEPT);
	nb_free(nb);
	CU_ASSERT_EQUAL(nf_rs->chain[NF_C_N_PREROUTING].rules[0].pkts, 1);
	nb = seg(US, PEER, 7, 40000, 5000, 1001, 0x12);
	CU_ASSERT_EQUAL(nf_hook(NF_OUTPUT, nb, NULL, dev), NF_ACCEPT);
	CU_ASSERT_EQUAL(nf_hook(NF_POSTROUTING, nb, NULL, dev), NF_ACCEPT);
	CU_ASSERT_EQUAL(be16_at(nb->data + 20), 8080);  /* the reply comes from 8080 again */
	CU_ASSERT_TRUE(csums_ok(nb->data));
	nb_free(nb);
	/* later packets of the flow: rewritten without the nat chain */
	nb = seg(PEER, US, 40000, 8080, 1001, 5001, 0x10);
	CU_ASSERT_EQUAL(nf_hook(NF_PREROUTING, nb, dev, NULL), NF_ACCEPT);
	CU_ASSERT_EQUAL(be16_at(nb->data + 22), 7);
	nb_free(nb);
	CU_ASSERT_EQUAL(nf_rs->chain[NF_C_N_PREROUTING].rules[0].pkts, 1);
}

/* MASQUERADE at POSTROUTING for a forwarded flow from 10.0.5.5; the reply is un-NATed at
 * PREROUTING. */
static void test_masquerade_through_hooks(void)
{
	char err[200];
	const uint32_t lan = IPV4_ADDR(10, 0, 5, 5);
	CU_ASSERT_EQUAL_FATAL(nf_add_rule("-t nat -A POSTROUTING -o eth0 -s 10.0.5.0/24 -j MASQUERADE",
					  err, sizeof(err)), 0);
	struct netbuf *nb = seg(lan, PEER, 40000, 80, 1000, 0, 0x02);
	CU_ASSERT_EQUAL(nf_hook(NF_PREROUTING, nb, dev, NULL), NF_ACCEPT);
	CU_ASSERT_EQUAL(nf_hook(NF_FORWARD, nb, dev, dev), NF_ACCEPT);
	CU_ASSERT_EQUAL(nf_hook(NF_POSTROUTING, nb, dev, dev), NF_ACCEPT);
	CU_ASSERT_EQUAL(be32_at(nb->data + 12), US);
	CU_ASSERT_EQUAL(be16_at(nb->data + 20), 40000);  /* port kept: it was free */
	CU_ASSERT_TRUE(csums_ok(nb->data));
	CU_ASSERT_PTR_NULL(nb->ct);
	nb_free(nb);
	nb = seg(PEER, US, 80, 40000, 5000, 1001, 0x12);
	CU_ASSERT_EQUAL(nf_hook(NF_PREROUTING, nb, dev, NULL), NF_ACCEPT);
	CU_ASSERT_EQUAL(be32_at(nb->data + 16), lan);
	CU_ASSERT_TRUE(csums_ok(nb->data));
	CU_ASSERT_EQUAL(nf_hook(NF_FORWARD, nb, dev, dev), NF_ACCEPT);
	CU_ASSERT_EQUAL(nf_hook(NF_POSTROUTING, nb, dev, dev), NF_ACCEPT);
	nb_free(nb);
	CU_ASSERT_EQUAL(nf_rs->chain[NF_C_N_POSTROUTING].rules[0].pkts, 1);
	CU_ASSERT_EQUAL(ct_count(), 1);
}

static CU_TestInfo tests[] = {
	{ "fast path for established packets, generation bump", test_fastpath_and_generation },
	{ "dropped or released first packet leaves no entry", test_dropped_first_packet_forgotten },
	{ "ctstate from conntrack at INPUT", test_ctstate_at_input },
	{ "INVALID counted once, still filtered", test_invalid_counted_once },
	{ "null binding: nat chain once per flow", test_null_binding_walked_once },
	{ "DNAT through PREROUTING, reply through POSTROUTING", test_dnat_through_hooks },
	{ "MASQUERADE of a forwarded flow and its reply", test_masquerade_through_hooks },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("net/nf_ct", setup, teardown, tests);
