/* Connection tracking (the model of Linux nf_conntrack): one entry per flow with its original
 * and reply tuples in one hash table of bounded size, TCP state with sequence-window checks,
 * UDP/ICMP timeouts, RELATED for ICMP errors quoting a tracked flow. Entries are created by
 * the first packet (PREROUTING for arriving packets, OUTPUT for local ones) and expire on
 * timers of the timer wheel (kernel/timer.h) or lazily on lookup. */
#ifndef NET_CONNTRACK_H
#define NET_CONNTRACK_H

#include "net/filter.h"

#define CT_MAX_DEFAULT  16384u       /* conntrack.max when not configured */
#define CT_DIR_ORIG  0
#define CT_DIR_REPLY 1

struct ct_tuple {               /* host order; ICMP echo: sport = dport = identifier */
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
};

enum ct_tcp_state {             /* the names conntrack -L prints */
	CT_TCP_NONE, CT_TCP_SYN_SENT, CT_TCP_SYN_RECV, CT_TCP_ESTABLISHED, CT_TCP_FIN_WAIT,
	CT_TCP_CLOSE_WAIT, CT_TCP_LAST_ACK, CT_TCP_TIME_WAIT, CT_TCP_CLOSE,
};

#define CT_F_REPLIED   0x01     /* a packet was seen in the reply direction ([UNREPLIED] when not) */
#define CT_F_ASSURED   0x02     /* replied and (TCP) established: never early-dropped */
#define CT_F_SNAT      0x04     /* a source NAT binding is set (tuple[REPLY].dst differs) */
#define CT_F_DNAT      0x08     /* a destination NAT binding is set (tuple[REPLY].src differs) */
#define CT_F_DNAT_DONE 0x10     /* nat PREROUTING/OUTPUT consulted (or null binding) for this flow */
#define CT_F_SNAT_DONE 0x20     /* nat POSTROUTING/INPUT consulted (or null binding) */

struct ct_entry;                /* defined in net/conntrack.c; accessors below */

/* Size the table (entries and hash buckets) and allocate it; max 0 = conntrack off.
 * Returns 0, or -1 when memory is short. Call before any packet. */
int ct_init(unsigned max);
bool ct_enabled(void);
unsigned ct_count(void);

/* PREROUTING / OUTPUT: find the flow of p or create it; sets p->ct, p->ct_dir, p->ctstate and
 * stores the entry in p->nb->ct. Updates TCP state and the timeout. A packet that fails the
 * TCP window check, or an ICMP error quoting no flow, gets NF_CT_INVALID. When the table is
 * full: evict the oldest entry without CT_F_ASSURED (nf_stats.ct_early_drop); if there is
 * none, p->ct stays NULL, ctstate NF_CT_INVALID, nf_stats.ct_table_full++ and the hook
 * caller drops the packet. Returns 0, or -1 when the packet must be dropped. */
int ct_in(struct nf_pkt *p);
/* The packet that created p->ct was dropped: remove the entry if nothing else used it. */
void ct_drop_new(struct nf_pkt *p);

/* Accessors for the filter and NAT. */
const struct ct_tuple *ct_tuple(const struct ct_entry *ct, int dir);
/* NAT changes the reply tuple (what replies will look like); rehashes the entry. Returns 0,
 * or -1 when that reply tuple is already taken by another entry. */
int ct_set_reply_tuple(struct ct_entry *ct, const struct ct_tuple *t);
/* Is a reply tuple free (for NAT port allocation)? */
bool ct_tuple_taken(const struct ct_tuple *reply);
unsigned ct_flags(const struct ct_entry *ct);
void ct_set_flags(struct ct_entry *ct, unsigned flags);   /* ORs flags in */

/* Fast path for established flows: the filter records that the flow's first packet was
 * accepted at hook h by rule-set generation gen; later packets of an ESTABLISHED flow at
 * that hook skip the chain walk while the generation is unchanged (net/nf_hook.c). */
void ct_set_fastpath(struct ct_entry *ct, enum nf_hook h, uint32_t gen);
bool ct_fastpath(const struct ct_entry *ct, enum nf_hook h, uint32_t gen);

/* `conntrack -L` lines on stdout, e.g.
 * tcp      6 431999 ESTABLISHED src=10.1.0.2 dst=10.2.0.2 sport=40000 dport=80 src=10.2.0.2
 *   dst=10.2.0.1 sport=80 dport=40000 [ASSURED] mark=0 use=1
 * followed by "conntrack v1.4.7 (conntrack-tools): N flow entries have been shown." */
void ct_print(void);
/* Drop every entry (tests). */
void ct_flush(void);

/* Key the tuple hash with a boot-random value (before ct_init; a later call rehashes). */
void ct_set_seed(uint64_t seed);

#endif
