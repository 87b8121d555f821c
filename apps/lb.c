/* The load balancer appliance (app=lb): a TCP proxy from lb.frontend to the lb.server pool.
 * Each client connection gets a server from apps/lb_sched.c, is spliced to it both ways
 * zero-copy with backpressure, and is refused with RST when no server can take it. Health
 * checks (TCP or HTTP) feed apps/lb_health.c; "lb stats" and /metrics show HAProxy-shaped counters. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apps/app.h"
#include "apps/lb.h"
#include "kernel/config.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "kernel/timer.h"
#include "net/socket.h"
#include "net/tcp.h"

#define LB_BACKLOG      256
#define LB_FE_NAME      "fe"
#define LB_BE_NAME      "be"
/* Connection pairs: a fixed pool of lb.frontend maxconn, else tcp.max_conns / 2 (each pair
 * holds two TCBs), capped here so the pool stays a small part of guest memory. A client
 * beyond it is refused with RST and counted in fe.refused. */
#define LB_PAIRS_MAX    65536u
/* A peer that vanishes without FIN or RST would pin its pair forever: both connections get
 * TCP keepalive (RFC 1122 §4.2.3.6), so a dead peer ends the pair in about 90 s. */
#define LB_KA_IDLE_MS   60000u
#define LB_KA_INTVL_MS  10000u
#define LB_KA_COUNT     3u

/* One direction's output: netbufs received on the other connection, not yet accepted by
 * this connection's send buffer. Bounded by the other side's receive window, because that
 * window only reopens (tcp_recved) as bytes move from here into the send buffer. */
struct lb_side {
	struct tcp_conn *c;          /* NULL before connect / after closed() */
	struct netbuf *q_head, *q_tail;
	bool fin_rcvd;               /* this connection's peer sent FIN */
	bool shut;                   /* our FIN queued on this connection */
	uint32_t mark_acked, mark_rcvd; /* tcp_conn_progress() at the last idle look */
	uint64_t seen_ns;            /* when those marks last moved */
};

enum lb_pair_state { PAIR_FREE, PAIR_CONNECTING, PAIR_SPLICED };

struct lb_pair {
	enum lb_pair_state state;
	struct lb_side cli, srv;
	int sidx;                    /* server index, -1 while none */
	uint64_t tried;              /* servers that failed for this client (exclude mask) */
	uint32_t tries;              /* retries used */
	uint32_t client_addr;
	struct timer t_conn;         /* connect timeout */
	struct timer t_idle;         /* idle look, every idle_look_ms() */
	struct lb_pair *next_free;
};

struct lb_srv_stats {
	uint64_t stot, bin, bout, econ, eresp, wretr;
	uint64_t idle_timeouts;      /* pairs ended because this server's side went quiet */
	uint64_t chk_total, chk_fail, chk_down;   /* checks run, failed, up->down transitions */
	uint64_t lastchg_ns;
	const char *last_chk;        /* HAProxy's check result text, e.g. "Layer4 timeout" */
	int last_code;               /* HTTP status of the last Layer7 check, 0 when none */
	uint32_t last_dur_ms;
};

struct lb_fe_stats {
	uint64_t scur, stot, bin, bout, refused;  /* refused: pair pool full */
	uint64_t be_refused;         /* no server could take the client (all down/full/failed) */
	uint64_t pool_nb_drop;       /* data for a side that is gone, dropped */
	uint64_t idle_timeouts;      /* pairs ended because the client's side went quiet */
};

/* One health check of one server: at most one probe in flight. */
struct lb_check {
	unsigned idx;
	struct tcp_conn *c;
	struct timer t_inter, t_timeout;
	uint64_t start_ns;
	bool connected;
	size_t len;
	char buf[LB_HTTP_LINE_MAX];
};

static struct lb_conf conf;
static struct lb_sched sched;
static struct lb_pair *pairs, *free_pairs;
static uint32_t npairs;
static struct lb_fe_stats fe;
static struct lb_srv_stats sst[LB_MAX_SERVERS];
static struct lb_check chk[LB_MAX_SERVERS];
static uint64_t start_ns;

static void pair_connect(struct lb_pair *p);

/* ---- pair pool ---- */

static void side_flush_q(struct lb_side *s)
{
	while (s->q_head) {
		struct netbuf *nb = s->q_head;
		s->q_head = nb->next;
		nb_free(nb);
	}
	s->q_tail = NULL;
}

