/* TCP internals shared by net/tcp_*.c: the TCB (struct tcp_conn, RFC 9293 §3.3.1 names),
 * the parsed segment descriptor, listeners, congestion-control ops and the functions each
 * file offers to the others. Not for apps (net/socket.h) or the IP layer (net/tcp.h). */
#ifndef NET_TCP_PRIV_H
#define NET_TCP_PRIV_H

#include "net/compiler.h"
#include "net/netbuf.h"
#include "net/byteorder.h"
#include "net/ipv4.h"
#include "net/socket.h"
#include "net/tcp.h"
#include "net/tcp_proto.h"
#include "net/tcp_stats.h"
#include "kernel/timer.h"
#include "kernel/time.h"

/* Per-connection bounds (bounded memory per connection, DESIGN.md). */
#define TCP_SNDBUF          (64u * 1024u)   /* bytes queued for sending (unacked + unsent) */
#define TCP_RCVBUF          (64u * 1024u)   /* receive window we offer */
#define TCP_OOO_MAX         16              /* out-of-order segments kept per connection */
#define TCP_RCV_WSCALE      2               /* our shift (RFC 7323): 64 KiB needs > 16 bits */
#define TCP_MSS_DEFAULT     536             /* RFC 9293 §3.7.1: when the peer sends no MSS */
#define TCP_MSS_MIN         88              /* clamp peer MSS from below (tiny-MSS attack) */
#define TCP_IW_SEGS         10              /* RFC 6928 initial window */
#define TCP_SACK_RANGES     8               /* scoreboard entries per connection */
#define TCP_SACK_RTX_BURST  4               /* hole retransmissions when recovery starts */

/* Timers (RFC 6298, RFC 1122 §4.2.3.2) */
#define TCP_RTO_INIT_NS     (1000 * NS_PER_MS)   /* RFC 6298 §2.1 */
#define TCP_RTO_MIN_NS      (200 * NS_PER_MS)
#define TCP_RTO_MAX_NS      (60 * NS_PER_S)
#define TCP_DELACK_NS       (40 * NS_PER_MS)
#define TCP_MAX_RETRIES     8                    /* data retransmissions before giving up */
#define TCP_SYN_RETRIES     5
#define TCP_MSL_DEFAULT_MS  30000u
#define TCP_CHALLENGE_PER_S 100                  /* RFC 5961 §7 global rate limit */

#define TCP_HASH_BUCKETS    4096u
#define TCP_LISTEN_MAX      16
#define TCP_EPHEMERAL_LO    49152u

enum tcp_state {
	TCP_CLOSED, TCP_LISTEN, TCP_SYN_SENT, TCP_SYN_RECEIVED, TCP_ESTABLISHED,
	TCP_FIN_WAIT_1, TCP_FIN_WAIT_2, TCP_CLOSE_WAIT, TCP_CLOSING, TCP_LAST_ACK, TCP_TIME_WAIT,
	TCP_NSTATES
};
extern const char *const tcp_state_names[TCP_NSTATES];

struct tcp_opts {                 /* options of one segment, decoded (host order) */
	bool mss_ok, ws_ok, sack_ok, ts_ok;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	uint8_t nsack;                /* SACK blocks (RFC 2018 §3), left/right edges */
	uint32_t sack[4][2];
};

struct tcp_seg {                  /* a received segment, validated and decoded */
	uint32_t src, dst;            /* host order addresses */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint32_t wnd;                 /* raw 16-bit window field */
	uint8_t flags;
	uint32_t len;                 /* payload bytes (nb->data at the payload) */
	struct tcp_opts opt;
	struct netdev *dev;
};

struct tcp_conn;
struct tcp_cc_ops {               /* congestion control (RFC 5681 and successors) */
	const char *name;
	void (*init)(struct tcp_conn *c);
	void (*on_ack)(struct tcp_conn *c, uint32_t acked);   /* new data acked, not in recovery */
	void (*on_loss)(struct tcp_conn *c, bool timeout);    /* set ssthresh (and cwnd on RTO) */
};
extern const struct tcp_cc_ops tcp_cc_reno;
extern const struct tcp_cc_ops tcp_cc_cubic;

struct tcp_listener {
	bool used;
	uint32_t addr;
	uint16_t port;
	int backlog, pending;         /* pending: connections in SYN_RECEIVED */
	uint64_t cookie_time;         /* when we last sent a SYN cookie (ns), 0 = never */
	void (*accept)(struct tcp_conn *c, void *arg);
	void *arg;
};

