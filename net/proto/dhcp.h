/* DHCP message wire format (RFC 2131 §2, BOOTP RFC 951) and option codes (RFC 2132).
 * Wire format only. Multi-byte fields are in network byte order. */
#ifndef NET_PROTO_DHCP_H
#define NET_PROTO_DHCP_H

#include "net/compiler.h"

#define DHCP_SERVER_PORT   67
#define DHCP_CLIENT_PORT   68

#define BOOTREQUEST        1
#define BOOTREPLY          2
#define DHCP_HTYPE_ETHER   1       /* RFC 1700 hardware type 1, hlen 6 */
#define DHCP_FLAG_BROADCAST 0x8000 /* RFC 2131 §2, figure 2: the B bit of flags */
#define DHCP_MAGIC         0x63825363u /* RFC 2131 §3: 99.130.83.99 */

#define DHCP_FIXED_LEN     236     /* op .. file, before the magic cookie */
#define DHCP_MIN_LEN       240     /* fixed part + cookie */
#define BOOTP_MIN_LEN      300     /* RFC 951/RFC 1542 §2.1: relays may drop shorter */

struct dhcp_hdr {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	uint32_t magic;
} __packed;

_Static_assert(sizeof(struct dhcp_hdr) == DHCP_MIN_LEN, "dhcp_hdr layout");

/* Option codes (RFC 2132) */
#define DHO_PAD            0
#define DHO_SUBNET_MASK    1       /* §3.3 */
#define DHO_ROUTER         3       /* §3.5 */
#define DHO_DNS            6       /* §3.8 */
#define DHO_HOSTNAME       12      /* §3.14 */
#define DHO_MTU            26      /* §5.1 interface MTU */
#define DHO_REQUESTED_IP   50      /* §9.1 */
#define DHO_LEASE_TIME     51      /* §9.2 */
#define DHO_OVERLOAD       52      /* §9.3 */
#define DHO_MSG_TYPE       53      /* §9.6 */
#define DHO_SERVER_ID      54      /* §9.7 */
#define DHO_PARAM_REQ      55      /* §9.8 */
#define DHO_T1             58      /* §9.11 renewal time */
#define DHO_T2             59      /* §9.12 rebinding time */
#define DHO_END            255

/* Option 53 values (RFC 2132 §9.6) */
#define DHCPDISCOVER       1
#define DHCPOFFER          2
#define DHCPREQUEST        3
#define DHCPDECLINE        4
#define DHCPACK            5
#define DHCPNAK            6
#define DHCPRELEASE        7

#endif
