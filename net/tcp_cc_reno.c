/* Reno congestion control behind struct tcp_cc_ops (RFC 5681 §3.1): slow start with
 * appropriate byte counting (RFC 3465, L = 1 SMSS), congestion avoidance of about one SMSS per
 * RTT, ssthresh = max(FlightSize/2, 2*SMSS) on loss. Fast recovery itself (NewReno, RFC 6582)
 * is in tcp_data.c because it moves sequence numbers, not just cwnd. */
#include "net/tcp_priv.h"

/* RFC 6928 initial window: min(10*MSS, max(2*MSS, 14600)). */
static void reno_init(struct tcp_conn *c)
{
	uint32_t mss = c->snd_mss;
	c->cwnd = MIN(TCP_IW_SEGS * mss, MAX(2 * mss, 14600u));
	c->ssthresh = UINT32_MAX;
	c->cc_priv[0] = 0;
}

static void reno_on_ack(struct tcp_conn *c, uint32_t acked)
{
	if (c->cwnd < c->ssthresh) {
		c->cwnd += MIN(acked, (uint32_t)c->snd_mss);      /* RFC 5681 (2) */
		return;
	}
	c->cc_priv[0] += acked;                                  /* RFC 5681 §3.1 byte counting */
	if (c->cc_priv[0] >= c->cwnd) {
		c->cc_priv[0] -= c->cwnd;
		c->cwnd += c->snd_mss;
	}
}

static void reno_on_loss(struct tcp_conn *c, bool timeout)
{
	uint32_t flight = c->snd_max - c->snd_una;
	c->ssthresh = MAX(flight / 2, 2u * c->snd_mss);          /* RFC 5681 (4) */
	c->cc_priv[0] = 0;
	if (timeout)
		c->cwnd = c->snd_mss;                            /* loss window, RFC 5681 §3.1 */
}

const struct tcp_cc_ops tcp_cc_reno = {
	.name = "reno",
	.init = reno_init,
	.on_ack = reno_on_ack,
	.on_loss = reno_on_loss,
};
