/* net/conntrack.c, net/ct_tcp.c: TCP states through handshake, data, FIN both ways, RST and
 * TIME_WAIT reuse; sequence-window checks (Rooij) giving INVALID; UDP and ICMP echo; RELATED
 * ICMP errors (and truncated or unknown quotes INVALID); timeouts on the fake clock (lazy and
 * by the sweep); early drop of the least recently used unassured entry; a table full of
 * assured entries; ct_drop_new; the fast-path marks; the `conntrack -L` text. Packets are
 * built here field by field and parsed with nf_pkt_parse as the hooks do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"
#include "net/ct_priv.h"
#include "net/checksum.h"
#include "net/netbuf.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"
#include "net/tcp_proto.h"
#include "kernel/time.h"
#include "kernel/timer.h"

#define A IPV4_ADDR(10, 1, 0, 2)
#define B IPV4_ADDR(10, 2, 0, 2)
#define R IPV4_ADDR(10, 9, 9, 9)

static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, (uint16_t)v); }

/* An IPv4 datagram (ID 0x4242, TTL 64, header checksum set) around l4 (len bytes). */
static unsigned ip_build(uint8_t *out, uint32_t src, uint32_t dst, uint8_t proto,
			 const uint8_t *l4, unsigned len)
{
	memset(out, 0, 20);
	out[0] = 0x45;
	put16(out + 2, (uint16_t)(20 + len));
	put16(out + 4, 0x4242);
	out[8] = 64;
	out[9] = proto;
	put32(out + 12, src);
	put32(out + 16, dst);
	uint16_t c = csum_fold(csum_partial(out, 20, 0));
	memcpy(out + 10, &c, 2);
	memcpy(out + 20, l4, len);
	return 20 + len;
}

static struct netbuf *tcp_pkt(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp, uint32_t seq,
			      uint32_t ack, uint8_t flags, uint16_t win, unsigned paylen, int ws)
{
	uint8_t l4[24 + 200] = { 0 }, pkt[300];
	unsigned hl = ws >= 0 ? 24 : 20;
	put16(l4, sp);
	put16(l4 + 2, dp);
	put32(l4 + 4, seq);
	put32(l4 + 8, ack);
	l4[12] = (uint8_t)(hl / 4) << 4;
	l4[13] = flags;
	put16(l4 + 14, win);
	if (ws >= 0) {          /* NOP, window scale (RFC 7323 §2.2) */
		l4[20] = TCPOPT_NOP;
		l4[21] = TCPOPT_WSCALE;
		l4[22] = 3;
		l4[23] = (uint8_t)ws;
	}
	memset(l4 + hl, 'x', paylen);
	return unit_nb_from(pkt, ip_build(pkt, src, dst, IP_PROTO_TCP, l4, hl + paylen));
}

static struct netbuf *udp_pkt(uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp)
{
	uint8_t l4[12] = { 0 }, pkt[40];
	put16(l4, sp);
	put16(l4 + 2, dp);
	put16(l4 + 4, 12);
	memcpy(l4 + 8, "ping", 4);
	return unit_nb_from(pkt, ip_build(pkt, src, dst, IP_PROTO_UDP, l4, 12));
}

static struct netbuf *icmp_pkt(uint32_t src, uint32_t dst, uint8_t type, uint16_t id)
{
	uint8_t l4[8] = { type, 0, 0, 0 }, pkt[40];
	put16(l4 + 4, id);
	put16(l4 + 6, 1);
	uint16_t c = csum_fold(csum_partial(l4, 8, 0));
	memcpy(l4 + 2, &c, 2);
	return unit_nb_from(pkt, ip_build(pkt, src, dst, IP_PROTO_ICMP, l4, 8));
}

/* An ICMP error (type/code) from src to dst quoting the first quote_len bytes of q. */
static struct netbuf *icmp_err(uint32_t src, uint32_t dst, uint8_t type, uint8_t code,
			       const struct netbuf *q, unsigned quote_len)
{
	uint8_t l4[8 + 68] = { type, code }, pkt[120];
	memcpy(l4 + 8, q->data, quote_len);
	uint16_t c = csum_fold(csum_partial(l4, 8 + quote_len, 0));
	memcpy(l4 + 2, &c, 2);
	return unit_nb_from(pkt, ip_build(pkt, src, dst, IP_PROTO_ICMP, l4, 8 + quote_len));
}

