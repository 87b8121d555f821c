/* iptables rule syntax → precompiled struct nf_rule: the word splitter (with "..." quoting as
 * iptables-save writes comments), every match and target option we support, and their
 * value parsers. Errors are one short sentence in why; the caller adds "NAME:LINE: ". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/nf_rule.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"
#include "net/tcp_proto.h"

#define FAIL(...) do { snprintf(why, wl, __VA_ARGS__); return -1; } while (0)

/* Split one line into words in buf (NF_LINE_MAX + 1 bytes). "a b" is one word; inside
 * quotes \" and \\ stand for " and \. Returns 0 or -1 (why says). */
int nf_split(const char *s, size_t n, char *buf, char **w, unsigned *nw, char *why, unsigned wl)
{
	size_t i = 0, o = 0;
	*nw = 0;
	if (n > NF_LINE_MAX)
		FAIL("line longer than %u bytes", NF_LINE_MAX);
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			break;
		if (*nw == NF_LINE_WORDS)
			FAIL("more than %u words in a line", NF_LINE_WORDS);
		w[(*nw)++] = buf + o;
		bool q = false;
		for (; i < n && (q || (s[i] != ' ' && s[i] != '\t')); i++) {
			char c = s[i];
			if (c == '\0')
				FAIL("NUL byte in a rule");
			if (c == '"') {
				q = !q;
				continue;
			}
			if (q && c == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\\'))
				c = s[++i];
			buf[o++] = c;
		}
		if (q)
			FAIL("unterminated quote");
		buf[o++] = '\0';
	}
	return 0;
}

static bool parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	uint64_t n = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > max)
			return false;
	}
	*v = (uint32_t)n;
	return true;
}

/* Dotted quad of exactly n bytes at s. */
static bool parse_addr(const char *s, size_t n, uint32_t *a)
{
	uint32_t v = 0, part = 0;
	unsigned dots = 0, digits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (!digits || ++dots > 3)
				return false;
			v = v << 8 | part;
			part = digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			part = part * 10 + (uint32_t)(s[i] - '0');
			digits++;
			if (part > 255)
				return false;
		} else {
			return false;
		}
	}
	if (dots != 3 || !digits)
		return false;
	*a = v << 8 | part;
	return true;
}

static int parse_cidr(const char *s, uint32_t *a, uint32_t *mask, char *why, unsigned wl)
{
	const char *sl = strchr(s, '/');
	uint32_t len = 32;
	if (!parse_addr(s, sl ? (size_t)(sl - s) : strlen(s), a) || (sl && !parse_u32(sl + 1, 32, &len)))
		FAIL("bad CIDR '%s'", s);
	*mask = len ? ~0u << (32 - len) : 0;
	*a &= *mask;                    /* as iptables: host bits of a network are ignored */
	return 0;
}

static bool parse_port(const char *s, size_t n, uint16_t *p)
{
	char tmp[8];
	uint32_t v;
	if (n == 0 || n >= sizeof(tmp))
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!parse_u32(tmp, 65535, &v))
		return false;
	*p = (uint16_t)v;
	return true;
}

/* N, N:M, :M, N: (sep ':'), or N-M (sep '-', NAT ranges). */
static bool parse_range(const char *s, char sep, uint16_t r[2])
{
	const char *c = strchr(s, sep);
	size_t n = strlen(s);
	if (!c)
		return parse_port(s, n, &r[0]) && (r[1] = r[0], true);
	r[0] = 0;
	r[1] = 65535;
	if (c > s && !parse_port(s, (size_t)(c - s), &r[0]))
		return false;
	if (c[1] && !parse_port(c + 1, strlen(c + 1), &r[1]))
		return false;
	return (c > s || c[1]) && r[0] <= r[1];
}

static int parse_iface(const char *s, char *name, uint8_t *len, bool *wild, char *why, unsigned wl)
{
	size_t n = strlen(s);
	if (n == 0 || n > NF_IFNAME_MAX)
		FAIL("bad interface '%s'", s);
	memcpy(name, s, n + 1);
	*wild = s[n - 1] == '+';
	*len = (uint8_t)(*wild ? n - 1 : n + 1);   /* exact names compare the NUL too */
	return 0;
}

