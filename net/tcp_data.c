/* TCP input, third stage: ACK processing (RFC 9293 §3.10.7.4 fifth step, RFC 5961 §5 ACK
 * checks, RFC 6298 RTT sampling, RFC 5681/6582 duplicate ACKs and NewReno recovery, SACK
 * holes via tcp_sack.c), the send
 * queue it trims, and in-order delivery of data and FIN with a bounded out-of-order queue
 * (seventh and eighth steps) and delayed ACKs (RFC 1122 §4.2.3.2, RFC 5681 §4.2). */
#include "net/tcp_priv.h"

void tcp_sndq_flush(struct tcp_conn *c)
{
	while (c->sndq_head) {
		struct netbuf *nb = c->sndq_head;
		c->sndq_head = nb->next;
		nb_free(nb);
	}
	c->sndq_tail = NULL;
	c->snd_queued = 0;
}

/* Drop n acknowledged bytes from the front of the send queue. */
static void sndq_drop(struct tcp_conn *c, uint32_t n)
{
	c->snd_queued -= n;
	while (n && c->sndq_head) {
		struct netbuf *nb = c->sndq_head;
		if (n < nb->len) {
			nb_pull(nb, n);
			nb->seq += n;
			return;
		}
		n -= nb->len;
		c->sndq_head = nb->next;
		if (!c->sndq_head)
			c->sndq_tail = NULL;
		nb_free(nb);
	}
}

void tcp_cb_sent(struct tcp_conn *c)
{
	size_t room = tcp_send_room(c);
	if (!c->sndbuf_was_full || room == 0 || c->app_closed || !c->cb->sent)
		return;
	c->sndbuf_was_full = false;
	c->cb->sent(c, room, c->cb_arg);
}

/* Retransmit the first unacknowledged segment (fast retransmit / partial ACK). */
static void retransmit_head(struct tcp_conn *c)
{
	uint32_t len = MIN(c->snd_queued, (uint32_t)c->snd_mss);
	bool fin = c->fin_queued && c->snd_una + len == c->fin_seq && SEQ_GT(c->snd_max, c->fin_seq);
	if (len || fin)
		tcp_send_seg(c, c->snd_una, len, TCP_ACK | (fin ? TCP_FIN : 0));
	c->rtt_timing = false;                       /* Karn */
}

/* RFC 6582 §3.2 steps 3 and 4 for a new ACK while in fast recovery. */
static void recovery_ack(struct tcp_conn *c, uint32_t acked)
{
	if (SEQ_GEQ(c->snd_una, c->recover)) {       /* full ACK: deflate, option (1) */
		c->cwnd = MIN(c->ssthresh, MAX(tcp_flight(c), (uint32_t)c->snd_mss) + c->snd_mss);
		c->in_recovery = false;
		return;
	}
	if (c->sack_on && c->nsacked)
		tcp_sack_retransmit(c, 2);                /* RFC 6675: holes the SACKs point at */
	else
		retransmit_head(c);                       /* partial ACK: next hole */
	c->cwnd = c->cwnd > acked ? c->cwnd - acked : 0;
	if (acked >= c->snd_mss)
		c->cwnd += c->snd_mss;
	c->cwnd = MAX(c->cwnd, (uint32_t)c->snd_mss);
}