static void pair_release(struct lb_pair *p)
{
	timer_cancel(&p->t_conn);
	timer_cancel(&p->t_idle);
	side_flush_q(&p->cli);
	side_flush_q(&p->srv);
	if (p->sidx >= 0)
		conf.srv[p->sidx].cur_conns--;
	p->sidx = -1;
	p->state = PAIR_FREE;
	fe.scur--;
	p->next_free = free_pairs;
	free_pairs = p;
}

/* Forget both connections: abort whichever is still ours (RST, no callbacks), then free. */
static void pair_abort(struct lb_pair *p)
{
	if (p->cli.c) {
		struct tcp_conn *c = p->cli.c;
		p->cli.c = NULL;
		tcp_abort(c);
	}
	if (p->srv.c) {
		struct tcp_conn *c = p->srv.c;
		p->srv.c = NULL;
		tcp_abort(c);
	}
	pair_release(p);
}

/* ---- splice ---- */

static struct lb_side *other(struct lb_pair *p, struct lb_side *s)
{
	return s == &p->cli ? &p->srv : &p->cli;
}

/* Move held data of `to` into its send buffer: whole netbufs zero-copy when they fit, else
 * the part that fits by copy. Each byte accepted reopens the sender's window (tcp_recved):
 * that is the backpressure. Once the sender's FIN is reached, pass it on (half close).
 * Netbufs: tcp_send_nb() takes one on success; on failure it stays ours and is freed here. */
static void side_flush(struct lb_pair *p, struct lb_side *to)
{
	struct lb_side *from = other(p, to);
	if (p->state != PAIR_SPLICED || !to->c)
		return;
	while (to->q_head) {
		struct netbuf *nb = to->q_head;
		uint32_t n = nb->len;
		if (tcp_send_room(to->c) >= n) {
			to->q_head = nb->next;
			if (!to->q_head)
				to->q_tail = NULL;
			if (tcp_send_nb(to->c, nb) < 0) {
				nb_free(nb);                /* not connected any more: closed() follows */
				fe.pool_nb_drop++;
			}
			if (from->c)
				tcp_recved(from->c, n);
			continue;
		}
		ssize_t k = tcp_send(to->c, nb->data, nb->len);
		if (k > 0) {
			nb_pull(nb, (uint32_t)k);
			if (from->c)
				tcp_recved(from->c, (size_t)k);
		}
		return;                             /* full: resume in sent() */
	}
	if (from->fin_rcvd && !to->shut) {
		to->shut = true;
		tcp_shutdown(to->c);
	}
}

static void count_bytes(struct lb_pair *p, struct lb_side *from, uint32_t n)
{
	if (from == &p->cli) {
		fe.bin += n;
		if (p->sidx >= 0)
			sst[p->sidx].bin += n;
	} else {
		fe.bout += n;
		if (p->sidx >= 0)
			sst[p->sidx].bout += n;
	}
}

/* Takes nb (NULL = FIN). Data is queued on the other side, coalesced into the last held
 * buffer when it fits, so many tiny segments cannot pin many netbufs. */
static void side_recv(struct lb_pair *p, struct lb_side *from, struct netbuf *nb)
{
	struct lb_side *to = other(p, from);
	if (!nb) {
		from->fin_rcvd = true;
	} else if (p->state == PAIR_SPLICED && !to->c) {
		nb_free(nb);                        /* the other side is gone: nowhere to go */
		fe.pool_nb_drop++;
		pair_abort(p);
		return;
	} else {
		count_bytes(p, from, nb->len);
		if (to->q_tail && nb_tailroom(to->q_tail) >= nb->len) {
			memcpy(nb_put(to->q_tail, nb->len), nb->data, nb->len);
			nb_free(nb);
		} else {
			nb->next = NULL;
			if (to->q_tail)
				to->q_tail->next = nb;
			else
				to->q_head = nb;
			to->q_tail = nb;
		}
	}
	side_flush(p, to);
}

/* A connection of the pair is gone. Normal close (both FINs done on it): wait for the other
 * side to finish the same way. Reset or timeout: abort the other side too. */
static void side_closed(struct lb_pair *p, struct lb_side *s, int reason)
{
	struct lb_side *o = other(p, s);
	s->c = NULL;
	if (reason != TCP_CLOSE_NORMAL) {
		if (s == &p->srv && p->sidx >= 0)
			sst[p->sidx].eresp++;
		pair_abort(p);
		return;
	}
	if (!o->c)
		pair_release(p);
	else
		side_flush(p, o);                   /* it may still carry our FIN */
}