static int parse_proto(const char *s, uint8_t *p, char *why, unsigned wl)
{
	static const struct { const char *n; uint8_t v; } names[] = {
		{ "all", 0 }, { "tcp", IP_PROTO_TCP }, { "udp", IP_PROTO_UDP }, { "icmp", IP_PROTO_ICMP },
	};
	uint32_t v;
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i].n))
			return *p = names[i].v, 0;
	if (!parse_u32(s, 255, &v))
		FAIL("bad protocol '%s'", s);
	*p = (uint8_t)v;
	return 0;
}

/* "N/unit" → rate per unit seconds. iptables allows at most 10000/s (cost >= 100 us). */
static int parse_rate(const char *s, uint32_t *rate, uint32_t *unit, char *why, unsigned wl)
{
	static const struct { const char *n; uint32_t s; } units[] = {
		{ "second", 1 }, { "sec", 1 }, { "s", 1 }, { "minute", 60 }, { "min", 60 }, { "m", 60 },
		{ "hour", 3600 }, { "h", 3600 }, { "day", 86400 }, { "d", 86400 },
	};
	const char *sl = strchr(s, '/');
	char num[12];
	if (!sl || sl == s || (size_t)(sl - s) >= sizeof(num))
		FAIL("bad rate '%s'", s);
	memcpy(num, s, (size_t)(sl - s));
	num[sl - s] = '\0';
	for (unsigned i = 0; i < ARRAY_SIZE(units); i++)
		if (!strcmp(sl + 1, units[i].n) && parse_u32(num, 10000u * units[i].s, rate) && *rate)
			return *unit = units[i].s, 0;
	FAIL("bad rate '%s'", s);
}

static int parse_flags(const char *s, uint8_t *f, char *why, unsigned wl)
{
	static const struct { const char *n; uint8_t v; } names[] = {
		{ "FIN", TCP_FIN }, { "SYN", TCP_SYN }, { "RST", TCP_RST }, { "PSH", TCP_PSH },
		{ "ACK", TCP_ACK }, { "URG", TCP_URG }, { "ALL", 0x3f }, { "NONE", 0 },
	};
	*f = 0;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, ",");
		unsigned i;
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (strlen(names[i].n) == n && !memcmp(p, names[i].n, n))
				break;
		if (i == ARRAY_SIZE(names))
			FAIL("bad tcp flag in '%s'", s);
		*f |= names[i].v;
		p += n + (p[n] == ',');
	}
	return 0;
}

static int parse_states(const char *s, uint8_t *st, char *why, unsigned wl)
{
	static const struct { const char *n; uint8_t v; } names[] = {
		{ "NEW", NF_CT_NEW }, { "ESTABLISHED", NF_CT_ESTABLISHED }, { "RELATED", NF_CT_RELATED },
		{ "INVALID", NF_CT_INVALID }, { "UNTRACKED", NF_CT_UNTRACKED },
	};
	*st = 0;
	for (const char *p = s; *p;) {
		size_t n = strcspn(p, ",");
		unsigned i;
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (strlen(names[i].n) == n && !memcmp(p, names[i].n, n))
				break;
		if (i == ARRAY_SIZE(names))
			FAIL("bad state in '%s'", s);
		*st |= names[i].v;
		p += n + (p[n] == ',');
	}
	if (!*st)
		FAIL("bad state in '%s'", s);
	return 0;
}

