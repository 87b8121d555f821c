/* net/nat.c: MASQUERADE/SNAT/DNAT bindings and the rewrites of both directions against byte
 * vectors computed independently (Python, checksums from scratch): TCP, UDP (and a zero UDP
 * checksum that stays zero), ICMP echo, ICMP errors whose quoted datagram is translated back
 * (RFC 5508 §4.4); every rewritten checksum is also recomputed here from scratch. Port and
 * identifier collisions behind MASQUERADE get distinct values; nat_csum_replace4 (RFC 1624).
 * Hosts: client A 10.1.0.2, server B 198.51.100.7, our outside address N 203.0.113.1,
 * router R 192.0.2.99 (addresses whose 16-bit sums differ, so every checksum really
 * changes); received datagrams carry IP ID 0x4242, TTL 64. */
#include <string.h>
#include "unit.h"
#include "net/nat.h"
#include "net/conntrack.h"
#include "net/checksum.h"
#include "net/netbuf.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"
#include "kernel/timer.h"

#define A IPV4_ADDR(10, 1, 0, 2)
#define B IPV4_ADDR(198, 51, 100, 7)
#define C IPV4_ADDR(10, 1, 0, 3)
#define N IPV4_ADDR(203, 0, 113, 1)

static const uint8_t syn_in[40] = {
	0x45, 0x00, 0x00, 0x28, 0x42, 0x42, 0x00, 0x00, 0x40, 0x06, 0x04, 0x51,
	0x0a, 0x01, 0x00, 0x02, 0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40, 0x00, 0x50,
	0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xfa, 0xf0,
	0xe0, 0x3b, 0x00, 0x00,
};

static const uint8_t syn_out[40] = {
	0x45, 0x00, 0x00, 0x28, 0x42, 0x42, 0x00, 0x00, 0x40, 0x06, 0xd2, 0x51,
	0xcb, 0x00, 0x71, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x9c, 0x40, 0x00, 0x50,
	0x00, 0x00, 0x03, 0xe8, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xfa, 0xf0,
	0xae, 0x3c, 0x00, 0x00,
};

static const uint8_t synack_in[40] = {
	0x45, 0x00, 0x00, 0x28, 0x42, 0x42, 0x00, 0x00, 0x40, 0x06, 0xd2, 0x51,
	0xc6, 0x33, 0x64, 0x07, 0xcb, 0x00, 0x71, 0x01, 0x00, 0x50, 0x9c, 0x40,
	0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x03, 0xe9, 0x50, 0x12, 0xfe, 0x88,
	0x97, 0x0b, 0x00, 0x00,
};

static const uint8_t synack_out[40] = {
	0x45, 0x00, 0x00, 0x28, 0x42, 0x42, 0x00, 0x00, 0x40, 0x06, 0x04, 0x51,
	0xc6, 0x33, 0x64, 0x07, 0x0a, 0x01, 0x00, 0x02, 0x00, 0x50, 0x9c, 0x40,
	0x00, 0x00, 0x13, 0x88, 0x00, 0x00, 0x03, 0xe9, 0x50, 0x12, 0xfe, 0x88,
	0xc9, 0x0a, 0x00, 0x00,
};

static const uint8_t udp_in[32] = {
	0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11, 0x04, 0x4e,
	0x0a, 0x01, 0x00, 0x02, 0xc6, 0x33, 0x64, 0x07, 0x13, 0x88, 0x00, 0x35,
	0x00, 0x0c, 0xd9, 0x0a, 0x70, 0x69, 0x6e, 0x67,
};

static const uint8_t udp_out[32] = {
	0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11, 0xd2, 0x4e,
	0xcb, 0x00, 0x71, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x13, 0x88, 0x00, 0x35,
	0x00, 0x0c, 0xa7, 0x0b, 0x70, 0x69, 0x6e, 0x67,
};