/* TCP callbacks: recv() hands us nb (or NULL for FIN); side_recv() keeps or frees it. */
static void cli_recv(struct tcp_conn *c, struct netbuf *nb, void *arg) { side_recv(arg, &((struct lb_pair *)arg)->cli, nb); }
static void srv_recv(struct tcp_conn *c, struct netbuf *nb, void *arg) { side_recv(arg, &((struct lb_pair *)arg)->srv, nb); }
static void cli_sent(struct tcp_conn *c, size_t room, void *arg) { side_flush(arg, &((struct lb_pair *)arg)->cli); }
static void srv_sent(struct tcp_conn *c, size_t room, void *arg) { side_flush(arg, &((struct lb_pair *)arg)->srv); }

static void cli_closed(struct tcp_conn *c, int reason, void *arg)
{
	struct lb_pair *p = arg;
	if (p->state == PAIR_CONNECTING) {      /* client left before a server answered */
		p->cli.c = NULL;
		pair_abort(p);
		return;
	}
	side_closed(p, &p->cli, reason);
}

static void srv_closed(struct tcp_conn *c, int reason, void *arg)
{
	side_closed(arg, &((struct lb_pair *)arg)->srv, reason);
}

static const struct tcp_callbacks cli_cbs = { .recv = cli_recv, .sent = cli_sent, .closed = cli_closed };
static const struct tcp_callbacks srv_cbs = { .recv = srv_recv, .sent = srv_sent, .closed = srv_closed };

/* ---- idle timeouts (lb.timeout.client / lb.timeout.server) ---- */

/* A side is idle while its peer makes no progress: nothing new received from it and nothing
 * new acknowledged by it (a stalled reader counts, as HAProxy's write timeout). Progress is
 * looked at every quarter of the smaller timeout (at least LB_TIMEOUT_MIN_MS), so a side is
 * cut between T and 1.25 T after it went quiet; the pair then ends with RST both ways. */
static uint32_t idle_look_ms(void)
{
	uint32_t a = conf.client_timeout_ms, b = conf.server_timeout_ms;
	uint32_t t = !a ? b : !b ? a : MIN(a, b);
	return MAX(t / 4, LB_TIMEOUT_MIN_MS);
}

static void side_mark(struct lb_side *s, uint64_t now)
{
	tcp_conn_progress(s->c, &s->mark_acked, &s->mark_rcvd);
	s->seen_ns = now;
}

/* Whether s has been quiet for tmo_ms (0 = no timeout); updates its marks when it moved. */
static bool side_idle(struct lb_side *s, uint32_t tmo_ms, uint64_t now)
{
	uint32_t a, r;
	if (!tmo_ms || !s->c)
		return false;
	tcp_conn_progress(s->c, &a, &r);
	if (a != s->mark_acked || r != s->mark_rcvd) {
		s->mark_acked = a, s->mark_rcvd = r, s->seen_ns = now;
		return false;
	}
	return now - s->seen_ns >= (uint64_t)tmo_ms * NS_PER_MS;
}

static void idle_look(struct timer *t)
{
	struct lb_pair *p = container_of(t, struct lb_pair, t_idle);
	uint64_t now = time_now_ns();
	if (p->state == PAIR_FREE)
		return;
	if (side_idle(&p->cli, conf.client_timeout_ms, now)) {
		fe.idle_timeouts++;
		pair_abort(p);
		return;
	}
	if (p->state == PAIR_SPLICED && side_idle(&p->srv, conf.server_timeout_ms, now)) {
		sst[p->sidx].idle_timeouts++;
		pair_abort(p);
		return;
	}
	timer_arm(t, (uint64_t)idle_look_ms() * NS_PER_MS);
}

/* ---- connecting to a server, with retries ---- */

/* The attempt on p->sidx failed (refused, timed out, or no TCB): exclude that server and try
 * another while lb.retries allows; when none is left the client gets a RST. */