/* RFC 792 type names as iptables spells them; code range lo..hi (0..255 = any code). */
static int parse_icmp(const char *s, struct nf_rule *r, char *why, unsigned wl)
{
	static const struct { const char *n; uint8_t type, code; } names[] = {
		{ "any", 255, 0xff }, { "echo-reply", 0, 0xff }, { "pong", 0, 0xff },
		{ "destination-unreachable", 3, 0xff }, { "network-unreachable", 3, 0 },
		{ "host-unreachable", 3, 1 }, { "protocol-unreachable", 3, 2 },
		{ "port-unreachable", 3, 3 }, { "fragmentation-needed", 3, 4 },
		{ "source-quench", 4, 0xff }, { "redirect", 5, 0xff }, { "echo-request", 8, 0xff },
		{ "ping", 8, 0xff }, { "time-exceeded", 11, 0xff }, { "ttl-exceeded", 11, 0 },
		{ "parameter-problem", 12, 0xff }, { "timestamp-request", 13, 0xff },
		{ "timestamp-reply", 14, 0xff },
	};
	uint32_t t, c = 0;
	r->icmp_code_lo = 0;
	r->icmp_code_hi = 0xff;
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i].n)) {
			r->icmp_type = names[i].type;
			if (names[i].code != 0xff)
				r->icmp_code_lo = r->icmp_code_hi = names[i].code;
			return 0;
		}
	char tmp[8];
	size_t n = strcspn(s, "/");
	if (n == 0 || n >= sizeof(tmp))
		FAIL("bad icmp type '%s'", s);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (!parse_u32(tmp, 254, &t) || (s[n] && !parse_u32(s + n + 1, 255, &c)))
		FAIL("bad icmp type '%s'", s);
	r->icmp_type = (uint8_t)t;
	if (s[n])
		r->icmp_code_lo = r->icmp_code_hi = (uint8_t)c;
	return 0;
}

static int parse_mports(const char *s, struct nf_rule *r, char *why, unsigned wl)
{
	char tmp[16];
	r->nports = 0;
	for (const char *p = s;;) {
		size_t n = strcspn(p, ",");
		if (r->nports == NF_MULTIPORT_MAX)
			FAIL("more than %u ports in '%s'", NF_MULTIPORT_MAX, s);
		if (n == 0 || n >= sizeof(tmp))
			FAIL("bad port '%s'", s);
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		if (!parse_range(tmp, ':', r->ports[r->nports++]))
			FAIL("bad port '%s'", tmp);
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

/* A[-B][:p[-q]] (SNAT/DNAT) */
static int parse_nat_to(const char *s, struct nf_rule *r, char *why, unsigned wl)
{
	const char *colon = strchr(s, ':');
	size_t an = colon ? (size_t)(colon - s) : strlen(s);
	const char *dash = memchr(s, '-', an);
	struct nat_range *nr = &r->t.nat;
	if (!parse_addr(s, dash ? (size_t)(dash - s) : an, &nr->addr_min))
		FAIL("bad address '%s'", s);
	nr->addr_max = nr->addr_min;
	if (dash && (!parse_addr(dash + 1, an - (size_t)(dash + 1 - s), &nr->addr_max) ||
		     nr->addr_max < nr->addr_min))
		FAIL("bad address range '%s'", s);
	if (colon) {
		uint16_t pr[2];
		if (!parse_range(colon + 1, '-', pr) || !pr[0])
			FAIL("bad port range '%s'", s);
		nr->port_min = pr[0];
		nr->port_max = pr[1];
		r->t.nat_ports = true;
	}
	return 0;
}

static int parse_to_ports(const char *s, struct nf_rule *r, char *why, unsigned wl)
{
	uint16_t pr[2];
	if (!parse_range(s, '-', pr) || !pr[0])
		FAIL("bad port range '%s'", s);
	r->t.nat.port_min = pr[0];
	r->t.nat.port_max = pr[1];
	r->t.nat_ports = true;
	return 0;
}

static int parse_log_level(const char *s, uint8_t *lvl, char *why, unsigned wl)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
	};
	uint32_t v;
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i]))
			return *lvl = (uint8_t)i, 0;
	if (!parse_u32(s, 7, &v))
		FAIL("bad log level '%s'", s);
	*lvl = (uint8_t)v;
	return 0;
}

