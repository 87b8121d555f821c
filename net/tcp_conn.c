/* TCP connection table: a hash on the 4-tuple, bounded by tcp.max_conns, listeners, and the
 * lifetime of a struct tcp_conn (allocation, state changes, tear-down with deferred free while
 * a TCP function still holds it). Also init/reset and the ss-like and netstat-like printers. */
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include "net/tcp_priv.h"

struct tcp_stats tcp_stats;

const char *const tcp_state_names[TCP_NSTATES] = {
	"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECV", "ESTAB", "FIN-WAIT-1", "FIN-WAIT-2",
	"CLOSE-WAIT", "CLOSING", "LAST-ACK", "TIME-WAIT",
};

static struct tcp_conn *hash[TCP_HASH_BUCKETS];
static struct tcp_conn *all_conns;
static struct tcp_listener listeners[TCP_LISTEN_MAX];
static unsigned nconns;
static uint32_t max_conns = TCP_MAX_CONNS_DEFAULT;
static uint32_t msl_ms = TCP_MSL_DEFAULT_MS;
static const struct tcp_cc_ops *default_cc = &tcp_cc_reno;

static uint32_t seed;                   /* from the boot secret, fixed at tcp_init() */

static unsigned bucket(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	/* A cheap seeded mix (every segment pays for it); the table bound caps any chain. */
	uint32_t h = (raddr ^ seed) * 0x9e3779b1u ^ ((uint32_t)rport << 16 | lport) * 0x85ebca6bu ^ laddr;
	h ^= h >> 15;
	h *= 0xc2b2ae35u;
	h ^= h >> 13;
	return h & (TCP_HASH_BUCKETS - 1);
}

struct tcp_conn *tcp_conn_lookup(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	for (struct tcp_conn *c = hash[bucket(laddr, lport, raddr, rport)]; c; c = c->hnext)
		if (c->lport == lport && c->rport == rport && c->raddr == raddr && c->laddr == laddr)
			return c;
	return NULL;
}

/* A zeroed connection in CLOSED, hashed; NULL (counted by the caller) when the table is full. */
struct tcp_conn *tcp_conn_new(uint32_t laddr, uint16_t lport, uint32_t raddr, uint16_t rport)
{
	if (nconns >= max_conns)
		return NULL;
	struct tcp_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->laddr = laddr, c->lport = lport, c->raddr = raddr, c->rport = rport;
	c->rto = TCP_RTO_INIT_NS;
	c->snd_mss = TCP_MSS_DEFAULT;
	c->cc = default_cc;
	c->cb = &c->cb_copy;
	tcp_timers_init(c);
	struct tcp_conn **head = &hash[bucket(laddr, lport, raddr, rport)];
	c->hnext = *head;
	if (*head)
		(*head)->hpprev = &c->hnext;
	*head = c;
	c->hpprev = head;
	c->lnext = all_conns;
	if (all_conns)
		all_conns->lpprev = &c->lnext;
	all_conns = c;
	c->lpprev = &all_conns;
	nconns++;
	return c;
}

static void conn_unlink(struct tcp_conn *c)
{
	if (c->hpprev) {
		*c->hpprev = c->hnext;
		if (c->hnext)
			c->hnext->hpprev = c->hpprev;
		c->hpprev = NULL;
	}
	*c->lpprev = c->lnext;
	if (c->lnext)
		c->lnext->lpprev = c->lpprev;
	nconns--;
}

void tcp_conn_hold(struct tcp_conn *c)
{
	c->busy++;
}

void tcp_conn_release(struct tcp_conn *c)
{
	ASSERT(c->busy > 0);
	if (--c->busy == 0 && c->dead)
		free(c);
}

static bool counts_as_estab(enum tcp_state s)
{
	return s == TCP_ESTABLISHED || s == TCP_CLOSE_WAIT;
}

void tcp_set_state(struct tcp_conn *c, enum tcp_state s)
{
	if (counts_as_estab(c->state) && !counts_as_estab(s))
		tcp_stats.curr_estab--;
	else if (!counts_as_estab(c->state) && counts_as_estab(s))
		tcp_stats.curr_estab++;
	if (c->state == TCP_SYN_RECEIVED && c->listener)
		c->listener->pending--;
	if (s == TCP_SYN_RECEIVED && c->listener)
		c->listener->pending++;
	c->state = s;
}

