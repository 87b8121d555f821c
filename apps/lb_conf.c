/* Load balancer configuration: one lb.* value at a time into struct lb_conf, with exact
 * errors that name the key and the problem ("lb.server: weight must be 0..256").
 * Interface in apps/lb.h: lb_conf_defaults, lb_conf_line, lb_conf_finish, lb_algo_name. */
#include <stdio.h>
#include <string.h>
#include "apps/lb.h"

struct words {
	char buf[LB_LINE_MAX];
	char *w[LB_WORDS_MAX];
	unsigned n;
};

static int fail(char *err, size_t errlen, const char *key, const char *msg, const char *arg)
{
	if (arg)
		snprintf(err, errlen, "%s: %s '%s'", key, msg, arg);
	else
		snprintf(err, errlen, "%s: %s", key, msg);
	return -1;
}

/* Split val on spaces and tabs. -1 when it is too long or has too many words. */
static int split(struct words *ws, const char *key, const char *val, char *err, size_t errlen)
{
	size_t len = strlen(val);
	if (len >= sizeof(ws->buf))
		return fail(err, errlen, key, "value longer than 159 characters", NULL);
	memcpy(ws->buf, val, len + 1);
	ws->n = 0;
	char *p = ws->buf;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			*p++ = 0;
		if (!*p)
			return 0;
		if (ws->n == LB_WORDS_MAX)
			return fail(err, errlen, key, "more than 16 words", NULL);
		ws->w[ws->n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
}

/* Decimal digits only, no sign, at most max. */
static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* "N" (milliseconds, as HAProxy), "Nms", "Ns", "Nm" or "Nh", within [min, max] milliseconds. */
static int parse_ms(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char num[12];
	size_t n = strspn(s, "0123456789");
	uint32_t mult, v;
	if (n == 0 || n >= sizeof(num))
		return -1;
	if (!s[n] || !strcmp(s + n, "ms"))
		mult = 1;
	else if (!strcmp(s + n, "s"))
		mult = 1000;
	else if (!strcmp(s + n, "m"))
		mult = 60000;
	else if (!strcmp(s + n, "h"))
		mult = 3600000;
	else
		return -1;
	memcpy(num, s, n);
	num[n] = 0;
	if (parse_u32(num, max, &v) || (uint64_t)v * mult > max || v * mult < min)
		return -1;
	*out = v * mult;
	return 0;
}

/* Dotted quad, four decimal parts 0..255, host order. */
static int parse_ipv4(const char *s, uint32_t *out)
{
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		char part[4];
		size_t n = strspn(s, "0123456789");
		uint32_t v;
		if (n == 0 || n > 3)
			return -1;
		memcpy(part, s, n);
		part[n] = 0;
		if (parse_u32(part, 255, &v))
			return -1;
		a = a << 8 | v;
		s += n;
		if (i < 3 && *s++ != '.')
			return -1;
	}
	if (*s)
		return -1;
	*out = a;
	return 0;
}

/* "ADDR:PORT" into addr/port; the word is split in place at its last ':'. */
static int parse_addr_port(char *w, const char *key, uint32_t *addr, uint16_t *port,
			   char *err, size_t errlen)
{
	char *colon = strrchr(w, ':');
	uint32_t p;
	if (!colon)
		return fail(err, errlen, key, "expected ADDR:PORT, got", w);
	*colon = 0;
	if (!*w || !strcmp(w, "*"))     /* ":80" and "*:80" are any address, as in HAProxy */
		*addr = 0;
	else if (parse_ipv4(w, addr))
		return fail(err, errlen, key, "bad address", w);
	if (parse_u32(colon + 1, 65535, &p) || p == 0)
		return fail(err, errlen, key, "port must be 1..65535", NULL);
	*port = (uint16_t)p;
	return 0;
}