static struct nf_pkt P;

/* Track nb at PREROUTING as the hook would; returns ct_in's result. Frees nb. */
static int track(struct netbuf *nb)
{
	CU_ASSERT_FATAL(nf_pkt_parse(&P, nb, NF_PREROUTING, NULL, NULL) == 0);
	int rc = ct_in(&P);
	nb_free(nb);
	P.nb = NULL;
	return rc;
}

static uint64_t left_s(const struct ct_entry *ct)
{
	return (ct->expires - fake_now) / NS_PER_S;
}

static void setup(void)
{
	timers_reset();
	memset(&nf_stats, 0, sizeof(nf_stats));
	ct_set_seed(0x1234567890abcdefull);
	CU_ASSERT_FATAL(ct_init(64) == 0);
}

static void teardown(void)
{
	ct_init(0);
	timers_reset();
}

/* SYN, SYN-ACK, ACK with window scaling 7 both ways (as Linux 6.x sends). */
static struct ct_entry *handshake(void)
{
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1000, 0, TCP_SYN, 64240, 0, 7)), 0);
	struct ct_entry *ct = P.ct;
	CU_ASSERT_EQUAL(track(tcp_pkt(B, A, 80, 40000, 5000, 1001, TCP_SYN | TCP_ACK, 65160, 0, 7)), 0);
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1001, 5001, TCP_ACK, 502, 0, -1)), 0);
	CU_ASSERT_PTR_EQUAL(P.ct, ct);
	return ct;
}