void tcp_conn_drop(struct tcp_conn *c, int reason)
{
	if (c->dead)
		return;
	enum tcp_state was = c->state;
	tcp_set_state(c, TCP_CLOSED);
	c->listener = NULL;
	tcp_timers_stop(c);
	tcp_sndq_flush(c);
	tcp_ooo_flush(c);
	conn_unlink(c);
	c->dead = true;
	tcp_conn_hold(c);
	if (reason >= 0 && !c->app_closed) {
		if (was == TCP_SYN_SENT && c->connected)
			c->connected(c, reason == TCP_CLOSE_RESET ? TCP_CLOSE_REFUSED : reason, c->cb_arg);
		else if (was != TCP_SYN_RECEIVED && c->cb->closed)
			c->cb->closed(c, reason, c->cb_arg);
	}
	tcp_conn_release(c);
}

void tcp_enter_timewait(struct tcp_conn *c)
{
	tcp_set_state(c, TCP_TIME_WAIT);
	tcp_timewait_start(c);
	tcp_sndq_flush(c);
	if (!c->app_closed) {
		c->app_closed = true;
		if (c->cb->closed)
			c->cb->closed(c, TCP_CLOSE_NORMAL, c->cb_arg);
	}
}

uint32_t tcp_msl_ms(void)
{
	return msl_ms;
}

void tcp_set_msl(uint32_t ms)
{
	msl_ms = ms;
}

static const struct tcp_cc_ops *cc_by_name(const char *name)
{
	if (strcmp(name, tcp_cc_reno.name) == 0)
		return &tcp_cc_reno;
	if (strcmp(name, tcp_cc_cubic.name) == 0)
		return &tcp_cc_cubic;
	return NULL;
}

int tcp_set_default_cc(const char *name)
{
	const struct tcp_cc_ops *cc = cc_by_name(name);
	if (!cc)
		return -1;
	default_cc = cc;
	return 0;
}

int tcp_set_cc(struct tcp_conn *c, const char *name)
{
	const struct tcp_cc_ops *cc = cc_by_name(name);
	if (!cc)
		return -1;
	c->cc = cc;
	cc->init(c);
	return 0;
}

void tcp_set_max_conns(uint32_t n)
{
	max_conns = n;
}

unsigned tcp_conn_count(void)
{
	return nconns;
}

/* ---- listeners ---- */

struct tcp_listener *tcp_listener_lookup(uint32_t addr, uint16_t port)
{
	struct tcp_listener *wild = NULL;
	for (unsigned i = 0; i < TCP_LISTEN_MAX; i++) {
		struct tcp_listener *l = &listeners[i];
		if (!l->used || l->port != port)
			continue;
		if (l->addr == addr)
			return l;
		if (l->addr == 0)
			wild = l;
	}
	return wild;
}

bool tcp_port_in_use(uint16_t port)
{
	for (unsigned i = 0; i < TCP_LISTEN_MAX; i++)
		if (listeners[i].used && listeners[i].port == port)
			return true;
	for (struct tcp_conn *c = all_conns; c; c = c->lnext)
		if (c->lport == port)
			return true;
	return false;
}

struct tcp_listener *tcp_listen(uint32_t addr, uint16_t port, int backlog,
				void (*accept)(struct tcp_conn *c, void *arg), void *arg)
{
	struct tcp_listener *free_slot = NULL;
	for (unsigned i = 0; i < TCP_LISTEN_MAX; i++) {
		struct tcp_listener *l = &listeners[i];
		if (l->used && l->port == port && (l->addr == addr || !l->addr || !addr))
			return NULL;
		if (!l->used && !free_slot)
			free_slot = l;
	}
	if (!free_slot || !accept || port == 0)
		return NULL;
	*free_slot = (struct tcp_listener){ .used = true, .addr = addr, .port = port,
		.backlog = backlog > 0 ? backlog : 1, .accept = accept, .arg = arg };
	return free_slot;
}