void lb_conf_defaults(struct lb_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->algo = LB_ROUNDROBIN;
	c->check = LB_CHECK_NONE;
	c->check_expect = 2;
	c->inter_ms = 2000;
	c->timeout_ms = 1000;
	c->rise = 2;
	c->fall = 3;
	c->retries = 2;
	c->connect_timeout_ms = 2000;
}

/* The value of option ws->w[*i] ("weight N"): the next word, or an error naming the option. */
static const char *opt_value(struct words *ws, unsigned *i, const char *key, char *err, size_t errlen)
{
	char msg[48];
	if (*i + 1 >= ws->n) {
		snprintf(msg, sizeof(msg), "%s needs a value", ws->w[*i]);
		fail(err, errlen, key, msg, NULL);
		return NULL;
	}
	return ws->w[++*i];
}

static int conf_frontend(struct lb_conf *c, struct words *ws, char *err, size_t errlen)
{
	const char *key = "lb.frontend", *v;
	uint32_t addr, maxconn = 0;
	uint16_t port;
	if (ws->n == 0)
		return fail(err, errlen, key, "expected ADDR:PORT [maxconn N]", NULL);
	if (parse_addr_port(ws->w[0], key, &addr, &port, err, errlen))
		return -1;
	for (unsigned i = 1; i < ws->n; i++) {
		if (strcmp(ws->w[i], "maxconn"))
			return fail(err, errlen, key, "unknown option", ws->w[i]);
		if (!(v = opt_value(ws, &i, key, err, errlen)))
			return -1;
		if (parse_u32(v, LB_MAXCONN_MAX, &maxconn))
			return fail(err, errlen, key, "maxconn must be 0..1000000", NULL);
	}
	c->fe_addr = addr;
	c->fe_port = port;
	c->fe_maxconn = maxconn;
	return 0;
}

static int conf_balance(struct lb_conf *c, struct words *ws, char *err, size_t errlen)
{
	static const enum lb_algo algos[] = { LB_ROUNDROBIN, LB_STATIC_RR, LB_LEASTCONN, LB_MAGLEV };
	if (ws->n != 1)
		return fail(err, errlen, "lb.balance", "expected one of roundrobin, static-rr, leastconn, maglev", NULL);
	for (unsigned i = 0; i < sizeof(algos) / sizeof(algos[0]); i++) {
		if (!strcmp(ws->w[0], lb_algo_name(algos[i]))) {
			c->algo = algos[i];
			return 0;
		}
	}
	return fail(err, errlen, "lb.balance", "unknown algorithm", ws->w[0]);
}

static bool name_ok(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len >= LB_NAME_LEN)
		return false;
	return strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

/* Options after "NAME ADDR:PORT": weight N, maxconn N. */
static int server_opts(struct lb_server *sv, struct words *ws, char *err, size_t errlen)
{
	const char *key = "lb.server", *v;
	uint32_t n;
	for (unsigned i = 2; i < ws->n; i++) {
		bool weight = !strcmp(ws->w[i], "weight");
		if (!weight && strcmp(ws->w[i], "maxconn"))
			return fail(err, errlen, key, "unknown option", ws->w[i]);
		if (!(v = opt_value(ws, &i, key, err, errlen)))
			return -1;
		if (weight && parse_u32(v, LB_WEIGHT_MAX, &n))
			return fail(err, errlen, key, "weight must be 0..256", NULL);
		if (!weight && parse_u32(v, LB_MAXCONN_MAX, &n))
			return fail(err, errlen, key, "maxconn must be 0..1000000", NULL);
		if (weight)
			sv->weight = (uint16_t)n;
		else
			sv->maxconn = n;
	}
	return 0;
}

