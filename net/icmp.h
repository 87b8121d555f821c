/* ICMP (RFC 792, RFC 1122 §3.2.2): echo replies and rate-limited error messages. */
#ifndef NET_ICMP_H
#define NET_ICMP_H

#include "net/compiler.h"
#include "net/netbuf.h"
#include "net/ipv4.h"

/* Error token bucket (RFC 1812 §4.3.2.8 asks for a rate limit): refill and burst. */
#define ICMP_ERR_RATE   100    /* tokens per second */
#define ICMP_ERR_BURST  50

/* An ICMP message received: nb->data at the ICMP header, nb->len = ICMP length.
 * Takes ownership of nb. */
void icmp_input(struct netbuf *nb, const struct ipv4_pdesc *pd);
/* ICMP error about a received packet (nb->data anywhere; the IPv4 header is found via
 * nb->l3_off). Rate-limited (counted when suppressed). Does NOT take ownership of nb. */
void icmp_send_error(struct netbuf *nb, uint8_t type, uint8_t code);
/* Destination unreachable, fragmentation needed and DF set (3/4) about nb, carrying the
 * next-hop MTU (RFC 1191 §4). Same rules and ownership as icmp_send_error. */
void icmp_send_frag_needed(struct netbuf *nb, uint16_t mtu);
/* Forget rate-limit state (tests, net_reset). */
void icmp_reset(void);

#endif