/* Modules a rule loaded with -m (or implied by -p), so their options are known. */
enum { MOD_MPORT = 1, MOD_CONNTRACK = 2, MOD_STATE = 4, MOD_LIMIT = 8, MOD_HASHLIMIT = 16,
       MOD_COMMENT = 32, MOD_TCP = 64, MOD_UDP = 128, MOD_ICMP = 256 };

static int parse_module(const char *s, unsigned *mods, char *why, unsigned wl)
{
	static const struct { const char *n; unsigned bit; } names[] = {
		{ "multiport", MOD_MPORT }, { "conntrack", MOD_CONNTRACK }, { "state", MOD_STATE },
		{ "limit", MOD_LIMIT }, { "hashlimit", MOD_HASHLIMIT }, { "comment", MOD_COMMENT },
		{ "tcp", MOD_TCP }, { "udp", MOD_UDP }, { "icmp", MOD_ICMP },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i].n))
			return *mods |= names[i].bit, 0;
	FAIL("unknown match '%s'", s);
}

/* Hashlimit options collected over the line, bound to a named table at the end. */
struct hl_opts {
	const char *name;
	uint32_t rate, unit, burst;
	bool above, have_rate, srcip;
};

static int bind_hashlimit(struct nf_rule *r, const struct hl_opts *h, char *why, unsigned wl)
{
	int free_slot = -1;
	if (!h->have_rate || !h->name || !h->srcip)
		FAIL("hashlimit needs --hashlimit-upto|--hashlimit-above, --hashlimit-mode srcip and "
		     "--hashlimit-name");
	if (!*h->name || strlen(h->name) > NF_CHAIN_NAME_MAX)
		FAIL("bad hashlimit name '%s'", h->name);
	for (unsigned i = 0; i < NF_HASHLIMIT_TABLES; i++) {
		struct nf_hashlimit *t = &nf_hl[i];
		if (!t->name[0]) {
			if (free_slot < 0)
				free_slot = (int)i;
			continue;
		}
		if (strcmp(t->name, h->name))
			continue;
		/* One table, one set of parameters: the running rules keep counting in it. */
		if (t->rate != h->rate || t->unit != h->unit || t->burst != h->burst || t->above != h->above)
			FAIL("hashlimit '%s' already in use with other parameters", h->name);
		r->hashlimit = (int8_t)i;
		return 0;
	}
	if (free_slot < 0)
		FAIL("more than %u hashlimit tables", NF_HASHLIMIT_TABLES);
	struct nf_hashlimit *t = &nf_hl[free_slot];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", h->name);
	t->rate = h->rate;
	t->unit = h->unit;
	t->burst = h->burst;
	t->above = h->above;
	struct nf_bucket b;
	nf_bucket_init(&b, h->rate, h->unit, h->burst);
	t->cost = b.cost;
	t->cap = b.cap;
	r->hashlimit = (int8_t)free_slot;
	return 0;
}

static bool is(const char *o, const char *a, const char *b)
{
	return !strcmp(o, a) || (b && !strcmp(o, b));
}

static bool tcp_or_udp(const struct nf_rule *r)
{
	return (r->m & NF_M_PROTO) && !(r->inv & NF_M_PROTO) &&
	       (r->proto == IP_PROTO_TCP || r->proto == IP_PROTO_UDP);
}