static int conf_server(struct lb_conf *c, struct words *ws, char *err, size_t errlen)
{
	const char *key = "lb.server";
	struct lb_server sv;
	if (ws->n < 2)
		return fail(err, errlen, key, "expected NAME ADDR:PORT [weight N] [maxconn N]", NULL);
	if (!name_ok(ws->w[0]))
		return fail(err, errlen, key, "name must be 1..31 characters of A-Z a-z 0-9 . _ -, got", ws->w[0]);
	for (unsigned i = 0; i < c->nserv; i++)
		if (!strcmp(c->srv[i].name, ws->w[0]))
			return fail(err, errlen, key, "duplicate name", ws->w[0]);
	if (c->nserv == LB_MAX_SERVERS)
		return fail(err, errlen, key, "more than 64 servers", NULL);
	memset(&sv, 0, sizeof(sv));
	strcpy(sv.name, ws->w[0]);
	sv.weight = 1;
	if (parse_addr_port(ws->w[1], key, &sv.addr, &sv.port, err, errlen))
		return -1;
	if (sv.addr == 0)
		return fail(err, errlen, key, "address 0.0.0.0 cannot be a server", NULL);
	if (server_opts(&sv, ws, err, errlen))
		return -1;
	lb_health_init(&sv.health, c->rise, c->fall);
	c->srv[c->nserv++] = sv;
	return 0;
}

/* One option of lb.check into t (a copy of the check settings); i advanced past it. */
static int check_opt(struct lb_conf *t, struct words *ws, unsigned *i, char *err, size_t errlen)
{
	const char *key = "lb.check", *o = ws->w[*i], *v;
	uint32_t n;
	if (strcmp(o, "inter") && strcmp(o, "timeout") && strcmp(o, "fall") && strcmp(o, "rise") &&
	    strcmp(o, "expect"))
		return fail(err, errlen, key, "unknown option", o);
	if (!(v = opt_value(ws, i, key, err, errlen)))
		return -1;
	if (!strcmp(o, "inter")) {
		if (parse_ms(v, LB_INTER_MIN_MS, LB_INTER_MAX_MS, &t->inter_ms))
			return fail(err, errlen, key, "inter must be 100ms..3600s", NULL);
	} else if (!strcmp(o, "timeout")) {
		if (parse_ms(v, LB_TIMEOUT_MIN_MS, LB_TIMEOUT_MAX_MS, &t->timeout_ms))
			return fail(err, errlen, key, "timeout must be 10ms..60s", NULL);
	} else if (!strcmp(o, "expect")) {
		if (strcmp(v, "2xx") && strcmp(v, "3xx"))
			return fail(err, errlen, key, "expect must be 2xx or 3xx", NULL);
		if (t->check != LB_CHECK_HTTP)
			return fail(err, errlen, key, "expect needs an http check", NULL);
		t->check_expect = (uint8_t)(v[0] - '0');
	} else {
		bool fall = !strcmp(o, "fall");
		if (parse_u32(v, LB_RISEFALL_MAX, &n) || n == 0)
			return fail(err, errlen, key, fall ? "fall must be 1..100" : "rise must be 1..100", NULL);
		if (fall)
			t->fall = (uint8_t)n;
		else
			t->rise = (uint8_t)n;
	}
	return 0;
}

/* tcp|http PATH|none, then options. Nothing changes in c unless the whole line is valid. */
static int conf_check(struct lb_conf *c, struct words *ws, char *err, size_t errlen)
{
	const char *key = "lb.check";
	struct lb_conf t = *c;
	unsigned i = 1;
	if (ws->n == 0)
		return fail(err, errlen, key, "expected tcp, http PATH or none", NULL);
	if (!strcmp(ws->w[0], "none")) {
		if (ws->n > 1)
			return fail(err, errlen, key, "none takes no options", NULL);
		c->check = LB_CHECK_NONE;
		return 0;
	} else if (!strcmp(ws->w[0], "tcp")) {
		t.check = LB_CHECK_TCP;
	} else if (!strcmp(ws->w[0], "http")) {
		t.check = LB_CHECK_HTTP;
		if (ws->n < 2 || ws->w[1][0] != '/')
			return fail(err, errlen, key, "http needs a PATH starting with /", NULL);
		if (strlen(ws->w[1]) >= sizeof(t.check_path))
			return fail(err, errlen, key, "PATH longer than 95 characters", NULL);
		strcpy(t.check_path, ws->w[1]);
		i = 2;
	} else {
		return fail(err, errlen, key, "expected tcp, http PATH or none, got", ws->w[0]);
	}
	for (; i < ws->n; i++)
		if (check_opt(&t, ws, &i, err, errlen))
			return -1;
	if (t.timeout_ms > t.inter_ms)
		return fail(err, errlen, key, "timeout must not exceed inter", NULL);
	c->check = t.check;
	memcpy(c->check_path, t.check_path, sizeof(c->check_path));
	c->check_expect = t.check_expect;
	c->inter_ms = t.inter_ms;
	c->timeout_ms = t.timeout_ms;
	c->rise = t.rise;
	c->fall = t.fall;
	return 0;
}

