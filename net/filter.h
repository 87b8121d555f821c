/* Netfilter for IPv4: five hook points in the IPv4 path, iptables-style tables (filter, nat)
 * of chains of rules, connection tracking (net/conntrack.h) and NAT (net/nat.h).
 *
 * Packet path (DESIGN.md): ipv4_input validates and reassembles, then
 *   PREROUTING (conntrack, DNAT) → route → INPUT (filter, conntrack confirm) → transport
 *                                        └→ FORWARD (filter) → POSTROUTING (SNAT, confirm) → out
 *   local output: OUTPUT (conntrack, DNAT, filter) → re-route if DNAT changed dst → POSTROUTING
 *
 * Ownership: nf_hook() never frees nb on NF_ACCEPT/NF_DROP; the caller frees on NF_DROP
 * (the filter already counted why). NF_STOLEN: the filter took nb (queued or freed).
 * When nothing is configured (no rules, conntrack off) nf_active is false and callers skip
 * the hooks entirely, so the echo appliance pays one branch per packet. */
#ifndef NET_FILTER_H
#define NET_FILTER_H

#include "net/compiler.h"
#include "net/netbuf.h"
#include "net/netdev.h"

enum nf_hook { NF_PREROUTING, NF_INPUT, NF_FORWARD, NF_OUTPUT, NF_POSTROUTING, NF_NHOOKS };
enum nf_verdict { NF_ACCEPT, NF_DROP, NF_STOLEN };

/* conntrack state bits, as -m conntrack --ctstate / -m state --state match them */
#define NF_CT_NEW         0x01
#define NF_CT_ESTABLISHED 0x02
#define NF_CT_RELATED     0x04
#define NF_CT_INVALID     0x08
#define NF_CT_UNTRACKED   0x10

struct ct_entry;

/* What a hook sees of one packet: parsed once per hook call from the header as it is now
 * (NAT may have rewritten it), every read length-checked. */
struct nf_pkt {
	struct netbuf *nb;        /* nb->data at the IPv4 header, nb->len == total length */
	struct netdev *in, *out;  /* NULL where unknown: OUTPUT has no in, PREROUTING/INPUT no out */
	enum nf_hook hook;
	uint32_t src, dst;        /* host order */
	uint8_t proto;
	uint8_t tcp_flags;        /* TCP: FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 */
	uint8_t icmp_type, icmp_code;
	uint16_t l4_off;          /* from nb->data: IHL * 4 */
	uint16_t l4_len;          /* bytes from the L4 header to the end of the datagram */
	bool l4_ok;               /* the L4 header is complete (ports/flags/type valid) */
	bool frag;                /* a fragment with offset != 0: no L4 header */
	uint16_t sport, dport;    /* TCP/UDP ports; ICMP echo: the identifier in both */
	struct ct_entry *ct;      /* set by conntrack at PREROUTING/OUTPUT; kept in nb->ct */
	uint8_t ct_dir;           /* 0 original, 1 reply */
	uint8_t ctstate;          /* NF_CT_* bit of this packet */
};

/* Parse nb into p (see struct nf_pkt). Returns 0; -1 only when the IPv4 header itself is
 * unusable (the IPv4 layer has validated it before any hook, so that is a bug). */
int nf_pkt_parse(struct nf_pkt *p, struct netbuf *nb, enum nf_hook hook, struct netdev *in,
		 struct netdev *out);

extern bool nf_active;

/* Run hook on nb (nb->data at the IPv4 header). Returns an nf_verdict (see ownership above).
 * After NF_ACCEPT the header may have been rewritten (NAT): callers re-read addresses. */
int nf_hook(enum nf_hook hook, struct netbuf *nb, struct netdev *in, struct netdev *out);
/* The IPv4 layer dropped nb after a hook accepted it (no route, ARP queue full, ...):
 * conntrack forgets an entry this packet created and nothing else references. */
void nf_release(struct netbuf *nb);

/* Load an iptables-save text (one or more "*table ... COMMIT" blocks) into the running rule
 * set; tables not named keep their rules. name and first_line are for messages: an error
 * reads "NAME:LINE: problem" with the absolute line number, and nothing is changed.
 * Returns 0 or -1. */
int nf_load(const char *text, unsigned long len, const char *name, unsigned first_line,
	    char *err, unsigned errlen);
/* Forget every rule and reset the policies to ACCEPT. */
void nf_flush(void);
/* Add one rule line in iptables syntax ("-t nat -A POSTROUTING -o eth1 -j MASQUERADE");
 * for appliances that build rules from their own settings. Errors as nf_load. */
int nf_add_rule(const char *line, char *err, unsigned errlen);
/* `iptables [-t TABLE] -L [-v] [-n]` output on stdout. Returns -1 for an unknown table. */
int nf_print(const char *table, bool verbose);

struct nf_stats {
	uint64_t drop_policy;     /* packets dropped by a chain policy */
	uint64_t drop_rule;       /* packets dropped by a DROP/REJECT rule */
	uint64_t rejects_sent;    /* RST / ICMP unreachable sent by REJECT */
	uint64_t logged, log_suppressed;  /* LOG target lines printed / over the rate limit */
	uint64_t invalid;         /* packets conntrack marked INVALID (counted once) */
	uint64_t nat_no_port;     /* NAT could not find a free source port: dropped */
	uint64_t ct_table_full;   /* new flow dropped: conntrack table full, nothing evictable */
	uint64_t ct_early_drop;   /* oldest unreplied entry evicted to make room */
	uint64_t fastpath;        /* established packets accepted without a chain walk */
};
extern struct nf_stats nf_stats;

#endif
