/* Packetdrill-style TCP test helpers (see tcp_harness.h): frame building with real
 * checksums, decoding of what the stack sent, a recording app and handshake shortcuts. */
#include <string.h>
#include "tcp_harness.h"
#include "net/net.h"
#include "net/arp.h"
#include "net/checksum.h"
#include "net/byteorder.h"
#include "net/proto/ether.h"
#include "kernel/timer.h"

struct th_app th_app;
const uint8_t th_opt_mss1460[4] = { 2, 4, 0x05, 0xb4 };
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static struct netdev *dev;

void th_inject(const struct th_in *in)
{
	uint8_t f[14 + 20 + 60 + 1600];
	unsigned thl = 20 + in->optlen, tot = 20 + thl + in->len;
	CU_ASSERT_FATAL(in->optlen % 4 == 0 && in->optlen <= 40 && in->len <= 1600);
	memset(f, 0, sizeof(f));
	memcpy(f, our_mac, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x08;
	struct ipv4_hdr *ih = (struct ipv4_hdr *)(f + 14);
	ih->ver_ihl = 0x45;
	ih->tot_len = htons((uint16_t)tot);
	ih->frag_off = htons(IPV4_F_DF);
	ih->ttl = 64;
	ih->proto = IP_PROTO_TCP;
	ih->saddr = htonl(TH_PEER);
	ih->daddr = htonl(TH_US);
	ih->csum = csum_fold(csum_partial(ih, 20, 0));
	struct tcp_hdr *th = (struct tcp_hdr *)(f + 34);
	th->sport = htons(in->sport ? in->sport : TH_PPORT);
	th->dport = htons(in->dport ? in->dport : TH_LPORT);
	th->seq = htonl(in->seq);
	th->ack = htonl(in->ack);
	th->off = (uint8_t)((thl / 4) << 4);
	th->flags = in->flags;
	th->win = htons(in->win);
	if (in->optlen)
		memcpy(th + 1, in->opt, in->optlen);
	if (in->len)
		memcpy(f + 34 + thl, in->data, in->len);
	uint32_t sum = csum_pseudo(TH_PEER, TH_US, IP_PROTO_TCP, (uint16_t)(thl + in->len));
	th->csum = csum_fold(csum_partial(th, thl + in->len, sum));
	if (in->bad_csum)
		th->csum ^= 0x0101;
	size_t flen = 14 + tot < 60 ? 60 : 14 + tot;
	net_rx(dev, unit_nb_from(f, flen));
}

static bool decode(struct netbuf *nb, struct th_out *o)
{
	memset(o, 0, sizeof(*o));
	if (nb->len < 14 + 20 + 20 || nb->data[12] != 0x08 || nb->data[13] != 0x00)
		return false;
	CU_ASSERT(memcmp(nb->data, peer_mac, 6) == 0);
	const struct ipv4_hdr *ih = (const struct ipv4_hdr *)(nb->data + 14);
	if (ih->proto != IP_PROTO_TCP)
		return false;
	unsigned tot = ntohs(ih->tot_len);
	CU_ASSERT_EQUAL(csum_fold(csum_partial(ih, 20, 0)), 0);
	CU_ASSERT_FATAL(tot + 14u <= nb->len && tot >= 40);
	o->src = ntohl(ih->saddr), o->dst = ntohl(ih->daddr), o->ttl = ih->ttl, o->tos = ih->tos;
	const struct tcp_hdr *th = (const struct tcp_hdr *)(ih + 1);
	unsigned thl = (th->off >> 4) * 4u, l4 = tot - 20;
	CU_ASSERT_FATAL(thl >= 20 && thl <= l4);
	uint32_t sum = csum_pseudo(o->src, o->dst, IP_PROTO_TCP, (uint16_t)l4);
	CU_ASSERT_EQUAL(csum_fold(csum_partial(th, l4, sum)), 0);
	o->sport = ntohs(th->sport), o->dport = ntohs(th->dport);
	o->seq = ntohl(th->seq), o->ack = ntohl(th->ack);
	o->flags = th->flags, o->win = ntohs(th->win);
	o->optlen = thl - 20;
	memcpy(o->opt, th + 1, o->optlen);
	o->len = l4 - thl;
	CU_ASSERT_FATAL(o->len <= sizeof(o->data));
	memcpy(o->data, (const uint8_t *)th + thl, o->len);
	return true;
}

bool th_pop(struct th_out *out)
{
	struct netbuf *nb;
	while ((nb = fake_tx_pop())) {
		bool tcp = decode(nb, out);
		nb_free(nb);
		if (tcp)
			return true;
	}
	return false;
}

void th_expect_none(void)
{
	struct th_out o;
	bool got = th_pop(&o);
	CU_ASSERT_FALSE(got);
	if (got)
		fprintf(stderr, "\nunexpected segment seq %u ack %u flags %#x len %u\n",
			o.seq, o.ack, o.flags, o.len);
}

void th_advance_ms(uint64_t ms)
{
	while (ms) {
		uint64_t step = ms > 20000 ? 20000 : ms;
		arp_learn(dev, TH_PEER, peer_mac);
		fake_advance(step * NS_PER_MS);
		ms -= step;
	}
	arp_learn(dev, TH_PEER, peer_mac);
}

/* ---- recording app ---- */

static void rec_recv(struct tcp_conn *c, struct netbuf *nb, void *arg)
{
	if (!nb) {
		th_app.fins++;
		if (th_app.close_on_fin)
			tcp_close(c);
		return;
	}
	CU_ASSERT_FATAL(th_app.rx_len + nb->len <= sizeof(th_app.rx));
	memcpy(th_app.rx + th_app.rx_len, nb->data, nb->len);
	th_app.rx_len += nb->len;
	if (th_app.echo)
		CU_ASSERT_EQUAL(tcp_send(c, nb->data, nb->len), (ssize_t)nb->len);
	if (th_app.hold)
		th_app.held += nb->len;
	nb_free(nb);
}

static void rec_sent(struct tcp_conn *c, size_t room, void *arg)
{
	th_app.sents++;
}

static void rec_closed(struct tcp_conn *c, int reason, void *arg)
{
	th_app.closes++;
	th_app.close_reason = reason;
	if (th_app.conn == c)
		th_app.conn = NULL;
}

const struct tcp_callbacks th_cbs = { .recv = rec_recv, .sent = rec_sent, .closed = rec_closed };

void th_accept(struct tcp_conn *c, void *arg)
{
	th_app.accepts++;
	th_app.conn = c;
	tcp_set_callbacks(c, &th_cbs, NULL);
	tcp_set_nodelay(c, true);
	if (th_app.hold)
		tcp_set_manual_window(c, true);
}

void th_connected(struct tcp_conn *c, int err, void *arg)
{
	th_app.connects++;
	th_app.connect_err = err;
	th_app.conn = err ? NULL : c;
}

void th_setup(void)
{
	static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	dev = fake_netdev();
	net_reset();
	tcp_init();
	timers_reset();
	fake_now = 1000 * NS_PER_S;
	fake_netdev_reset();
	tcp_set_secret(key);
	arp_learn(dev, TH_PEER, peer_mac);
	memset(&th_app, 0, sizeof(th_app));
}

void th_teardown(void)
{
	tcp_reset();
	net_reset();
	fake_netdev_reset();
	timers_reset();
}

struct tcp_conn *th_open(uint32_t piss, const uint8_t *opt, unsigned optlen, uint32_t *iss,
			 struct th_out *synack)
{
	struct th_out o;
	if (!tcp_listener_lookup(TH_US, TH_LPORT))
		CU_ASSERT_PTR_NOT_NULL_FATAL(tcp_listen(0, TH_LPORT, 8, th_accept, NULL));
	TH_SEG(.seq = piss, .flags = TCP_SYN, .opt = opt, .optlen = optlen);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL_FATAL(o.flags, TCP_SYN | TCP_ACK);
	CU_ASSERT_EQUAL(o.ack, piss + 1);
	if (synack)
		*synack = o;
	*iss = o.seq;
	TH_SEG(.seq = piss + 1, .ack = o.seq + 1, .flags = TCP_ACK);
	CU_ASSERT_PTR_NOT_NULL_FATAL(th_app.conn);
	return th_app.conn;
}
