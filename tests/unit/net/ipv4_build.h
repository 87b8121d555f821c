/* Test helper for test_frag.c and test_forward.c: builds Ethernet + IPv4 frames field by
 * field, with its own RFC 1071 checksum (independent of net/checksum.c), so expected frames
 * are written from the RFCs rather than from the code under test. */
#ifndef TESTS_UNIT_NET_IPV4_BUILD_H
#define TESTS_UNIT_NET_IPV4_BUILD_H

#include <stdint.h>
#include <string.h>

struct ipb {
	uint8_t tos, ttl, proto;
	uint16_t id, frag_off;          /* host order: flags | offset in 8-byte units */
	uint32_t src, dst;              /* host order */
	const uint8_t *opt;             /* options, a multiple of 4 bytes */
	unsigned optlen;
};

/* RFC 1071 one's complement sum, folded and complemented, as big-endian value. */
static inline uint16_t ipb_csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static inline void ipb_put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void ipb_put32(uint8_t *p, uint32_t v)
{
	ipb_put16(p, (uint16_t)(v >> 16));
	ipb_put16(p + 2, (uint16_t)v);
}

/* IPv4 header + payload at out; returns the datagram length. */
static inline size_t ipb_ip(uint8_t *out, const struct ipb *h, const void *payload, size_t plen)
{
	unsigned hl = 20 + h->optlen;
	out[0] = (uint8_t)(0x40 | hl / 4);
	out[1] = h->tos;
	ipb_put16(out + 2, (uint16_t)(hl + plen));
	ipb_put16(out + 4, h->id);
	ipb_put16(out + 6, h->frag_off);
	out[8] = h->ttl;
	out[9] = h->proto;
	out[10] = out[11] = 0;
	ipb_put32(out + 12, h->src);
	ipb_put32(out + 16, h->dst);
	if (h->optlen)
		memcpy(out + 20, h->opt, h->optlen);
	ipb_put16(out + 10, ipb_csum(out, hl));
	memcpy(out + hl, payload, plen);
	return hl + plen;
}

/* Ethernet header (dst, src, IPv4) then ipb_ip(); returns the frame length. */
static inline size_t ipb_frame(uint8_t *out, const uint8_t dmac[6], const uint8_t smac[6],
			       const struct ipb *h, const void *payload, size_t plen)
{
	memcpy(out, dmac, 6);
	memcpy(out + 6, smac, 6);
	out[12] = 0x08;
	out[13] = 0x00;
	return 14 + ipb_ip(out + 14, h, payload, plen);
}

/* ICMP message (type, code, 4-byte rest, data) with its checksum; returns its length. */
static inline size_t ipb_icmp(uint8_t *out, uint8_t type, uint8_t code, const uint8_t rest[4],
			      const void *data, size_t n)
{
	out[0] = type;
	out[1] = code;
	out[2] = out[3] = 0;
	memcpy(out + 4, rest, 4);
	memcpy(out + 8, data, n);
	ipb_put16(out + 2, ipb_csum(out, 8 + n));
	return 8 + n;
}

#endif