static void pair_connect_failed(struct lb_pair *p)
{
	timer_cancel(&p->t_conn);
	sst[p->sidx].econ++;
	conf.srv[p->sidx].cur_conns--;
	p->tried |= 1ull << p->sidx;
	if (p->tries >= conf.retries) {
		p->sidx = -1;
		fe.be_refused++;
		pair_abort(p);
		return;
	}
	sst[p->sidx].wretr++;
	p->tries++;
	p->sidx = -1;
	pair_connect(p);
}

static void srv_connected(struct tcp_conn *c, int err, void *arg)
{
	struct lb_pair *p = arg;
	if (err) {
		p->srv.c = NULL;                    /* c is invalid after a failed connected() */
		pair_connect_failed(p);
		return;
	}
	timer_cancel(&p->t_conn);
	tcp_set_manual_window(c, true);
	tcp_set_nodelay(c, true);
	tcp_set_keepalive(c, LB_KA_IDLE_MS, LB_KA_INTVL_MS, LB_KA_COUNT);
	p->state = PAIR_SPLICED;
	sst[p->sidx].stot++;
	side_mark(&p->srv, time_now_ns());
	side_flush(p, &p->srv);                 /* what the client sent meanwhile, maybe its FIN */
	if (p->state == PAIR_SPLICED)
		side_flush(p, &p->cli);
}

static void conn_timeout(struct timer *t)
{
	struct lb_pair *p = container_of(t, struct lb_pair, t_conn);
	if (p->state != PAIR_CONNECTING || !p->srv.c)
		return;
	struct tcp_conn *c = p->srv.c;
	p->srv.c = NULL;
	tcp_abort(c);                           /* SYN_SENT: dropped without a callback */
	pair_connect_failed(p);
}

static void pair_connect(struct lb_pair *p)
{
	for (;;) {
		int i = lb_sched_pick(&sched, p->client_addr, p->tried);
		if (i < 0) {
			fe.be_refused++;
			pair_abort(p);
			return;
		}
		p->sidx = i;
		conf.srv[i].cur_conns++;
		p->srv.c = tcp_connect(conf.srv[i].addr, conf.srv[i].port, &srv_cbs, p, srv_connected);
		if (p->srv.c) {
			timer_arm(&p->t_conn, (uint64_t)conf.connect_timeout_ms * NS_PER_MS);
			return;
		}
		/* no route or no TCB: the same as a refused connect, without recursion */
		sst[i].econ++;
		conf.srv[i].cur_conns--;
		p->tried |= 1ull << i;
		p->sidx = -1;
		if (p->tries >= conf.retries) {
			fe.be_refused++;
			pair_abort(p);
			return;
		}
		sst[i].wretr++;
		p->tries++;
	}
}

static void lb_accept(struct tcp_conn *c, void *arg)
{
	struct lb_pair *p = free_pairs;
	if (!p) {
		fe.refused++;                       /* named limit: the pair pool (LB_PAIRS_MAX) */
		tcp_abort(c);
		return;
	}
	free_pairs = p->next_free;
	memset(&p->cli, 0, sizeof(p->cli));
	memset(&p->srv, 0, sizeof(p->srv));
	p->state = PAIR_CONNECTING;
	p->sidx = -1;
	p->tried = 0;
	p->tries = 0;
	p->cli.c = c;
	fe.scur++;
	fe.stot++;
	uint32_t la, ra;
	uint16_t lp, rp;
	tcp_conn_addrs(c, &la, &lp, &ra, &rp);
	p->client_addr = ra;
	tcp_set_callbacks(c, &cli_cbs, p);
	tcp_set_manual_window(c, true);         /* nothing is acknowledged to the app before a server takes it */
	tcp_set_nodelay(c, true);
	tcp_set_keepalive(c, LB_KA_IDLE_MS, LB_KA_INTVL_MS, LB_KA_COUNT);
	if (conf.client_timeout_ms || conf.server_timeout_ms) {
		side_mark(&p->cli, time_now_ns());
		timer_arm(&p->t_idle, (uint64_t)idle_look_ms() * NS_PER_MS);
	}
	pair_connect(p);
}

/* ---- health checks ---- */

static unsigned servers_up(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < conf.nserv; i++)
		n += conf.srv[i].health.up;
	return n;
}

