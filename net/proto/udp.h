/* UDP header wire format (RFC 768). Wire format only; network byte order. */
#ifndef NET_PROTO_UDP_H
#define NET_PROTO_UDP_H

#include "net/compiler.h"

#define UDP_HLEN 8

struct udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;               /* header + payload */
	uint16_t csum;              /* 0 = not computed (RFC 768); 0xffff sent for a computed 0 */
} __packed;

_Static_assert(sizeof(struct udp_hdr) == UDP_HLEN, "udp_hdr layout");

#endif
