/* The load balancer appliance (app=lb): the parts that are plain C and unit-tested on the
 * host — configuration lines, the scheduler (apps/lb_sched.c) and the health-check state
 * machine (apps/lb_health.c). The proxy itself (apps/lb.c) drives them from TCP events.
 * Addresses host order. Limits are named here; reaching one is a counted refusal. */
#ifndef APPS_LB_H
#define APPS_LB_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define LB_MAX_SERVERS   64
#define LB_NAME_LEN      32
#define LB_MAGLEV_M      65537u    /* Maglev table size: a prime well above 100 × LB_MAX_SERVERS */
#define LB_WEIGHT_MAX    256
/* Limits of the configuration lines (lb_conf.c); a value outside is a "must be" error. */
#define LB_LINE_MAX      160       /* a value's bytes, as kernel/config.h CONFIG_VAL_LEN */
#define LB_WORDS_MAX     16        /* words in one value */
#define LB_MAXCONN_MAX   1000000u
#define LB_RISEFALL_MAX  100
#define LB_RETRIES_MAX   16        /* retries < LB_MAX_SERVERS: the exclude mask has room */
#define LB_INTER_MIN_MS  100u
#define LB_INTER_MAX_MS  3600000u
#define LB_TIMEOUT_MIN_MS 10u      /* check timeout and connect timeout */
#define LB_TIMEOUT_MAX_MS 60000u
#define LB_IDLE_MAX_MS   86400000u /* client/server idle timeouts: up to 24 h */
#define LB_HTTP_LINE_MAX 128       /* status line bytes before lb_http_status gives up */

enum lb_algo {
	LB_ROUNDROBIN,   /* "roundrobin": smooth weighted round-robin (equal weights: plain RR) */
	LB_STATIC_RR,    /* "static-rr": a fixed interleaved weighted cycle, rebuilt on change */
	LB_LEASTCONN,    /* "leastconn": fewest current connections per unit of weight, ties RR */
	LB_MAGLEV,       /* "maglev": consistent hash of the client address (Maglev, NSDI '16) */
};

enum lb_check_type { LB_CHECK_NONE, LB_CHECK_TCP, LB_CHECK_HTTP };

struct lb_health {               /* rise/fall counting like HAProxy's */
	uint8_t rise, fall;          /* consecutive results needed to go up / down */
	uint8_t count;               /* consecutive results against the current state */
	bool up;
};

struct lb_server {
	char name[LB_NAME_LEN];
	uint32_t addr;
	uint16_t port;
	uint16_t weight;             /* 1..LB_WEIGHT_MAX; 0 = drained (never picked) */
	uint32_t maxconn;            /* 0 = unlimited */
	uint32_t cur_conns;          /* kept by the proxy; read by leastconn and maxconn */
	struct lb_health health;
	int32_t cur_weight;          /* smooth WRR state */
};

struct lb_conf {
	uint32_t fe_addr;            /* 0 = any local address */
	uint16_t fe_port;
	uint32_t fe_maxconn;         /* 0 = unlimited (still bounded by tcp.max_conns) */
	enum lb_algo algo;
	enum lb_check_type check;
	char check_path[96];         /* HTTP: "GET <path> HTTP/1.0" */
	uint8_t check_expect;        /* HTTP status class accepted: 2 = 2xx (default), 3 = 3xx */
	uint32_t inter_ms, timeout_ms; /* defaults 2000 and 1000 */
	uint8_t rise, fall;          /* defaults 2 and 3 (HAProxy's) */
	uint32_t retries;            /* connect failures retried on another server; default 2 */
	uint32_t connect_timeout_ms; /* default 2000 */
	uint32_t client_timeout_ms;  /* idle client side; 0 = none (the default, as HAProxy) */
	uint32_t server_timeout_ms;  /* idle server side; 0 = none */
	unsigned nserv;
	struct lb_server srv[LB_MAX_SERVERS];
};

/* Parse one configuration value into c (key is "lb.frontend", "lb.balance", "lb.server",
 * "lb.check", "lb.retries", "lb.timeout.connect", "lb.timeout.client", "lb.timeout.server" —
 * see README "Load balancer"). Returns 0, or -1
 * with an exact message in err, e.g. "lb.server: weight must be 0..256". */
void lb_conf_defaults(struct lb_conf *c);
int lb_conf_line(struct lb_conf *c, const char *key, const char *val, char *err, size_t errlen);
/* After all lines: frontend and at least one server present. 0 or -1 with a message. */
int lb_conf_finish(struct lb_conf *c, char *err, size_t errlen);
const char *lb_algo_name(enum lb_algo a);

struct lb_sched {
	struct lb_conf *conf;        /* servers live in conf->srv */
	enum lb_algo algo;
	unsigned rr_next;            /* static-rr / leastconn tie position */
	uint16_t *cycle;             /* static-rr: server indices, sum of weights long */
	unsigned cycle_len;
	uint8_t *maglev;             /* LB_MAGLEV_M entries, server index; 0xff = none up */
};

/* Build the scheduler for conf (allocates the Maglev table / static cycle). 0 or -1. */
int lb_sched_init(struct lb_sched *s, struct lb_conf *conf);
void lb_sched_free(struct lb_sched *s);
/* A server went up/down or changed weight: rebuild tables (Maglev: only up servers with
 * weight > 0 fill the table, so removing one of N remaps about 1/N of keys). */
void lb_sched_rebuild(struct lb_sched *s);
/* Choose a server for a new connection from client_addr: up, weight > 0, below maxconn, and
 * not in the exclude bitmask (servers already tried for this connection). -1 when none.
 * Every algorithm re-checks eligibility at pick time, so a stale table never yields a down
 * server; static-rr passes an ineligible entry's turn to the next entry of the cycle, and
 * Maglev walks on from the client's entry (at most LB_MAGLEV_M entries, only when some
 * server is eligible) so a retry lands on another server. */
int lb_sched_pick(struct lb_sched *s, uint32_t client_addr, uint64_t exclude);

/* Health state machine: start up (HAProxy starts servers up). Record one check result;
 * returns true when the server changed state (up→down after `fall` consecutive failures,
 * down→up after `rise` consecutive successes). */
void lb_health_init(struct lb_health *h, uint8_t rise, uint8_t fall);
bool lb_health_result(struct lb_health *h, bool ok);
/* HTTP check reply: the status code of "HTTP/1.x NNN ..." once the status line is complete;
 * 0 when more bytes are needed, -1 when it is not an HTTP status line. */
int lb_http_status(const char *buf, size_t len);

/* Added by lbs: whether an HTTP check status passes (its class equals conf->check_expect);
 * and whether server i may take a new connection now (up, weight > 0, below maxconn, not
 * in exclude) — the test every algorithm applies. */
bool lb_http_expect_ok(const struct lb_conf *c, int status);
bool lb_sched_eligible(const struct lb_conf *c, unsigned i, uint64_t exclude);

#endif
