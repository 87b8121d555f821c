/* TCP input, first stage: validate a received segment (length, data offset, checksum,
 * options), decode it into struct tcp_seg, and demultiplex: existing connection -> tcp_fsm.c,
 * listener -> passive open here (RFC 9293 §3.10.7.2), nothing -> RST (§3.10.7.1). */
#include "net/tcp_priv.h"
#include "net/checksum.h"
#include "net/proto/ipv4.h"

/* Header checks and decoding. Returns false (counter bumped) when the segment is bad.
 * On success nb->data is at the payload. */
static bool validate(struct netbuf *nb, const struct ipv4_pdesc *pd, struct tcp_seg *s)
{
	const struct tcp_hdr *th = (const struct tcp_hdr *)nb->data;
	if (nb->len < TCP_HLEN_MIN)
		return tcp_stats.short_seg++, false;
	unsigned hlen = (th->off >> 4) * 4u;
	if (hlen < TCP_HLEN_MIN || hlen > nb->len)
		return tcp_stats.bad_off++, false;
	if (!(nb->flags & NB_F_CSUM_OK)) {
		uint32_t sum = csum_pseudo(pd->src, pd->dst, IP_PROTO_TCP, (uint16_t)nb->len);
		if (csum_fold(csum_partial(nb->data, nb->len, sum)) != 0)
			return tcp_stats.bad_csum++, false;
	}
	if (!tcp_opts_parse((const uint8_t *)(th + 1), hlen - TCP_HLEN_MIN, &s->opt))
		return tcp_stats.bad_opt++, false;
	s->src = pd->src;
	s->dst = pd->dst;
	s->dev = pd->dev;
	s->sport = ntohs(th->sport);
	s->dport = ntohs(th->dport);
	s->seq = ntohl(th->seq);
	s->ack = ntohl(th->ack);
	s->wnd = ntohs(th->win);
	s->flags = th->flags;
	nb_pull(nb, hlen);
	s->len = nb->len;
	return true;
}

void tcp_input(struct netbuf *nb, const struct ipv4_pdesc *pd)
{
	struct tcp_seg s;
	tcp_stats.in_segs++;
	if (!validate(nb, pd, &s)) {
		tcp_stats.in_errs++;
		goto drop;
	}
	struct tcp_conn *c = tcp_conn_lookup(s.dst, s.dport, s.src, s.sport);
	if (c) {
		tcp_conn_hold(c);
		tcp_fsm_input(c, &s, nb);
		tcp_conn_release(c);
		return;
	}
	struct tcp_listener *l = tcp_listener_lookup(s.dst, s.dport);
	if (l) {
		tcp_listen_input(l, &s, nb);
		return;
	}
	if (s.flags & TCP_RST) {
		tcp_stats.rst_no_conn++;
		goto drop;
	}
	tcp_stats.no_port++;
	tcp_send_rst_reply(&s);
drop:
	nb_free(nb);
}

/* Options of the peer's SYN: MSS (RFC 9293 §3.7.1, RFC 6691: our segments carry the
 * timestamp option inside that limit), window scale and timestamps only when both offered. */
void tcp_negotiate(struct tcp_conn *c, const struct tcp_seg *s)
{
	uint16_t mtu = ipv4_route_mtu(c->raddr);
	c->rcv_mss = (uint16_t)(mtu > 40 + TCP_MSS_MIN ? mtu - 40 : TCP_MSS_MIN);
	uint32_t mss = s->opt.mss_ok ? s->opt.mss : TCP_MSS_DEFAULT;
	mss = MAX(MIN(mss, (uint32_t)c->rcv_mss), (uint32_t)TCP_MSS_MIN);
	c->ws_on = s->opt.ws_ok && (c->state == TCP_LISTEN || c->state == TCP_CLOSED || c->ws_on);
	c->snd_wscale = c->ws_on ? s->opt.ws : 0;
	c->rcv_wscale = c->ws_on ? TCP_RCV_WSCALE : 0;
	c->sack_on = s->opt.sack_ok && (c->state == TCP_LISTEN || c->state == TCP_CLOSED || c->sack_on);
	c->ts_on = s->opt.ts_ok && (c->state == TCP_LISTEN || c->state == TCP_CLOSED || c->ts_on);
	if (c->ts_on) {
		c->ts_recent = s->opt.tsval;
		mss -= 12;
	}
	c->snd_mss = (uint16_t)mss;
	c->cc->init(c);
}

