/* TCP counters, named after `netstat -s` / FreeBSD tcpstat. One global instance, tcp_stats;
 * tcp_stats_print() prints them. Every TCP drop bumps exactly one of these. */
#ifndef NET_TCP_STATS_H
#define NET_TCP_STATS_H

#include <stdint.h>

struct tcp_stats {
	uint64_t active_opens;     /* connections started by tcp_connect() */
	uint64_t passive_opens;    /* SYNs accepted by a listener */
	uint64_t attempt_fails;    /* SYN_SENT/SYN_RECEIVED -> CLOSED */
	uint64_t estab_resets;     /* ESTABLISHED/CLOSE_WAIT -> CLOSED by RST */
	uint64_t curr_estab;       /* connections now ESTABLISHED or CLOSE_WAIT */
	uint64_t in_segs;          /* segments received (including bad ones) */
	uint64_t out_segs;         /* segments sent (excluding retransmissions) */
	uint64_t retrans_segs;     /* segments retransmitted */
	uint64_t in_errs;          /* bad checksum or header (sum of the next four) */
	uint64_t bad_csum;
	uint64_t bad_off;          /* data offset < 5 or past the segment */
	uint64_t short_seg;        /* fewer bytes than a header */
	uint64_t bad_opt;          /* option list malformed (length 0/1 or past the header) */
	uint64_t out_rsts;         /* RSTs sent */
	uint64_t no_port;          /* segment to no connection or listener (answered with RST) */
	uint64_t rst_no_conn;      /* RST to no connection: dropped silently */
	uint64_t conn_table_full;  /* SYN refused (RST) because the table is full */
	uint64_t listen_overflow;  /* SYN beyond a listener's backlog (answered with a cookie) */
	uint64_t bad_listen_seg;   /* non-SYN segment to a listener */
	uint64_t syn_cookies_sent, syn_cookies_ok, syn_cookies_failed;
	uint64_t syn_cookies_ahead;/* ACK from a peer sent a cookie lately, not at its ISN+1: dropped */
	uint64_t challenge_acks;   /* RFC 5961 challenge ACKs sent */
	uint64_t challenge_limited;/* challenge ACKs suppressed by the rate limit */
	uint64_t rst_ignored;      /* out-of-window RST dropped (RFC 5961 §3.2) */
	uint64_t out_of_window;    /* unacceptable segment (dup ACK sent, RFC 9293 §3.10.7.4) */
	uint64_t ack_too_new;      /* ACK of something not yet sent */
	uint64_t ack_too_old;      /* RFC 5961 §5.2: ACK below SND.UNA - MAX.SND.WND */
	uint64_t no_ack;           /* segment without ACK in a synchronized state */
	uint64_t paws_dropped;     /* RFC 7323 §5: old timestamp */
	uint64_t ooo_queued;       /* out-of-order segments kept */
	uint64_t ooo_dropped;      /* out-of-order segments dropped (queue bound) */
	uint64_t dup_data;         /* fully duplicate data segments */
	uint64_t rcv_after_close;  /* data after tcp_close(): answered with RST */
	uint64_t data_in_syn;      /* SYN payload ignored */
	uint64_t delayed_acks;     /* ACKs sent by the delayed-ACK timer */
	uint64_t rto_timeouts;     /* retransmission timer expirations */
	uint64_t conn_timeouts;    /* connections dropped after too many retransmissions */
	uint64_t persist_probes;   /* zero-window probes */
	uint64_t fast_retrans;     /* fast retransmits on 3 duplicate ACKs */
	uint64_t dup_acks;
	uint64_t keepalive_probes;
	uint64_t timewait_reused;  /* TIME_WAIT recycled by a new SYN (RFC 6191) */
	uint64_t out_blocked;      /* data/FIN not sent (TX ring full, no netbuf): timer retries */
	uint64_t out_nobuf;        /* segment not sent: netbuf pool empty */
};

extern struct tcp_stats tcp_stats;

/* Print every counter like netstat -s. */
void tcp_stats_print(void);
/* Call fn for every counter (section "tcp"), e.g. for the metrics exporter. */
void tcp_stats_foreach(void (*fn)(void *arg, const char *section, const char *name, uint64_t value),
		       void *arg);

#endif