/* One probe's outcome. Logs a state change the way HAProxy does and rebuilds the scheduler. */
static void check_done(struct lb_check *k, bool ok, const char *what, int code)
{
	struct lb_srv_stats *st = &sst[k->idx];
	struct lb_server *sv = &conf.srv[k->idx];
	timer_cancel(&k->t_timeout);
	if (k->c) {
		struct tcp_conn *c = k->c;
		k->c = NULL;
		if (k->connected && ok)
			tcp_close(c);               /* graceful; later bytes are answered by RST */
		else
			tcp_abort(c);
	}
	uint64_t dur = (time_now_ns() - k->start_ns) / NS_PER_MS;
	st->chk_total++;
	st->chk_fail += !ok;
	st->last_chk = what;
	st->last_code = code;
	st->last_dur_ms = (uint32_t)dur;
	if (!lb_health_result(&sv->health, ok))
		return;
	st->lastchg_ns = time_now_ns();
	if (!sv->health.up)
		st->chk_down++;
	lb_sched_rebuild(&sched);
	if (code)
		log_warn("Server %s/%s is %s, reason: %s, code: %d, check duration: %llums. %u active servers left.",
			 LB_BE_NAME, sv->name, sv->health.up ? "UP" : "DOWN", what, code,
			 (unsigned long long)dur, servers_up());
	else
		log_warn("Server %s/%s is %s, reason: %s, check duration: %llums. %u active servers left.",
			 LB_BE_NAME, sv->name, sv->health.up ? "UP" : "DOWN", what,
			 (unsigned long long)dur, servers_up());
	if (servers_up() == 0)
		log_err("backend %s has no server available!", LB_BE_NAME);
}

/* Takes nb: its bytes are copied into the status-line buffer and nb is freed. A reply longer
 * than LB_HTTP_LINE_MAX without a whole status line is an invalid response. */
static void chk_recv(struct tcp_conn *c, struct netbuf *nb, void *arg)
{
	struct lb_check *k = arg;
	if (!nb) {                              /* FIN before a whole status line */
		check_done(k, false, "Layer7 invalid response", 0);
		return;
	}
	size_t n = MIN((size_t)nb->len, sizeof(k->buf) - k->len);
	memcpy(k->buf + k->len, nb->data, n);
	k->len += n;
	nb_free(nb);
	int status = lb_http_status(k->buf, k->len);
	if (status > 0)
		check_done(k, lb_http_expect_ok(&conf, status),
			   lb_http_expect_ok(&conf, status) ? "Layer7 check passed" : "Layer7 wrong status",
			   status);
	else if (status < 0 || k->len == sizeof(k->buf))
		check_done(k, false, "Layer7 invalid response", 0);
}

static void chk_closed(struct tcp_conn *c, int reason, void *arg)
{
	struct lb_check *k = arg;
	k->c = NULL;
	check_done(k, false, reason == TCP_CLOSE_TIMEOUT ? "Layer4 timeout" : "Layer4 connection problem", 0);
}

static const struct tcp_callbacks chk_cbs = { .recv = chk_recv, .closed = chk_closed };

static void chk_connected(struct tcp_conn *c, int err, void *arg)
{
	struct lb_check *k = arg;
	if (err) {
		k->c = NULL;
		check_done(k, false, err == TCP_CLOSE_TIMEOUT ? "Layer4 timeout" : "Layer4 connection problem", 0);
		return;
	}
	k->connected = true;
	if (conf.check == LB_CHECK_TCP) {
		check_done(k, true, "Layer4 check passed", 0);
		return;
	}
	char req[LB_LINE_MAX + 64];
	struct lb_server *sv = &conf.srv[k->idx];
	int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %u.%u.%u.%u\r\n\r\n",
			 conf.check_path, sv->addr >> 24, (sv->addr >> 16) & 0xff,
			 (sv->addr >> 8) & 0xff, sv->addr & 0xff);
	if (n < 0 || (size_t)n >= sizeof(req) || tcp_send(c, req, (size_t)n) != n)
		check_done(k, false, "Layer7 invalid response", 0);   /* cannot happen: room is 64 KiB */
}

static void chk_timeout(struct timer *t)
{
	struct lb_check *k = container_of(t, struct lb_check, t_timeout);
	if (k->c)
		check_done(k, false, k->connected ? "Layer7 timeout" : "Layer4 timeout", 0);
}

