/* ARP wire format for Ethernet/IPv4 (RFC 826): the 28-byte packet and its constants.
 * Wire format only. Multi-byte fields are in network byte order. */
#ifndef NET_PROTO_ARP_H
#define NET_PROTO_ARP_H

#include "net/compiler.h"

#define ARP_HTYPE_ETHER  1       /* RFC 826 ar$hrd: Ethernet (10Mb) */
#define ARP_OP_REQUEST   1
#define ARP_OP_REPLY     2

struct arp_hdr {
	uint16_t htype;             /* ar$hrd */
	uint16_t ptype;             /* ar$pro: 0x0800 for IPv4 */
	uint8_t hlen;               /* ar$hln: 6 */
	uint8_t plen;               /* ar$pln: 4 */
	uint16_t op;                /* ar$op */
	uint8_t sha[6];             /* ar$sha */
	uint32_t spa;               /* ar$spa, network order (unaligned: packed) */
	uint8_t tha[6];             /* ar$tha */
	uint32_t tpa;               /* ar$tpa, network order */
} __packed;

_Static_assert(sizeof(struct arp_hdr) == 28, "arp_hdr layout");

#endif
