/* TCP input, second stage: the state machine for segments of an existing connection,
 * RFC 9293 §3.10.7.3 (SYN-SENT) and §3.10.7.4 (other states) step by step: sequence check
 * with PAWS (RFC 7323 §5), RST (RFC 5961 §3), SYN (RFC 5961 §4), ACK (tcp_data.c), then
 * data and FIN (tcp_data.c). Every function here takes ownership of nb. */
#include "net/tcp_priv.h"

static uint32_t cur_rcv_wnd(const struct tcp_conn *c)
{
	return SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
}

/* RFC 9293 §3.10.7.4 first check: the four acceptability cases. */
static bool seq_acceptable(const struct tcp_conn *c, const struct tcp_seg *s)
{
	uint32_t seglen = s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
	uint32_t wnd = cur_rcv_wnd(c);
	if (wnd == 0)
		return s->seq == c->rcv_nxt;   /* with data: ACK/RST still processed, data trimmed */
	bool start_in = SEQ_GEQ(s->seq, c->rcv_nxt) && SEQ_LT(s->seq, c->rcv_nxt + wnd);
	if (seglen == 0)
		return start_in;
	uint32_t last = s->seq + seglen - 1;
	return start_in || (SEQ_GEQ(last, c->rcv_nxt) && SEQ_LT(last, c->rcv_nxt + wnd));
}

/* RFC 5961 §3.2: only an RST exactly at RCV.NXT resets; in-window ones get a challenge ACK. */
static void rst_input(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (s->seq != c->rcv_nxt) {
		tcp_send_challenge_ack(c);
		return;
	}
	switch (c->state) {
	case TCP_SYN_RECEIVED:
		tcp_stats.attempt_fails++;
		tcp_conn_drop(c, TCP_CLOSE_RESET);   /* passive: back to LISTEN, app never saw it */
		break;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		tcp_stats.estab_resets++;
		/* fall through */
	default:
		tcp_conn_drop(c, TCP_CLOSE_RESET);
	}
}

/* RFC 7323 §4.3 (TS.Recent update) and §5.3 (PAWS). Returns false to drop. */
static bool ts_check(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (!c->ts_on || !s->opt.ts_ok)
		return true;
	if (!(s->flags & TCP_RST) && SEQ_LT(s->opt.tsval, c->ts_recent)) {
		tcp_stats.paws_dropped++;
		tcp_send_ack(c);
		return false;
	}
	if (SEQ_LEQ(s->seq, c->last_ack_sent))
		c->ts_recent = s->opt.tsval;
	return true;
}

/* SYN-RECEIVED and an ACK (RFC 9293 §3.10.7.4 fifth check). false: drop. */
static bool synrcvd_ack(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (SEQ_LEQ(s->ack, c->snd_una) || SEQ_GT(s->ack, c->snd_max)) {
		tcp_send_rst_reply(s);               /* <SEQ=SEG.ACK><CTL=RST> */
		return false;
	}
	if (c->rtt_timing) {
		tcp_rtt_sample(c, time_now_ns() - c->rtt_start);
		c->rtt_timing = false;
	}
	c->snd_una = c->iss + 1;                     /* our SYN is acknowledged */
	c->snd_wnd = s->wnd << c->snd_wscale;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	tcp_rtx_arm(c);
	tcp_set_state(c, TCP_ESTABLISHED);
	tcp_conn_established(c);
	return !c->dead;
}

/* Our FIN acknowledged: FIN-WAIT-1 -> FIN-WAIT-2, CLOSING -> TIME-WAIT, LAST-ACK -> CLOSED.
 * Returns false when the connection is gone or nothing more is to be done with the segment. */
static bool fin_acked_transitions(struct tcp_conn *c)
{
	bool fin_acked = c->fin_queued && SEQ_GT(c->snd_una, c->fin_seq);
	if (!fin_acked)
		return true;
	if (c->state == TCP_FIN_WAIT_1) {
		tcp_set_state(c, TCP_FIN_WAIT_2);
		if (c->app_closed)                       /* orphan: do not wait forever for a FIN */
			timer_arm(&c->t_misc, 2ull * tcp_msl_ms() * NS_PER_MS);
	} else if (c->state == TCP_CLOSING) {
		tcp_enter_timewait(c);
		return false;
	} else if (c->state == TCP_LAST_ACK) {
		tcp_conn_drop(c, TCP_CLOSE_NORMAL);
		return false;
	}
	return true;
}

