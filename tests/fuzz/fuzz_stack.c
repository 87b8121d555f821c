/* Shared support for the libFuzzer harnesses (see fuzz_stack.h): stack set-up and teardown
 * with a leak check, a fake eth0 that frees every transmitted frame after noting the TCP
 * sequence numbers in it, and the record splitter that turns one input into several frames. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_stack.h"
#include "unit.h"                 /* fake_now / fake_advance (tests/unit/fakes/clock.c) */
#include "apps/app.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "kernel/timer.h"
#include "net/net.h"
#include "net/arp.h"
#include "net/tcp.h"
#include "net/socket.h"
#include "net/checksum.h"
#include "net/byteorder.h"
#include "net/proto/ether.h"
#include "net/proto/ipv4.h"
#include "net/tcp_proto.h"
#include "net/ipv4.h"
#include "net/filter.h"
#include "net/conntrack.h"

#define FZ_POOL_BUFS 128          /* small, so pool exhaustion is reachable */
#define FZ_T0        (1000 * NS_PER_S)

struct netdev *fz_dev;
const uint8_t fz_our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const uint8_t fz_peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

#define FZ_CT_MAX    256          /* small, so a full conntrack table is reachable */

static _Alignas(4096) uint8_t pool_mem[FZ_POOL_BUFS * NB_SIZE];

/* The filter every harness runs through (with forwarding on and conntrack): state rules,
 * a per-source rate limit, REJECTs on closed ports, a user chain, DNAT of 8007 to the echo
 * port and of 5353 to the peer, MASQUERADE of forwarded traffic. It lets the appliances'
 * ports (echo 7, discard 9, the active open to 10.0.0.1:80) through, so every path the
 * seeds reach without a filter is still reached. */
static const char fz_rules[] =
	"*filter\n"
	":INPUT ACCEPT [0:0]\n"
	":FORWARD DROP [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":probe - [0:0]\n"
	"-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
	"-A INPUT -p tcp --dport 7 -m hashlimit --hashlimit-above 10000/sec --hashlimit-burst 100 "
	"--hashlimit-mode srcip --hashlimit-name fz -j DROP\n"
	"-A INPUT -p tcp -m multiport --dports 7,9 -j ACCEPT\n"
	"-A INPUT -p udp --dport 7 -j ACCEPT\n"
	"-A INPUT -p tcp --dport 23 -j REJECT --reject-with tcp-reset\n"
	"-A INPUT -p udp --dport 69 -j REJECT\n"
	"-A INPUT -p icmp --icmp-type timestamp-request -j DROP\n"
	"-A INPUT -s 10.0.0.0/24 -j probe\n"
	"-A probe -p tcp --tcp-flags SYN,FIN SYN,FIN\n"
	"-A probe -p udp --sport 53 -m limit --limit 100/sec -j RETURN\n"
	"-A probe -m conntrack --ctstate INVALID\n"
	"-A FORWARD -m state --state ESTABLISHED,RELATED -j ACCEPT\n"
	"-A FORWARD -i eth0 -o eth0 -p tcp --dport 80 -j ACCEPT\n"
	"-A FORWARD -p udp --dport 53 -j ACCEPT\n"
	"-A FORWARD -p icmp -j ACCEPT\n"
	"COMMIT\n"
	"*nat\n"
	"-A PREROUTING -p tcp --dport 8007 -j DNAT --to-destination 10.0.0.2:7\n"
	"-A PREROUTING -p udp --dport 5353 -j DNAT --to-destination 10.0.0.1:53\n"
	"-A POSTROUTING -o eth0 -s 10.0.0.0/24 ! -d 10.0.0.0/24 -j MASQUERADE\n"
	"-A POSTROUTING -o eth0 -p udp --dport 53 -j MASQUERADE\n"
	"COMMIT\n";

/* What the peer would send next, learnt from our last transmitted TCP segment. */
static struct { bool valid; uint32_t seq, ack; } peer_next;

/* The appliance logs through klog (kernel/log.c is not host code): swallow it. */
enum log_level log_threshold = LOG_ERR;
void klog(enum log_level lvl, const char *fmt, ...) { (void)lvl; (void)fmt; }

static void note_tcp_tx(const uint8_t *f, uint32_t len)
{
	if (len < ETH_HLEN + IPV4_HLEN_MIN + TCP_HLEN_MIN || f[12] != 0x08 || f[13] != 0x00)
		return;
	const uint8_t *ip = f + ETH_HLEN;
	unsigned hlen = (ip[0] & 0x0f) * 4u, tot = (unsigned)(ip[2] << 8 | ip[3]);
	if (ip[9] != IP_PROTO_TCP || tot > len - ETH_HLEN || hlen + TCP_HLEN_MIN > tot)
		return;
	const struct tcp_hdr *th = (const struct tcp_hdr *)(ip + hlen);
	unsigned thl = (th->off >> 4) * 4u;
	if (thl < TCP_HLEN_MIN || hlen + thl > tot)
		return;
	uint32_t seglen = tot - hlen - thl + !!(th->flags & TCP_SYN) + !!(th->flags & TCP_FIN);
	peer_next.valid = true;
	peer_next.seq = ntohl(th->ack);
	peer_next.ack = ntohl(th->seq) + seglen;
}

