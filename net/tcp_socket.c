/* The app API of net/socket.h over the TCB: callbacks, sending into the bounded send queue
 * (copy or zero-copy), shutdown/close/abort, receive-window return, active open. */
#include <string.h>
#include "net/tcp_priv.h"

static uint16_t next_ephemeral = TCP_EPHEMERAL_LO;

/* RFC 6056 §3.3: a boot-random starting point keeps a rebooted box from reusing the ports
 * its previous life left in TIME-WAIT on the same servers (the load balancer's backends). */
void tcp_set_ephemeral_start(uint32_t r)
{
	next_ephemeral = (uint16_t)(TCP_EPHEMERAL_LO + r % (65536u - TCP_EPHEMERAL_LO));
}

void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cb, void *arg)
{
	c->cb_copy = cb ? *cb : (struct tcp_callbacks){ 0 };
	c->cb_arg = arg;
}

static bool can_send(const struct tcp_conn *c)
{
	return (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT ||
		c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) && !c->fin_queued;
}

size_t tcp_send_room(const struct tcp_conn *c)
{
	if (!can_send(c))
		return 0;
	return TCP_SNDBUF - MIN(c->snd_queued, TCP_SNDBUF);
}

/* Sequence number of the next byte the app queues (SYN takes one). */
static uint32_t queue_end(const struct tcp_conn *c)
{
	bool syn_unacked = c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED;
	uint32_t base = syn_unacked ? c->iss + 1 : c->snd_una;
	return base + c->snd_queued;
}

static void sndq_append_nb(struct tcp_conn *c, struct netbuf *nb)
{
	nb->seq = queue_end(c);
	nb->next = NULL;
	if (c->sndq_tail)
		c->sndq_tail->next = nb;
	else
		c->sndq_head = nb;
	c->sndq_tail = nb;
	c->snd_queued += nb->len;
}

ssize_t tcp_send(struct tcp_conn *c, const void *data, size_t len)
{
	if (!can_send(c))
		return -1;
	size_t room = tcp_send_room(c), done = 0, want = len;
	const uint8_t *p = data;
	len = MIN(len, room);
	while (done < len) {
		struct netbuf *t = c->sndq_tail;
		if (t && nb_tailroom(t) > 0) {             /* fill the last buffer first */
			uint32_t n = (uint32_t)MIN(len - done, (size_t)nb_tailroom(t));
			memcpy(nb_put(t, n), p + done, n);
			c->snd_queued += n;
			done += n;
			continue;
		}
		struct netbuf *nb = nb_alloc();
		if (!nb)
			break;                             /* pool empty: report what fitted */
		sndq_append_nb(c, nb);
	}
	if (done < want)
		c->sndbuf_was_full = true;               /* sent() when room comes back */
	if (done)
		tcp_output(c);
	return (ssize_t)done;
}

int tcp_send_nb(struct tcp_conn *c, struct netbuf *nb)
{
	if (!can_send(c) || nb->len > tcp_send_room(c)) {
		c->sndbuf_was_full = true;
		return -1;
	}
	struct netbuf *t = c->sndq_tail;
	if (nb->len == 0 || (t && nb_tailroom(t) >= nb->len)) {
		/* small pieces are copied into the last buffer: the queue's buffer count stays
		 * bounded by bytes, not by how finely the app (or a peer) cut the data */
		if (nb->len) {
			memcpy(nb_put(t, nb->len), nb->data, nb->len);
			c->snd_queued += nb->len;
		}
		nb_free(nb);
		tcp_output(c);
		return 0;
	}
	sndq_append_nb(c, nb);
	tcp_output(c);
	return 0;
}

/* RFC 9293 §3.10.4 CLOSE: FIN after the queued data. */
void tcp_shutdown(struct tcp_conn *c)
{
	if (c->fin_queued || c->dead)
		return;
	switch (c->state) {
	case TCP_SYN_SENT:
		tcp_conn_drop(c, -1);
		return;
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_set_state(c, TCP_FIN_WAIT_1);
		break;
	case TCP_CLOSE_WAIT:
		tcp_set_state(c, TCP_LAST_ACK);
		break;
	default:
		return;
	}
	c->fin_queued = true;
	c->fin_seq = queue_end(c);
	tcp_output(c);
}

void tcp_close(struct tcp_conn *c)
{
	c->app_closed = true;
	if (c->state == TCP_SYN_SENT)
		tcp_conn_drop(c, -1);
	else
		tcp_shutdown(c);
}

