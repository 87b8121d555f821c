/* TCP output: builds segments (header, options, checksum) and hands them to ipv4_output();
 * decides what may be sent now (send window, congestion window, Nagle, FIN after the data);
 * RST and (rate-limited RFC 5961) challenge ACK generation.
 * Payload is copied from the send queue into a fresh netbuf per transmission, so the queued
 * original stays for retransmission. */
#include <string.h>
#include "net/tcp_priv.h"
#include "net/checksum.h"
#include "net/proto/ipv4.h"

uint32_t tcp_flight(const struct tcp_conn *c)
{
	return c->snd_nxt - c->snd_una;
}

/* RFC 9293 §3.8.6.2.2 / RFC 7323 §2.4: offer the free receive buffer, but never move the
 * right edge we already advertised to the left. */
uint32_t tcp_rcv_window(struct tcp_conn *c)
{
	uint32_t avail = TCP_RCVBUF - MIN(c->rcv_held, TCP_RCVBUF);
	if (SEQ_LT(c->rcv_nxt + avail, c->rcv_adv))
		avail = c->rcv_adv - c->rcv_nxt;
	return avail;
}

static uint16_t wnd_field(struct tcp_conn *c, uint8_t flags)
{
	uint32_t w = tcp_rcv_window(c);
	uint32_t scaled = (flags & TCP_SYN) ? w : w >> c->rcv_wscale;  /* RFC 7323 §2.2 */
	if (scaled > 0xffff)
		scaled = 0xffff;
	uint32_t edge = c->rcv_nxt + (scaled << ((flags & TCP_SYN) ? 0 : c->rcv_wscale));
	if (SEQ_GT(edge, c->rcv_adv))
		c->rcv_adv = edge;
	c->rcv_wnd = scaled << ((flags & TCP_SYN) ? 0 : c->rcv_wscale);
	return (uint16_t)scaled;
}

/* Copy len bytes starting at sequence seq out of the send queue. */
static void copy_from_sndq(struct tcp_conn *c, uint32_t seq, uint8_t *dst, uint32_t len)
{
	for (struct netbuf *q = c->sndq_head; q && len; q = q->next) {
		uint32_t off = seq - q->seq;
		if (SEQ_LT(seq, q->seq) || off >= q->len)
			continue;
		uint32_t n = MIN(len, q->len - off);
		memcpy(dst, q->data + off, n);
		dst += n, seq += n, len -= n;
	}
	ASSERT(len == 0);
}

/* Push the TCP header, fill the checksum and send. Takes ownership of nb. */
static int emit(struct netbuf *nb, uint32_t laddr, uint32_t raddr, uint16_t lport, uint16_t rport,
		uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt, unsigned olen)
{
	struct tcp_hdr *th = nb_push(nb, TCP_HLEN_MIN + olen);
	th->sport = htons(lport);
	th->dport = htons(rport);
	th->seq = htonl(seq);
	th->ack = htonl(ack);
	th->off = (uint8_t)(((TCP_HLEN_MIN + olen) / 4) << 4);
	th->flags = flags;
	th->win = htons(win);
	th->csum = 0;
	th->urp = 0;
	if (olen)
		memcpy(th + 1, opt, olen);
	uint32_t sum = csum_pseudo(laddr, raddr, IP_PROTO_TCP, (uint16_t)nb->len);
	th->csum = csum_fold(csum_partial(th, nb->len, sum));
	if (flags & TCP_RST)
		tcp_stats.out_rsts++;
	return ipv4_output(nb, laddr, raddr, IP_PROTO_TCP, 0);
}

int tcp_send_raw(uint32_t laddr, uint32_t raddr, uint16_t lport, uint16_t rport, uint32_t seq,
		 uint32_t ack, uint8_t flags, uint16_t win, const uint8_t *opt, unsigned olen)
{
	struct netbuf *nb = nb_alloc();
	if (!nb) {
		tcp_stats.out_nobuf++;
		return -1;
	}
	tcp_stats.out_segs++;
	return emit(nb, laddr, raddr, lport, rport, seq, ack, flags, win, opt, olen);
}

int tcp_send_seg(struct tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct netbuf *nb = nb_alloc();
	if (!nb) {
		tcp_stats.out_nobuf++;
		return -1;
	}
	if (len)
		copy_from_sndq(c, seq, nb_put(nb, len), len);
	/* snd_mss already leaves room for timestamps; SACK blocks get only what the payload
	 * leaves of the MSS, so a full segment never exceeds the MTU (RFC 9293 §3.7.1). A full
	 * data segment then goes without SACK blocks; pure ACKs carry them. */
	uint8_t opt[40];
	unsigned room = len < c->snd_mss ? c->snd_mss - len : 0;
	unsigned olen = tcp_opts_build(c, flags, opt, room);
	uint16_t win = wnd_field(c, flags);
	if ((len || (flags & (TCP_SYN | TCP_FIN))) && SEQ_LT(seq, c->snd_max))
		tcp_stats.retrans_segs++;
	else
		tcp_stats.out_segs++;
	if (flags & TCP_ACK) {
		c->last_ack_sent = c->rcv_nxt;
		c->unacked_bytes = 0;
		timer_cancel(&c->t_delack);
	}
	return emit(nb, c->laddr, c->raddr, c->lport, c->rport, seq,
		    (flags & TCP_ACK) ? c->rcv_nxt : 0, flags, win, opt, olen) == 0 ? 0 : -1;
}

