/* net/nf_hook.c, net/nf_match.c, net/nf_target.c: every match kind against hand-built
 * packets, verdicts through user chains, RETURN and policies with exact counters, REJECT
 * answers byte for byte (RST per RFC 9293 §3.10.7.1, ICMP port unreachable), the LOG and
 * limit token buckets, and hashlimit per source with eviction of the oldest source.
 * Golden frames computed independently in Python: peer 10.0.0.1 (02:00:00:00:00:01), us
 * 10.0.0.2 (52:54:00:12:34:56); received datagrams carry IP ID 0x4242, ours ID 0 with DF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"
#include "net/filter.h"
#include "net/nf_rule.h"
#include "net/arp.h"
#include "net/ipv4.h"
#include "net/net.h"
#include "net/stats.h"
#include "net/checksum.h"
#include "net/proto/ipv4.h"
#include "kernel/time.h"

void unit_expect_tx(const void *want, size_t len, const char *what);   /* fakes/netdev.c */

static const uint8_t in_syn[40] = {
	0x45, 0x00, 0x00, 0x28, 0x42, 0x42, 0x00, 0x00, 0x40, 0x06, 0x24, 0x8c,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x16,
	0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x03, 0xe8,
	0xf7, 0x9b, 0x00, 0x00,
};
static const uint8_t out_rst_syn[54] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x26, 0xce, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x16,
	0x9c, 0x40, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x05, 0x50, 0x14,
	0x00, 0x00, 0xfb, 0x70, 0x00, 0x00,
};
static const uint8_t in_data[45] = {
	0x45, 0x00, 0x00, 0x2d, 0x42, 0x42, 0x00, 0x00, 0x40, 0x06, 0x24, 0x87,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x9c, 0x40, 0x00, 0x16,
	0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x18, 0x03, 0xe8,
	0x9d, 0x96, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};
static const uint8_t out_rst_data[54] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x28, 0x00, 0x00, 0x40, 0x00, 0x40, 0x06,
	0x26, 0xce, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x16,
	0x9c, 0x40, 0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x50, 0x04,
	0x00, 0x00, 0xe9, 0x6f, 0x00, 0x00,
};
static const uint8_t in_udp[32] = {
	0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11, 0x24, 0x89,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x14, 0xe9, 0x00, 0x35,
	0x00, 0x0c, 0xf7, 0xe4, 0x70, 0x69, 0x6e, 0x67,
};
static const uint8_t out_unreach[70] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x38, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01,
	0x26, 0xc3, 0x0a, 0x00, 0x00, 0x02, 0x0a, 0x00, 0x00, 0x01, 0x03, 0x03,
	0xef, 0xed, 0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x20, 0x42, 0x42,
	0x00, 0x00, 0x40, 0x11, 0x24, 0x89, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
	0x00, 0x02, 0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0xf7, 0xe4,
};

#define PEER IPV4_ADDR(10, 0, 0, 1)
#define US   IPV4_ADDR(10, 0, 0, 2)

static const uint8_t peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static struct netdev *dev;
static int saved_stdout = -1;

static void setup(void)
{
	dev = fake_netdev();
	net_reset();
	fake_netdev_reset();
	arp_learn(dev, PEER, peer_mac);
	nf_flush();
	memset(&nf_stats, 0, sizeof(nf_stats));
	fake_now = 1000 * NS_PER_S;
}

static void teardown(void)
{
	nf_flush();
	net_reset();
	fake_netdev_reset();
}

/* An IPv4 datagram (data at the IPv4 header) from src to dst. TCP: seq 0x01020304, ack
 * 0x0a0b0c0d, flags as given; UDP: 4 bytes of payload; ICMP: type = sp, code = dp, id 0x77.
 * l4len cuts the L4 part short (0 = whole). */
