/* CUBIC congestion control (RFC 9438) behind struct tcp_cc_ops: after a loss the window
 * follows W_cubic(t) = C*(t-K)^3 + W_max (C = 0.4, beta = 0.7), concave up to the last
 * maximum then convex beyond it, never below the Reno-friendly estimate (§4.3). Integer
 * arithmetic only (no FPU use in net/): time in ms, windows in bytes.
 * cc_priv: [0] epoch start (ns, 0 = none), [1] W_max, [2] K (ms), [3] W_est. */
#include "net/tcp_priv.h"

#define CUBIC_BETA_X1000   700   /* RFC 9438 §4.6 */
#define CUBIC_ALPHA_X1000  529   /* 3 * (1 - beta) / (1 + beta), §4.3 */
#define CUBIC_MAX_DT_MS    100000

static uint64_t icbrt(uint64_t x)
{
	uint64_t lo = 0, hi = 2642245;           /* 2642245^3 > 2^64 - 1 */
	while (lo < hi) {
		uint64_t mid = (lo + hi + 1) / 2;
		if (mid * mid * mid <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void cubic_init(struct tcp_conn *c)
{
	tcp_cc_reno.init(c);                     /* same initial window and slow start */
	c->cc_priv[0] = c->cc_priv[1] = c->cc_priv[2] = c->cc_priv[3] = 0;
}

/* W_cubic(t) in bytes for t ms after the epoch started (§4.2). */
static int64_t w_cubic(const struct tcp_conn *c, int64_t t_ms)
{
	int64_t d = t_ms - (int64_t)c->cc_priv[2];
	d = MAX(MIN(d, CUBIC_MAX_DT_MS), -CUBIC_MAX_DT_MS);
	int64_t d3 = d * d * d / 1000000;        /* ms^3 / 1e6 */
	return (int64_t)c->cc_priv[1] + 4 * d3 * c->snd_mss / 10000;  /* 0.4 * (d/1000)^3 * MSS */
}

static void epoch_start(struct tcp_conn *c, uint64_t now)
{
	c->cc_priv[0] = now ? now : 1;
	if (c->cwnd < c->cc_priv[1]) {           /* K = cbrt(W_max (1 - beta) / C), §4.2 (2) */
		uint64_t wmax_seg_x = c->cc_priv[1] * 750000000ull / c->snd_mss;
		c->cc_priv[2] = icbrt(wmax_seg_x);
	} else {
		c->cc_priv[1] = c->cwnd;
		c->cc_priv[2] = 0;
	}
	c->cc_priv[3] = c->cwnd;
}

static void cubic_on_ack(struct tcp_conn *c, uint32_t acked)
{
	if (c->cwnd < c->ssthresh) {
		c->cwnd += MIN(acked, (uint32_t)c->snd_mss);   /* slow start as in RFC 5681 */
		return;
	}
	uint64_t now = time_now_ns();
	if (!c->cc_priv[0])
		epoch_start(c, now);
	int64_t t_ms = (int64_t)((now - c->cc_priv[0] + c->srtt) / NS_PER_MS);   /* t + RTT */
	int64_t target = w_cubic(c, t_ms);
	target = MAX(MIN(target, (int64_t)c->cwnd * 3 / 2), (int64_t)c->cwnd);  /* §4.2 clamp */
	c->cc_priv[3] += (uint64_t)CUBIC_ALPHA_X1000 * c->snd_mss * acked / 1000 / c->cwnd;
	if ((int64_t)c->cc_priv[3] > target) {
		c->cwnd = (uint32_t)c->cc_priv[3];  /* Reno-friendly region, §4.3 */
		return;
	}
	c->cwnd += (uint32_t)((target - (int64_t)c->cwnd) * acked / c->cwnd);
}

static void cubic_on_loss(struct tcp_conn *c, bool timeout)
{
	uint32_t w = c->cwnd;
	/* §4.7 fast convergence: give up bandwidth if the last maximum was not reached */
	c->cc_priv[1] = w < c->cc_priv[1] ? (uint64_t)w * (1000 + CUBIC_BETA_X1000) / 2000 : w;
	c->ssthresh = MAX((uint32_t)((uint64_t)w * CUBIC_BETA_X1000 / 1000), 2u * c->snd_mss);
	c->cc_priv[0] = 0;
	if (timeout)
		c->cwnd = c->snd_mss;
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_loss = cubic_on_loss,
};