/* The target word after -j: standard targets, then the table's user chains. */
static int parse_target(struct nf_ruleset *rs, unsigned table, unsigned chain, const char *s,
			struct nf_rule *r, char *why, unsigned wl)
{
	static const struct { const char *n; uint8_t kind; int8_t table; } names[] = {
		{ "ACCEPT", NF_T_ACCEPT, -1 }, { "DROP", NF_T_DROP, NF_T_FILTER },
		{ "RETURN", NF_T_RETURN, -1 }, { "REJECT", NF_T_REJECT, NF_T_FILTER },
		{ "LOG", NF_T_LOG, -1 }, { "SNAT", NF_T_SNAT, NF_T_NAT },
		{ "MASQUERADE", NF_T_MASQUERADE, NF_T_NAT }, { "DNAT", NF_T_DNAT, NF_T_NAT },
		{ "REDIRECT", NF_T_REDIRECT, NF_T_NAT },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(s, names[i].n))
			continue;
		if (names[i].table == NF_T_NAT && table != NF_T_NAT)
			FAIL("-j %s: only in table nat", s);
		if (names[i].table == NF_T_FILTER && table != NF_T_FILTER)
			FAIL("-j %s: not in table %s", s, nf_table_name[table]);
		r->t.kind = names[i].kind;
		if (r->t.kind == NF_T_LOG)
			r->t.log_level = 4;     /* iptables' default: warning */
		return nf_chain_check_target(rs, chain, r->t.kind, why, wl);
	}
	int c = nf_chain_find(rs, table, s);
	if (c < 0)
		FAIL("unknown target '%s'", s);
	if (rs->chain[c].builtin)
		FAIL("-j %s: cannot jump to a built-in chain", s);
	r->t.kind = NF_T_JUMP;
	r->t.jump = (uint16_t)c;
	return 0;
}

struct rp {                     /* parsing state of one rule line */
	struct nf_ruleset *rs;
	unsigned table, chain;
	char **w;
	unsigned nw, i;             /* w[i] is the option being handled */
	unsigned mods;
	bool neg;                   /* a "!" preceded the option */
	struct hl_opts hl;
	struct nf_rule *r;
	char *why;
	unsigned wl;
};

#define PFAIL(...) do { snprintf(x->why, x->wl, __VA_ARGS__); return -1; } while (0)

/* The value after option w[i] (consumed), or NULL with why set. */
static const char *arg(struct rp *x)
{
	if (x->i + 1 >= x->nw) {
		snprintf(x->why, x->wl, "option '%s' needs a value", x->w[x->i]);
		return NULL;
	}
	return x->w[++x->i];
}

/* Sets bit m (and its inversion); a second use of one option is an error as in iptables. */
static int set_m(struct rp *x, uint32_t m, const char *o)
{
	if (x->r->m & m)
		PFAIL("option '%s' given twice", o);
	x->r->m |= m;
	if (x->neg)
		x->r->inv |= m;
	x->neg = false;
	return 0;
}

/* Address, interface and protocol options. 1 handled, 0 not one of these, -1 error. */
static int opt_basic(struct rp *x, const char *o)
{
	struct nf_rule *r = x->r;
	const char *v;
	unsigned c = x->chain;      /* packets there have no output / no input interface yet */
	bool in_only = c == NF_C_F_INPUT || c == NF_C_N_PREROUTING || c == NF_C_N_INPUT;
	bool out_only = c == NF_C_F_OUTPUT || c == NF_C_N_OUTPUT || c == NF_C_N_POSTROUTING;
	if (is(o, "-s", "--source")) {
		if (!(v = arg(x)) || set_m(x, NF_M_SRC, o))
			return -1;
		return parse_cidr(v, &r->src, &r->smask, x->why, x->wl) ? -1 : 1;
	}
	if (is(o, "-d", "--destination")) {
		if (!(v = arg(x)) || set_m(x, NF_M_DST, o))
			return -1;
		return parse_cidr(v, &r->dst, &r->dmask, x->why, x->wl) ? -1 : 1;
	}
	if (is(o, "-i", "--in-interface")) {
		if (out_only)
			PFAIL("can't use -i with %s", x->rs->chain[x->chain].name);
		if (!(v = arg(x)) || set_m(x, NF_M_IN, o))
			return -1;
		return parse_iface(v, r->in, &r->inlen, &r->in_wild, x->why, x->wl) ? -1 : 1;
	}
	if (is(o, "-o", "--out-interface")) {
		if (in_only)
			PFAIL("can't use -o with %s", x->rs->chain[x->chain].name);
		if (!(v = arg(x)) || set_m(x, NF_M_OUT, o))
			return -1;
		return parse_iface(v, r->out, &r->outlen, &r->out_wild, x->why, x->wl) ? -1 : 1;
	}
	if (is(o, "-p", "--protocol")) {
		if (!(v = arg(x)) || set_m(x, NF_M_PROTO, o) || parse_proto(v, &r->proto, x->why, x->wl))
			return -1;
		if (!r->proto)          /* "-p all" matches everything: no test at all */
			r->m &= ~NF_M_PROTO, r->inv &= ~NF_M_PROTO;
		return 1;
	}
	if (is(o, "-m", "--match"))
		return (v = arg(x)) && !parse_module(v, &x->mods, x->why, x->wl) ? 1 : -1;
	return 0;
}