static struct netbuf *mk(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp,
			 uint8_t flags, unsigned l4len)
{
	uint8_t b[64] = { 0x45, 0, 0, 0, 0x42, 0x42, 0, 0, 64, proto };
	unsigned l4 = proto == 6 ? 20 : proto == 17 ? 12 : 8;
	uint8_t *t = b + 20;
	if (l4len)
		l4 = l4len;
	b[2] = 0;
	b[3] = (uint8_t)(20 + l4);
	for (int i = 0; i < 4; i++) {
		b[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		b[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	if (proto == 1) {
		t[0] = (uint8_t)sp;
		t[1] = (uint8_t)dp;
		t[5] = 0x77;
	} else {
		t[0] = (uint8_t)(sp >> 8), t[1] = (uint8_t)sp;
		t[2] = (uint8_t)(dp >> 8), t[3] = (uint8_t)dp;
	}
	if (proto == 6) {
		memcpy(t + 4, "\x01\x02\x03\x04\x0a\x0b\x0c\x0d", 8);
		t[12] = 0x50;
		t[13] = flags;
	}
	uint16_t c = csum_fold(csum_partial(b, 20, 0));
	memcpy(b + 10, &c, 2);
	struct netbuf *nb = unit_nb_from(b, 20 + l4);
	nb->dev = dev;
	return nb;
}

static int run(enum nf_hook h, struct netbuf *nb)
{
	int v = nf_hook(h, nb, h == NF_OUTPUT || h == NF_POSTROUTING ? NULL : dev,
			h == NF_FORWARD || h == NF_OUTPUT || h == NF_POSTROUTING ? dev : NULL);
	nb_free(nb);
	return v;
}

/* Verdict at INPUT for nb under a filter with the single rule "-A INPUT <rule> -j DROP". */
static int with_rule(const char *rule, struct netbuf *nb)
{
	char line[300], err[200];
	nf_flush();
	snprintf(line, sizeof(line), "-A INPUT %s -j DROP", rule);
	if (nf_add_rule(line, err, sizeof(err))) {
		fprintf(stderr, "\n%s: %s\n", line, err);
		CU_FAIL("rule refused");
	}
	return run(NF_INPUT, nb);
}

#define TCP(sp, dp, fl) mk(6, PEER, US, sp, dp, fl, 0)
#define UDP(sp, dp) mk(17, PEER, US, sp, dp, 0, 0)
#define ICMP(t, c) mk(1, PEER, US, t, c, 0, 0)
#define HIT(rule, nb)  CU_ASSERT_EQUAL(with_rule(rule, nb), NF_DROP)
#define MISS(rule, nb) CU_ASSERT_EQUAL(with_rule(rule, nb), NF_ACCEPT)

static void test_match_addresses(void)
{
	HIT("-s 10.0.0.0/24", TCP(1, 2, 0));
	MISS("-s 10.0.1.0/24", TCP(1, 2, 0));
	MISS("! -s 10.0.0.0/24", TCP(1, 2, 0));
	HIT("! -s 10.0.1.0/24", TCP(1, 2, 0));
	HIT("-s 0.0.0.0/0", TCP(1, 2, 0));
	HIT("-d 10.0.0.2", TCP(1, 2, 0));
	MISS("-d 10.0.0.3", TCP(1, 2, 0));
	HIT("-d 10.0.0.3/31", TCP(1, 2, 0));
	MISS("! -d 10.0.0.2/32", TCP(1, 2, 0));
}

static void test_match_interfaces(void)
{
	HIT("-i eth0", TCP(1, 2, 0));
	MISS("-i eth1", TCP(1, 2, 0));
	HIT("-i eth+", TCP(1, 2, 0));
	HIT("-i e+", TCP(1, 2, 0));
	MISS("-i eth", TCP(1, 2, 0));           /* no "+": the whole name */
	MISS("-i eth00", TCP(1, 2, 0));
	MISS("! -i eth0", TCP(1, 2, 0));
	HIT("! -i wan+", TCP(1, 2, 0));
	char err[200];
	CU_ASSERT_EQUAL(nf_add_rule("-A FORWARD -o eth0 -j DROP", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nf_add_rule("-A OUTPUT ! -o eth+ -j DROP", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(run(NF_FORWARD, TCP(1, 2, 0)), NF_DROP);
	CU_ASSERT_EQUAL(run(NF_OUTPUT, TCP(1, 2, 0)), NF_ACCEPT);
	struct netbuf *nb = mk(6, US, PEER, 1, 2, 0, 0);
	CU_ASSERT_EQUAL(nf_hook(NF_OUTPUT, nb, NULL, NULL), NF_DROP);   /* no device: name "" */
	nb_free(nb);
}

static void test_match_protocol_ports(void)
{
	HIT("-p tcp", TCP(1, 2, 0));
	MISS("-p udp", TCP(1, 2, 0));
	HIT("! -p udp", TCP(1, 2, 0));
	HIT("-p 17", UDP(1, 2));
	HIT("-p all", ICMP(8, 0));
	HIT("-p tcp --dport 22", TCP(40000, 22, 0));
	MISS("-p tcp --dport 22", TCP(40000, 23, 0));
	HIT("-p tcp --dport 20:25", TCP(40000, 22, 0));
	MISS("-p tcp ! --dport 22", TCP(40000, 22, 0));
	HIT("-p tcp ! --dport 22", TCP(40000, 23, 0));
	HIT("-p udp --sport 5353", UDP(5353, 53));
	HIT("-p udp -m udp --sport 5000: --dport :53", UDP(5353, 53));
	MISS("-p udp --sport :5000", UDP(5353, 53));
	HIT("-p udp -m multiport --dports 53,100:200", UDP(1, 53));
	HIT("-p udp -m multiport --dports 53,100:200", UDP(1, 150));
	MISS("-p udp -m multiport --dports 53,100:200", UDP(1, 99));
	MISS("-p udp -m multiport ! --dports 53,100:200", UDP(1, 150));
	HIT("-p tcp -m multiport --sports 7,9", TCP(9, 1, 0));
	HIT("-p tcp -m multiport --ports 7", TCP(7, 1, 0));
	HIT("-p tcp -m multiport --ports 7", TCP(1, 7, 0));
	MISS("-p tcp -m multiport --ports 7", TCP(1, 8, 0));
}

static void test_match_tcp_flags_icmp(void)
{
	HIT("-p tcp --syn", TCP(1, 2, 0x02));
	MISS("-p tcp --syn", TCP(1, 2, 0x12));
	HIT("-p tcp ! --syn", TCP(1, 2, 0x12));
	HIT("-p tcp --tcp-flags SYN,ACK SYN,ACK", TCP(1, 2, 0x12));
	HIT("-p tcp --tcp-flags ALL NONE", TCP(1, 2, 0));
	MISS("-p tcp --tcp-flags ALL NONE", TCP(1, 2, 0x01));
	HIT("-p tcp --tcp-flags FIN,RST RST", TCP(1, 2, 0x14));
	HIT("-p icmp --icmp-type echo-request", ICMP(8, 0));
	MISS("-p icmp --icmp-type echo-request", ICMP(0, 0));
	HIT("-p icmp --icmp-type 3/1", ICMP(3, 1));
	MISS("-p icmp --icmp-type 3/1", ICMP(3, 3));
	HIT("-p icmp --icmp-type destination-unreachable", ICMP(3, 13));
	HIT("-p icmp --icmp-type port-unreachable", ICMP(3, 3));
	HIT("-p icmp --icmp-type any", ICMP(17, 0));
	HIT("-p icmp ! --icmp-type 0", ICMP(8, 0));
}

/* A header test never matches a packet without that header, "!" or not. */
static void test_match_truncated_and_fragments(void)
{
	MISS("-p tcp --dport 22", mk(6, PEER, US, 1, 22, 0x02, 13));
	MISS("-p tcp ! --dport 23", mk(6, PEER, US, 1, 22, 0x02, 13));
	HIT("-p tcp --dport 22", mk(6, PEER, US, 1, 22, 0x02, 14));
	MISS("-p udp ! --dport 5", mk(17, PEER, US, 1, 22, 0, 7));
	MISS("-p icmp --icmp-type any", mk(1, PEER, US, 8, 0, 0, 3));
	HIT("-p icmp --icmp-type 8", mk(1, PEER, US, 8, 0, 0, 4));
	struct netbuf *nb = TCP(1, 22, 0x02);
	nb->data[7] = 1;                        /* fragment offset 8: no TCP header here */
	MISS("-p tcp ! --dport 23", nb);
	nb = TCP(1, 22, 0x02);
	nb->data[7] = 1;
	HIT("-p tcp -s 10.0.0.1", nb);         /* address tests still apply */
	struct nf_pkt p;
	nb = TCP(1, 22, 0x02);
	nb->len = 19;                           /* not even an IPv4 header */
	CU_ASSERT_EQUAL(nf_pkt_parse(&p, nb, NF_INPUT, dev, NULL), -1);
	nb->len = 40;
	nb->data[0] = 0x4f;                     /* IHL 60 > 40 bytes */
	CU_ASSERT_EQUAL(nf_pkt_parse(&p, nb, NF_INPUT, dev, NULL), -1);
	nb_free(nb);
}

static void test_pkt_parse_fields(void)
{
	struct nf_pkt p;
	struct netbuf *nb = TCP(40000, 22, 0x12);
	CU_ASSERT_EQUAL(nf_pkt_parse(&p, nb, NF_INPUT, dev, NULL), 0);
	CU_ASSERT_EQUAL(p.src, PEER);
	CU_ASSERT_EQUAL(p.dst, US);
	CU_ASSERT_EQUAL(p.proto, 6);
	CU_ASSERT_EQUAL(p.l4_off, 20);
	CU_ASSERT_EQUAL(p.l4_len, 20);
	CU_ASSERT_TRUE(p.l4_ok);
	CU_ASSERT_EQUAL(p.sport, 40000);
	CU_ASSERT_EQUAL(p.dport, 22);
	CU_ASSERT_EQUAL(p.tcp_flags, 0x12);
	CU_ASSERT_EQUAL(p.ctstate, NF_CT_UNTRACKED);    /* conntrack off in this build/test */
	nb_free(nb);
	nb = ICMP(8, 0);
	CU_ASSERT_EQUAL(nf_pkt_parse(&p, nb, NF_INPUT, dev, NULL), 0);
	CU_ASSERT_EQUAL(p.icmp_type, 8);
	CU_ASSERT_EQUAL(p.sport, 0x77);
	CU_ASSERT_EQUAL(p.dport, 0x77);
	nb_free(nb);
	nb = mk(1, PEER, US, 8, 0, 0, 6);       /* no room for the identifier */
	CU_ASSERT_EQUAL(nf_pkt_parse(&p, nb, NF_INPUT, dev, NULL), 0);
	CU_ASSERT_TRUE(p.l4_ok);
	CU_ASSERT_EQUAL(p.sport, 0);
	nb_free(nb);
}

static void test_match_state_comment(void)
{
	HIT("-m conntrack --ctstate UNTRACKED", TCP(1, 2, 0));
	MISS("-m conntrack --ctstate NEW,ESTABLISHED", TCP(1, 2, 0));
	HIT("-m state ! --state NEW", TCP(1, 2, 0));
	HIT("-m comment --comment \"any packet\"", TCP(1, 2, 0));
}

/* INPUT policy DROP; tcp → chain a; a: dport 22 → b, dport 23 RETURN, else DROP;
 * b: LOG (goes on), source 10.0.0.1 ACCEPT. udp ACCEPT. Everything else: the policy. */
static const char flow_rules[] =
	"*filter\n"
	":INPUT DROP [0:0]\n"
	":a - [0:0]\n"
	":b - [0:0]\n"
	"-A INPUT -p tcp -j a\n"
	"-A INPUT -p udp -j ACCEPT\n"
	"-A a -p tcp --dport 22 -j b\n"
	"-A a -p tcp --dport 23 -j RETURN\n"
	"-A a -p tcp --dport 24\n"
	"-A a -j DROP\n"
	"-A b -s 10.0.0.9 -j ACCEPT\n"
	"-A b -j RETURN\n"
	"-A b -j ACCEPT\n"
	"COMMIT\n";

static void test_verdict_flow_and_counters(void)
{
	char err[200];
	CU_ASSERT_EQUAL_FATAL(nf_load(flow_rules, strlen(flow_rules), "t", 1, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(nf_active);
	CU_ASSERT_EQUAL(run(NF_INPUT, TCP(1, 22, 0)), NF_DROP);    /* b RETURNs, a's last rule drops */
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(6, IPV4_ADDR(10, 0, 0, 9), US, 1, 22, 0, 0)), NF_ACCEPT);
	CU_ASSERT_EQUAL(run(NF_INPUT, TCP(1, 23, 0)), NF_DROP);    /* RETURN to INPUT: policy */
	CU_ASSERT_EQUAL(run(NF_INPUT, TCP(1, 24, 0)), NF_DROP);    /* counted, then a's DROP */
	CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 2)), NF_ACCEPT);
	CU_ASSERT_EQUAL(run(NF_INPUT, ICMP(8, 0)), NF_DROP);       /* policy */
	CU_ASSERT_EQUAL(run(NF_FORWARD, TCP(1, 22, 0)), NF_ACCEPT); /* FORWARD has no rules */

	const struct nf_ruleset *rs = nf_rs;
	const struct nf_chain *in = &rs->chain[NF_C_F_INPUT];
	const struct nf_chain *a = &rs->chain[nf_chain_find(rs, NF_T_FILTER, "a")];
	const struct nf_chain *b = &rs->chain[nf_chain_find(rs, NF_T_FILTER, "b")];
	CU_ASSERT_EQUAL(in->rules[0].pkts, 4);
	CU_ASSERT_EQUAL(in->rules[0].bytes, 4 * 40);
	CU_ASSERT_EQUAL(in->rules[1].pkts, 1);
	CU_ASSERT_EQUAL(in->rules[1].bytes, 32);
	CU_ASSERT_EQUAL(in->pkts, 2);           /* policy: port 23 and the ICMP echo */
	CU_ASSERT_EQUAL(in->bytes, 40 + 28);
	CU_ASSERT_EQUAL(a->rules[0].pkts, 2);
	CU_ASSERT_EQUAL(a->rules[1].pkts, 1);
	CU_ASSERT_EQUAL(a->rules[2].pkts, 1);
	CU_ASSERT_EQUAL(a->rules[3].pkts, 2);
	CU_ASSERT_EQUAL(b->rules[0].pkts, 1);
	CU_ASSERT_EQUAL(b->rules[1].pkts, 1);
	CU_ASSERT_EQUAL(b->rules[2].pkts, 0);
	CU_ASSERT_EQUAL(rs->chain[NF_C_F_FORWARD].pkts, 1);
	CU_ASSERT_EQUAL(nf_stats.drop_policy, 2);
	CU_ASSERT_EQUAL(nf_stats.drop_rule, 2);
}

static void test_inactive_without_rules(void)
{
	CU_ASSERT_FALSE(nf_active);
	CU_ASSERT_EQUAL(run(NF_INPUT, TCP(1, 2, 0)), NF_ACCEPT);
	char err[200];
	const char *t = "*filter\n:OUTPUT DROP [0:0]\nCOMMIT\n";
	CU_ASSERT_EQUAL(nf_load(t, strlen(t), "t", 1, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(nf_active);              /* a DROP policy alone is work */
	CU_ASSERT_EQUAL(run(NF_OUTPUT, TCP(1, 2, 0)), NF_DROP);
	CU_ASSERT_EQUAL(run(NF_PREROUTING, TCP(1, 2, 0)), NF_ACCEPT);
	CU_ASSERT_EQUAL(run(NF_POSTROUTING, TCP(1, 2, 0)), NF_ACCEPT);
}

static void add(const char *rule)
{
	char err[200];
	if (nf_add_rule(rule, err, sizeof(err))) {
		fprintf(stderr, "\n%s: %s\n", rule, err);
		CU_FAIL("rule refused");
	}
}

static struct netbuf *from(const uint8_t *b, size_t n)
{
	struct netbuf *nb = unit_nb_from(b, n);
	nb->dev = dev;
	return nb;
}

static void test_reject_tcp_reset(void)
{
	add("-A INPUT -p tcp -j REJECT --reject-with tcp-reset");
	CU_ASSERT_EQUAL(run(NF_INPUT, from(in_syn, sizeof(in_syn))), NF_DROP);
	unit_expect_tx(out_rst_syn, sizeof(out_rst_syn), "RST for a SYN");
	ipv4_reset();                           /* the golden frames both have IP ID 0 */
	CU_ASSERT_EQUAL(run(NF_INPUT, from(in_data, sizeof(in_data))), NF_DROP);
	unit_expect_tx(out_rst_data, sizeof(out_rst_data), "RST for data with ACK");
	CU_ASSERT_EQUAL(nf_stats.rejects_sent, 2);
	CU_ASSERT_EQUAL(nf_stats.drop_rule, 2);
	/* never a RST for a RST */
	CU_ASSERT_EQUAL(run(NF_INPUT, TCP(1, 22, 0x14)), NF_DROP);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	/* nor for a segment too short to carry its header, or sent to a broadcast */
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(6, PEER, US, 1, 22, 0x02, 14)), NF_DROP);
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(6, PEER, IPV4_BROADCAST, 1, 22, 0x02, 0)), NF_DROP);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	CU_ASSERT_EQUAL(nf_stats.rejects_sent, 2);
	CU_ASSERT_EQUAL(nf_stats.drop_rule, 5);
}

static void test_reject_icmp(void)
{
	add("-A INPUT -p udp -j REJECT");
	add("-A INPUT -p icmp -j REJECT --reject-with icmp-admin-prohibited");
	CU_ASSERT_EQUAL(run(NF_INPUT, from(in_udp, sizeof(in_udp))), NF_DROP);
	unit_expect_tx(out_unreach, sizeof(out_unreach), "port unreachable");
	CU_ASSERT_EQUAL(nf_stats.rejects_sent, 1);
	/* an ICMP error about an ICMP error is never sent (RFC 1122 §3.2.2) ... */
	CU_ASSERT_EQUAL(run(NF_INPUT, ICMP(3, 3)), NF_DROP);
	CU_ASSERT_EQUAL(fake_tx.count, 0);
	/* ... about an echo request it is: type 3 code 13 */
	CU_ASSERT_EQUAL(run(NF_INPUT, ICMP(8, 0)), NF_DROP);
	struct netbuf *nb = fake_tx_pop();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	CU_ASSERT_EQUAL(nb->data[14 + 20], 3);
	CU_ASSERT_EQUAL(nb->data[14 + 21], 13);
	nb_free(nb);
	CU_ASSERT_EQUAL(nf_stats.rejects_sent, 2);
	CU_ASSERT_EQUAL(nf_stats.drop_rule, 3);
}

/* REJECT in FORWARD answers for a datagram that was not for us. */
static void test_reject_forward(void)
{
	add("-A FORWARD -p udp -j REJECT --reject-with icmp-net-unreachable");
	struct netbuf *nb = mk(17, PEER, IPV4_ADDR(10, 0, 0, 7), 5353, 53, 0, 0);
	nb->l3_off = 0;                         /* REJECT finds the header at nb->data itself */
	CU_ASSERT_EQUAL(nf_hook(NF_FORWARD, nb, dev, dev), NF_DROP);
	nb_free(nb);
	CU_ASSERT_EQUAL(nf_stats.rejects_sent, 1);
	nb = fake_tx_pop();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	CU_ASSERT_EQUAL(nb->data[14 + 9], 1);                   /* ICMP ... */
	CU_ASSERT_EQUAL(nb->data[14 + 20], 3);                  /* destination unreachable */
	CU_ASSERT_EQUAL(nb->data[14 + 21], 0);                  /* net unreachable */
	CU_ASSERT_EQUAL(memcmp(nb->data + 30, "\x0a\x00\x00\x01", 4), 0);   /* to the sender */
	nb_free(nb);
}

/* Capture stdout around f(). */
static void capture_begin(FILE **tmp)
{
	fflush(stdout);
	*tmp = tmpfile();
	saved_stdout = dup(1);
	dup2(fileno(*tmp), 1);
}

static char *capture_end(FILE *tmp)
{
	fflush(stdout);
	dup2(saved_stdout, 1);
	close(saved_stdout);
	long n = ftell(tmp);
	char *s = calloc(1, (size_t)n + 1);
	rewind(tmp);
	CU_ASSERT_EQUAL(fread(s, 1, (size_t)n, tmp), (size_t)n);
	fclose(tmp);
	return s;
}

static void test_log_line_and_rate(void)
{
	FILE *tmp;
	add("-A INPUT -j LOG --log-prefix \"fw: \"");
	capture_begin(&tmp);
	CU_ASSERT_EQUAL(run(NF_INPUT, TCP(40000, 22, 0x02)), NF_ACCEPT);   /* LOG goes on */
	char *out = capture_end(tmp);
	CU_ASSERT_STRING_EQUAL(out, "fw: IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TTL=64 PROTO=TCP "
				    "SPT=40000 DPT=22 SYN\n");
	free(out);
	capture_begin(&tmp);
	for (unsigned i = 1; i < NF_LOG_BURST + 4; i++)     /* 23 more at the same instant */
		run(NF_INPUT, UDP(1, 2));
	out = capture_end(tmp);
	CU_ASSERT_EQUAL(nf_stats.logged, NF_LOG_BURST);
	CU_ASSERT_EQUAL(nf_stats.log_suppressed, 4);
	free(out);
	fake_now += NS_PER_S / NF_LOG_RATE;     /* one token back */
	capture_begin(&tmp);
	run(NF_INPUT, ICMP(8, 0));
	run(NF_INPUT, ICMP(8, 0));
	out = capture_end(tmp);
	CU_ASSERT_STRING_EQUAL(out, "fw: IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=28 TTL=64 PROTO=ICMP "
				    "TYPE=8 CODE=0\n");
	free(out);
	CU_ASSERT_EQUAL(nf_stats.logged, NF_LOG_BURST + 1);
	CU_ASSERT_EQUAL(nf_stats.log_suppressed, 5);
}

static void test_limit(void)
{
	add("-A INPUT -m limit --limit 2/sec --limit-burst 3 -j DROP");
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 2)), NF_DROP);
	CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 2)), NF_ACCEPT);
	fake_now += NS_PER_S / 2 - 1;           /* not quite one token */
	CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 2)), NF_ACCEPT);
	fake_now += 1;
	CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 2)), NF_DROP);
	CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 2)), NF_ACCEPT);
	fake_now += 100 * NS_PER_S;             /* refills to the burst, not beyond */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 2)), NF_DROP);
	CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 2)), NF_ACCEPT);
}