/* Steps one to four; false: drop the segment. */
static bool pre_ack_checks(struct tcp_conn *c, struct tcp_seg *s)
{
	if (c->state == TCP_SYN_RECEIVED && (s->flags & TCP_SYN) && !(s->flags & TCP_ACK) &&
	    s->seq == c->irs) {
		tcp_send_seg(c, c->iss, 0, TCP_SYN | TCP_ACK);   /* peer lost our SYN-ACK */
		return false;
	}
	if (!seq_acceptable(c, s)) {
		if (s->flags & TCP_RST) {
			tcp_stats.rst_ignored++;
			return false;
		}
		tcp_stats.out_of_window++;
		if (c->state == TCP_TIME_WAIT && (s->flags & TCP_FIN))
			tcp_timewait_start(c);           /* retransmitted FIN restarts 2*MSL */
		tcp_send_ack(c);
		return false;
	}
	if (!ts_check(c, s))
		return false;
	if (s->flags & TCP_RST) {
		rst_input(c, s);
		return false;
	}
	if (s->flags & TCP_SYN) {
		if (c->state == TCP_SYN_RECEIVED) {
			tcp_stats.attempt_fails++;
			tcp_conn_drop(c, -1);            /* RFC 9293: passive open returns to LISTEN */
		} else {
			tcp_send_challenge_ack(c);       /* RFC 5961 §4.2 */
		}
		return false;
	}
	if (!(s->flags & TCP_ACK)) {
		tcp_stats.no_ack++;
		return false;
	}
	return true;
}

/* RFC 6191 (and RFC 1122 §4.2.2.13): a new SYN may reuse a TIME-WAIT 4-tuple when its
 * sequence number (or timestamp) is above what the old incarnation used. */
static bool timewait_reuse(struct tcp_conn *c, struct tcp_seg *s, struct netbuf *nb)
{
	if (c->state != TCP_TIME_WAIT || (s->flags & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return false;
	bool newer = c->ts_on && s->opt.ts_ok ? SEQ_GT(s->opt.tsval, c->ts_recent)
					      : SEQ_GT(s->seq, c->rcv_nxt);
	struct tcp_listener *l = tcp_listener_lookup(c->laddr, c->lport);
	if (!newer || !l)
		return false;
	tcp_stats.timewait_reused++;
	tcp_conn_drop(c, -1);
	tcp_listen_input(l, s, nb);
	return true;
}

void tcp_fsm_input(struct tcp_conn *c, struct tcp_seg *s, struct netbuf *nb)
{
	if (c->state == TCP_SYN_SENT) {
		tcp_syn_sent_input(c, s, nb);
		return;
	}
	if (timewait_reuse(c, s, nb))
		return;
	if (!pre_ack_checks(c, s))
		goto drop;
	tcp_keepalive_reset(c);
	if (c->state == TCP_SYN_RECEIVED && !synrcvd_ack(c, s))
		goto drop;
	if (!tcp_ack_process(c, s) || c->dead || !fin_acked_transitions(c))
		goto drop;
	if (c->state == TCP_TIME_WAIT)
		goto drop;                               /* only FIN retransmissions matter here */
	if (c->app_closed && s->len && SEQ_GT(s->seq + s->len, c->rcv_nxt)) {
		tcp_stats.rcv_after_close++;             /* RFC 2525 §2.17: data nobody will read */
		tcp_send_rst_conn(c);
		tcp_conn_drop(c, -1);
		goto drop;
	}
	tcp_data_input(c, s, nb);                        /* seventh and eighth steps */
	if (!c->dead)
		tcp_output(c);
	return;
drop:
	nb_free(nb);
}

/* RFC 9293 §3.10.7.3: SYN-SENT. */
void tcp_syn_sent_input(struct tcp_conn *c, struct tcp_seg *s, struct netbuf *nb)
{
	bool has_ack = s->flags & TCP_ACK;
	if (has_ack && (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max))) {
		tcp_stats.ack_too_new++;
		tcp_send_rst_reply(s);                   /* no reply to an RST: checked inside */
		goto drop;
	}
	if (s->flags & TCP_RST) {
		if (has_ack) {
			tcp_stats.attempt_fails++;
			tcp_conn_drop(c, TCP_CLOSE_RESET);   /* "connection refused" */
		} else {
			tcp_stats.rst_ignored++;
		}
		goto drop;
	}
	if (!(s->flags & TCP_SYN)) {
		tcp_stats.no_ack++;
		goto drop;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;        /* nothing advertised yet: the edge starts at RCV.NXT */
	tcp_negotiate(c, s);
	c->snd_wnd = c->max_snd_wnd = s->wnd;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	if (!has_ack) {                                  /* simultaneous open */
		tcp_set_state(c, TCP_SYN_RECEIVED);
		tcp_send_seg(c, c->iss, 0, TCP_SYN | TCP_ACK);
		goto drop;
	}
	if (c->rtt_timing) {
		tcp_rtt_sample(c, time_now_ns() - c->rtt_start);
		c->rtt_timing = false;
	}
	c->snd_una = s->ack;
	tcp_rtx_arm(c);
	tcp_set_state(c, TCP_ESTABLISHED);
	tcp_send_ack(c);
	tcp_conn_established(c);
drop:
	nb_free(nb);
}