/* TCP/UDP/ICMP header options (implicit with -p, as iptables). */
static int opt_l4(struct rp *x, const char *o)
{
	struct nf_rule *r = x->r;
	const char *v;
	bool sp = is(o, "--sport", "--source-port");
	if (sp || is(o, "--dport", "--destination-port")) {
		if (!tcp_or_udp(r))
			PFAIL("%s needs -p tcp or -p udp", o);
		if (!(v = arg(x)) || set_m(x, sp ? NF_M_SPORT : NF_M_DPORT, o))
			return -1;
		if (!parse_range(v, ':', sp ? r->sport : r->dport))
			PFAIL("bad port '%s'", v);
		return 1;
	}
	if (is(o, "--tcp-flags", "--syn")) {
		if (!(r->m & NF_M_PROTO) || r->proto != IP_PROTO_TCP || (r->inv & NF_M_PROTO))
			PFAIL("%s needs -p tcp", o);
		if (set_m(x, NF_M_FLAGS, o))
			return -1;
		if (o[2] == 's') {      /* --syn: RFC 9293 connection request, SYN without ACK/RST/FIN */
			r->flg_mask = TCP_SYN | TCP_RST | TCP_ACK | TCP_FIN;
			r->flg_cmp = TCP_SYN;
			return 1;
		}
		if (!(v = arg(x)) || parse_flags(v, &r->flg_mask, x->why, x->wl))
			return -1;
		if (x->i + 1 >= x->nw)
			PFAIL("option '%s' needs two values", o);
		if (parse_flags(x->w[++x->i], &r->flg_cmp, x->why, x->wl))
			return -1;
		return 1;
	}
	if (is(o, "--icmp-type", NULL)) {
		if (!(r->m & NF_M_PROTO) || r->proto != IP_PROTO_ICMP || (r->inv & NF_M_PROTO))
			PFAIL("%s needs -p icmp", o);
		if (!(v = arg(x)) || set_m(x, NF_M_ICMP, o))
			return -1;
		return parse_icmp(v, r, x->why, x->wl) ? -1 : 1;
	}
	return 0;
}

/* --hashlimit-* options, collected in x->hl and bound to a table when the line ends. */
static int opt_hashlimit(struct rp *x, const char *o)
{
	const char *k = o + 12, *v;
	struct hl_opts *h = &x->hl;
	if (!(v = arg(x)))
		return -1;
	if (!strcmp(k, "above") || !strcmp(k, "upto")) {
		if (h->have_rate)
			PFAIL("option '%s' given twice", o);
		h->above = k[0] == 'a';
		h->have_rate = true;
		return parse_rate(v, &h->rate, &h->unit, x->why, x->wl) ? -1 : 1;
	}
	if (!strcmp(k, "burst")) {
		if (!parse_u32(v, 10000, &h->burst) || !h->burst)
			PFAIL("bad burst '%s'", v);
		return 1;
	}
	if (!strcmp(k, "mode")) {
		if (strcmp(v, "srcip"))
			PFAIL("--hashlimit-mode '%s' not supported (only srcip)", v);
		h->srcip = true;
		return 1;
	}
	if (!strcmp(k, "name"))
		return h->name = v, 1;
	x->i--;                         /* an unknown --hashlimit-* option: reported as unknown */
	return 0;
}