void tcp_send_ack(struct tcp_conn *c)
{
	tcp_send_seg(c, c->snd_nxt, 0, TCP_ACK);
}

/* RFC 9293 §3.10.4 ABORT: <SEQ=SND.NXT><CTL=RST> (with the ACK of what we have). */
void tcp_send_rst_conn(struct tcp_conn *c)
{
	tcp_send_seg(c, c->snd_nxt, 0, TCP_RST | TCP_ACK);
}

/* RFC 9293 §3.10.7.1: answer a segment that has no connection. */
void tcp_send_rst_reply(const struct tcp_seg *s)
{
	if (s->flags & TCP_RST)
		return;                 /* never answer a reset */
	struct netbuf *nb = nb_alloc();
	if (!nb) {
		tcp_stats.out_nobuf++;
		return;
	}
	uint32_t seglen = s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
	tcp_stats.out_segs++;
	if (s->flags & TCP_ACK)
		emit(nb, s->dst, s->src, s->dport, s->sport, s->ack, 0, TCP_RST, 0, NULL, 0);
	else
		emit(nb, s->dst, s->src, s->dport, s->sport, 0, s->seq + seglen, TCP_RST | TCP_ACK,
		     0, NULL, 0);
}

static uint64_t challenge_second;
static unsigned challenge_count;

void tcp_challenge_reset(void)
{
	challenge_second = 0;
	challenge_count = 0;
}

/* RFC 5961 §7: a global limit on challenge ACKs per second. */
void tcp_send_challenge_ack(struct tcp_conn *c)
{
	uint64_t sec = time_now_ns() / NS_PER_S + 1;
	if (sec != challenge_second) {
		challenge_second = sec;
		challenge_count = 0;
	}
	if (challenge_count >= TCP_CHALLENGE_PER_S) {
		tcp_stats.challenge_limited++;
		return;
	}
	challenge_count++;
	tcp_stats.challenge_acks++;
	tcp_send_ack(c);
}

static bool may_send_data(const struct tcp_conn *c)
{
	return c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
	       c->state == TCP_FIN_WAIT_1 || c->state == TCP_CLOSING || c->state == TCP_LAST_ACK;
}

/* How many bytes to send at snd_nxt now (0: none), RFC 9293 §3.8.6.2.1 (sender SWS, Nagle). */
static uint32_t next_len(const struct tcp_conn *c, uint32_t unsent)
{
	uint32_t wnd = MIN(c->snd_wnd, c->cwnd);
	uint32_t flight = tcp_flight(c);
	uint32_t usable = wnd > flight ? wnd - flight : 0;
	uint32_t len = MIN(MIN(unsent, (uint32_t)c->snd_mss), usable);
	if (len == 0 || len == c->snd_mss)
		return len;
	if (flight && (!c->nodelay || len < unsent))
		return 0;               /* Nagle, or a small window-limited piece while data is out */
	return len;
}

/* The segment at snd_nxt was not sent (the interface refused it with its TX ring full, or
 * the pool was empty) and stays queued. An ACK for data in flight would call us again; with
 * nothing in flight only the retransmission timer can, or the connection waits forever. */
static void blocked(struct tcp_conn *c)
{
	tcp_stats.out_blocked++;
	c->xmit_blocked = true;
	if (!timer_pending(&c->t_rtx))
		tcp_rtx_arm(c);
}

void tcp_output(struct tcp_conn *c)
{
	c->xmit_blocked = false;
	if (!may_send_data(c))
		return;
	for (;;) {
		uint32_t data_end = c->snd_una + c->snd_queued;
		uint32_t unsent = SEQ_LT(c->snd_nxt, data_end) ? data_end - c->snd_nxt : 0;
		uint32_t len = next_len(c, unsent);
		bool fin = c->fin_queued && c->snd_nxt + len == c->fin_seq && len == unsent;
		if (len == 0 && !fin) {
			if (unsent && c->snd_wnd == 0 && tcp_flight(c) == 0)
				tcp_persist_arm(c);  /* RFC 9293 §3.8.6.1 zero-window probing */
			return;
		}
		uint8_t flags = TCP_ACK | (len && len == unsent ? TCP_PSH : 0) | (fin ? TCP_FIN : 0);
		if (tcp_send_seg(c, c->snd_nxt, len, flags) < 0) {
			blocked(c);
			return;
		}
		if (!c->rtt_timing && c->snd_nxt == c->snd_max) {
			c->rtt_timing = true;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start = time_now_ns();
		}
		c->snd_nxt += len + fin;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!timer_pending(&c->t_rtx) || c->persist)
			tcp_rtx_arm(c);
		if (fin)
			return;
	}
}