/* RFC 9293 §3.10.7.2: a SYN to a listener creates a connection in SYN-RECEIVED. */
static void passive_open(struct tcp_listener *l, struct tcp_seg *s, struct tcp_conn *c)
{
	c->listener = l;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->rcv_adv = c->rcv_nxt;        /* nothing advertised yet: the edge starts at RCV.NXT */
	tcp_negotiate(c, s);
	c->iss = tcp_isn(c->laddr, c->lport, c->raddr, c->rport);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss;       /* +1 once the SYN is out */
	c->snd_wnd = c->max_snd_wnd = s->wnd;       /* never scaled in a SYN (RFC 7323 §2.2) */
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	tcp_set_state(c, TCP_SYN_RECEIVED);
	tcp_stats.passive_opens++;
	if (s->len)
		tcp_stats.data_in_syn++;
	c->rtt_timing = true;
	c->rtt_seq = c->iss;
	c->rtt_start = time_now_ns();
	tcp_send_seg(c, c->iss, 0, TCP_SYN | TCP_ACK);
	c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_rtx_arm(c);
}

void tcp_listen_input(struct tcp_listener *l, struct tcp_seg *s, struct netbuf *nb)
{
	if (s->flags & TCP_RST) {
		tcp_stats.bad_listen_seg++;
		goto drop;
	}
	bool ours;
	struct tcp_conn *cc = tcp_cookie_check(l, s, &ours);
	if (!cc && ours)
		goto drop;                            /* counted: syn_cookies_ahead */
	if (cc) {                                     /* the ACK completes a cookie handshake */
		tcp_conn_hold(cc);
		if (!cc->dead)
			tcp_fsm_input(cc, s, nb);     /* its data and window, as for any segment */
		else
			nb_free(nb);
		tcp_conn_release(cc);
		return;
	}
	if ((s->flags & TCP_ACK) || !(s->flags & TCP_SYN)) {
		tcp_stats.bad_listen_seg++;
		tcp_send_rst_reply(s);                /* <SEQ=SEG.ACK><CTL=RST> */
		goto drop;
	}
	if (l->pending >= l->backlog) {
		tcp_stats.listen_overflow++;
		tcp_cookie_send(l, s);                /* answer without keeping state */
		goto drop;
	}
	struct tcp_conn *c = tcp_conn_new(s->dst, s->dport, s->src, s->sport);
	if (!c) {
		tcp_stats.conn_table_full++;
		tcp_send_rst_reply(s);
		goto drop;
	}
	c->state = TCP_LISTEN;                        /* for tcp_negotiate: answering a SYN */
	passive_open(l, s, c);
drop:
	nb_free(nb);
}

/* The handshake is complete: hand the connection to the app, then send what it queued. */
void tcp_conn_established(struct tcp_conn *c)
{
	struct tcp_listener *l = c->listener;
	c->listener = NULL;
	c->retries = 0;
	c->recover = c->iss;                          /* RFC 6582 §3.2 step 1 */
	tcp_keepalive_reset(c);
	if (!l && !c->connected) {
		tcp_abort(c);                         /* its listener went away: nobody owns it */
		return;
	}
	if (l && !c->app_closed)
		l->accept(c, l->arg);
	else if (c->connected && !c->app_closed)
		c->connected(c, 0, c->cb_arg);
	if (!c->dead)
		tcp_output(c);
}
