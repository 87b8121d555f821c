/* TCP header wire format (RFC 9293 §3.1) and option kinds (RFC 9293 §3.2, RFC 7323, RFC 2018).
 * Wire format only: multi-byte fields are in network byte order. Sequence-number comparison
 * helpers (modulo 2^32, RFC 9293 §3.4) live here too. */
#ifndef NET_TCP_PROTO_H
#define NET_TCP_PROTO_H

#include "net/compiler.h"

#define TCP_HLEN_MIN   20
#define TCP_HLEN_MAX   60

#define TCP_FIN  0x01
#define TCP_SYN  0x02
#define TCP_RST  0x04
#define TCP_PSH  0x08
#define TCP_ACK  0x10
#define TCP_URG  0x20
#define TCP_ECE  0x40
#define TCP_CWR  0x80

#define TCPOPT_EOL        0
#define TCPOPT_NOP        1
#define TCPOPT_MSS        2   /* len 4 */
#define TCPOPT_WSCALE     3   /* len 3, RFC 7323 §2 */
#define TCPOPT_SACK_PERM  4   /* len 2, RFC 2018 */
#define TCPOPT_SACK       5
#define TCPOPT_TS         8   /* len 10, RFC 7323 §3 */

#define TCP_WSCALE_MAX    14  /* RFC 7323 §2.3: larger shift counts are used as 14 */

struct tcp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t off;        /* data offset in 32-bit words in the high 4 bits */
	uint8_t flags;
	uint16_t win;
	uint16_t csum;
	uint16_t urp;
} __packed;

_Static_assert(sizeof(struct tcp_hdr) == TCP_HLEN_MIN, "tcp_hdr layout");

/* RFC 9293 §3.4: sequence numbers compare modulo 2^32. */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

#endif
