/* Ethernet II wire format (IEEE 802.3 / RFC 894): header layout and EtherType values.
 * Wire format only: no functions. Multi-byte fields are in network byte order. */
#ifndef NET_PROTO_ETHER_H
#define NET_PROTO_ETHER_H

#include "net/compiler.h"

#define ETH_ALEN      6
#define ETH_HLEN      14
#define ETH_ZLEN      60      /* minimum frame without FCS; shorter frames are padded */
#define ETH_DATA_LEN  1500

#define ETH_P_IP      0x0800
#define ETH_P_ARP     0x0806

struct ether_hdr {
	uint8_t dst[ETH_ALEN];
	uint8_t src[ETH_ALEN];
	uint16_t type;              /* EtherType, network order */
} __packed;

_Static_assert(sizeof(struct ether_hdr) == ETH_HLEN, "ether_hdr layout");

#endif