/* FUZZ_TRACE=1 in the environment: one line per transmitted frame (checking seeds by hand). */
static void trace_tx(const uint8_t *f, uint32_t len)
{
	static int on = -1;
	if (on < 0)
		on = getenv("FUZZ_TRACE") != NULL;
	if (!on)
		return;
	fprintf(stderr, "tx %4u bytes type %02x%02x", len, len > 13 ? f[12] : 0, len > 13 ? f[13] : 0);
	if (len >= ETH_HLEN + IPV4_HLEN_MIN + TCP_HLEN_MIN && f[12] == 0x08 && f[13] == 0 && f[23] == IP_PROTO_TCP) {
		const uint8_t *t = f + ETH_HLEN + (f[14] & 0x0f) * 4u;
		uint32_t seq, ack;
		memcpy(&seq, t + 4, 4);
		memcpy(&ack, t + 8, 4);
		fprintf(stderr, " tcp %u->%u flags %02x seq %u ack %u", t[0] << 8 | t[1], t[2] << 8 | t[3],
			t[13], ntohl(seq), ntohl(ack));
	} else if (len >= ETH_HLEN + IPV4_HLEN_MIN && f[12] == 0x08 && f[13] == 0) {
		fprintf(stderr, " proto %u", f[23]);
	}
	fprintf(stderr, "\n");
}

void (*fz_tx_hook)(const uint8_t *frame, uint32_t len);

/* Takes ownership like a real driver: the frame is "on the wire" once noted, so freed. */
static int fz_xmit(struct netdev *dev, struct netbuf *nb)
{
	trace_tx(nb->data, nb->len);
	if (fz_tx_hook)
		fz_tx_hook(nb->data, nb->len);
	note_tcp_tx(nb->data, nb->len);
	nb_free(nb);
	return 0;
}

static int fz_poll(struct netdev *dev, int budget) { return 0; }
static bool fz_irq_enable(struct netdev *dev) { return false; }
static void fz_irq_disable(struct netdev *dev) { }

static const struct netdev_ops fz_ops = {
	.xmit = fz_xmit, .poll = fz_poll, .irq_enable = fz_irq_enable, .irq_disable = fz_irq_disable,
};

static struct netdev fdev = {
	.mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
	.mtu = 1500,
	.ops = &fz_ops,
	.driver = "fuzz",
};

void fz_init(void)
{
	if (fz_dev)
		return;
	if (nb_pool_init(pool_mem, sizeof(pool_mem)) == 0 || (net_init(), netdev_register(&fdev)) != 0 ||
	    net_if_set_addr(&fdev, FZ_US, 24) != 0) {
		fprintf(stderr, "fuzz: stack set-up failed\n");
		abort();
	}
	fdev.flags = NETDEV_F_UP | NETDEV_F_LINK;
	fz_dev = &fdev;
	ct_set_seed(0x5eed);            /* the same hash layout every run: reproducible inputs */
}