static void chk_start(struct timer *t)
{
	struct lb_check *k = container_of(t, struct lb_check, t_inter);
	struct lb_server *sv = &conf.srv[k->idx];
	if (k->c)
		return;                             /* the last probe is still running */
	k->connected = false;
	k->len = 0;
	k->start_ns = time_now_ns();
	k->c = tcp_connect(sv->addr, sv->port, &chk_cbs, k, chk_connected);
	if (!k->c) {
		check_done(k, false, "Layer4 connection problem", 0);
		return;
	}
	uint32_t to = MIN(conf.timeout_ms, conf.inter_ms);
	timer_arm(&k->t_timeout, (uint64_t)to * NS_PER_MS);
}

static void checks_start(void)
{
	if (conf.check == LB_CHECK_NONE)
		return;
	for (unsigned i = 0; i < conf.nserv; i++) {
		struct lb_check *k = &chk[i];
		k->idx = i;
		timer_init(&k->t_inter, chk_start);
		timer_init(&k->t_timeout, chk_timeout);
		timer_arm_periodic(&k->t_inter, (uint64_t)conf.inter_ms * NS_PER_MS);
	}
}

/* ---- stats: console and Prometheus ---- */

static const char *srv_status(unsigned i)
{
	if (conf.check != LB_CHECK_NONE && !conf.srv[i].health.up)
		return "DOWN";
	if (conf.srv[i].weight == 0)
		return "DRAIN";                     /* HAProxy's word for weight 0: up, never picked */
	return conf.check == LB_CHECK_NONE ? "no-check" : "UP";
}

static uint64_t secs_since(uint64_t ns)
{
	return (time_now_ns() - ns) / NS_PER_S;
}

/* Columns after pxname/svname/status/weight, in HAProxy's order and names. */
enum { C_SCUR, C_STOT, C_BIN, C_BOUT, C_ECON, C_ERESP, C_WRETR, C_CHKFAIL, C_LASTCHG, C_REFUSED, C_N };

static void row_print(const char *px, const char *sv, const char *status, unsigned weight,
		      const uint64_t v[C_N], const char *check)
{
	printf("%-6s %-10s %-9s %6u %6llu %8llu %12llu %12llu %6llu %6llu %6llu %7llu %7llu %8llu %s\n",
	       px, sv, status, weight, (unsigned long long)v[C_SCUR], (unsigned long long)v[C_STOT],
	       (unsigned long long)v[C_BIN], (unsigned long long)v[C_BOUT],
	       (unsigned long long)v[C_ECON], (unsigned long long)v[C_ERESP],
	       (unsigned long long)v[C_WRETR], (unsigned long long)v[C_CHKFAIL],
	       (unsigned long long)v[C_LASTCHG], (unsigned long long)v[C_REFUSED], check);
}

/* The last check as HAProxy's stats page words it: "Layer7 wrong status 503 in 1ms". */
static void check_text(const struct lb_srv_stats *st, char *buf, size_t len)
{
	if (st->last_chk && st->last_code)
		snprintf(buf, len, "%s %d in %ums", st->last_chk, st->last_code, st->last_dur_ms);
	else if (st->last_chk)
		snprintf(buf, len, "%s in %ums", st->last_chk, st->last_dur_ms);
	else
		snprintf(buf, len, "-");
}

/* "lb stats": FRONTEND, one line per server, BACKEND (sums over the servers; its weight is
 * the sum of the up servers' weights, its refused the clients no server could take). */
static void stats_print(void)
{
	uint64_t tot[C_N] = { 0 };
	unsigned wsum = 0;
	char chk[64];
	printf("%-6s %-10s %-9s %6s %6s %8s %12s %12s %6s %6s %6s %7s %7s %8s %s\n",
	       "pxname", "svname", "status", "weight", "scur", "stot", "bin", "bout",
	       "econ", "eresp", "wretr", "chkfail", "lastchg", "refused", "check");
	uint64_t f[C_N] = { [C_SCUR] = fe.scur, [C_STOT] = fe.stot, [C_BIN] = fe.bin,
			    [C_BOUT] = fe.bout, [C_LASTCHG] = secs_since(start_ns), [C_REFUSED] = fe.refused };
	row_print(LB_FE_NAME, "FRONTEND", "OPEN", 0, f, "-");
	for (unsigned i = 0; i < conf.nserv; i++) {
		const struct lb_server *sv = &conf.srv[i];
		const struct lb_srv_stats *st = &sst[i];
		uint64_t v[C_N] = { sv->cur_conns, st->stot, st->bin, st->bout, st->econ, st->eresp,
				    st->wretr, st->chk_fail,
				    secs_since(st->lastchg_ns ? st->lastchg_ns : start_ns), 0 };
		check_text(st, chk, sizeof(chk));
		row_print(LB_BE_NAME, sv->name, srv_status(i), sv->weight, v, chk);
		for (int j = 0; j < C_LASTCHG; j++)
			tot[j] += v[j];
		if (sv->health.up)
			wsum += sv->weight;
	}
	tot[C_LASTCHG] = secs_since(start_ns);
	tot[C_REFUSED] = fe.be_refused;
	row_print(LB_BE_NAME, "BACKEND", servers_up() ? "UP" : "DOWN", wsum, tot, lb_algo_name(conf.algo));
	uint64_t srv_idle = 0;
	for (unsigned i = 0; i < conf.nserv; i++)
		srv_idle += sst[i].idle_timeouts;
	printf("pairs %u (in use %llu), data dropped for a closed side %llu, "
	       "idle timeouts client %llu server %llu\n", (unsigned)npairs,
	       (unsigned long long)fe.scur, (unsigned long long)fe.pool_nb_drop,
	       (unsigned long long)fe.idle_timeouts, (unsigned long long)srv_idle);
}