static const uint8_t udp0_in[32] = {
	0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11, 0x04, 0x4e,
	0x0a, 0x01, 0x00, 0x02, 0xc6, 0x33, 0x64, 0x07, 0x13, 0x89, 0x00, 0x35,
	0x00, 0x0c, 0x00, 0x00, 0x70, 0x69, 0x6e, 0x67,
};

static const uint8_t udp0_out[32] = {
	0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x11, 0xd2, 0x4e,
	0xcb, 0x00, 0x71, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x13, 0x89, 0x00, 0x35,
	0x00, 0x0c, 0x00, 0x00, 0x70, 0x69, 0x6e, 0x67,
};

static const uint8_t echo_in[32] = {
	0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01, 0x04, 0x5e,
	0x0a, 0x01, 0x00, 0x02, 0xc6, 0x33, 0x64, 0x07, 0x08, 0x00, 0x32, 0xeb,
	0x00, 0x4d, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64,
};

static const uint8_t echo_out[32] = {
	0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01, 0xd2, 0x5e,
	0xcb, 0x00, 0x71, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x08, 0x00, 0x32, 0xeb,
	0x00, 0x4d, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64,
};

static const uint8_t echorep_in[32] = {
	0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01, 0xd2, 0x5e,
	0xc6, 0x33, 0x64, 0x07, 0xcb, 0x00, 0x71, 0x01, 0x00, 0x00, 0x3a, 0xeb,
	0x00, 0x4d, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64,
};

static const uint8_t echorep_out[32] = {
	0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01, 0x04, 0x5e,
	0xc6, 0x33, 0x64, 0x07, 0x0a, 0x01, 0x00, 0x02, 0x00, 0x00, 0x3a, 0xeb,
	0x00, 0x4d, 0x00, 0x01, 0x61, 0x62, 0x63, 0x64,
};

static const uint8_t err_in[56] = {
	0x45, 0x00, 0x00, 0x38, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01, 0x3a, 0x1e,
	0xc0, 0x00, 0x02, 0x63, 0xcb, 0x00, 0x71, 0x01, 0x0b, 0x00, 0x54, 0x87,
	0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x28, 0x42, 0x42, 0x00, 0x00,
	0x40, 0x06, 0xd2, 0x51, 0xcb, 0x00, 0x71, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8,
};

static const uint8_t err_out[56] = {
	0x45, 0x00, 0x00, 0x38, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01, 0x6c, 0x1d,
	0xc0, 0x00, 0x02, 0x63, 0x0a, 0x01, 0x00, 0x02, 0x0b, 0x00, 0x54, 0x87,
	0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x28, 0x42, 0x42, 0x00, 0x00,
	0x40, 0x06, 0x04, 0x51, 0x0a, 0x01, 0x00, 0x02, 0xc6, 0x33, 0x64, 0x07,
	0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x03, 0xe8,
};

static const uint8_t uerr_in[60] = {
	0x45, 0x00, 0x00, 0x3c, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01, 0xd2, 0x42,
	0xc6, 0x33, 0x64, 0x07, 0xcb, 0x00, 0x71, 0x01, 0x03, 0x03, 0x63, 0x57,
	0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00,
	0x40, 0x11, 0xd2, 0x4e, 0xcb, 0x00, 0x71, 0x01, 0xc6, 0x33, 0x64, 0x07,
	0x13, 0x88, 0x00, 0x35, 0x00, 0x0c, 0xa7, 0x0b, 0x70, 0x69, 0x6e, 0x67,
};

static const uint8_t uerr_out[60] = {
	0x45, 0x00, 0x00, 0x3c, 0x42, 0x42, 0x00, 0x00, 0x40, 0x01, 0x04, 0x42,
	0xc6, 0x33, 0x64, 0x07, 0x0a, 0x01, 0x00, 0x02, 0x03, 0x03, 0x31, 0x58,
	0x00, 0x00, 0x00, 0x00, 0x45, 0x00, 0x00, 0x20, 0x42, 0x42, 0x00, 0x00,
	0x40, 0x11, 0x04, 0x4e, 0x0a, 0x01, 0x00, 0x02, 0xc6, 0x33, 0x64, 0x07,
	0x13, 0x88, 0x00, 0x35, 0x00, 0x0c, 0xd9, 0x0a, 0x70, 0x69, 0x6e, 0x67,
};


