/* IPv4 (RFC 791, RFC 1122 §3.2): receive validation, reassembly and demultiplexing to
 * ICMP/UDP/TCP, forwarding (RFC 1812) when enabled, and the output path (header, route,
 * netfilter hooks, ARP) used by every transport.
 * Addresses in this API are host byte order. */
#ifndef NET_IPV4_H
#define NET_IPV4_H

#include "net/compiler.h"
#include "net/netbuf.h"
#include "net/netdev.h"

struct ipv4_pdesc {            /* parsed, host-order descriptor of a received IPv4 packet */
	uint32_t src, dst;
	uint8_t proto, ttl, tos;
	uint16_t id, hlen, tot_len, frag_off;  /* frag_off: flags+offset field, host order */
	struct netdev *dev;       /* receiving interface */
};

/* Send an L4 payload: nb->data at the L4 header (with its checksum already filled in).
 * Pushes the IPv4 header (DF set; a non-TCP datagram over the route's MTU goes without DF,
 * in fragments), routes, resolves ARP (queues while pending), transmits.
 * Always takes ownership of nb. src 0 = pick the outgoing interface's address.
 * Returns 0 when sent or queued, -1 when dropped (counted). */
int ipv4_output(struct netbuf *nb, uint32_t src, uint32_t dst, uint8_t proto, uint8_t tos);
/* Address the stack would use as source towards dst, or 0 when no route. */
uint32_t ipv4_select_src(uint32_t dst);
bool ipv4_is_local(uint32_t addr);     /* one of our interface addresses */
uint16_t ipv4_route_mtu(uint32_t dst); /* MTU of the outgoing interface (1500 default) */
/* nb->data at the IPv4 header, nb->dev set; takes ownership (delivers, holds as a fragment,
 * forwards or frees). */
void ipv4_input(struct netbuf *nb);
/* Restart the header ID counter at 0 and free every fragment held for reassembly (tests,
 * net_reset). Forwarding stays as it was set. */
void ipv4_reset(void);
/* RFC 1812 forwarding of datagrams not addressed to us: off by default (a host, RFC 1122
 * §3.3.4.2), turned on by the router appliance or ip.forward=1. */
void ipv4_set_forwarding(bool on);
bool ipv4_forwarding(void);
/* The limited broadcast or the directed broadcast of any interface's subnet. */
bool ipv4_is_bcast(uint32_t addr);

#endif