static int lb_shell(int argc, char **argv)
{
	if (strcmp(argv[0], "lb"))
		return 1;
	if (argc == 2 && !strcmp(argv[1], "stats")) {
		stats_print();
		return 0;
	}
	printf("usage: lb stats\n");
	return -1;
}

/* snprintf-like appender: keeps counting the needed length once buf is full. */
struct mbuf { char *b; size_t cap, n; };

__attribute__((format(printf, 2, 3)))
static void mput(struct mbuf *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(m->n < m->cap ? m->b + m->n : NULL, m->n < m->cap ? m->cap - m->n : 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		m->n += (size_t)k;
}

static void metric_srv(struct mbuf *m, const char *name, const char *type, int which)
{
	mput(m, "# TYPE haproxy_server_%s %s\n", name, type);
	for (unsigned i = 0; i < conf.nserv; i++) {
		struct lb_server *sv = &conf.srv[i];
		struct lb_srv_stats *st = &sst[i];
		uint64_t v[] = { sv->cur_conns, st->stot, st->bin, st->bout, st->econ, st->eresp,
				 st->wretr, sv->health.up, sv->weight, st->chk_fail, st->chk_down,
				 st->chk_total, st->idle_timeouts };
		mput(m, "haproxy_server_%s{proxy=\"%s\",server=\"%s\"} %llu\n", name, LB_BE_NAME,
		     sv->name, (unsigned long long)v[which]);
	}
}

static size_t lb_metrics(char *buf, size_t cap)
{
	struct mbuf m = { buf, cap, 0 };
	if (cap)
		buf[0] = 0;
	static const struct { const char *name, *type; } sm[] = {
		{ "current_sessions", "gauge" }, { "sessions_total", "counter" },
		{ "bytes_in_total", "counter" }, { "bytes_out_total", "counter" },
		{ "connection_errors_total", "counter" }, { "response_errors_total", "counter" },
		{ "retry_warnings_total", "counter" }, { "up", "gauge" }, { "weight", "gauge" },
		{ "check_failures_total", "counter" }, { "check_up_down_total", "counter" },
		{ "checks_total", "counter" }, { "idle_timeouts_total", "counter" },
	};
	const char *fl = "{proxy=\"" LB_FE_NAME "\"}";
	mput(&m, "# TYPE haproxy_frontend_current_sessions gauge\nhaproxy_frontend_current_sessions%s %llu\n", fl, (unsigned long long)fe.scur);
	mput(&m, "# TYPE haproxy_frontend_limit_sessions gauge\nhaproxy_frontend_limit_sessions%s %u\n", fl, (unsigned)npairs);
	mput(&m, "# TYPE haproxy_frontend_sessions_total counter\nhaproxy_frontend_sessions_total%s %llu\n", fl, (unsigned long long)fe.stot);
	mput(&m, "# TYPE haproxy_frontend_bytes_in_total counter\nhaproxy_frontend_bytes_in_total%s %llu\n", fl, (unsigned long long)fe.bin);
	mput(&m, "# TYPE haproxy_frontend_bytes_out_total counter\nhaproxy_frontend_bytes_out_total%s %llu\n", fl, (unsigned long long)fe.bout);
	mput(&m, "# TYPE haproxy_frontend_denied_connections_total counter\nhaproxy_frontend_denied_connections_total%s %llu\n", fl, (unsigned long long)fe.refused);
	mput(&m, "# TYPE haproxy_frontend_idle_timeouts_total counter\nhaproxy_frontend_idle_timeouts_total%s %llu\n", fl, (unsigned long long)fe.idle_timeouts);
	mput(&m, "# TYPE haproxy_backend_active_servers gauge\nhaproxy_backend_active_servers{proxy=\"%s\"} %u\n", LB_BE_NAME, servers_up());
	mput(&m, "# TYPE haproxy_backend_up gauge\nhaproxy_backend_up{proxy=\"%s\"} %u\n", LB_BE_NAME, servers_up() ? 1u : 0u);
	mput(&m, "# TYPE haproxy_backend_refused_total counter\nhaproxy_backend_refused_total{proxy=\"%s\"} %llu\n", LB_BE_NAME, (unsigned long long)fe.be_refused);
	for (unsigned j = 0; j < ARRAY_SIZE(sm); j++)
		metric_srv(&m, sm[j].name, sm[j].type, (int)j);
	return m.n;
}

/* ---- start ---- */

static int load_conf(const struct config *cfg)
{
	static const char *const keys[] = { "lb.frontend", "lb.balance", "lb.check", "lb.retries",
					    "lb.timeout.connect", "lb.timeout.client",
					    "lb.timeout.server" };
	char err[128];
	const char *v;
	lb_conf_defaults(&conf);
	for (unsigned k = 0; k < ARRAY_SIZE(keys); k++)
		if ((v = config_get(cfg, keys[k])) && lb_conf_line(&conf, keys[k], v, err, sizeof(err)) < 0)
			goto bad;
	unsigned pos = 0;
	while ((v = config_next(cfg, "lb.server", &pos)))
		if (lb_conf_line(&conf, "lb.server", v, err, sizeof(err)) < 0)
			goto bad;
	if (lb_conf_finish(&conf, err, sizeof(err)) < 0)
		goto bad;
	return 0;
bad:
	log_err("lb: %s", err);
	return -1;
}

static int lb_start(const struct config *cfg)
{
	char err[96];
	uint32_t max_conns;
	if (load_conf(cfg) < 0)
		return -1;
	if (config_get_uint(cfg, "tcp.max_conns", TCP_MAX_CONNS_DEFAULT, 1, 1000000, &max_conns, err, sizeof(err)) < 0) {
		log_err("lb: %s", err);
		return -1;
	}
	npairs = conf.fe_maxconn ? conf.fe_maxconn : max_conns / 2;
	npairs = MIN(MAX(npairs, 1u), LB_PAIRS_MAX);
	if (!(pairs = calloc(npairs, sizeof(*pairs)))) {
		log_err("lb: no memory for %u connection pairs", (unsigned)npairs);
		return -1;
	}
	for (uint32_t i = npairs; i-- > 0;) {
		timer_init(&pairs[i].t_conn, conn_timeout);
		timer_init(&pairs[i].t_idle, idle_look);
		pairs[i].sidx = -1;
		pairs[i].next_free = free_pairs;
		free_pairs = &pairs[i];
	}
	if (lb_sched_init(&sched, &conf) < 0) {
		log_err("lb: no memory for the %s scheduler", lb_algo_name(conf.algo));
		return -1;
	}
	if (!tcp_listen(conf.fe_addr, conf.fe_port, LB_BACKLOG, lb_accept, NULL)) {
		log_err("lb: cannot listen on tcp port %u", conf.fe_port);
		return -1;
	}
	start_ns = time_now_ns();
	checks_start();
	log_info("lb: frontend port %u, %u servers, balance %s, check %s, %u connection pairs",
		 conf.fe_port, conf.nserv, lb_algo_name(conf.algo),
		 conf.check == LB_CHECK_HTTP ? "http" : conf.check == LB_CHECK_TCP ? "tcp" : "none",
		 (unsigned)npairs);
	log_info("lb: idle timeouts client %u ms, server %u ms (0: none), connect %u ms",
		 (unsigned)conf.client_timeout_ms, (unsigned)conf.server_timeout_ms,
		 (unsigned)conf.connect_timeout_ms);
	return 0;
}

const struct app app_lb = { .name = "lb", .start = lb_start, .shell = lb_shell, .metrics = lb_metrics };