static struct netdev eth0 = { .name = "eth0", .ip = { IPV4_ADDR(10, 1, 0, 1), 0xffffff00u, 24 } };
static struct netdev eth1 = { .name = "eth1", .ip = { N, 0xffffff00u, 24 } };
static const struct nat_range masq;            /* MASQUERADE: address 0, ports 0 */
static struct nf_pkt P;

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

/* Every checksum of the datagram at ip (len bytes) recomputed from scratch; for an ICMP
 * error also the quoted IPv4 header's. */
static void verify_csums(const uint8_t *ip, unsigned len)
{
	unsigned ihl = (ip[0] & 15) * 4u, l4len = len - ihl;
	const uint8_t *l4 = ip + ihl;
	CU_ASSERT_EQUAL(csum_fold(csum_partial(ip, ihl, 0)), 0);
	uint32_t ph = csum_pseudo(get32(ip + 12), get32(ip + 16), ip[9], (uint16_t)l4len);
	if (ip[9] == IP_PROTO_TCP || (ip[9] == IP_PROTO_UDP && get16(l4 + 6)))
		CU_ASSERT_EQUAL(csum_fold(csum_partial(l4, l4len, ph)), 0);
	if (ip[9] == IP_PROTO_ICMP) {
		CU_ASSERT_EQUAL(csum_fold(csum_partial(l4, l4len, 0)), 0);
		if (l4[0] == ICMP_DEST_UNREACH || l4[0] == ICMP_TIME_EXCEEDED)
			CU_ASSERT_EQUAL(csum_fold(csum_partial(l4 + 8, (l4[8] & 15) * 4u, 0)), 0);
	}
}

/* Set every checksum of a hand-edited input datagram from scratch. */
static void fill_csums(uint8_t *ip, unsigned len)
{
	unsigned ihl = (ip[0] & 15) * 4u, l4len = len - ihl;
	uint8_t *l4 = ip + ihl, *c = ip[9] == IP_PROTO_TCP ? l4 + 16 : ip[9] == IP_PROTO_UDP ? l4 + 6 : l4 + 2;
	uint16_t v;
	ip[10] = ip[11] = 0;
	v = csum_fold(csum_partial(ip, ihl, 0));
	memcpy(ip + 10, &v, 2);
	c[0] = c[1] = 0;
	uint32_t ph = ip[9] == IP_PROTO_ICMP ? 0 : csum_pseudo(get32(ip + 12), get32(ip + 16), ip[9], (uint16_t)l4len);
	v = csum_fold(csum_partial(l4, l4len, ph));
	memcpy(c, &v, 2);
}

/* One packet through PREROUTING (conntrack, then the nat step) on eth0 or eth1 and, when
 * forwarded, POSTROUTING on the other interface with MASQUERADE for new flows from eth0. */
static struct netbuf *forward(const uint8_t *bytes, size_t len, struct netdev *in, bool masq_new)
{
	struct netbuf *nb = unit_nb_from(bytes, len);
	CU_ASSERT_FATAL(nf_pkt_parse(&P, nb, NF_PREROUTING, in, NULL) == 0);
	CU_ASSERT_EQUAL(ct_in(&P), 0);
	nat_apply(&P);
	P.hook = NF_POSTROUTING;
	P.in = NULL;
	P.out = in == &eth0 ? &eth1 : &eth0;
	if (masq_new && P.ctstate == NF_CT_NEW && !(ct_flags(P.ct) & CT_F_SNAT_DONE)) {
		CU_ASSERT_EQUAL(nat_setup(&P, NAT_SNAT, &masq), 0);
		ct_set_flags(P.ct, CT_F_SNAT_DONE);
	}
	nat_apply(&P);
	return nb;
}

