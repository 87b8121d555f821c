/* TCP timers: retransmission (RFC 6298: SRTT/RTTVAR, Karn, exponential back-off, 200 ms
 * floor, 60 s ceiling), persist/zero-window probes (RFC 9293 §3.8.6.1), delayed ACK
 * (RFC 1122 §4.2.3.2, 40 ms), TIME_WAIT (2*MSL; also bounds an orphaned FIN-WAIT-2) and
 * keepalive (RFC 1122 §4.2.3.6). Each callback holds the connection while it works so a
 * callback into the app may close it. */
#include "net/tcp_priv.h"

static void rtx_fire(struct timer *t);
static void delack_fire(struct timer *t);
static void misc_fire(struct timer *t);

void tcp_timers_init(struct tcp_conn *c)
{
	timer_init(&c->t_rtx, rtx_fire);
	timer_init(&c->t_delack, delack_fire);
	timer_init(&c->t_misc, misc_fire);
}

void tcp_timers_stop(struct tcp_conn *c)
{
	timer_cancel(&c->t_rtx);
	timer_cancel(&c->t_delack);
	timer_cancel(&c->t_misc);
}

/* RFC 6298 §5.1/5.2/5.3: running while data is outstanding, restarted on new ACKs. Also
 * while tcp_output could not hand a segment to the interface: with nothing in flight no ACK
 * would ever come back to send it, so the timer is what retries it. */
void tcp_rtx_arm(struct tcp_conn *c)
{
	c->persist = false;
	if (c->snd_nxt != c->snd_una || c->xmit_blocked)
		timer_arm(&c->t_rtx, c->rto);
	else
		timer_cancel(&c->t_rtx);
}

void tcp_persist_arm(struct tcp_conn *c)
{
	if (c->persist && timer_pending(&c->t_rtx))
		return;
	c->persist = true;
	timer_arm(&c->t_rtx, c->rto);
}

/* RFC 6298 §2.2/2.3 with G = 1 ms; §2.4 floor (200 ms here, like Linux) and §2.5 ceiling. */
void tcp_rtt_sample(struct tcp_conn *c, uint64_t r)
{
	if (c->srtt == 0 && c->rttvar == 0) {
		c->srtt = r;
		c->rttvar = r / 2;
	} else {
		uint64_t diff = c->srtt > r ? c->srtt - r : r - c->srtt;
		c->rttvar = (3 * c->rttvar + diff) / 4;
		c->srtt = (7 * c->srtt + r) / 8;
	}
	uint64_t rto = c->srtt + MAX((uint64_t)NS_PER_MS, 4 * c->rttvar);
	c->rto = MIN(MAX(rto, TCP_RTO_MIN_NS), TCP_RTO_MAX_NS);
}

static void backoff(struct tcp_conn *c)
{
	c->rto = MIN(c->rto * 2, TCP_RTO_MAX_NS);   /* RFC 6298 §5.5 */
}

/* RFC 9293 §3.8.6.1: with the peer's window closed, send one byte at SND.UNA each
 * (backed-off) interval. The peer must answer; its ACKs reset the retry count. */
static void persist_probe(struct tcp_conn *c)
{
	if (++c->retries > TCP_MAX_RETRIES) {
		tcp_stats.conn_timeouts++;
		tcp_conn_drop(c, TCP_CLOSE_TIMEOUT);
		return;
	}
	tcp_stats.persist_probes++;
	c->rtt_timing = false;
	if (c->snd_queued && tcp_send_seg(c, c->snd_una, 1, TCP_ACK) == 0) {
		c->snd_nxt = c->snd_una + 1;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
	}
	backoff(c);
	c->persist = true;
	timer_arm(&c->t_rtx, c->rto);
}