static unsigned hl_set(uint32_t src) { return (src * 2654435761u) >> 26 & (NF_HASHLIMIT_SETS - 1); }

static void test_hashlimit_per_source(void)
{
	add("-A INPUT -p udp -m hashlimit --hashlimit-above 1/sec --hashlimit-burst 2 "
	    "--hashlimit-mode srcip --hashlimit-name hl -j DROP");
	uint32_t a = IPV4_ADDR(10, 0, 0, 1), b = IPV4_ADDR(10, 0, 0, 5);
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, a, US, 1, 2, 0, 0)), NF_ACCEPT);
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, a, US, 1, 2, 0, 0)), NF_ACCEPT);
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, a, US, 1, 2, 0, 0)), NF_DROP);     /* above 1/s */
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, b, US, 1, 2, 0, 0)), NF_ACCEPT);   /* own bucket */
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, b, US, 1, 2, 0, 0)), NF_ACCEPT);
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, b, US, 1, 2, 0, 0)), NF_DROP);
	fake_now += NS_PER_S;
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, a, US, 1, 2, 0, 0)), NF_ACCEPT);
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, a, US, 1, 2, 0, 0)), NF_DROP);

	/* NF_HASHLIMIT_WAYS more sources in a's set: the least recently seen (a) is evicted
	 * and comes back with a full burst. */
	unsigned found = 0;
	for (uint32_t s = IPV4_ADDR(172, 16, 0, 1); found < NF_HASHLIMIT_WAYS; s++) {
		if (hl_set(s) != hl_set(a) || s == a)
			continue;
		fake_now += 1000;
		CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, s, US, 1, 2, 0, 0)), NF_ACCEPT);
		found++;
	}
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, a, US, 1, 2, 0, 0)), NF_ACCEPT);
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, a, US, 1, 2, 0, 0)), NF_ACCEPT);
	CU_ASSERT_EQUAL(run(NF_INPUT, mk(17, a, US, 1, 2, 0, 0)), NF_DROP);
}