static void expect(struct netbuf *nb, const uint8_t *want, size_t len)
{
	CU_ASSERT_EQUAL(nb->len, len);
	CU_ASSERT(nb->len == len && memcmp(nb->data, want, len) == 0);
	verify_csums(nb->data, nb->len);
	nb_free(nb);
}

static void setup(void)
{
	timers_reset();
	memset(&nf_stats, 0, sizeof(nf_stats));
	ct_set_seed(7);
	CU_ASSERT_FATAL(ct_init(256) == 0);
}

static void teardown(void)
{
	ct_init(0);
	timers_reset();
}

static void test_masq_tcp(void)
{
	struct netbuf *nb = forward(syn_in, sizeof(syn_in), &eth0, true);
	CU_ASSERT_EQUAL(P.src, N);                      /* parsed view refreshed */
	CU_ASSERT_EQUAL(P.sport, 40000);
	CU_ASSERT_EQUAL(ct_flags(P.ct) & CT_F_SNAT, CT_F_SNAT);
	const struct ct_tuple *r = ct_tuple(P.ct, CT_DIR_REPLY);
	CU_ASSERT(r->src == B && r->dst == N && r->sport == 80 && r->dport == 40000);
	expect(nb, syn_out, sizeof(syn_out));
	nb = forward(synack_in, sizeof(synack_in), &eth1, true);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(P.dst, A);
	expect(nb, synack_out, sizeof(synack_out));
	/* a flow without binding is left alone */
	ct_flush();
	nb = forward(syn_in, sizeof(syn_in), &eth0, false);
	expect(nb, syn_in, sizeof(syn_in));
}

static void test_masq_udp(void)
{
	expect(forward(udp_in, sizeof(udp_in), &eth0, true), udp_out, sizeof(udp_out));
	expect(forward(udp0_in, sizeof(udp0_in), &eth0, true), udp0_out, sizeof(udp0_out));
}

static void test_masq_icmp_echo(void)
{
	expect(forward(echo_in, sizeof(echo_in), &eth0, true), echo_out, sizeof(echo_out));
	expect(forward(echorep_in, sizeof(echorep_in), &eth1, true), echorep_out, sizeof(echorep_out));
	/* host C pings B with the same identifier: it gets another one, and its reply maps back */
	uint8_t req[sizeof(echo_in)], rep[sizeof(echorep_in)];
	memcpy(req, echo_in, sizeof(req));
	req[15] = 3;                            /* src 10.1.0.3 */
	fill_csums(req, sizeof(req));
	struct netbuf *nb = forward(req, sizeof(req), &eth0, true);
	uint16_t id = get16(nb->data + 24);
	CU_ASSERT_NOT_EQUAL(id, 77);
	CU_ASSERT_EQUAL(get32(nb->data + 12), N);
	verify_csums(nb->data, nb->len);
	nb_free(nb);
	memcpy(rep, echorep_in, sizeof(rep));
	rep[24] = (uint8_t)(id >> 8), rep[25] = (uint8_t)id;
	fill_csums(rep, sizeof(rep));
	nb = forward(rep, sizeof(rep), &eth1, true);
	CU_ASSERT_EQUAL(get32(nb->data + 16), C);
	CU_ASSERT_EQUAL(get16(nb->data + 24), 77);
	verify_csums(nb->data, nb->len);
	nb_free(nb);
}

static void test_icmp_error_tcp(void)
{
	nb_free(forward(syn_in, sizeof(syn_in), &eth0, true));
	struct netbuf *nb = forward(err_in, sizeof(err_in), &eth1, true);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_RELATED);
	CU_ASSERT_EQUAL(P.ct_dir, CT_DIR_REPLY);
	expect(nb, err_out, sizeof(err_out));
}

