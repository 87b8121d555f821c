/* IPv4 receive (RFC 791, RFC 1122 §3.2.1): validate the header in two steps (lengths, then
 * decode into struct ipv4_pdesc), reassemble fragments (net/ipv4_frag.c), then deliver to
 * ICMP/UDP/TCP or, when forwarding is on, forward (RFC 1812). Transmit: build the header (DF,
 * TTL 64, per-stack ID counter), route, hand to ARP. The netfilter hooks (net/filter.h) sit
 * at their five points and cost one branch when nf_active is false. */
#include <string.h>
#include "net/ipv4.h"
#include "net/ipv4_frag.h"
#include "net/filter.h"
#include "net/arp.h"
#include "net/ether.h"
#include "net/icmp.h"
#include "net/udp.h"
#include "net/route.h"
#include "net/stats.h"
#include "net/checksum.h"
#include "net/byteorder.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"

/* net/tcp.h (the TCP engineer's) declares this; weak so the lower stack links without TCP. */
__attribute__((weak)) void tcp_input(struct netbuf *nb, const struct ipv4_pdesc *pd);

static uint16_t ip_id;
static bool forwarding;

void ipv4_set_forwarding(bool on) { forwarding = on; }
bool ipv4_forwarding(void) { return forwarding; }

bool ipv4_is_local(uint32_t addr)
{
	int n = netdev_count();
	for (int i = 0; i < n; i++)
		if (addr && netdev_get(i)->ip.addr == addr)
			return true;
	return false;
}

/* 255.255.255.255 or the directed broadcast of dev's subnet (RFC 1122 §3.2.1.3). */
static bool is_bcast(const struct netdev *dev, uint32_t a)
{
	return a == IPV4_BROADCAST ||
	       (dev && dev->ip.addr && dev->ip.mask != 0xffffffffu && a == (dev->ip.addr | ~dev->ip.mask));
}

bool ipv4_is_bcast(uint32_t a)
{
	int n = netdev_count();
	for (int i = 0; i < n; i++)
		if (is_bcast(netdev_get(i), a))
			return true;
	return a == IPV4_BROADCAST;
}