static void test_hashlimit_upto_shared_name(void)
{
	add("-A INPUT -p udp -m hashlimit --hashlimit-upto 1/min --hashlimit-mode srcip --hashlimit-name t -j DROP");
	char err[200];
	/* same name, other parameters: refused while the table is in use */
	CU_ASSERT_EQUAL(nf_add_rule("-A INPUT -m hashlimit --hashlimit-upto 2/min --hashlimit-mode srcip "
				    "--hashlimit-name t", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "hashlimit 't' already in use with other parameters");
	for (int i = 0; i < 5; i++)             /* burst 5 by default */
		CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 2)), NF_DROP);
	CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 2)), NF_ACCEPT);
}

/* The destination-port index must not change a verdict or a counter: the same packets
 * through a long mixed chain, indexed and walked rule by rule. */
static void run_mixed(uint64_t *counters, int *verdicts, unsigned npk)
{
	char err[200], line[120];
	nf_flush();
	for (unsigned i = 0; i < 300; i++) {
		unsigned port = 1000 + (i * 7) % 50;
		if (i % 10 == 3)
			snprintf(line, sizeof(line), "-A INPUT -s 10.0.%u.0/24 -j DROP", i % 4);
		else if (i % 10 == 5)
			snprintf(line, sizeof(line), "-A INPUT -p tcp --dport %u:%u", port, port + 3);
		else if (i % 10 == 7)
			snprintf(line, sizeof(line), "-A INPUT -p udp ! --dport %u -j ACCEPT", port);
		else
			snprintf(line, sizeof(line), "-A INPUT -p %s --dport %u -j %s", i & 1 ? "udp" : "tcp",
				 port, i % 3 ? "ACCEPT" : "DROP");
		CU_ASSERT_EQUAL_FATAL(nf_add_rule(line, err, sizeof(err)), 0);
	}
	for (unsigned k = 0; k < npk; k++) {
		uint32_t src = IPV4_ADDR(10, 0, k % 7, 1);
		uint16_t port = (uint16_t)(995 + k % 60);
		verdicts[k] = run(NF_INPUT, k % 3 ? mk(6, src, US, 1, port, 0, 0) : mk(17, src, US, 1, port, 0, 0));
	}
	const struct nf_chain *in = &nf_rs->chain[NF_C_F_INPUT];
	for (unsigned i = 0; i < in->n; i++)
		counters[i] = in->rules[i].pkts;
	counters[in->n] = in->pkts;
}