struct tcp_conn {
	struct tcp_conn *hnext, **hpprev;     /* hash chain */
	struct tcp_conn *lnext, **lpprev;     /* list of all connections (printing, reset) */
	enum tcp_state state;
	uint32_t laddr, raddr;                /* host order */
	uint16_t lport, rport;

	/* RFC 9293 §3.3.1 send sequence variables */
	uint32_t snd_una, snd_nxt, snd_wnd, snd_wl1, snd_wl2, iss;
	uint32_t snd_max;                     /* highest sequence sent + 1 (go-back-N after RTO) */
	uint32_t max_snd_wnd;                 /* RFC 5961 §5.2 */
	uint16_t snd_mss;                     /* payload bytes per segment we send */
	uint8_t snd_wscale, rcv_wscale;       /* RFC 7323 shifts, 0 unless both sides offered */
	/* receive sequence variables */
	uint32_t rcv_nxt, rcv_wnd, irs;
	uint32_t rcv_adv;                     /* right edge we advertised: never moves left */
	uint32_t rcv_held;                    /* bytes given to the app, not yet tcp_recved() */
	uint16_t rcv_mss;                     /* what we announced */

	/* RFC 7323: window scaling and timestamps in use (on a SYN we send: offered) */
	bool ws_on, ts_on;
	bool sack_on;                         /* RFC 2018: we send SACK blocks */
	uint32_t sack_last;                   /* start of the latest out-of-order segment */
	uint32_t ts_recent, last_ack_sent;

	/* send buffer: netbufs holding payload only, nb->seq = sequence of the first byte */
	struct netbuf *sndq_head, *sndq_tail;
	uint32_t snd_queued;                  /* bytes in sndq (from snd_una) */
	bool fin_queued;                      /* tcp_shutdown: FIN follows the queued data */
	uint32_t fin_seq;                     /* its sequence number, once queued */
	bool sndbuf_was_full;                 /* call sent() when room returns */
	/* out-of-order queue, sorted by nb->seq */
	struct netbuf *ooo_head;
	unsigned ooo_count;

	/* RTT (RFC 6298) and retransmission */
	uint64_t srtt, rttvar, rto;           /* ns */
	bool rtt_timing;                      /* Karn: one timed segment at a time */
	uint32_t rtt_seq;
	uint64_t rtt_start;
	unsigned retries;
	bool persist;                         /* rtx timer is running as the persist timer */
	bool xmit_blocked;                    /* tcp_output's last send was refused: retry on rtx */
	struct timer t_rtx, t_delack, t_misc; /* t_misc: TIME_WAIT or keepalive */

	/* ACK generation */
	uint32_t unacked_bytes;               /* received since our last ACK (delayed ACK) */

	/* congestion control and fast recovery (RFC 5681, RFC 6582) */
	const struct tcp_cc_ops *cc;
	uint32_t cwnd, ssthresh;
	unsigned dupacks;
	bool in_recovery;
	uint32_t recover;
	/* SACK scoreboard (RFC 6675): ranges the peer holds above snd_una, sorted, disjoint */
	uint32_t sacked[TCP_SACK_RANGES][2];
	unsigned nsacked;
	uint32_t high_rxt;                    /* RFC 6675 HighRxt: retransmitted up to here */
	uint64_t cc_priv[4];

	/* keepalive */
	uint64_t ka_idle, ka_intvl;
	unsigned ka_count, ka_sent;

	/* app side */
	const struct tcp_callbacks *cb;
	struct tcp_callbacks cb_copy;
	void *cb_arg;
	void (*connected)(struct tcp_conn *c, int err, void *arg);
	struct tcp_listener *listener;        /* passive open, until accepted */
	bool nodelay, manual_window;
	bool app_closed;                      /* tcp_close(): no more callbacks */
	bool fin_rcvd;
	int busy;                             /* >0 while a TCP function works on it */
	bool dead;                            /* freed when busy drops to 0 */
};