/* Our own error about a LAN datagram before it was translated (TTL exceeded at FORWARD):
 * it quotes A -> B as A sent it, is RELATED in the reply direction, and NAT leaves it as is. */
static void test_icmp_error_own(void)
{
	nb_free(forward(syn_in, sizeof(syn_in), &eth0, true));
	uint8_t l4[8 + 28] = { ICMP_TIME_EXCEEDED, 0 }, err[20 + sizeof(l4)];
	memcpy(l4 + 8, syn_in, 28);
	memcpy(err, syn_in, 20);
	err[2] = 0, err[3] = sizeof(err);
	err[9] = IP_PROTO_ICMP;
	memcpy(err + 12, syn_in + 16, 4);               /* from 10.1.0.1 (eth0) to A */
	err[12] = 10, err[13] = 1, err[14] = 0, err[15] = 1;
	memcpy(err + 16, syn_in + 12, 4);
	memcpy(err + 20, l4, sizeof(l4));
	fill_csums(err, sizeof(err));
	struct netbuf *nb = unit_nb_from(err, sizeof(err));
	CU_ASSERT_FATAL(nf_pkt_parse(&P, nb, NF_OUTPUT, NULL, NULL) == 0);
	CU_ASSERT_EQUAL(ct_in(&P), 0);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_RELATED);
	CU_ASSERT_EQUAL(P.ct_dir, CT_DIR_REPLY);
	nat_apply(&P);
	P.hook = NF_POSTROUTING;
	P.out = &eth0;
	nat_apply(&P);
	expect(nb, err, sizeof(err));
}

static void test_icmp_error_udp(void)
{
	nb_free(forward(udp_in, sizeof(udp_in), &eth0, true));
	struct netbuf *nb = forward(uerr_in, sizeof(uerr_in), &eth1, true);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_RELATED);
	expect(nb, uerr_out, sizeof(uerr_out));
	/* the quoted UDP checksum is right again for the datagram A sent */
	verify_csums(uerr_out + 28, sizeof(uerr_out) - 28);
}

static void test_port_collision(void)
{
	nb_free(forward(syn_in, sizeof(syn_in), &eth0, true));
	uint8_t syn_c[sizeof(syn_in)];
	memcpy(syn_c, syn_in, sizeof(syn_c));
	syn_c[15] = 3;                          /* 10.1.0.3, same source port 40000 */
	fill_csums(syn_c, sizeof(syn_c));
	struct netbuf *nb = forward(syn_c, sizeof(syn_c), &eth0, true);
	uint16_t port = get16(nb->data + 20);
	CU_ASSERT_EQUAL(get32(nb->data + 12), N);
	CU_ASSERT_NOT_EQUAL(port, 40000);
	CU_ASSERT(port >= 1024);
	verify_csums(nb->data, nb->len);
	nb_free(nb);
	CU_ASSERT_EQUAL(ct_count(), 2);
	/* B answers each: the answers go to A:40000 and C:40000 */
	uint8_t sa[sizeof(synack_in)];
	memcpy(sa, synack_in, sizeof(sa));
	nb = forward(sa, sizeof(sa), &eth1, true);
	CU_ASSERT_EQUAL(get32(nb->data + 16), A);
	nb_free(nb);
	sa[22] = (uint8_t)(port >> 8), sa[23] = (uint8_t)port;
	fill_csums(sa, sizeof(sa));
	nb = forward(sa, sizeof(sa), &eth1, true);
	CU_ASSERT_EQUAL(P.ctstate, NF_CT_ESTABLISHED);
	CU_ASSERT_EQUAL(get32(nb->data + 16), C);
	CU_ASSERT_EQUAL(get16(nb->data + 22), 40000);
	verify_csums(nb->data, nb->len);
	nb_free(nb);
	/* a source port below 1024 moves within 512-1023 when it must move */
	syn_c[20] = 0x02, syn_c[21] = 0xbc;     /* sport 700 from C, then from A */
	fill_csums(syn_c, sizeof(syn_c));
	nb = forward(syn_c, sizeof(syn_c), &eth0, true);
	CU_ASSERT_EQUAL(get16(nb->data + 20), 700);
	nb_free(nb);
	syn_c[15] = 2;
	fill_csums(syn_c, sizeof(syn_c));
	nb = forward(syn_c, sizeof(syn_c), &eth0, true);
	port = get16(nb->data + 20);
	CU_ASSERT(port >= 512 && port <= 1023 && port != 700);
	verify_csums(nb->data, nb->len);
	nb_free(nb);
	CU_ASSERT_EQUAL(ct_count(), 4);
	CU_ASSERT_EQUAL(nf_stats.nat_no_port, 0);
}