static void test_port_index_same_verdicts(void)
{
	enum { NPK = 400 };
	static uint64_t c1[301], c2[301];
	static int v1[NPK], v2[NPK];
	run_mixed(c1, v1, NPK);
	CU_ASSERT_PTR_NOT_NULL(nf_rs->chain[NF_C_F_INPUT].idx);
	nf_index_min = UINT32_MAX;              /* no index: every rule tested */
	run_mixed(c2, v2, NPK);
	CU_ASSERT_PTR_NULL(nf_rs->chain[NF_C_F_INPUT].idx);
	nf_index_min = NF_INDEX_MIN;
	CU_ASSERT_EQUAL(memcmp(v1, v2, sizeof(v1)), 0);
	CU_ASSERT_EQUAL(memcmp(c1, c2, sizeof(c1)), 0);
	uint64_t total = 0;
	for (unsigned i = 0; i < 301; i++)
		total += c1[i] > 0;
	CU_ASSERT(total > 50);                  /* the packets really spread over the rules */
}

/* 10,000 single-port rules: the packet for the last port meets only its own rule. */
static void test_port_index_large(void)
{
	size_t cap = 10000 * 48 + 32;
	char *text = malloc(cap), err[200];
	int n = snprintf(text, cap, "*filter\n:INPUT DROP [0:0]\n");
	for (unsigned i = 0; i < 10000; i++)
		n += snprintf(text + n, cap - (size_t)n, "-A INPUT -p tcp --dport %u -j ACCEPT\n", 10000 + i);
	snprintf(text + n, cap - (size_t)n, "COMMIT\n");
	CU_ASSERT_EQUAL_FATAL(nf_load(text, strlen(text), "big", 1, err, sizeof(err)), 0);
	free(text);
	CU_ASSERT_EQUAL(run(NF_INPUT, TCP(1, 19999, 0x02)), NF_ACCEPT);
	CU_ASSERT_EQUAL(run(NF_INPUT, TCP(1, 20000, 0x02)), NF_DROP);
	CU_ASSERT_EQUAL(run(NF_INPUT, UDP(1, 19999)), NF_DROP);
	const struct nf_chain *in = &nf_rs->chain[NF_C_F_INPUT];
	CU_ASSERT_EQUAL(in->rules[9999].pkts, 1);
	CU_ASSERT_EQUAL(in->pkts, 2);
}