/* RFC 791 §3.1 options: every option but EOL/NOP carries a length >= 2 inside the header. */
static bool options_ok(const uint8_t *opt, unsigned len)
{
	unsigned i = 0;
	while (i < len) {
		if (opt[i] == 0)          /* end of option list */
			return true;
		if (opt[i] == 1) {        /* no-operation */
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
			return false;
		i += opt[i + 1];
	}
	return true;
}

/* Step 1 of parsing: lengths and checksum. Returns the counter of the failed check or NULL. */
static uint64_t *check_hdr(struct netbuf *nb, const struct ipv4_hdr *ih)
{
	struct ipv4_stats *st = &net_stats.ipv4;
	unsigned hlen = (ih->ver_ihl & 0x0f) * 4u, tot = ntohs(ih->tot_len);

	if (ih->ver_ihl >> 4 != 4)
		return &st->bad_version;
	if (hlen < IPV4_HLEN_MIN)
		return &st->bad_ihl;
	if (tot < IPV4_HLEN_MIN)
		return &st->bad_len;
	if (hlen > tot)
		return &st->bad_ihl;
	if (tot > nb->len)
		return &st->bad_len;       /* truncated: the frame holds less than the datagram */
	if (!(nb->flags & NB_F_CSUM_OK) && csum_fold(csum_partial(ih, hlen, 0)) != 0)
		return &st->bad_csum;
	if (!options_ok((const uint8_t *)(ih + 1), hlen - IPV4_HLEN_MIN))
		return &st->bad_options;
	return NULL;
}

static void decode(const struct ipv4_hdr *ih, struct netdev *dev, struct ipv4_pdesc *pd)
{
	pd->src = ntohl(ih->saddr);
	pd->dst = ntohl(ih->daddr);
	pd->proto = ih->proto;
	pd->ttl = ih->ttl;
	pd->tos = ih->tos;
	pd->id = ntohs(ih->id);
	pd->hlen = (ih->ver_ihl & 0x0f) * 4u;
	pd->tot_len = ntohs(ih->tot_len);
	pd->frag_off = ntohs(ih->frag_off);
	pd->dev = dev;
}

static void deliver(struct netbuf *nb, const struct ipv4_pdesc *pd);
static void forward(struct netbuf *nb, const struct ipv4_pdesc *pd);

/* A hook said NF_DROP (the filter counted why: free) or NF_STOLEN (the filter has nb). */
static int hook_verdict(struct netbuf *nb, int v)
{
	if (v == NF_STOLEN)
		return 0;
	net_stats.ipv4.filtered++;
	nb_free(nb);
	return -1;
}

static bool is_local_dst(const struct ipv4_pdesc *pd)
{
	return ipv4_is_local(pd->dst) || is_bcast(pd->dev, pd->dst);
}

/* For us: INPUT hook, then the transport. nb->data at the IPv4 header. Takes ownership. */
static void local_in(struct netbuf *nb, struct ipv4_pdesc *pd)
{
	if (unlikely(nf_active)) {
		int v = nf_hook(NF_INPUT, nb, pd->dev, NULL);
		if (v != NF_ACCEPT) {
			hook_verdict(nb, v);
			return;
		}
		decode((const struct ipv4_hdr *)nb->data, pd->dev, pd);   /* NAT may rewrite */
	}
	nb_pull(nb, pd->hlen);
	nb->l4_off = nb_offset(nb);
	deliver(nb, pd);
}

/* nb->data at the IPv4 header. Takes ownership: delivered, forwarded or freed. */
void ipv4_input(struct netbuf *nb)
{
	struct ipv4_stats *st = &net_stats.ipv4;
	struct ipv4_pdesc pd;
	uint64_t *drop;

	st->in_receives++;
	nb->l3_off = nb_offset(nb);
	CHECK(nb->len >= IPV4_HLEN_MIN, drop = &st->too_short; goto drop);
	const struct ipv4_hdr *ih = (const struct ipv4_hdr *)nb->data;
	drop = check_hdr(nb, ih);
	if (drop)
		goto drop;
	decode(ih, nb->dev, &pd);
	nb_trim(nb, pd.tot_len);       /* Ethernet pads short frames to 60 bytes */
	/* RFC 1122 §3.2.1.3: a source that is broadcast, multicast or loopback is bogus. */
	CHECK(!is_bcast(nb->dev, pd.src) && !ipv4_is_multicast(pd.src) && !ipv4_is_loopback(pd.src),
	      drop = &st->bad_src; goto drop);
	CHECK(forwarding || is_local_dst(&pd), drop = &st->not_for_us; goto drop);
	/* RFC 791 §3.2: MF set or a non-zero offset means a fragment. */
	if (pd.frag_off & (IPV4_F_MF | IPV4_OFFMASK)) {
		nb = ipv4_reasm(nb);
		if (!nb)
			return;                 /* held for the rest, or dropped (counted) */
		decode((const struct ipv4_hdr *)nb->data, nb->dev, &pd);
	}
	if (unlikely(nf_active)) {
		int v = nf_hook(NF_PREROUTING, nb, pd.dev, NULL);
		if (v != NF_ACCEPT) {
			hook_verdict(nb, v);
			return;
		}
		decode((const struct ipv4_hdr *)nb->data, pd.dev, &pd);   /* DNAT may change dst */
	}
	if (is_local_dst(&pd))
		local_in(nb, &pd);
	else if (forwarding)
		forward(nb, &pd);
	else {
		if (nf_active)
			nf_release(nb);
		drop = &st->not_for_us;
		goto drop;
	}
	return;
drop:
	(*drop)++;
	nb_free(nb);
}

/* nb->data at the L4 header. Takes ownership. */
static void deliver(struct netbuf *nb, const struct ipv4_pdesc *pd)
{
	switch (pd->proto) {
	case IP_PROTO_ICMP:
		net_stats.ipv4.delivered++;
		icmp_input(nb, pd);
		return;
	case IP_PROTO_UDP:
		net_stats.ipv4.delivered++;
		udp_input(nb, pd);
		return;
	case IP_PROTO_TCP:
		if (tcp_input) {
			net_stats.ipv4.delivered++;
			tcp_input(nb, pd);
			return;
		}
		break;
	}
	/* RFC 1122 §3.2.2.1: protocol unreachable (not for broadcasts: icmp_send_error checks). */
	if (!is_bcast(pd->dev, pd->dst))
		icmp_send_error(nb, ICMP_DEST_UNREACH, ICMP_PROT_UNREACH);
	net_stats.ipv4.no_proto++;
	if (nf_active) {
		nb_push(nb, pd->hlen);          /* nf_release reads the IPv4 header */
		nf_release(nb);
	}
	nb_free(nb);
}

/* POSTROUTING (SNAT may change the source), then out of dev to nexthop, in fragments when
 * over dev's MTU (only datagrams with DF clear get here that large). nb->data at
 * the IPv4 header. Takes ownership. Returns 0 when sent, queued or stolen, -1 when dropped. */
static int post_route(struct netbuf *nb, struct netdev *in, struct netdev *dev, uint32_t nexthop)
{
	if (unlikely(nf_active)) {
		int v = nf_hook(NF_POSTROUTING, nb, in, dev);
		if (v != NF_ACCEPT)
			return hook_verdict(nb, v);
	}
	if (nb->len > dev->mtu)
		return ipv4_fragment(nb, dev->mtu, dev, nexthop);
	return arp_output(dev, nb, nexthop);
}

/* RFC 1812 §4.2.2.11 / §5.3.7: 0.0.0.0/8, 127/8, multicast and class E (and so the limited
 * broadcast) are never forwarded, nor 169.254/16 (RFC 3927 §7). No multicast routing here. */
static bool martian(uint32_t a)
{
	return (a >> 24) == 0 || ipv4_is_loopback(a) || a >= IPV4_ADDR(224, 0, 0, 0) ||
	       (a & 0xffff0000u) == IPV4_ADDR(169, 254, 0, 0);
}

/* RFC 1812 §5.3.1: decrement TTL, checksum updated incrementally (RFC 1624). */
static void dec_ttl(struct ipv4_hdr *ih)
{
	uint16_t w_old, w_new;
	memcpy(&w_old, &ih->ttl, 2);           /* the 16-bit word holding TTL and protocol */
	ih->ttl--;
	memcpy(&w_new, &ih->ttl, 2);
	ih->csum = csum_replace2(ih->csum, w_old, w_new);
}

/* Not for us and forwarding is on (RFC 1812 §5.2). nb->data at the IPv4 header of a whole
 * datagram. Takes ownership: sent on, or freed (counted, with an ICMP error where due). */
static void forward(struct netbuf *nb, const struct ipv4_pdesc *pd)
{
	struct ipv4_stats *st = &net_stats.ipv4;
	struct route_result r;
	uint64_t *drop;

	/* §5.3.4: a unicast datagram that came as link-layer broadcast is not forwarded;
	 * §5.3.7: nor one claiming to come from one of our own addresses. */
	CHECK(!martian(pd->src) && !martian(pd->dst) && !(nb->flags & NB_F_L2BCAST) &&
	      !ipv4_is_local(pd->src), drop = &st->fwd_bad_addr; goto drop);
	if (pd->ttl <= 1) {
		icmp_send_error(nb, ICMP_TIME_EXCEEDED, ICMP_EXC_TTL);
		drop = &st->fwd_ttl_exceeded;
		goto drop;
	}
	if (!route_lookup(pd->dst, &r)) {
		icmp_send_error(nb, ICMP_DEST_UNREACH, ICMP_NET_UNREACH);
		drop = &st->fwd_no_route;
		goto drop;
	}
	/* §5.3.5.2: directed broadcasts are not forwarded by default. */
	CHECK(!is_bcast(r.dev, pd->dst), drop = &st->fwd_bad_addr; goto drop);
	if (pd->tot_len > r.dev->mtu && (pd->frag_off & IPV4_F_DF)) {
		icmp_send_frag_needed(nb, r.dev->mtu);      /* RFC 1191 §4 */
		drop = &st->fwd_frag_needed;
		goto drop;
	}
	if (unlikely(nf_active)) {
		int v = nf_hook(NF_FORWARD, nb, pd->dev, r.dev);
		if (v != NF_ACCEPT) {
			hook_verdict(nb, v);
			return;
		}
	}
	dec_ttl((struct ipv4_hdr *)nb->data);
	st->forwarded++;
	/* Zero copy: the received buffer goes out; the Ethernet header's old room is reused. */
	post_route(nb, pd->dev, r.dev, r.nexthop);
	return;
drop:
	(*drop)++;
	if (nf_active)
		nf_release(nb);
	nb_free(nb);
}

uint32_t ipv4_select_src(uint32_t dst)
{
	struct route_result r;
	return route_lookup(dst, &r) ? r.dev->ip.addr : 0;
}

uint16_t ipv4_route_mtu(uint32_t dst)
{
	struct route_result r;
	return route_lookup(dst, &r) && r.dev->mtu ? r.dev->mtu : 1500;
}

/* Takes ownership of nb on every path (see net/ipv4.h). */
int ipv4_output(struct netbuf *nb, uint32_t src, uint32_t dst, uint8_t proto, uint8_t tos)
{
	struct ipv4_stats *st = &net_stats.ipv4;
	struct route_result r;
	uint64_t *drop;

	st->out_requests++;
	/* 0.0.0.0 is "this host" (RFC 1122 §3.2.1.3): never a destination, e.g. of an echo
	 * reply to a spoofed source. */
	CHECK(dst != 0, drop = &st->no_route; goto drop);
	CHECK(route_lookup(dst, &r), drop = &st->no_route; goto drop);
	/* TCP sizes its segments to the path MTU and relies on DF (RFC 1191): one over the MTU
	 * is a bug, counted. Anything else larger than the MTU (a big echo reply, a UDP
	 * datagram) goes out in fragments without DF (RFC 1122 §3.3.3). */
	bool df = nb->len + IPV4_HLEN_MIN <= r.dev->mtu;
	CHECK(df || proto != IP_PROTO_TCP, drop = &st->out_too_big; goto drop);
	struct ipv4_hdr *ih = nb_push(nb, IPV4_HLEN_MIN);
	ih->ver_ihl = 0x45;
	ih->tos = tos;
	ih->tot_len = htons((uint16_t)nb->len);
	ih->id = htons(ip_id++);
	ih->frag_off = htons(df ? IPV4_F_DF : 0);
	ih->ttl = IPV4_DEF_TTL;
	ih->proto = proto;
	ih->csum = 0;
	ih->saddr = htonl(src ? src : r.dev->ip.addr);
	ih->daddr = htonl(dst);
	ih->csum = csum_fold(csum_partial(ih, IPV4_HLEN_MIN, 0));
	nb->l3_off = nb_offset(nb);
	if (unlikely(nf_active)) {
		int v = nf_hook(NF_OUTPUT, nb, NULL, r.dev);
		if (v != NF_ACCEPT)
			return hook_verdict(nb, v);
		uint32_t ndst = ntohl(((const struct ipv4_hdr *)nb->data)->daddr);
		if (ndst != dst) {      /* DNAT: route the new destination */
			bool ok = route_lookup(ndst, &r);
			CHECK(ok && (nb->len <= r.dev->mtu || !df),
			      drop = ok ? &st->out_too_big : &st->no_route; nf_release(nb); goto drop);
		}
	}
	return post_route(nb, NULL, r.dev, r.nexthop);
drop:
	(*drop)++;
	nb_free(nb);
	return -1;
}

/* Tests: restart the ID counter so golden frames are reproducible. */
void ipv4_reset(void)
{
	ip_id = 0;
	ipv4_reasm_flush();
}