/* Conntrack (fresh table), the rule set, forwarding on. */
static void filter_begin(void)
{
	char err[200];
	if (ct_init(FZ_CT_MAX) != 0 || nf_load(fz_rules, sizeof(fz_rules) - 1, "fuzz_stack", 1, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz: filter set-up failed: %s\n", err);
		abort();
	}
	memset(&nf_stats, 0, sizeof(nf_stats));
	ipv4_set_forwarding(true);
}

/* Port 9 (RFC 863 discard) with a backlog of 1, so a second SYN meets SYN cookies, and the
 * default (automatic) receive window that the echo appliance does not use. */
static void discard_recv(struct tcp_conn *c, struct netbuf *nb, void *arg)
{
	if (nb)
		nb_free(nb);
	else
		tcp_close(c);           /* the peer's FIN: close our side too */
}
static void discard_closed(struct tcp_conn *c, int reason, void *arg) { }
static const struct tcp_callbacks discard_cbs = { .recv = discard_recv, .closed = discard_closed };
static void discard_accept(struct tcp_conn *c, void *arg)
{
	tcp_set_callbacks(c, &discard_cbs, NULL);
	tcp_set_cc(c, "cubic");         /* the echo connections use the default, reno */
}
static void active_done(struct tcp_conn *c, int err, void *arg) { }

void fz_begin(bool app)
{
	static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	static struct config empty;

	fz_init();
	fake_now = FZ_T0;
	net_reset();
	tcp_init();
	timers_reset();
	tcp_set_secret(key);
	nf_flush();
	filter_begin();
	tcp_set_max_conns(16);        /* small, so a full table is reachable */
	net_set_gateway(FZ_PEER);
	arp_learn(fz_dev, FZ_PEER, fz_peer_mac);
	peer_next.valid = false;
	if (!app)
		return;
	/* An active open to 10.0.0.1:80 too: its SYN goes out now, SYN_SENT is reachable. */
	if (app_echo.start(&empty) != 0 || !tcp_listen(0, 9, 1, discard_accept, NULL) ||
	    !tcp_connect(FZ_PEER, 80, &discard_cbs, NULL, active_done)) {
		fprintf(stderr, "fuzz: apps did not start\n");
		abort();
	}
}

void fz_end(void)
{
	tcp_reset();
	net_reset();
	timers_reset();
	ipv4_set_forwarding(false);
	ct_init(0);                     /* frees the table; then nf_active follows the rules */
	nf_flush();
	if (nb_pool_free() != nb_pool_total()) {
		fprintf(stderr, "fuzz: netbuf leak: %u of %u buffers free after teardown\n",
			nb_pool_free(), nb_pool_total());
		abort();
	}
}

void fz_clock(uint8_t ctl)
{
	static const uint64_t step_ms[8] = { 0, 1, 50, 200, 1000, 5000, 30000, 130000 };
	uint64_t ms = step_ms[FZ_C_CLOCK(ctl)];
	if (ms)
		fake_advance(ms * NS_PER_MS);
}

bool fz_next(const uint8_t **in, size_t *left, struct fz_rec *r)
{
	if (*left < 3)
		return false;
	size_t want = (size_t)((*in)[0] << 8 | (*in)[1]);
	r->ctl = (*in)[2];
	*in += 3;
	*left -= 3;
	r->len = want < *left ? want : *left;
	r->p = *in;
	*in += r->len;
	*left -= r->len;
	return true;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

void fz_fix_csums(uint8_t *ip, size_t len)
{
	if (len < IPV4_HLEN_MIN || ip[0] >> 4 != 4)
		return;
	size_t hlen = (ip[0] & 0x0f) * 4u, tot = (size_t)(ip[2] << 8 | ip[3]);
	if (hlen < IPV4_HLEN_MIN || hlen > len)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, ntohs(csum_fold(csum_partial(ip, hlen, 0))));
	if (tot > len || tot < hlen)
		return;
	uint8_t *l4 = ip + hlen;
	uint16_t l4len = (uint16_t)(tot - hlen);
	uint32_t src, dst;
	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	uint32_t pseudo = csum_pseudo(ntohl(src), ntohl(dst), ip[9], l4len);
	unsigned at;
	switch (ip[9]) {
	case IP_PROTO_TCP: at = 16; break;
	case IP_PROTO_UDP: at = 6; break;
	case IP_PROTO_ICMP: at = 2; pseudo = 0; break;
	default: return;
	}
	if (l4len < at + 2)
		return;
	put16(l4 + at, 0);
	uint16_t c = ntohs(csum_fold(csum_partial(l4, l4len, pseudo)));
	if (c == 0 && ip[9] == IP_PROTO_UDP)
		c = 0xffff;             /* RFC 768: a computed zero is sent as all ones */
	put16(l4 + at, c);
}

static void fix_seqack(uint8_t *ip, size_t len)
{
	if (!peer_next.valid || len < IPV4_HLEN_MIN || ip[9] != IP_PROTO_TCP)
		return;
	size_t hlen = (ip[0] & 0x0f) * 4u;
	if (hlen < IPV4_HLEN_MIN || hlen + TCP_HLEN_MIN > len)
		return;
	put32(ip + hlen + 4, peer_next.seq);
	put32(ip + hlen + 8, peer_next.ack);
}

struct netbuf *fz_frame(const struct fz_rec *r, bool ether)
{
	struct netbuf *nb = (r->ctl & FZ_C_NOHEAD) ? nb_alloc_rx() : nb_alloc();
	if (!nb)
		return NULL;
	if ((r->ctl & FZ_C_NOHEAD) && !ether)
		nb->data += ETH_HLEN;   /* as a NIC frame after net_rx pulled its Ethernet header */
	size_t room = nb_tailroom(nb), n = 0;
	if (ether && (r->ctl & FZ_C_ETHER)) {
		uint8_t *eh = nb_put(nb, ETH_HLEN);
		memcpy(eh, fz_our_mac, 6);
		memcpy(eh + 6, fz_peer_mac, 6);
		put16(eh + 12, ETH_P_IP);
		room -= ETH_HLEN;
	}
	n = r->len < room ? r->len : room;
	memcpy(nb_put(nb, (uint32_t)n), r->p, n);
	uint8_t *ip = nb->data + (ether ? ETH_HLEN : 0);
	size_t iplen = nb->len > (uint32_t)(ip - nb->data) ? nb->len - (size_t)(ip - nb->data) : 0;
	if (ether && (nb->len < ETH_HLEN || nb->data[12] != 0x08 || nb->data[13] != 0x00))
		iplen = 0;              /* not IPv4: leave the bytes alone */
	if (r->ctl & FZ_C_SEQACK)
		fix_seqack(ip, iplen);
	if (r->ctl & FZ_C_FIXCSUM)
		fz_fix_csums(ip, iplen);
	if (r->ctl & FZ_C_CSUM_OK)
		nb->flags |= NB_F_CSUM_OK;
	return nb;
}