static void ack_new_data(struct tcp_conn *c, uint32_t ack)
{
	uint32_t acked = ack - c->snd_una;
	sndq_drop(c, MIN(acked, c->snd_queued));
	c->snd_una = ack;
	if (SEQ_LT(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	if (c->rtt_timing && SEQ_GT(ack, c->rtt_seq)) {
		tcp_rtt_sample(c, time_now_ns() - c->rtt_start);
		c->rtt_timing = false;
	}
	c->retries = 0;
	c->dupacks = 0;
	if (c->in_recovery)
		recovery_ack(c, acked);
	else
		c->cc->on_ack(c, acked);
	tcp_rtx_arm(c);                               /* RFC 6298 §5.2/5.3 */
	tcp_cb_sent(c);
}

/* RFC 5681 §3.2 with RFC 6582 §3.2: three duplicate ACKs start fast retransmit. */
static void dup_ack(struct tcp_conn *c)
{
	tcp_stats.dup_acks++;
	if (c->in_recovery) {
		c->cwnd += c->snd_mss;                  /* inflate for the segment that left */
		if (c->sack_on)
			tcp_sack_retransmit(c, 1);
		return;
	}
	if (++c->dupacks != 3 || !SEQ_GT(c->snd_una, c->recover))
		return;                                 /* RFC 6582 §3.2 step 2: not after a recovery */
	tcp_stats.fast_retrans++;
	c->cc->on_loss(c, false);
	c->recover = c->snd_max;
	c->in_recovery = true;
	c->high_rxt = c->snd_una;
	if (c->sack_on && c->nsacked)
		tcp_sack_retransmit(c, TCP_SACK_RTX_BURST);   /* every hole below the highest SACK */
	else
		retransmit_head(c);
	c->cwnd = c->ssthresh + 3u * c->snd_mss;
}

static bool is_dup_ack(const struct tcp_conn *c, const struct tcp_seg *s)
{
	return s->ack == c->snd_una && s->len == 0 && !(s->flags & (TCP_SYN | TCP_FIN)) &&
	       (s->wnd << c->snd_wscale) == c->snd_wnd && c->snd_max != c->snd_una;
}

bool tcp_ack_process(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (SEQ_GT(s->ack, c->snd_max)) {
		tcp_stats.ack_too_new++;
		tcp_send_ack(c);
		return false;
	}
	if (SEQ_LT(s->ack, c->snd_una - c->max_snd_wnd)) {
		tcp_stats.ack_too_old++;
		tcp_send_challenge_ack(c);                /* RFC 5961 §5.2 */
		return false;
	}
	tcp_sack_update(c, s);
	if (SEQ_GT(s->ack, c->snd_una))
		ack_new_data(c, s->ack);
	else if (is_dup_ack(c, s))
		dup_ack(c);
	if (c->dead)
		return false;
	/* RFC 9293 §3.10.7.4: window update only from a newer segment (SND.WL1/WL2). */
	if (SEQ_LT(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack))) {
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		c->max_snd_wnd = MAX(c->max_snd_wnd, c->snd_wnd);
		if (c->snd_wnd == 0 && c->snd_max != c->snd_una)
			c->retries = 0;                   /* the peer answers our probes */
		if (c->snd_wnd && c->persist)
			tcp_rtx_arm(c);                   /* window opened: stop probing */
	}
	return true;
}

/* Out-of-order buffers of all connections together stay under a quarter of the pool, so
 * many connections with holes cannot starve the receive rings. */
static unsigned ooo_global;

static bool ooo_global_full(void)
{
	return ooo_global >= nb_pool_total() / 4;
}

void tcp_ooo_flush(struct tcp_conn *c)
{
	ooo_global -= c->ooo_count;
	while (c->ooo_head) {
		struct netbuf *nb = c->ooo_head;
		c->ooo_head = nb->next;
		nb_free(nb);
	}
	c->ooo_count = 0;
}

/* Keep an out-of-order segment (nb->seq set, beyond rcv_nxt), sorted; frees nb when the
 * queue is full or the data is already there. */
static void ooo_insert(struct tcp_conn *c, struct netbuf *nb)
{
	struct netbuf **pp = &c->ooo_head;
	while (*pp && SEQ_LT((*pp)->seq, nb->seq))
		pp = &(*pp)->next;
	if (c->ooo_count >= TCP_OOO_MAX || ooo_global_full() ||
	    (*pp && (*pp)->seq == nb->seq && (*pp)->len >= nb->len)) {
		tcp_stats.ooo_dropped++;
		nb_free(nb);
		return;
	}
	tcp_stats.ooo_queued++;
	c->sack_last = nb->seq;
	nb->next = *pp;
	*pp = nb;
	c->ooo_count++;
	ooo_global++;
}

void tcp_cb_recv(struct tcp_conn *c, struct netbuf *nb)
{
	if (c->app_closed || !c->cb->recv) {
		if (nb && c->manual_window)
			c->rcv_held -= MIN(c->rcv_held, nb->len);
		nb_free(nb);
		return;
	}
	c->cb->recv(c, nb, c->cb_arg);
}

/* Hand in-order bytes at rcv_nxt to the app. Takes ownership of nb (len > 0). */
static void deliver(struct tcp_conn *c, struct netbuf *nb)
{
	c->rcv_nxt += nb->len;
	c->unacked_bytes += nb->len;
	if (c->manual_window)
		c->rcv_held += nb->len;
	nb->next = NULL;
	tcp_cb_recv(c, nb);
}

/* After rcv_nxt advanced: deliver queued segments that are now in order. Returns true when
 * something came off the queue (a hole was filled: ACK at once, RFC 5681 §4.2). */
static bool ooo_drain(struct tcp_conn *c)
{
	bool any = false;
	while (c->ooo_head && !c->dead && SEQ_LEQ(c->ooo_head->seq, c->rcv_nxt)) {
		struct netbuf *nb = c->ooo_head;
		c->ooo_head = nb->next;
		c->ooo_count--;
		ooo_global--;
		any = true;
		uint32_t old = c->rcv_nxt - nb->seq;
		if (old >= nb->len) {
			nb_free(nb);
			continue;
		}
		nb_pull(nb, old);
		nb->seq += old;
		deliver(c, nb);
	}
	return any;
}

/* The peer's FIN at rcv_nxt (RFC 9293 §3.10.7.4 eighth step). */
static void fin_input(struct tcp_conn *c)
{
	c->rcv_nxt++;
	c->fin_rcvd = true;
	bool our_fin_acked = c->fin_queued && SEQ_GT(c->snd_una, c->fin_seq);
	tcp_send_ack(c);
	switch (c->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_set_state(c, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		if (!our_fin_acked) {
			tcp_set_state(c, TCP_CLOSING);
			break;
		}
		/* fall through */
	case TCP_FIN_WAIT_2:
		tcp_cb_recv(c, NULL);
		if (!c->dead)
			tcp_enter_timewait(c);
		return;
	default:
		return;
	}
	tcp_cb_recv(c, NULL);
}

/* Trim nb to the part that is new and inside the receive window. Returns the FIN flag that
 * survives trimming. nb->seq is set to the first kept byte. */
static bool trim(struct tcp_conn *c, struct tcp_seg *s, struct netbuf *nb)
{
	bool fin = s->flags & TCP_FIN;
	nb->seq = s->seq;
	if (SEQ_LT(nb->seq, c->rcv_nxt)) {
		uint32_t d = MIN(c->rcv_nxt - nb->seq, nb->len);
		nb_pull(nb, d);
		nb->seq += d;
	}
	uint32_t wnd = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t room = SEQ_GT(c->rcv_nxt + wnd, nb->seq) ? c->rcv_nxt + wnd - nb->seq : 0;
	if (nb->len > room) {
		nb_trim(nb, room);
		fin = false;                          /* the FIN lies past the window */
	}
	return fin && SEQ_GEQ(nb->seq + nb->len, c->rcv_nxt);
}

/* Seventh and eighth steps: data and FIN. Takes ownership of nb. */
void tcp_data_input(struct tcp_conn *c, struct tcp_seg *s, struct netbuf *nb)
{
	bool may_recv = c->state == TCP_ESTABLISHED || c->state == TCP_FIN_WAIT_1 ||
			c->state == TCP_FIN_WAIT_2;
	uint32_t had = s->len;
	bool fin = may_recv && trim(c, s, nb);
	if (!may_recv || (nb->len == 0 && !fin)) {
		if (had && may_recv) {
			tcp_stats.dup_data++;
			tcp_send_ack(c);                  /* duplicate: re-ACK at once */
		}
		nb_free(nb);
		return;
	}
	if (nb->seq != c->rcv_nxt) {
		ooo_insert(c, nb);                    /* FIN of an out-of-order segment is dropped */
		tcp_send_ack(c);                      /* RFC 5681 §4.2: immediate duplicate ACK */
		return;
	}
	bool filled = false;
	if (nb->len) {
		deliver(c, nb);
		filled = !c->dead && ooo_drain(c);
	} else {
		nb_free(nb);
	}
	if (c->dead)
		return;
	if (fin && !c->ooo_head) {
		fin_input(c);
		return;
	}
	if (filled || c->unacked_bytes >= 2u * c->rcv_mss)
		tcp_send_ack(c);
	else if (c->unacked_bytes)
		tcp_delack_schedule(c);
}