static void test_snat_range_and_dnat(void)
{
	/* SNAT to 192.0.2.10-192.0.2.13 ports 2000-2000: the host keeps one address */
	struct nat_range r = { IPV4_ADDR(192, 0, 2, 10), IPV4_ADDR(192, 0, 2, 13), 2000, 2000 };
	struct netbuf *nb = unit_nb_from(syn_in, sizeof(syn_in));
	CU_ASSERT_FATAL(nf_pkt_parse(&P, nb, NF_PREROUTING, &eth0, NULL) == 0);
	CU_ASSERT_EQUAL(ct_in(&P), 0);
	P.hook = NF_POSTROUTING;
	CU_ASSERT_EQUAL(nat_setup(&P, NAT_SNAT, &r), 0);
	nat_apply(&P);
	uint32_t a1 = get32(nb->data + 12);
	CU_ASSERT(a1 >= r.addr_min && a1 <= r.addr_max);
	CU_ASSERT_EQUAL(get16(nb->data + 20), 2000);
	verify_csums(nb->data, nb->len);
	nb_free(nb);
	/* same host, other port: same address, but port 2000 is taken -> no tuple free */
	uint8_t s2[sizeof(syn_in)];
	memcpy(s2, syn_in, sizeof(s2));
	s2[21] = 0x41;                  /* sport 40001: L4 checksum wrong, not looked at here */
	nb = unit_nb_from(s2, sizeof(s2));
	CU_ASSERT_FATAL(nf_pkt_parse(&P, nb, NF_PREROUTING, &eth0, NULL) == 0);
	CU_ASSERT_EQUAL(ct_in(&P), 0);
	P.hook = NF_POSTROUTING;
	CU_ASSERT_EQUAL(nat_setup(&P, NAT_SNAT, &r), -1);
	CU_ASSERT_EQUAL(nf_stats.nat_no_port, 1);
	nb_free(nb);

	/* DNAT N:80 -> 10.1.0.5:8080 at PREROUTING; replies get the source back */
	ct_flush();
	struct nat_range d = { IPV4_ADDR(10, 1, 0, 5), IPV4_ADDR(10, 1, 0, 5), 8080, 8080 };
	nb = unit_nb_from(synack_in, sizeof(synack_in));        /* B:80 -> N:40000, as a SYN */
	nb->data[33] = 0x02;
	CU_ASSERT_FATAL(nf_pkt_parse(&P, nb, NF_PREROUTING, &eth1, NULL) == 0);
	CU_ASSERT_EQUAL(ct_in(&P), 0);
	CU_ASSERT_EQUAL(nat_setup(&P, NAT_DNAT, &d), 0);
	nat_apply(&P);
	CU_ASSERT_EQUAL(get32(nb->data + 16), IPV4_ADDR(10, 1, 0, 5));
	CU_ASSERT_EQUAL(get16(nb->data + 22), 8080);
	CU_ASSERT_EQUAL(P.dst, IPV4_ADDR(10, 1, 0, 5));
	CU_ASSERT_EQUAL(P.dport, 8080);
	nb_free(nb);
	const struct ct_tuple *t = ct_tuple(P.ct, CT_DIR_REPLY);
	CU_ASSERT(t->src == IPV4_ADDR(10, 1, 0, 5) && t->sport == 8080 && t->dst == B && t->dport == 80);
}