/* Options of the -m modules. */
static int opt_ext(struct rp *x, const char *o)
{
	struct nf_rule *r = x->r;
	const char *v;
	int dir = is(o, "--sports", "--source-ports") ? NF_MP_SRC :
		  is(o, "--dports", "--destination-ports") ? NF_MP_DST : is(o, "--ports", NULL) ? NF_MP_ANY : -1;
	if (dir >= 0 && (x->mods & MOD_MPORT)) {
		if (!tcp_or_udp(r))
			PFAIL("%s needs -p tcp or -p udp", o);
		if (!(v = arg(x)) || set_m(x, NF_M_MPORT, o))
			return -1;
		r->mp_dir = (uint8_t)dir;
		return parse_mports(v, r, x->why, x->wl) ? -1 : 1;
	}
	bool ct = is(o, "--ctstate", NULL) && (x->mods & MOD_CONNTRACK);
	if (ct || (is(o, "--state", NULL) && (x->mods & MOD_STATE))) {
		if (r->m & (NF_M_CTSTATE | NF_M_STATE))
			PFAIL("option '%s' given twice", o);
		if (!(v = arg(x)) || set_m(x, ct ? NF_M_CTSTATE : NF_M_STATE, o))
			return -1;
		return parse_states(v, &r->ctstate, x->why, x->wl) ? -1 : 1;
	}
	if (x->mods & MOD_LIMIT) {
		if (is(o, "--limit", NULL)) {
			if (!(v = arg(x)) || set_m(x, NF_M_LIMIT, o))
				return -1;
			return parse_rate(v, &r->limit_rate, &r->limit_unit, x->why, x->wl) ? -1 : 1;
		}
		if (is(o, "--limit-burst", NULL)) {
			if (!(v = arg(x)))
				return -1;
			if (!parse_u32(v, 10000, &r->limit_burst) || !r->limit_burst)
				PFAIL("bad burst '%s'", v);
			return 1;
		}
	}
	if ((x->mods & MOD_HASHLIMIT) && !strncmp(o, "--hashlimit-", 12))
		return opt_hashlimit(x, o);
	if (is(o, "--comment", NULL) && (x->mods & MOD_COMMENT)) {
		if (!(v = arg(x)))
			return -1;
		if (r->comment)
			PFAIL("option '%s' given twice", o);
		if (strlen(v) > NF_COMMENT_MAX)
			PFAIL("comment longer than %u bytes", NF_COMMENT_MAX);
		if (!(r->comment = strdup(v)))
			PFAIL("out of memory");
		return 1;
	}
	return 0;
}

/* -j and the options of the target it names. */
static int opt_target(struct rp *x, const char *o)
{
	struct nf_rule *r = x->r;
	const char *v;
	uint8_t k = r->t.kind;
	if (is(o, "-j", "--jump")) {
		if (k != NF_T_NONE)
			PFAIL("option '%s' given twice", o);
		if (!(v = arg(x)))
			return -1;
		return parse_target(x->rs, x->table, x->chain, v, r, x->why, x->wl) ? -1 : 1;
	}
	if (k == NF_T_REJECT && is(o, "--reject-with", NULL)) {
		static const char *const names[] = {
			[NF_RJ_PORT_UNREACH] = "icmp-port-unreachable", [NF_RJ_HOST_UNREACH] = "icmp-host-unreachable",
			[NF_RJ_NET_UNREACH] = "icmp-net-unreachable", [NF_RJ_ADMIN_PROHIB] = "icmp-admin-prohibited",
			[NF_RJ_TCP_RESET] = "tcp-reset",
		};
		if (!(v = arg(x)))
			return -1;
		for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
			if (!strcmp(v, names[i]))
				return r->t.reject_with = (uint8_t)i, 1;
		PFAIL("bad --reject-with '%s'", v);
	}
	if (k == NF_T_LOG && is(o, "--log-prefix", NULL)) {
		if (!(v = arg(x)))
			return -1;
		if (strlen(v) > NF_LOG_PREFIX_MAX)
			PFAIL("--log-prefix longer than %u bytes", NF_LOG_PREFIX_MAX);
		snprintf(r->t.log_prefix, sizeof(r->t.log_prefix), "%s", v);
		return 1;
	}
	if (k == NF_T_LOG && is(o, "--log-level", NULL))
		return (v = arg(x)) && !parse_log_level(v, &r->t.log_level, x->why, x->wl) ? 1 : -1;
	if ((k == NF_T_SNAT && is(o, "--to-source", NULL)) ||
	    (k == NF_T_DNAT && is(o, "--to-destination", NULL))) {
		if (r->t.nat.addr_min)
			PFAIL("option '%s' given twice", o);
		return (v = arg(x)) && !parse_nat_to(v, r, x->why, x->wl) ? 1 : -1;
	}
	if ((k == NF_T_MASQUERADE || k == NF_T_REDIRECT) && is(o, "--to-ports", NULL))
		return (v = arg(x)) && !parse_to_ports(v, r, x->why, x->wl) ? 1 : -1;
	return 0;
}