void tcp_abort(struct tcp_conn *c)
{
	if (c->dead)
		return;
	c->app_closed = true;
	if (c->state != TCP_SYN_SENT && c->state != TCP_TIME_WAIT)
		tcp_send_rst_conn(c);
	if (c->state == TCP_ESTABLISHED || c->state == TCP_CLOSE_WAIT)
		tcp_stats.estab_resets++;
	tcp_conn_drop(c, -1);
}

void tcp_set_nodelay(struct tcp_conn *c, bool on)
{
	c->nodelay = on;
	if (on)
		tcp_output(c);
}

void tcp_set_manual_window(struct tcp_conn *c, bool on)
{
	c->manual_window = on;
}

/* RFC 9293 §3.8.6.2.2 receiver SWS avoidance: update only when the window grows by
 * min(RCVBUF/2, MSS). */
void tcp_recved(struct tcp_conn *c, size_t n)
{
	c->rcv_held -= (uint32_t)MIN((size_t)c->rcv_held, n);
	if (c->dead || c->state < TCP_ESTABLISHED || c->state == TCP_TIME_WAIT)
		return;
	uint32_t adv = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t now = TCP_RCVBUF - MIN(c->rcv_held, TCP_RCVBUF);
	if (now > adv && now - adv >= MIN(TCP_RCVBUF / 2, (uint32_t)c->rcv_mss))
		tcp_send_ack(c);
}

void tcp_set_keepalive(struct tcp_conn *c, uint32_t idle_ms, uint32_t intvl_ms, unsigned count)
{
	c->ka_idle = (uint64_t)idle_ms * NS_PER_MS;
	c->ka_intvl = (uint64_t)intvl_ms * NS_PER_MS;
	c->ka_count = count;
	if (c->ka_idle)
		tcp_keepalive_reset(c);
	else if (c->state == TCP_ESTABLISHED)
		timer_cancel(&c->t_misc);
}

void tcp_conn_addrs(const struct tcp_conn *c, uint32_t *laddr, uint16_t *lport,
		    uint32_t *raddr, uint16_t *rport)
{
	*laddr = c->laddr, *lport = c->lport, *raddr = c->raddr, *rport = c->rport;
}

void tcp_conn_progress(const struct tcp_conn *c, uint32_t *acked, uint32_t *received)
{
	*acked = c->snd_una, *received = c->rcv_nxt;
}

static uint16_t pick_port(uint32_t src, uint32_t dst, uint16_t dport)
{
	for (unsigned i = 0; i < 65536u - TCP_EPHEMERAL_LO; i++) {
		uint16_t p = next_ephemeral;
		next_ephemeral = (uint16_t)(p == 65535 ? TCP_EPHEMERAL_LO : p + 1u);
		if (!tcp_conn_lookup(src, p, dst, dport) && !tcp_listener_lookup(src, p))
			return p;
	}
	return 0;
}

struct tcp_conn *tcp_connect(uint32_t dst, uint16_t dport, const struct tcp_callbacks *cb,
			     void *arg, void (*connected)(struct tcp_conn *c, int err, void *arg))
{
	uint32_t src = ipv4_select_src(dst);
	uint16_t lport = src ? pick_port(src, dst, dport) : 0;
	if (!lport)
		return NULL;
	struct tcp_conn *c = tcp_conn_new(src, lport, dst, dport);
	if (!c) {
		tcp_stats.conn_table_full++;
		return NULL;
	}
	tcp_set_callbacks(c, cb, arg);
	c->connected = connected;
	c->ws_on = c->ts_on = c->sack_on = true;         /* offered in our SYN */
	c->rcv_wscale = TCP_RCV_WSCALE;
	uint16_t mtu = ipv4_route_mtu(dst);
	c->rcv_mss = (uint16_t)(mtu > 40 + TCP_MSS_MIN ? mtu - 40 : TCP_MSS_MIN);
	c->iss = tcp_isn(src, lport, dst, dport);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss;       /* +1 once the SYN is out */
	tcp_set_state(c, TCP_SYN_SENT);
	tcp_stats.active_opens++;
	c->rtt_timing = true;
	c->rtt_seq = c->iss;
	c->rtt_start = time_now_ns();
	tcp_send_seg(c, c->iss, 0, TCP_SYN);
	c->snd_nxt = c->snd_max = c->iss + 1;
	tcp_rtx_arm(c);
	return c;
}
