/* Protocol counters of the stack, named after `netstat -s` / FreeBSD's ipstat/udpstat/icmpstat.
 * Every drop in net/ bumps exactly one of these. One global instance, `net_stats`;
 * net_stats_print() prints them like netstat -s. TCP keeps its own in net/tcp_stats.h. */
#ifndef NET_STATS_H
#define NET_STATS_H

#include <stdint.h>

#if __has_include("net/tcp_stats.h")
#include "net/tcp_stats.h"
#define NET_STATS_HAVE_TCP 1
#endif

struct ether_stats {
	uint64_t in_frames;      /* frames handed to net_rx() */
	uint64_t short_frame;    /* shorter than the 14-byte header */
	uint64_t not_ours;       /* unicast to another MAC */
	uint64_t multicast;      /* group-addressed (not broadcast): no multicast support yet */
	uint64_t unknown_type;   /* EtherType neither IPv4 nor ARP */
	uint64_t out_frames;     /* frames handed to the device */
};

struct arp_stats {
	uint64_t in_pkts, requests_in, replies_in;
	uint64_t short_pkt, bad_htype, bad_ptype, bad_hlen, bad_plen, bad_op;
	uint64_t bad_sender;     /* sender address broadcast/multicast/zero-MAC, or ours */
	uint64_t not_for_us;     /* request/reply whose target is not our address */
	uint64_t unsolicited;    /* reply for an address we never asked about: ignored */
	uint64_t requests_out, replies_out, announces_out;
	uint64_t learned;        /* entries created or resolved */
	uint64_t queued;         /* frames queued waiting for resolution */
	uint64_t queue_full;     /* frame dropped: per-entry or global queue bound */
	uint64_t table_full;     /* no entry free or evictable */
	uint64_t resolve_failed; /* entries that got no reply after ARP_MAX_TRIES */
	uint64_t dropped_unresolved; /* queued frames freed when resolution failed */
	uint64_t flushed;        /* queued frames freed by arp_flush() */
	uint64_t no_addr;        /* cannot ask: interface has no address */
};

struct ipv4_stats {
	uint64_t in_receives;    /* ips_total */
	uint64_t too_short;      /* ips_toosmall: fewer bytes than a header */
	uint64_t bad_version;    /* ips_badvers */
	uint64_t bad_ihl;        /* ips_badhlen: IHL < 5 or past total length */
	uint64_t bad_len;        /* ips_badlen/ips_tooshort: total length < IHL*4 or > frame */
	uint64_t bad_csum;       /* ips_badsum */
	uint64_t bad_options;    /* option list runs past the header */
	uint64_t bad_src;        /* source broadcast, multicast or loopback */
	uint64_t not_for_us;     /* destination not local (forwarding not enabled) */
	uint64_t no_proto;       /* ips_noproto */
	uint64_t delivered;      /* ips_delivered */
	uint64_t out_requests;   /* ips_localout */
	uint64_t no_route;       /* ips_noroute */
	uint64_t out_too_big;    /* would need fragmentation (DF always set) */
	/* Forwarding (RFC 1812), when ipv4_set_forwarding(true) */
	uint64_t forwarded;      /* ips_forward: handed to the outgoing interface */
	uint64_t fwd_bad_addr;   /* RFC 1812 §5.3.7/§4.2.3.1: source or destination not to be
				  * forwarded, or received as link-layer broadcast (§5.3.4) */
	uint64_t fwd_ttl_exceeded; /* TTL <= 1: ICMP time exceeded sent (RFC 1812 §5.3.1) */
	uint64_t fwd_no_route;   /* ICMP net unreachable sent */
	uint64_t fwd_frag_needed; /* DF set, over the outgoing MTU: ICMP 3/4 (RFC 1191 §4) */
	uint64_t filtered;       /* a netfilter hook said NF_DROP (the filter counts why) */
	/* Reassembly (net/ipv4_frag.c). The reasm_* reasons count fragments freed. */
	uint64_t reasm_reqds;    /* ReasmReqds: fragments received */
	uint64_t reasm_oks;      /* ReasmOKs: datagrams reassembled */
	uint64_t reasm_fails;    /* ReasmFails: datagrams given up, for one of the reasons below */
	uint64_t reasm_timeout;  /* IPV4_REASM_TIMEOUT_NS passed */
	uint64_t reasm_evicted;  /* oldest datagram evicted: IPV4_REASM_MAX or _NBUFS reached */
	uint64_t reasm_overlap;  /* overlapping fragments: the whole datagram (RFC 5722 policy) */
	uint64_t reasm_dup;      /* exact duplicate of a fragment held: the copy is dropped */
	uint64_t reasm_too_many; /* more than IPV4_REASM_FRAGS fragments */
	uint64_t reasm_oversize; /* larger than IPV4_REASM_MAXLEN: one netbuf holds a datagram */
	uint64_t reasm_bad_len;  /* non-last length not a multiple of 8, past 65535, or
				  * inconsistent with the last fragment */
	uint64_t reasm_tiny;     /* RFC 1858 §3/§4: first fragment without the whole TCP/UDP/
				  * ICMP header, or TCP at offset 8 */
	uint64_t reasm_nobuf;    /* pool empty when the datagram needed a fresh buffer */
	/* Fragmentation of forwarded datagrams */
	uint64_t frag_oks;       /* FragOKs: datagrams fragmented */
	uint64_t frag_fails;     /* FragFails: pool empty or MTU too small: datagram dropped */
	uint64_t frag_created;   /* FragCreates: fragments sent */
};

struct icmp_stats {
	uint64_t in_msgs, in_echos, in_echo_reps, in_dest_unreachs, in_time_excds, in_other;
	uint64_t bad_len;        /* shorter than the 8-byte header */
	uint64_t bad_csum;
	uint64_t bad_code;       /* known type with an undefined code */
	uint64_t bcast_echo;     /* echo to broadcast ignored (RFC 1122 §3.2.2.6 allows) */
	uint64_t out_msgs, out_echo_reps, out_errors;
	uint64_t rate_limited;   /* errors suppressed by the token bucket */
	uint64_t err_suppressed; /* RFC 1122 §3.2.2: no error about an error/broadcast/fragment */
	uint64_t out_drops;      /* pool empty or no route for a reply */
};

struct udp_stats {
	uint64_t in_datagrams;   /* delivered to a socket */
	uint64_t short_hdr;      /* fewer than 8 bytes */
	uint64_t bad_len;        /* length field < 8 or > IP payload */
	uint64_t bad_csum;
	uint64_t no_port;        /* udps_noport: answered with ICMP port unreachable */
	uint64_t bcast_no_port;  /* udps_noportbcast: no socket, broadcast: silently dropped */
	uint64_t out_datagrams;
	uint64_t out_drops;      /* pool empty or too long */
};

struct net_stats {
	struct ether_stats ether;
	struct arp_stats arp;
	struct ipv4_stats ipv4;
	struct icmp_stats icmp;
	struct udp_stats udp;
};

extern struct net_stats net_stats;

/* Print every counter (and each netdev's ip -s link counters) like netstat -s. */
void net_stats_print(void);

/* Every protocol counter, section by section ("ether", "arp", "ipv4", "icmp", "udp", and
 * "tcp" when TCP is linked in), for exporters such as the metrics endpoint. */
typedef void (*net_stat_fn)(void *arg, const char *section, const char *name, uint64_t value);
void net_stats_foreach(net_stat_fn fn, void *arg);

#endif