void tcp_unlisten(struct tcp_listener *l)
{
	for (struct tcp_conn *c = all_conns; c; c = c->lnext)
		if (c->listener == l) {
			if (c->state == TCP_SYN_RECEIVED)
				l->pending--;
			c->listener = NULL;
		}
	l->used = false;
}

/* ---- init, reset, printing ---- */

void tcp_reset(void)
{
	while (all_conns)                     /* apps hear closed(ABORTED) and free their state */
		tcp_conn_drop(all_conns, TCP_CLOSE_ABORTED);
	memset(hash, 0, sizeof(hash));
	memset(listeners, 0, sizeof(listeners));
	memset(&tcp_stats, 0, sizeof(tcp_stats));
	max_conns = TCP_MAX_CONNS_DEFAULT;
	msl_ms = TCP_MSL_DEFAULT_MS;
	default_cc = &tcp_cc_reno;
	seed = tcp_hash_seed();                 /* the table is empty: safe to change */
	tcp_challenge_reset();
	tcp_cookie_reset();
}

void tcp_init(void)
{
	tcp_reset();
}

static void ip_str(uint32_t a, uint16_t port, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, port);
}

void tcp_conns_print(void)
{
	char l[32], r[32];
	printf("%-11s %6s %6s %-21s %-21s %s\n", "State", "Recv-Q", "Send-Q", "Local Address:Port",
	       "Peer Address:Port", "rto/cwnd");
	for (unsigned i = 0; i < TCP_LISTEN_MAX; i++) {
		if (!listeners[i].used)
			continue;
		ip_str(listeners[i].addr, listeners[i].port, l, sizeof(l));
		printf("%-11s %6d %6d %-21s %-21s\n", "LISTEN", listeners[i].pending,
		       listeners[i].backlog, l, "0.0.0.0:*");
	}
	for (struct tcp_conn *c = all_conns; c; c = c->lnext) {
		ip_str(c->laddr, c->lport, l, sizeof(l));
		ip_str(c->raddr, c->rport, r, sizeof(r));
		printf("%-11s %6u %6u %-21s %-21s %llums/%u\n", tcp_state_names[c->state], c->rcv_held,
		       c->snd_queued, l, r, (unsigned long long)(c->rto / NS_PER_MS), c->cwnd);
	}
}

#define F(f) { #f, offsetof(struct tcp_stats, f) }
static const struct { const char *name; size_t off; } stat_fields[] = {
	F(active_opens), F(passive_opens), F(attempt_fails), F(estab_resets), F(curr_estab),
	F(in_segs), F(out_segs), F(retrans_segs), F(in_errs), F(bad_csum), F(bad_off),
	F(short_seg), F(bad_opt), F(out_rsts), F(no_port), F(rst_no_conn), F(conn_table_full),
	F(listen_overflow), F(bad_listen_seg), F(syn_cookies_sent), F(syn_cookies_ok),
	F(syn_cookies_failed), F(syn_cookies_ahead), F(challenge_acks), F(challenge_limited), F(rst_ignored),
	F(out_of_window), F(ack_too_new), F(ack_too_old), F(no_ack), F(paws_dropped),
	F(ooo_queued), F(ooo_dropped), F(dup_data), F(rcv_after_close), F(data_in_syn),
	F(delayed_acks), F(rto_timeouts), F(conn_timeouts), F(persist_probes), F(fast_retrans),
	F(dup_acks), F(keepalive_probes), F(timewait_reused), F(out_blocked),
	F(out_nobuf),
};
#undef F

static uint64_t stat_value(size_t i)
{
	return *(const uint64_t *)((const char *)&tcp_stats + stat_fields[i].off);
}

void tcp_stats_foreach(void (*fn)(void *arg, const char *section, const char *name, uint64_t value),
		       void *arg)
{
	for (size_t i = 0; i < ARRAY_SIZE(stat_fields); i++)
		fn(arg, "tcp", stat_fields[i].name, stat_value(i));
}

void tcp_stats_print(void)
{
	printf("Tcp:\n");
	for (size_t i = 0; i < ARRAY_SIZE(stat_fields); i++)
		printf("    %-20s %llu\n", stat_fields[i].name, (unsigned long long)stat_value(i));
}