/* tcp_conn.c: table, lookup, lifetime */
struct tcp_conn *tcp_conn_lookup(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
struct tcp_conn *tcp_conn_new(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
struct tcp_listener *tcp_listener_lookup(uint32_t addr, uint16_t port);
bool tcp_port_in_use(uint16_t port);
void tcp_conn_hold(struct tcp_conn *c);
void tcp_conn_release(struct tcp_conn *c);
void tcp_set_state(struct tcp_conn *c, enum tcp_state s);
/* Tear down: cancel timers, free queues, unhash; calls closed(reason) unless the app closed
 * it (or reason < 0: no callback). Memory is freed once no TCP function holds c. */
void tcp_conn_drop(struct tcp_conn *c, int reason);
uint32_t tcp_msl_ms(void);
/* Enter TIME-WAIT: closed(NORMAL) to the app now; the TCB lingers 2*MSL without callbacks. */
void tcp_enter_timewait(struct tcp_conn *c);

/* tcp_isn.c */
uint32_t tcp_isn(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport);
uint32_t tcp_hash_seed(void);
uint32_t tcp_cookie_hash(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport,
			 uint32_t a, uint32_t b);
/* tcp_cookie.c: SYN cookies when a listener's backlog is full (RFC 4987 §3.6) */
void tcp_cookie_send(struct tcp_listener *l, const struct tcp_seg *s);
/* An ACK to a listener: a connection made from a valid cookie (nb still owned by the
 * caller), or NULL. *ours says the ACK belongs to a cookie we sent (with NULL: a segment
 * past the peer's first, to drop without an answer); false, the caller answers with RST. */
struct tcp_conn *tcp_cookie_check(struct tcp_listener *l, const struct tcp_seg *s, bool *ours);
void tcp_cookie_reset(void);

/* tcp_opt.c: parse returns false on a malformed option list */
bool tcp_opts_parse(const uint8_t *p, unsigned len, struct tcp_opts *o);
/* Options for a segment; SACK blocks only as many as fit in sack_room bytes. */
unsigned tcp_opts_build(const struct tcp_conn *c, uint8_t flags, uint8_t *out, unsigned sack_room);

/* tcp_output.c */
void tcp_output(struct tcp_conn *c);                  /* send what window and Nagle allow */
void tcp_send_ack(struct tcp_conn *c);
/* A segment without a connection (SYN cookies): header from the arguments, host order. */
int tcp_send_raw(uint32_t laddr, uint32_t raddr, uint16_t lport, uint16_t rport, uint32_t seq,
		 uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt, unsigned olen);
int tcp_send_seg(struct tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags);
void tcp_send_rst_conn(struct tcp_conn *c);
void tcp_send_rst_reply(const struct tcp_seg *s);    /* RFC 9293 §3.10.7.1 */
void tcp_send_challenge_ack(struct tcp_conn *c);      /* RFC 5961 §7 rate limited */
uint32_t tcp_rcv_window(struct tcp_conn *c);          /* window to advertise, unscaled */
uint32_t tcp_flight(const struct tcp_conn *c);
void tcp_challenge_reset(void);

/* tcp_timer.c */
void tcp_timers_init(struct tcp_conn *c);
void tcp_timers_stop(struct tcp_conn *c);
void tcp_rtx_arm(struct tcp_conn *c);                 /* (re)start RTO if data outstanding */
void tcp_rtt_sample(struct tcp_conn *c, uint64_t rtt_ns);
void tcp_delack_schedule(struct tcp_conn *c);
void tcp_timewait_start(struct tcp_conn *c);
void tcp_persist_arm(struct tcp_conn *c);
void tcp_keepalive_reset(struct tcp_conn *c);

/* tcp_fsm.c: a segment for an existing connection (state machine). Takes ownership of nb. */
void tcp_fsm_input(struct tcp_conn *c, struct tcp_seg *s, struct netbuf *nb);
void tcp_syn_sent_input(struct tcp_conn *c, struct tcp_seg *s, struct netbuf *nb);
/* tcp_sack.c: the peer's SACK blocks (RFC 2018) and SACK-based retransmission (RFC 6675) */
void tcp_sack_update(struct tcp_conn *c, const struct tcp_seg *s);
void tcp_sack_retransmit(struct tcp_conn *c, unsigned max_segs);
/* tcp_data.c: ACK processing and in-order delivery */
bool tcp_ack_process(struct tcp_conn *c, const struct tcp_seg *s);
void tcp_data_input(struct tcp_conn *c, struct tcp_seg *s, struct netbuf *nb);
void tcp_ooo_flush(struct tcp_conn *c);
void tcp_sndq_flush(struct tcp_conn *c);

/* tcp_input.c */
void tcp_listen_input(struct tcp_listener *l, struct tcp_seg *s, struct netbuf *nb);
void tcp_conn_established(struct tcp_conn *c);        /* connected()/accept() */
void tcp_negotiate(struct tcp_conn *c, const struct tcp_seg *s);

/* callbacks guarded by app_closed */
void tcp_cb_recv(struct tcp_conn *c, struct netbuf *nb);
void tcp_cb_sent(struct tcp_conn *c);

#endif