int lb_conf_line(struct lb_conf *c, const char *key, const char *val, char *err, size_t errlen)
{
	struct words ws;
	if (split(&ws, key, val, err, errlen))
		return -1;
	if (!strcmp(key, "lb.frontend"))
		return conf_frontend(c, &ws, err, errlen);
	if (!strcmp(key, "lb.balance"))
		return conf_balance(c, &ws, err, errlen);
	if (!strcmp(key, "lb.server"))
		return conf_server(c, &ws, err, errlen);
	if (!strcmp(key, "lb.check"))
		return conf_check(c, &ws, err, errlen);
	if (!strcmp(key, "lb.retries")) {
		if (ws.n != 1 || parse_u32(ws.w[0], LB_RETRIES_MAX, &c->retries))
			return fail(err, errlen, key, "must be 0..16", NULL);
		return 0;
	}
	if (!strcmp(key, "lb.timeout.connect")) {
		if (ws.n != 1 || parse_ms(ws.w[0], LB_TIMEOUT_MIN_MS, LB_TIMEOUT_MAX_MS, &c->connect_timeout_ms))
			return fail(err, errlen, key, "must be 10ms..60s", NULL);
		return 0;
	}
	if (!strcmp(key, "lb.timeout.client") || !strcmp(key, "lb.timeout.server")) {
		bool cli = !strcmp(key, "lb.timeout.client");
		uint32_t *t = cli ? &c->client_timeout_ms : &c->server_timeout_ms;
		if (ws.n != 1 || (strcmp(ws.w[0], "0") &&
				  parse_ms(ws.w[0], LB_TIMEOUT_MIN_MS, LB_IDLE_MAX_MS, t)))
			return fail(err, errlen, key, "must be 0 (none) or 10ms..24h", NULL);
		if (!strcmp(ws.w[0], "0"))
			*t = 0;
		return 0;
	}
	return fail(err, errlen, key, "unknown key", NULL);
}

/* Servers take the check's rise/fall whichever line came first, and start up (HAProxy). */
int lb_conf_finish(struct lb_conf *c, char *err, size_t errlen)
{
	if (c->fe_port == 0)
		return fail(err, errlen, "lb.frontend", "missing", NULL);
	if (c->nserv == 0)
		return fail(err, errlen, "lb.server", "at least one is required", NULL);
	for (unsigned i = 0; i < c->nserv; i++) {
		lb_health_init(&c->srv[i].health, c->rise, c->fall);
		c->srv[i].cur_conns = 0;
		c->srv[i].cur_weight = 0;
	}
	return 0;
}

const char *lb_algo_name(enum lb_algo a)
{
	switch (a) {
	case LB_ROUNDROBIN: return "roundrobin";
	case LB_STATIC_RR:  return "static-rr";
	case LB_LEASTCONN:  return "leastconn";
	case LB_MAGLEV:     return "maglev";
	}
	return "?";
}

bool lb_http_expect_ok(const struct lb_conf *c, int status)
{
	return status >= 100 && status <= 599 && status / 100 == c->check_expect;
}