static void test_csum_replace4(void)
{
	/* RFC 1624 against the recomputed header: source A -> N */
	uint16_t c, want;
	uint32_t o, n;
	memcpy(&c, syn_in + 10, 2);
	memcpy(&o, syn_in + 12, 4);
	memcpy(&n, syn_out + 12, 4);
	memcpy(&want, syn_out + 10, 2);
	CU_ASSERT_EQUAL(nat_csum_replace4(c, o, n), want);
	CU_ASSERT_EQUAL(nat_csum_replace4(want, n, o), c);
}

/* The same flow through nf_hook with the rules a masquerading router has (net/nf_hook.c
 * calls conntrack and NAT): bytes as above, and a mid-stream segment dropped as INVALID. */
static int hooks(struct netbuf *nb, struct netdev *in, struct netdev *out)
{
	int v = nf_hook(NF_PREROUTING, nb, in, NULL);
	if (v == NF_ACCEPT)
		v = nf_hook(NF_FORWARD, nb, in, out);
	if (v == NF_ACCEPT)
		v = nf_hook(NF_POSTROUTING, nb, NULL, out);
	return v;
}

static void test_through_hooks(void)
{
	char err[160];
	CU_ASSERT_EQUAL_FATAL(nf_add_rule("-t nat -A POSTROUTING -o eth1 -j MASQUERADE", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(nf_add_rule("-A FORWARD -m conntrack --ctstate INVALID -j DROP", err, sizeof(err)), 0);
	struct netbuf *nb = unit_nb_from(syn_in, sizeof(syn_in));
	CU_ASSERT_EQUAL(hooks(nb, &eth0, &eth1), NF_ACCEPT);
	CU_ASSERT_PTR_NULL(nb->ct);                     /* cleared when it leaves the hooks */
	expect(nb, syn_out, sizeof(syn_out));
	nb = unit_nb_from(synack_in, sizeof(synack_in));
	CU_ASSERT_EQUAL(hooks(nb, &eth1, &eth0), NF_ACCEPT);
	expect(nb, synack_out, sizeof(synack_out));
	nb = unit_nb_from(err_in, sizeof(err_in));
	CU_ASSERT_EQUAL(hooks(nb, &eth1, &eth0), NF_ACCEPT);
	expect(nb, err_out, sizeof(err_out));
	CU_ASSERT_EQUAL(ct_count(), 1);
	/* a SYN-ACK for a flow nobody opened: INVALID, dropped by the rule, nothing created */
	uint8_t stray[sizeof(synack_in)];
	memcpy(stray, synack_in, sizeof(stray));
	stray[23] = 0x41;                               /* to port 40001 */
	fill_csums(stray, sizeof(stray));
	nb = unit_nb_from(stray, sizeof(stray));
	CU_ASSERT_EQUAL(hooks(nb, &eth1, &eth0), NF_DROP);
	nb_free(nb);
	CU_ASSERT_EQUAL(nf_stats.invalid, 1);
	CU_ASSERT_EQUAL(nf_stats.drop_rule, 1);
	CU_ASSERT_EQUAL(ct_count(), 1);
	nf_flush();
}

static CU_TestInfo tests[] = {
	{ "masq_tcp", test_masq_tcp },
	{ "masq_udp", test_masq_udp },
	{ "masq_icmp_echo", test_masq_icmp_echo },
	{ "icmp_error_tcp", test_icmp_error_tcp },
	{ "icmp_error_udp", test_icmp_error_udp },
	{ "icmp_error_own", test_icmp_error_own },
	{ "port_collision", test_port_collision },
	{ "snat_range_and_dnat", test_snat_range_and_dnat },
	{ "csum_replace4", test_csum_replace4 },
	{ "through_hooks", test_through_hooks },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("net/nat", setup, teardown, tests);
