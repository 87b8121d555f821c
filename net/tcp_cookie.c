/* SYN cookies (RFC 4987 §3.6): when a listener's backlog is full, answer the SYN without
 * keeping state; the initial sequence number carries what we need and is checked when the
 * handshake's ACK comes back. Layout of the ISS:
 *   bits 31..27  time counter (64 s units, mod 32)    bits 26..24  MSS table index
 *   bits 23..0   keyed hash (tcp_isn.c) of the 4-tuple, the peer's ISN and the counter.
 * Window scaling, timestamps and SACK are not remembered: a cookie connection runs without.
 *
 * The hash covers the peer's ISN, so only a segment at ISN+1 can complete the handshake. When
 * the ACK and the first data are lost on the way in (a receive ring overrun under a burst of
 * connections), the peer's later segments reach the listener and fail the check. Answering
 * those with RST kills a connection that would have recovered, so a small table remembers the
 * 4-tuples cookies went to lately: an ACK from one of them is dropped without an answer, and
 * the peer's retransmission of its first byte completes the handshake. The table keeps no
 * connection state and is overwritten freely; an entry lost to a flood only brings back the
 * RST. */
#include <string.h>

#include "net/tcp_priv.h"

#define COOKIE_PERIOD_NS  (64ull * NS_PER_S)
#define COOKIE_MAX_AGE    2             /* counters accepted: this one and the one before */
#define COOKIE_BUCKETS    256           /* remembered 4-tuples: 256 sets (power of two) */
#define COOKIE_WAYS       4             /* of 4 each, 1,024 in all, 12 KiB */

/* Set-associative, so that a burst of cookies (CI: 72 at once) does not overwrite its own
 * entries by hash collision: an entry goes only when its set holds four newer ones, or
 * when it is too old to matter. tag 0 is an empty way. */
static struct recent { uint32_t tag, counter, stamp; } recent[COOKIE_BUCKETS][COOKIE_WAYS];
static uint32_t recent_stamp;

static const uint16_t cookie_mss[8] = { 216, 536, 1024, 1220, 1380, 1440, 1460, 8960 };

static uint32_t counter_now(void)
{
	return (uint32_t)(time_now_ns() / COOKIE_PERIOD_NS);
}

static uint32_t make(const struct tcp_seg *s, uint32_t peer_isn, uint32_t t, unsigned idx)
{
	uint32_t h = tcp_cookie_hash(s->dst, s->dport, s->src, s->sport, peer_isn, t & 31);
	return (t & 31) << 27 | (uint32_t)idx << 24 | (h & 0xffffff);
}

static uint32_t tuple_hash(const struct tcp_seg *s)
{
	return tcp_cookie_hash(s->dst, s->dport, s->src, s->sport, 0, 0x100);  /* b > 31: apart */
}

/* Which way of its set a 4-tuple hash is in, or NULL. */
static struct recent *recent_find(uint32_t h)
{
	struct recent *set = recent[h & (COOKIE_BUCKETS - 1)];
	for (unsigned w = 0; w < COOKIE_WAYS; w++)
		if (set[w].tag == (h | 1))
			return &set[w];
	return NULL;
}

static void remember(const struct tcp_seg *s, uint32_t counter)
{
	uint32_t h = tuple_hash(s);
	struct recent *e = recent_find(h);
	if (!e) {                                     /* an empty way, else the oldest */
		struct recent *set = recent[h & (COOKIE_BUCKETS - 1)];
		e = &set[0];
		for (unsigned w = 0; w < COOKIE_WAYS && e->tag; w++)
			if (!set[w].tag || set[w].stamp < e->stamp)
				e = &set[w];
	}
	e->tag = h | 1;
	e->counter = counter;
	e->stamp = ++recent_stamp;
}

static bool sent_lately(const struct tcp_seg *s, uint32_t now)
{
	const struct recent *e = recent_find(tuple_hash(s));
	return e && now - e->counter < COOKIE_MAX_AGE;
}

