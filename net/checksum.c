/* The Internet checksum (RFC 1071). Words are summed as they lie in memory (little-endian
 * loads on x86), which RFC 1071 §2(B) shows yields the byte-swapped sum: storing the folded
 * result back as is puts it in network order. */
#include <string.h>
#include "net/checksum.h"
#include "net/byteorder.h"

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	/* 4 bytes at a time into a 64-bit accumulator: no carry lost for any len < 2^34. */
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len)
		acc += *p;      /* RFC 1071 §4.1: odd byte is the high half of a zero-padded word */
	/* Fold 64 -> 32 bits, end-around carry. */
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4len)
{
	/* Sum in host order, then swap the folded 16 bits into memory order. */
	uint32_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + l4len;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)s);
}

uint16_t csum_replace2(uint16_t check, uint16_t old, uint16_t new)
{
	/* HC' = ~(~HC + ~m + m'): one's-complement arithmetic is byte-order independent, so the
	 * memory-order words are used as they are. */
	uint32_t sum = (uint16_t)~check + (uint32_t)(uint16_t)~old + new;
	return csum_fold(sum);
}
