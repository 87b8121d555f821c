/* IPv4 receive (RFC 791, RFC 1122 §3.2.1): validate the header in two steps (lengths, then
 * decode into struct ipv4_pdesc), filter on destination, demultiplex to ICMP/UDP/TCP.
 * Transmit: build the header (DF, TTL 64, per-stack ID counter), route, hand to ARP.
 * No fragmentation or reassembly yet: fragments are counted and dropped. */
#include <string.h>
#include "net/ipv4.h"
#include "net/arp.h"
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

/* nb->data at the IPv4 header. Takes ownership: delivered to a transport or freed. */
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
	CHECK(ipv4_is_local(pd.dst) || is_bcast(nb->dev, pd.dst), drop = &st->not_for_us; goto drop);
	/* RFC 791 §3.2: MF set or a non-zero offset means a fragment; no reassembly yet. */
	CHECK(!(pd.frag_off & (IPV4_F_MF | IPV4_OFFMASK)), drop = &st->frag_dropped; goto drop);
	nb_pull(nb, pd.hlen);
	nb->l4_off = nb_offset(nb);
	deliver(nb, &pd);
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
	/* DF is always set and we do not fragment: a datagram over the MTU is a caller bug or
	 * an oversized app write; count it rather than send it. */
	CHECK(nb->len + IPV4_HLEN_MIN <= r.dev->mtu, drop = &st->out_too_big; goto drop);
	struct ipv4_hdr *ih = nb_push(nb, IPV4_HLEN_MIN);
	ih->ver_ihl = 0x45;
	ih->tos = tos;
	ih->tot_len = htons((uint16_t)nb->len);
	ih->id = htons(ip_id++);
	ih->frag_off = htons(IPV4_F_DF);
	ih->ttl = IPV4_DEF_TTL;
	ih->proto = proto;
	ih->csum = 0;
	ih->saddr = htonl(src ? src : r.dev->ip.addr);
	ih->daddr = htonl(dst);
	ih->csum = csum_fold(csum_partial(ih, IPV4_HLEN_MIN, 0));
	nb->l3_off = nb_offset(nb);
	return arp_output(r.dev, nb, r.nexthop);
drop:
	(*drop)++;
	nb_free(nb);
	return -1;
}

/* Tests: restart the ID counter so golden frames are reproducible. */
void ipv4_reset(void)
{
	ip_id = 0;
}