static CU_TestInfo tests[] = {
	{ "match: addresses", test_match_addresses },
	{ "match: interfaces", test_match_interfaces },
	{ "match: protocol, ports, multiport", test_match_protocol_ports },
	{ "match: tcp flags, icmp type", test_match_tcp_flags_icmp },
	{ "match: truncated headers and fragments", test_match_truncated_and_fragments },
	{ "nf_pkt_parse fields", test_pkt_parse_fields },
	{ "match: state without conntrack, comment", test_match_state_comment },
	{ "verdicts through user chains, RETURN, policies; counters", test_verdict_flow_and_counters },
	{ "inactive without rules; DROP policy alone", test_inactive_without_rules },
	{ "REJECT tcp-reset bytes (RFC 9293 3.10.7.1)", test_reject_tcp_reset },
	{ "REJECT icmp bytes, none about errors", test_reject_icmp },
	{ "REJECT in FORWARD", test_reject_forward },
	{ "LOG line and rate limit", test_log_line_and_rate },
	{ "limit token bucket", test_limit },
	{ "hashlimit per source, oldest evicted", test_hashlimit_per_source },
	{ "hashlimit upto, one table per name", test_hashlimit_upto_shared_name },
	{ "port index: same verdicts and counters", test_port_index_same_verdicts },
	{ "port index: 10,000 rules", test_port_index_large },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("net/nf_match", setup, teardown, tests);