static void rto_expired(struct tcp_conn *c)
{
	tcp_stats.rto_timeouts++;
	unsigned limit = c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED ?
			 TCP_SYN_RETRIES : TCP_MAX_RETRIES;
	if (++c->retries > limit) {
		tcp_stats.conn_timeouts++;
		if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED)
			tcp_stats.attempt_fails++;
		tcp_conn_drop(c, TCP_CLOSE_TIMEOUT);
		return;
	}
	backoff(c);
	c->rtt_timing = false;                       /* Karn: no sample from a retransmission */
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		tcp_send_seg(c, c->iss, 0, TCP_SYN | (c->state == TCP_SYN_RECEIVED ? TCP_ACK : 0));
		tcp_rtx_arm(c);
		return;
	}
	c->cc->on_loss(c, true);
	c->in_recovery = false;
	c->dupacks = 0;
	c->nsacked = 0;                              /* resend everything (RFC 6675 §5.1 allows) */
	c->snd_nxt = c->snd_una;                     /* go back N */
	tcp_output(c);
	if (!timer_pending(&c->t_rtx))
		tcp_rtx_arm(c);
}

/* Nothing is outstanding, but tcp_output could not send (tcp_output.c blocked()). That is
 * our own interface, not a loss in the network: no congestion response, just try again,
 * backed off and bounded like a retransmission so a wedged NIC still ends the connection. */
static void send_retry(struct tcp_conn *c)
{
	if (!c->xmit_blocked)
		return;                              /* stale: an ACK took everything meanwhile */
	if (++c->retries > TCP_MAX_RETRIES) {
		tcp_stats.conn_timeouts++;
		tcp_conn_drop(c, TCP_CLOSE_TIMEOUT);
		return;
	}
	backoff(c);
	tcp_output(c);
	if (!timer_pending(&c->t_rtx))
		tcp_rtx_arm(c);
}

static void rtx_fire(struct timer *t)
{
	struct tcp_conn *c = container_of(t, struct tcp_conn, t_rtx);
	tcp_conn_hold(c);
	bool synced = c->state != TCP_SYN_SENT && c->state != TCP_SYN_RECEIVED;
	if (c->persist || (synced && c->snd_wnd == 0 && c->snd_queued))
		persist_probe(c);
	else if (synced && c->snd_max == c->snd_una)
		send_retry(c);
	else
		rto_expired(c);
	tcp_conn_release(c);
}

void tcp_delack_schedule(struct tcp_conn *c)
{
	if (!timer_pending(&c->t_delack))
		timer_arm(&c->t_delack, TCP_DELACK_NS);
}

static void delack_fire(struct timer *t)
{
	struct tcp_conn *c = container_of(t, struct tcp_conn, t_delack);
	tcp_stats.delayed_acks++;
	tcp_send_ack(c);
}

/* RFC 9293 §3.10.7.4: TIME_WAIT lasts 2*MSL, restarted by a retransmitted FIN. */
void tcp_timewait_start(struct tcp_conn *c)
{
	timer_cancel(&c->t_rtx);
	timer_cancel(&c->t_delack);
	timer_arm(&c->t_misc, 2ull * tcp_msl_ms() * NS_PER_MS);
}

void tcp_keepalive_reset(struct tcp_conn *c)
{
	c->ka_sent = 0;
	if (c->ka_idle && c->state == TCP_ESTABLISHED)
		timer_arm(&c->t_misc, c->ka_idle);
}

static void keepalive_fire(struct tcp_conn *c)
{
	if (c->ka_sent >= c->ka_count) {
		tcp_stats.conn_timeouts++;
		tcp_send_rst_conn(c);
		tcp_conn_drop(c, TCP_CLOSE_TIMEOUT);
		return;
	}
	c->ka_sent++;
	tcp_stats.keepalive_probes++;
	tcp_send_seg(c, c->snd_una - 1, 0, TCP_ACK);   /* RFC 1122 §4.2.3.6: SEG.SEQ = SND.NXT-1 */
	timer_arm(&c->t_misc, c->ka_intvl);
}

static void misc_fire(struct timer *t)
{
	struct tcp_conn *c = container_of(t, struct tcp_conn, t_misc);
	tcp_conn_hold(c);
	if (c->state == TCP_TIME_WAIT || (c->state == TCP_FIN_WAIT_2 && c->app_closed))
		tcp_conn_drop(c, TCP_CLOSE_NORMAL);
	else if (c->state == TCP_ESTABLISHED && c->ka_idle)
		keepalive_fire(c);
	tcp_conn_release(c);
}