void tcp_cookie_reset(void)
{
	memset(recent, 0, sizeof(recent));
	recent_stamp = 0;
}

void tcp_cookie_send(struct tcp_listener *l, const struct tcp_seg *s)
{
	uint16_t mtu = ipv4_route_mtu(s->src);
	uint16_t ours = (uint16_t)(mtu > 40 + TCP_MSS_MIN ? mtu - 40 : TCP_MSS_MIN);
	uint32_t peer = s->opt.mss_ok ? MIN(s->opt.mss, ours) : TCP_MSS_DEFAULT;
	unsigned idx = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(cookie_mss); i++)
		if (cookie_mss[i] <= peer)
			idx = i;                          /* the largest entry not above the peer's */
	uint32_t now = counter_now();
	uint32_t iss = make(s, s->seq, now, idx);
	remember(s, now);
	uint8_t opt[4] = { TCPOPT_MSS, 4, (uint8_t)(ours >> 8), (uint8_t)ours };
	l->cookie_time = time_now_ns();
	tcp_stats.syn_cookies_sent++;
	tcp_send_raw(s->dst, s->src, s->dport, s->sport, iss, s->seq + 1, TCP_SYN | TCP_ACK,
		     (uint16_t)MIN(TCP_RCVBUF, 0xffffu), opt, sizeof(opt));
}

/* Returns the MSS index when the cookie in SEG.ACK-1 is ours and fresh, else -1. */
static int verify(const struct tcp_seg *s)
{
	uint32_t cookie = s->ack - 1, now = counter_now();
	uint32_t t = cookie >> 27;
	for (uint32_t age = 0; age < COOKIE_MAX_AGE; age++) {
		uint32_t cand = now - age;
		if ((cand & 31) != t)
			continue;
		unsigned idx = (cookie >> 24) & 7;
		if (make(s, s->seq - 1, cand, idx) == cookie)
			return (int)idx;
	}
	return -1;
}

struct tcp_conn *tcp_cookie_check(struct tcp_listener *l, const struct tcp_seg *s, bool *ours)
{
	*ours = false;
	if ((s->flags & (TCP_SYN | TCP_RST | TCP_ACK)) != TCP_ACK || !l->cookie_time ||
	    time_now_ns() - l->cookie_time > COOKIE_MAX_AGE * COOKIE_PERIOD_NS)
		return NULL;                          /* no cookie sent lately: nothing to check */
	int idx = verify(s);
	if (idx < 0 && sent_lately(s, counter_now())) {
		tcp_stats.syn_cookies_ahead++;        /* not at ISN+1: wait for the peer to resend */
		*ours = true;
		return NULL;
	}
	if (idx < 0) {
		tcp_stats.syn_cookies_failed++;
		return NULL;
	}
	struct tcp_conn *c = tcp_conn_new(s->dst, s->dport, s->src, s->sport);
	if (!c) {
		tcp_stats.conn_table_full++;
		return NULL;                          /* refused with RST, as a SYN would be */
	}
	*ours = true;
	tcp_stats.syn_cookies_ok++;
	tcp_stats.passive_opens++;
	uint16_t mtu = ipv4_route_mtu(s->src);
	c->rcv_mss = (uint16_t)(mtu > 40 + TCP_MSS_MIN ? mtu - 40 : TCP_MSS_MIN);
	c->snd_mss = cookie_mss[idx];
	c->cc->init(c);
	c->irs = s->seq - 1;
	c->rcv_nxt = s->seq;
	c->iss = s->ack - 1;
	c->snd_una = c->snd_nxt = c->snd_max = s->ack;
	c->snd_wnd = c->max_snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->rcv_adv = c->rcv_nxt + MIN(TCP_RCVBUF, 0xffffu);   /* what the SYN-ACK offered */
	c->listener = l;
	tcp_set_state(c, TCP_ESTABLISHED);
	tcp_conn_established(c);
	return c;
}
