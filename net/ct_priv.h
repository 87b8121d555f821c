/* Conntrack internals shared by net/conntrack.c (table, lookup, UDP/ICMP, listing) and
 * net/ct_tcp.c (the TCP state machine and sequence-window tracker). Not for other modules:
 * they use the accessors of net/conntrack.h. */
#ifndef NET_CT_PRIV_H
#define NET_CT_PRIV_H

#include "net/conntrack.h"

#define CT_NIL UINT32_MAX           /* end of a hash chain or an age/free list */

/* One side of a TCP connection as the window tracker sees it (Rooij, "Real Stateful TCP
 * Packet Filtering in IP Filter", §3; names as in his td_* fields). */
struct ct_peer {
	uint32_t end;       /* highest seq + len sent by this side */
	uint32_t maxend;    /* highest seq this side may send: peer's ack + window */
	uint32_t maxwin;    /* largest window (scaled) this side advertised; 0 = not seen yet */
	uint8_t wscale;     /* RFC 7323 §2.2 shift, 0 unless both SYNs carried the option */
	bool ws_offered;    /* this side's SYN carried a window scale option */
};

struct ct_entry {
	struct ct_tuple tuple[2];
	uint32_t hnext[2];  /* hash chain per direction; links are index * 2 + dir */
	uint32_t prev, next;/* age list (oldest first) or the free list */
	uint64_t expires;   /* absolute ns */
	uint32_t fp_gen;    /* fast path: rule-set generation of fp_hooks */
	uint8_t fp_hooks;   /* fast path: bit per enum nf_hook */
	uint8_t flags;      /* CT_F_* */
	uint8_t tcp_state;  /* enum ct_tcp_state */
	uint8_t icmp_type;  /* ICMP: the request type that created the entry (8 or 13) */
	uint8_t icmp_code;
	bool used;
	uint16_t pkts[2];   /* packets per direction, saturating (ct_drop_new, UDP assured) */
	struct ct_peer peer[2];
};

/* A TCP segment's fields for the tracker, from a length-checked header. */
struct ct_seg {
	uint32_t seq, ack, len; /* len: payload bytes */
	uint16_t win;           /* unscaled */
	uint8_t flags;          /* TCP_F_* of net/tcp_proto.h */
	uint8_t wscale;         /* window scale option value (SYN only), capped at 14 */
	bool has_wscale;
};

enum ct_tcp_verdict { CT_TCP_OK, CT_TCP_IGNORE, CT_TCP_BAD };

/* Parse the TCP header of p (complete header and options required). Returns 0 or -1. */
int ct_tcp_parse(const struct nf_pkt *p, struct ct_seg *s);
/* Set up a new entry from its first segment (a SYN without ACK). */
void ct_tcp_new(struct ct_entry *ct, const struct ct_seg *s);
/* Advance ct's state by segment s travelling in dir. CT_TCP_BAD: outside the window or not
 * allowed in this state (state unchanged); CT_TCP_IGNORE: allowed but changes nothing. */
enum ct_tcp_verdict ct_tcp_packet(struct ct_entry *ct, int dir, const struct ct_seg *s);
/* Timeout of a TCP state in ns (Linux nf_conntrack_tcp_timeout_* defaults). */
uint64_t ct_tcp_timeout(unsigned state);
const char *ct_tcp_state_name(unsigned state);

#endif
