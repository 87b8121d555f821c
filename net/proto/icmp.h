/* ICMP wire format (RFC 792): header, message types and codes used by Peregrine.
 * Wire format only. Multi-byte fields are in network byte order. */
#ifndef NET_PROTO_ICMP_H
#define NET_PROTO_ICMP_H

#include "net/compiler.h"

#define ICMP_ECHOREPLY        0
#define ICMP_DEST_UNREACH     3
#define ICMP_SOURCE_QUENCH    4
#define ICMP_REDIRECT         5
#define ICMP_ECHO             8
#define ICMP_TIME_EXCEEDED    11
#define ICMP_PARAMETERPROB    12
#define ICMP_TIMESTAMP        13
#define ICMP_TIMESTAMPREPLY   14

/* ICMP_DEST_UNREACH codes (RFC 792, RFC 1191) */
#define ICMP_NET_UNREACH      0
#define ICMP_HOST_UNREACH     1
#define ICMP_PROT_UNREACH     2
#define ICMP_PORT_UNREACH     3
#define ICMP_FRAG_NEEDED      4

/* ICMP_TIME_EXCEEDED codes */
#define ICMP_EXC_TTL          0
#define ICMP_EXC_FRAGTIME     1

#define ICMP_HLEN             8
/* RFC 792: errors quote the IP header plus the first 64 bits of the datagram's data.
 * RFC 1812 §4.3.2.3 allows more; we quote up to this many bytes of the offending packet. */
#define ICMP_ERR_QUOTE_MAX    (60 + 8)

struct icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t csum;
	union {
		struct { uint16_t id, seq; } echo;
		struct { uint16_t unused, mtu; } frag;   /* RFC 1191 next-hop MTU */
		uint32_t gateway;                        /* redirect */
		uint32_t unused;
	} un;
} __packed;

_Static_assert(sizeof(struct icmp_hdr) == ICMP_HLEN, "icmp_hdr layout");

#endif
