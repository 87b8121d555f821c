/* NAT on top of conntrack: the nat table's SNAT/MASQUERADE/DNAT/REDIRECT targets bind a
 * mapping to the flow's conntrack entry on its first packet; nat_apply() then rewrites every
 * packet of the flow in both directions with incremental checksum updates (RFC 1624) of the
 * IPv4 header and the TCP/UDP/ICMP checksum, including the inner header quoted by an ICMP
 * error about the flow (RFC 5508 §4.4 / RFC 3022 §4.3). */
#ifndef NET_NAT_H
#define NET_NAT_H

#include "net/filter.h"

enum nat_type { NAT_SNAT, NAT_DNAT };

struct nat_range {              /* host order; port 0/0 = keep the port when it is free */
	uint32_t addr_min, addr_max;
	uint16_t port_min, port_max;
};

/* From a target on the flow's first packet (p->ctstate NF_CT_NEW, p->ct set): choose the
 * new tuple within r (ports: keep the original if free, else search the range; ICMP echo:
 * the identifier), set the conntrack reply tuple and CT_F_SNAT/CT_F_DNAT.
 * MASQUERADE = SNAT to p->out's address; REDIRECT = DNAT to p->in's address.
 * Returns 0, or -1 when no tuple is free (nf_stats.nat_no_port++; the caller drops). */
int nat_setup(struct nf_pkt *p, enum nat_type t, const struct nat_range *r);

/* Rewrite p's packet per its flow's bindings, for this hook: destination at PREROUTING and
 * OUTPUT, source at POSTROUTING and INPUT (the reply direction undoes them). Refreshes p's
 * parsed addresses and ports. ICMP errors RELATED to a NATed flow get their outer and
 * quoted headers rewritten. Does nothing for flows without a binding. */
void nat_apply(struct nf_pkt *p);

/* RFC 1624 helpers over csum_replace2: a 32-bit field changed (memory order). */
uint16_t nat_csum_replace4(uint16_t check, uint32_t old_be, uint32_t new_be);

#endif
