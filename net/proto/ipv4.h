/* IPv4 header wire format (RFC 791 §3.1), protocol numbers and address classes.
 * Wire format only. Multi-byte fields are in network byte order. */
#ifndef NET_PROTO_IPV4_H
#define NET_PROTO_IPV4_H

#include "net/compiler.h"

#define IPV4_HLEN_MIN    20
#define IPV4_HLEN_MAX    60
#define IPV4_DEF_TTL     64       /* RFC 1700 / RFC 1122 §3.2.1.7 recommended default */

/* frag_off field, host order after ntohs */
#define IPV4_F_RF        0x8000   /* reserved, must be zero */
#define IPV4_F_DF        0x4000
#define IPV4_F_MF        0x2000
#define IPV4_OFFMASK     0x1fff   /* fragment offset in 8-byte units */

#define IP_PROTO_ICMP    1
#define IP_PROTO_TCP     6
#define IP_PROTO_UDP     17

struct ipv4_hdr {
	uint8_t ver_ihl;            /* version (4 bits) | IHL in 32-bit words (4 bits) */
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag_off;          /* flags (3 bits) | fragment offset (13 bits) */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;
	uint32_t saddr;
	uint32_t daddr;
} __packed;

_Static_assert(sizeof(struct ipv4_hdr) == IPV4_HLEN_MIN, "ipv4_hdr layout");

/* Host-order address helpers. */
#define IPV4_ADDR(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))
#define IPV4_BROADCAST   0xffffffffu
static inline bool ipv4_is_multicast(uint32_t a) { return (a & 0xf0000000u) == 0xe0000000u; }
static inline bool ipv4_is_loopback(uint32_t a) { return (a >> 24) == 127; }

#endif