static void test_tcp_flow(void)
{
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1000, 0, TCP_SYN, 64240, 0, 7)), 0);
	struct ct_entry *ct = P.ct;
	CU_ASSERT_PTR_NOT_NULL_FATAL(ct);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_EQUAL(P.ct_dir, CT_DIR_ORIG);
	CU_ASSERT_EQUAL(ct->tcp_state, CT_TCP_SYN_SENT);
	CU_ASSERT_EQUAL(ct_flags(ct), 0);
	CU_ASSERT_EQUAL(left_s(ct), 120);
	CU_ASSERT_EQUAL(ct_count(), 1);
	const struct ct_tuple *r = ct_tuple(ct, CT_DIR_REPLY);
	CU_ASSERT(r->src == B && r->dst == A && r->sport == 80 && r->dport == 40000 && r->proto == 6);

	/* retransmitted SYN: still NEW */
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1000, 0, TCP_SYN, 64240, 0, 7)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_EQUAL(track(tcp_pkt(B, A, 80, 40000, 5000, 1001, TCP_SYN | TCP_ACK, 65160, 0, 7)), 0);
	CU_ASSERT_PTR_EQUAL(P.ct, ct);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(P.ct_dir, CT_DIR_REPLY);
	CU_ASSERT_EQUAL(ct->tcp_state, CT_TCP_SYN_RECV);
	CU_ASSERT_EQUAL(ct_flags(ct), CT_F_REPLIED);
	CU_ASSERT_EQUAL(left_s(ct), 60);
	CU_ASSERT_EQUAL(ct->peer[0].wscale, 7);
	CU_ASSERT_EQUAL(ct->peer[1].wscale, 7);

	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1001, 5001, TCP_ACK, 502, 0, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(ct->tcp_state, CT_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(ct_flags(ct), CT_F_REPLIED | CT_F_ASSURED);
	CU_ASSERT_EQUAL(left_s(ct), 432000);

	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1001, 5001, TCP_ACK | TCP_PSH, 502, 100, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(ct->peer[0].end, 1101);
	CU_ASSERT_EQUAL(track(tcp_pkt(B, A, 80, 40000, 5001, 1101, TCP_ACK, 509, 0, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(ct->peer[0].maxend, 1101 + (509u << 7));

	static const struct { uint32_t src, dst; uint16_t sp, dp; uint32_t seq, ack; uint8_t fl;
			      uint8_t state; uint64_t left; } close[] = {
		{ A, B, 40000, 80, 1101, 5001, TCP_FIN | TCP_ACK, CT_TCP_FIN_WAIT, 120 },
		{ B, A, 80, 40000, 5001, 1102, TCP_ACK, CT_TCP_CLOSE_WAIT, 60 },
		{ B, A, 80, 40000, 5001, 1102, TCP_FIN | TCP_ACK, CT_TCP_LAST_ACK, 30 },
		{ A, B, 40000, 80, 1102, 5002, TCP_ACK, CT_TCP_TIME_WAIT, 120 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(close); i++) {
		CU_ASSERT_EQUAL(track(tcp_pkt(close[i].src, close[i].dst, close[i].sp, close[i].dp,
					      close[i].seq, close[i].ack, close[i].fl, 509, 0, -1)), 0);
		CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
		CU_ASSERT_EQUAL(ct->tcp_state, close[i].state);
		CU_ASSERT_EQUAL(left_s(ct), close[i].left);
	}
	/* TIME_WAIT: a new SYN on the same ports starts a new flow */
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 900000, 0, TCP_SYN, 64240, 0, 7)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_EQUAL(P.ct->tcp_state, CT_TCP_SYN_SENT);
	CU_ASSERT_EQUAL(ct_flags(P.ct), 0);
	CU_ASSERT_EQUAL(ct_count(), 1);
	CU_ASSERT_EQUAL(nf_stats.ct_early_drop, 0);
}

static void test_tcp_window(void)
{
	struct ct_entry *ct = handshake();
	/* beyond what B's window (65160 on its SYN, unscaled) allowed: Rooij condition I */
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1001 + 100000, 5001, TCP_ACK, 502, 10, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_PTR_EQUAL(P.ct, ct);
	/* just inside: accepted */
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1001 + 65000, 5001, TCP_ACK, 502, 10, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	/* far behind the sender's edge: condition II */
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1001 - 200000, 5001, TCP_ACK, 502, 10, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	/* acknowledges data B never sent: condition III */
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1001, 5011, TCP_ACK, 502, 0, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	/* acknowledges far below what B sent: condition IV */
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1001, 5001 - 70000, TCP_ACK, 502, 0, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	/* an out-of-window RST changes nothing; an in-window one closes */
	CU_ASSERT_EQUAL(track(tcp_pkt(B, A, 80, 40000, 5001 + 10000000, 0, TCP_RST, 0, 0, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_EQUAL(ct->tcp_state, CT_TCP_ESTABLISHED);
	CU_ASSERT_EQUAL(track(tcp_pkt(B, A, 80, 40000, 5001, 0, TCP_RST, 0, 0, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(ct->tcp_state, CT_TCP_CLOSE);
	CU_ASSERT_EQUAL(left_s(ct), 10);
	/* a SYN in CLOSE reopens */
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 77, 0, TCP_SYN, 1000, 0, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_EQUAL(P.ct->tcp_state, CT_TCP_SYN_SENT);
}

static void test_tcp_no_pickup(void)
{
	/* mid-stream ACK or a SYN-ACK without a flow: INVALID, nothing created */
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1001, 5001, TCP_ACK, 502, 10, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_PTR_NULL(P.ct);
	CU_ASSERT_EQUAL(track(tcp_pkt(B, A, 80, 40000, 5000, 1001, TCP_SYN | TCP_ACK, 100, 0, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_EQUAL(ct_count(), 0);
	/* truncated TCP header (8 bytes): INVALID */
	uint8_t l4[8] = { 0x9c, 0x40, 0, 80 }, pkt[40];
	CU_ASSERT_EQUAL(track(unit_nb_from(pkt, ip_build(pkt, A, B, IP_PROTO_TCP, l4, 8))), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_EQUAL(ct_count(), 0);
	/* RST answering our SYN must acknowledge it (RFC 9293 §3.10.7.3) */
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1000, 0, TCP_SYN, 64240, 0, -1)), 0);
	struct ct_entry *ct = P.ct;
	CU_ASSERT_EQUAL(track(tcp_pkt(B, A, 80, 40000, 0, 1234, TCP_RST | TCP_ACK, 0, 0, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_EQUAL(ct->tcp_state, CT_TCP_SYN_SENT);
	CU_ASSERT_EQUAL(track(tcp_pkt(B, A, 80, 40000, 0, 1001, TCP_RST | TCP_ACK, 0, 0, -1)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(ct->tcp_state, CT_TCP_CLOSE);
	/* a fragment (offset != 0) is INVALID */
	struct netbuf *nb = udp_pkt(A, B, 1, 2);
	nb->data[6] = 0x00;
	nb->data[7] = 0x10;
	CU_ASSERT_EQUAL(track(nb), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_PTR_NULL(P.ct);
}

static void test_udp(void)
{
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 5000, 53)), 0);
	struct ct_entry *ct = P.ct;
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_EQUAL(left_s(ct), 30);
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 5000, 53)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_PTR_EQUAL(P.ct, ct);
	CU_ASSERT_EQUAL(track(udp_pkt(B, A, 53, 5000)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(P.ct_dir, CT_DIR_REPLY);
	CU_ASSERT_EQUAL(ct_flags(ct), CT_F_REPLIED);
	CU_ASSERT_EQUAL(left_s(ct), 120);
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 5000, 53)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(ct_flags(ct), CT_F_REPLIED);   /* one reply so far */
	CU_ASSERT_EQUAL(track(udp_pkt(B, A, 53, 5000)), 0);
	CU_ASSERT_EQUAL(ct_flags(ct), CT_F_REPLIED | CT_F_ASSURED);
	CU_ASSERT_EQUAL(ct_count(), 1);
	/* another source port is another flow */
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 5001, 53)), 0);
	CU_ASSERT_PTR_NOT_EQUAL(P.ct, ct);
	CU_ASSERT_EQUAL(ct_count(), 2);
}

static void test_icmp_echo(void)
{
	CU_ASSERT_EQUAL(track(icmp_pkt(A, B, ICMP_ECHO, 77)), 0);
	struct ct_entry *ct = P.ct;
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_EQUAL(left_s(ct), 30);
	CU_ASSERT_EQUAL(ct_tuple(ct, 0)->sport, 77);
	CU_ASSERT_EQUAL(track(icmp_pkt(B, A, ICMP_ECHOREPLY, 77)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(P.ct_dir, CT_DIR_REPLY);
	CU_ASSERT_PTR_EQUAL(P.ct, ct);
	/* an echo reply nobody asked for; a request in the reply direction */
	CU_ASSERT_EQUAL(track(icmp_pkt(B, A, ICMP_ECHOREPLY, 78)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_PTR_NULL(P.ct);
	CU_ASSERT_EQUAL(track(icmp_pkt(B, A, ICMP_ECHO, 77)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_EQUAL(ct_count(), 1);
	/* a generic protocol (GRE 47) by addresses, 600 s */
	uint8_t gre[4] = { 0, 0, 0x08, 0x00 }, pkt[40];
	CU_ASSERT_EQUAL(track(unit_nb_from(pkt, ip_build(pkt, A, B, 47, gre, 4))), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_EQUAL(left_s(P.ct), 600);
	CU_ASSERT_EQUAL(track(unit_nb_from(pkt, ip_build(pkt, B, A, 47, gre, 4))), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
}

static void test_related(void)
{
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 5000, 53)), 0);
	struct ct_entry *ct = P.ct;
	struct netbuf *q = udp_pkt(A, B, 5000, 53);
	/* port unreachable from B, and time exceeded from a router R, both towards A */
	CU_ASSERT_EQUAL(track(icmp_err(B, A, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, q, 28)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_RELATED);
	CU_ASSERT_PTR_EQUAL(P.ct, ct);
	CU_ASSERT_EQUAL(P.ct_dir, CT_DIR_REPLY);
	CU_ASSERT_EQUAL(track(icmp_err(R, A, ICMP_TIME_EXCEEDED, 0, q, 28)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_RELATED);
	CU_ASSERT_EQUAL(ct_flags(ct), 0);              /* an error is no reply */
	/* truncated quote: header + 4 bytes, or half a header */
	CU_ASSERT_EQUAL(track(icmp_err(R, A, ICMP_TIME_EXCEEDED, 0, q, 24)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_PTR_NULL(P.ct);
	CU_ASSERT_EQUAL(track(icmp_err(R, A, ICMP_TIME_EXCEEDED, 0, q, 10)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	nb_free(q);
	/* quoting a flow we do not know */
	q = udp_pkt(A, B, 5001, 53);
	CU_ASSERT_EQUAL(track(icmp_err(B, A, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, q, 28)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_PTR_NULL(P.ct);
	nb_free(q);
	/* an error about an echo request, sent back towards B's side (ORIG direction) */
	CU_ASSERT_EQUAL(track(icmp_pkt(A, B, ICMP_ECHO, 9)), 0);
	ct = P.ct;
	q = icmp_pkt(A, B, ICMP_ECHO, 9);
	CU_ASSERT_EQUAL(track(icmp_err(R, A, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, q, 28)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_RELATED);
	CU_ASSERT_PTR_EQUAL(P.ct, ct);
	nb_free(q);
	CU_ASSERT_EQUAL(ct_count(), 2);
}

/* Quotes that are not what they claim: every one INVALID, nothing read past the end. */
static void test_related_hostile(void)
{
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 5000, 53)), 0);
	struct netbuf *q = udp_pkt(A, B, 5000, 53);
	static const struct { unsigned off; uint8_t val; } bad[] = {
		{ 0, 0x4f },    /* IHL 60 bytes, 28 quoted */
		{ 0, 0x65 },    /* version 6 */
		{ 0, 0x44 },    /* IHL 16 */
		{ 7, 0x01 },    /* a non-first fragment */
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		uint8_t save = q->data[bad[i].off];
		q->data[bad[i].off] = bad[i].val;
		CU_ASSERT_EQUAL(track(icmp_err(R, A, ICMP_TIME_EXCEEDED, 0, q, 28)), 0);
		CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
		CU_ASSERT_PTR_NULL(P.ct);
		q->data[bad[i].off] = save;
	}
	nb_free(q);
	/* an error quoting an error (RFC 1122 §3.2.2) */
	q = icmp_pkt(B, A, ICMP_DEST_UNREACH, 0);
	CU_ASSERT_EQUAL(track(icmp_err(R, A, ICMP_DEST_UNREACH, 1, q, 28)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	nb_free(q);
	/* an ICMP header cut short (4 bytes) */
	uint8_t l4[4] = { ICMP_DEST_UNREACH, 3, 0, 0 }, pkt[40];
	CU_ASSERT_EQUAL(track(unit_nb_from(pkt, ip_build(pkt, R, A, IP_PROTO_ICMP, l4, 4))), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	/* a SYN whose option list is malformed (length 0): tracked, no window scaling */
	struct netbuf *nb = tcp_pkt(A, B, 40001, 80, 1, 0, TCP_SYN, 1000, 0, 7);
	nb->data[20 + 22] = 0;
	CU_ASSERT_EQUAL(track(nb), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_FALSE(P.ct->peer[0].ws_offered);
	CU_ASSERT_EQUAL(ct_count(), 2);
}

static void test_timeouts(void)
{
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 5000, 53)), 0);
	CU_ASSERT_EQUAL(track(tcp_pkt(A, B, 40000, 80, 1000, 0, TCP_SYN, 64240, 0, -1)), 0);
	fake_advance(29 * NS_PER_S);
	CU_ASSERT_EQUAL(ct_count(), 2);
	fake_advance(2 * NS_PER_S);     /* the sweep (every second) took the UDP flow */
	CU_ASSERT_EQUAL(ct_count(), 1);
	CU_ASSERT_EQUAL(track(udp_pkt(B, A, 53, 5000)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);         /* a new flow the other way */
	CU_ASSERT_EQUAL(P.ct_dir, CT_DIR_ORIG);
	fake_advance(90 * NS_PER_S);    /* SYN_SENT 120 s */
	CU_ASSERT_EQUAL(ct_count(), 0);

	/* lazy expiry: the clock moves without timers running */
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 6000, 53)), 0);
	struct ct_entry *ct = P.ct;
	fake_now += 31 * NS_PER_S;
	CU_ASSERT_EQUAL(track(udp_pkt(B, A, 53, 6000)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_EQUAL(P.ct_dir, CT_DIR_ORIG);
	CU_ASSERT_EQUAL(ct_count(), 1);
	(void)ct;
	/* established TCP lives 5 days */
	ct_flush();
	ct = handshake();
	fake_advance(431990 * NS_PER_S);
	CU_ASSERT_EQUAL(ct_count(), 1);
	CU_ASSERT_EQUAL(left_s(ct), 10);
	fake_advance(11 * NS_PER_S);
	CU_ASSERT_EQUAL(ct_count(), 0);
}

static void test_early_drop(void)
{
	CU_ASSERT_FATAL(ct_init(4) == 0);
	struct ct_entry *e[4];
	for (uint16_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(track(udp_pkt(A, B, (uint16_t)(1000 + i), 53)), 0);
		e[i] = P.ct;
		fake_advance(NS_PER_S);
	}
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 1000, 53)), 0);    /* flow 0 used again */
	CU_ASSERT_PTR_EQUAL(P.ct, e[0]);
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 2000, 53)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_PTR_EQUAL(P.ct, e[1]);       /* the least recently used slot, reused */
	CU_ASSERT_EQUAL(nf_stats.ct_early_drop, 1);
	CU_ASSERT_EQUAL(ct_count(), 4);
	struct ct_tuple gone = { B, A, 53, 1001, IP_PROTO_UDP }, kept = { B, A, 53, 1000, IP_PROTO_UDP };
	CU_ASSERT_FALSE(ct_tuple_taken(&gone));
	CU_ASSERT_TRUE(ct_tuple_taken(&kept));
	/* assured flows are not evicted: the unassured ones go first */
	CU_ASSERT_FATAL(ct_init(2) == 0);
	for (int k = 0; k < 2; k++) {
		track(udp_pkt(A, B, 7000, 53));
		track(udp_pkt(B, A, 53, 7000));
	}
	CU_ASSERT_EQUAL(ct_flags(P.ct), CT_F_REPLIED | CT_F_ASSURED);
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 7001, 53)), 0);
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 7002, 53)), 0);    /* evicts 7001 */
	CU_ASSERT_EQUAL(nf_stats.ct_early_drop, 2);
	kept.dport = 7000;
	CU_ASSERT_TRUE(ct_tuple_taken(&kept));
}

static void test_table_full(void)
{
	CU_ASSERT_FATAL(ct_init(2) == 0);
	for (uint16_t p = 1; p <= 2; p++)
		for (int k = 0; k < 2; k++) {
			track(udp_pkt(A, B, p, 53));
			track(udp_pkt(B, A, 53, p));
		}
	CU_ASSERT_EQUAL(ct_count(), 2);
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 3, 53)), -1);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_INVALID);
	CU_ASSERT_PTR_NULL(P.ct);
	CU_ASSERT_EQUAL(nf_stats.ct_table_full, 1);
	CU_ASSERT_EQUAL(nf_stats.ct_early_drop, 0);
	/* known flows still pass */
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 1, 53)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	/* once they expire (120 s after the last packet) there is room again */
	fake_now += 121 * NS_PER_S;
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 3, 53)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_NEW);
	CU_ASSERT_EQUAL(nf_stats.ct_table_full, 1);
	/* conntrack off */
	ct_init(0);
	CU_ASSERT_FALSE(ct_enabled());
	CU_ASSERT_EQUAL(track(udp_pkt(A, B, 3, 53)), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_UNTRACKED);
}

static void test_drop_new_and_fastpath(void)
{
	struct netbuf *nb = tcp_pkt(A, B, 40000, 80, 1000, 0, TCP_SYN, 64240, 0, -1);
	CU_ASSERT_FATAL(nf_pkt_parse(&P, nb, NF_PREROUTING, NULL, NULL) == 0);
	CU_ASSERT_EQUAL(ct_in(&P), 0);
	ct_drop_new(&P);
	CU_ASSERT_EQUAL(ct_count(), 0);
	/* the second SYN of a flow dropped: the flow stays (its first SYN went through) */
	CU_ASSERT_EQUAL(ct_in(&P), 0);
	CU_ASSERT_EQUAL(ct_in(&P), 0);
	ct_drop_new(&P);
	CU_ASSERT_EQUAL(ct_count(), 1);
	nb_free(nb);

	struct ct_entry *ct = P.ct;
	ct_set_fastpath(ct, NF_INPUT, 5);
	CU_ASSERT_TRUE(ct_fastpath(ct, NF_INPUT, 5));
	CU_ASSERT_FALSE(ct_fastpath(ct, NF_FORWARD, 5));
	CU_ASSERT_FALSE(ct_fastpath(ct, NF_INPUT, 6));
	ct_set_fastpath(ct, NF_FORWARD, 6);
	CU_ASSERT_TRUE(ct_fastpath(ct, NF_FORWARD, 6));
	CU_ASSERT_FALSE(ct_fastpath(ct, NF_INPUT, 6));
}

static char *print_capture(void)
{
	FILE *tmp = tmpfile();
	fflush(stdout);
	int saved = dup(1);
	dup2(fileno(tmp), 1);
	ct_print();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	long n = ftell(tmp);
	char *s = calloc(1, (size_t)n + 1);
	rewind(tmp);
	CU_ASSERT_EQUAL(fread(s, 1, (size_t)n, tmp), (size_t)n);
	fclose(tmp);
	return s;
}

static void test_print(void)
{
	handshake();
	track(udp_pkt(A, B, 5000, 53));
	track(icmp_pkt(A, B, ICMP_ECHO, 77));
	fake_advance(NS_PER_S);
	char *s = print_capture();
	CU_ASSERT_STRING_EQUAL(s,
		"tcp      6 431999 ESTABLISHED src=10.1.0.2 dst=10.2.0.2 sport=40000 dport=80 "
		"src=10.2.0.2 dst=10.1.0.2 sport=80 dport=40000 [ASSURED] mark=0 use=1\n"
		"udp      17 29 src=10.1.0.2 dst=10.2.0.2 sport=5000 dport=53 [UNREPLIED] "
		"src=10.2.0.2 dst=10.1.0.2 sport=53 dport=5000 mark=0 use=1\n"
		"icmp     1 29 src=10.1.0.2 dst=10.2.0.2 type=8 code=0 id=77 [UNREPLIED] "
		"src=10.2.0.2 dst=10.1.0.2 type=0 code=0 id=77 mark=0 use=1\n"
		"conntrack v1.4.7 (conntrack-tools): 3 flow entries have been shown.\n");
	free(s);
	ct_flush();
	s = print_capture();
	CU_ASSERT_STRING_EQUAL(s, "conntrack v1.4.7 (conntrack-tools): 0 flow entries have been shown.\n");
	free(s);
}

/* Many flows: every one found again after the table filled and rehashed under a new key. */
static void test_many_and_rehash(void)
{
	for (uint16_t p = 0; p < 64; p++)
		CU_ASSERT_EQUAL(track(udp_pkt(A, B, (uint16_t)(10000 + p), 53)), 0);
	CU_ASSERT_EQUAL(ct_count(), 64);
	ct_set_seed(99);
	for (uint16_t p = 0; p < 64; p++) {
		track(udp_pkt(B, A, 53, (uint16_t)(10000 + p)));
		CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	}
	CU_ASSERT_EQUAL(nf_stats.ct_early_drop, 0);
}

static CU_TestInfo tests[] = {
	{ "tcp_flow", test_tcp_flow },
	{ "tcp_window", test_tcp_window },
	{ "tcp_no_pickup", test_tcp_no_pickup },
	{ "udp", test_udp },
	{ "icmp_echo", test_icmp_echo },
	{ "related", test_related },
	{ "related_hostile", test_related_hostile },
	{ "timeouts", test_timeouts },
	{ "early_drop", test_early_drop },
	{ "table_full", test_table_full },
	{ "drop_new_and_fastpath", test_drop_new_and_fastpath },
	{ "print", test_print },
	{ "many_and_rehash", test_many_and_rehash },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("net/conntrack", setup, teardown, tests);