/* Checks of the whole rule once every option is read. */
static int finish(struct rp *x)
{
	struct nf_rule *r = x->r;
	if (x->neg)
		PFAIL("'!' at the end of the rule");
	if (r->m & NF_M_LIMIT)
		nf_bucket_init(&r->limit, r->limit_rate, r->limit_unit, r->limit_burst ? r->limit_burst : 5);
	else if (r->limit_burst)
		PFAIL("--limit-burst without --limit");
	if (x->hl.have_rate || x->hl.name || x->hl.srcip || x->hl.burst) {
		if (!x->hl.burst)
			x->hl.burst = 5;
		if (bind_hashlimit(r, &x->hl, x->why, x->wl))
			return -1;
		r->m |= NF_M_HASHLIMIT;
	}
	if (r->t.kind == NF_T_SNAT && !r->t.nat.addr_min)
		PFAIL("SNAT needs --to-source");
	if (r->t.kind == NF_T_DNAT && !r->t.nat.addr_min)
		PFAIL("DNAT needs --to-destination");
	if (r->t.nat_ports && !tcp_or_udp(r))
		PFAIL("-j %s with ports needs -p tcp or -p udp", r->t.kind == NF_T_SNAT ? "SNAT" :
		      r->t.kind == NF_T_DNAT ? "DNAT" : r->t.kind == NF_T_MASQUERADE ? "MASQUERADE" : "REDIRECT");
	if (r->t.kind == NF_T_REJECT && r->t.reject_with == NF_RJ_TCP_RESET &&
	    (!(r->m & NF_M_PROTO) || r->proto != IP_PROTO_TCP || (r->inv & NF_M_PROTO)))
		PFAIL("--reject-with tcp-reset needs -p tcp");
	return 0;
}

/* Parse the rule words w[0..nw) (after "-A CHAIN") of a rule for chain in table into r
 * (zeroed here; r->comment is malloc'd and belongs to r, also on error: nf_rule_free).
 * Returns 0, or -1 with why set. */
int nf_parse_rule(struct nf_ruleset *rs, unsigned table, unsigned chain, char **w, unsigned nw,
		  struct nf_rule *r, char *why, unsigned wl)
{
	struct rp x = { .rs = rs, .table = table, .chain = chain, .w = w, .nw = nw, .r = r,
			.why = why, .wl = wl };
	memset(r, 0, sizeof(*r));
	r->hashlimit = -1;
	for (x.i = 0; x.i < nw; x.i++) {
		const char *o = w[x.i];
		if (!strcmp(o, "!")) {
			if (x.neg)
				FAIL("'!' twice");
			x.neg = true;
			continue;
		}
		int rc = opt_basic(&x, o);
		if (!rc)
			rc = opt_l4(&x, o);
		if (!rc)
			rc = opt_ext(&x, o);
		if (!rc && !x.neg)
			rc = opt_target(&x, o);
		if (rc < 0)
			return -1;
		if (!rc)
			FAIL(o[0] == '-' ? "unknown option '%s'" : "unexpected '%s'", o);
		if (x.neg)
			FAIL("'!' not allowed before '%s'", o);
	}
	return finish(&x);
}
