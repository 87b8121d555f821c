/* The Internet checksum (RFC 1071): accumulate, fold, and the TCP/UDP pseudo-header.
 * Sums are kept in "memory order": 16-bit words read as they lie in the buffer, so the
 * folded result is stored into the header as is, without byte swapping (RFC 1071 §2(B):
 * the sum is byte-order independent). */
#ifndef NET_CHECKSUM_H
#define NET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add len bytes at buf to the 32-bit accumulator sum. Only the last chunk of a checksummed
 * range may have an odd length (its last byte is padded with zero, RFC 1071 §4.1). */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
/* Fold to 16 bits and complement: the value to store in the checksum field. When verifying
 * a received header (checksum field included in the sum), 0 means valid. */
uint16_t csum_fold(uint32_t sum);
/* RFC 793 §3.1 / RFC 768 pseudo-header (src, dst, zero, proto, L4 length) in accumulator
 * form; addresses in host order. Add to csum_partial() of the L4 header + payload. */
uint32_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4len);
/* RFC 1624 eqn. 3 incremental update: the 16-bit word old (as it lies in memory) of a
 * checksummed range became new; returns the new checksum field from the old one, so an
 * edit costs O(1) instead of a pass over the data (echo replies, NAT rewrites). */
uint16_t csum_replace2(uint16_t check, uint16_t old, uint16_t new);

#endif
