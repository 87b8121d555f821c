/* The rule set: tables of built-in and user chains, loading iptables-save text (nf_load),
 * single rule lines (nf_add_rule) and nf_flush. Every change is built on a copy of the
 * running set and swapped in whole, so an error leaves the running rules untouched and the
 * packet path never sees half a table (iptables-restore's atomic commit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/nf_rule.h"
#include "net/conntrack.h"

struct nf_ruleset *nf_rs;
uint32_t nf_generation;
struct nf_hashlimit nf_hl[NF_HASHLIMIT_TABLES];
const char *const nf_table_name[NF_NTABLES] = { "filter", "nat" };

static const struct { const char *name; uint8_t table; } builtin[NF_C_BUILTIN] = {
	[NF_C_F_INPUT] = { "INPUT", NF_T_FILTER }, [NF_C_F_FORWARD] = { "FORWARD", NF_T_FILTER },
	[NF_C_F_OUTPUT] = { "OUTPUT", NF_T_FILTER },
	[NF_C_N_PREROUTING] = { "PREROUTING", NF_T_NAT }, [NF_C_N_INPUT] = { "INPUT", NF_T_NAT },
	[NF_C_N_OUTPUT] = { "OUTPUT", NF_T_NAT }, [NF_C_N_POSTROUTING] = { "POSTROUTING", NF_T_NAT },
};

#define FAIL(...) do { snprintf(why, wl, __VA_ARGS__); return -1; } while (0)

static struct nf_ruleset *rs_new(void)
{
	struct nf_ruleset *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	for (unsigned i = 0; i < NF_C_BUILTIN; i++) {
		struct nf_chain *c = &rs->chain[i];
		snprintf(c->name, sizeof(c->name), "%s", builtin[i].name);
		c->table = builtin[i].table;
		c->builtin = true;
		c->policy = NF_ACCEPT;
	}
	rs->nchains = NF_C_BUILTIN;
	return rs;
}

void nf_rule_free(struct nf_rule *r)
{
	free(r->comment);
	r->comment = NULL;
}

static void chain_clear(struct nf_chain *c)
{
	nf_index_free(c);
	for (uint32_t i = 0; i < c->n; i++)
		nf_rule_free(&c->rules[i]);
	free(c->rules);
	c->rules = NULL;
	c->n = c->cap = 0;
}

static void rs_free(struct nf_ruleset *rs)
{
	if (!rs)
		return;
	for (uint32_t i = 0; i < rs->nchains; i++)
		chain_clear(&rs->chain[i]);
	free(rs);
}

/* Deep copy (rules, comments); NULL when memory is short. */
static struct nf_ruleset *rs_clone(const struct nf_ruleset *src)
{
	struct nf_ruleset *rs = malloc(sizeof(*rs));
	if (!rs)
		return NULL;
	*rs = *src;
	for (uint32_t i = 0; i < rs->nchains; i++) {
		struct nf_chain *c = &rs->chain[i];
		uint32_t n = c->n;
		c->n = c->cap = 0;
		c->rules = NULL;
		c->idx = NULL;          /* rebuilt when the copy is committed */
		if (!n)
			continue;
		if (!(c->rules = malloc(n * sizeof(*c->rules))))
			goto oom;
		c->cap = n;
		for (; c->n < n; c->n++) {
			struct nf_rule *r = &c->rules[c->n];
			*r = src->chain[i].rules[c->n];
			if (r->comment && !(r->comment = strdup(r->comment)))
				goto oom;
		}
	}
	return rs;
oom:
	rs_free(rs);
	return NULL;
}

int nf_chain_find(const struct nf_ruleset *rs, unsigned table, const char *name)
{
	for (uint32_t i = 0; i < rs->nchains; i++)
		if (rs->chain[i].table == table && !strcmp(rs->chain[i].name, name))
			return (int)i;
	return -1;
}

/* NAT targets bind at their own hooks (iptables' hook masks); user chains are checked when
 * a packet reaches the target (net/nf_hook.c ignores a target at a hook it does not fit). */
int nf_chain_check_target(const struct nf_ruleset *rs, unsigned chain, uint8_t kind, char *why,
			  unsigned wl)
{
	bool ok = true;
	if (chain >= NF_C_BUILTIN)
		return 0;
	if (kind == NF_T_DNAT || kind == NF_T_REDIRECT)
		ok = chain == NF_C_N_PREROUTING || chain == NF_C_N_OUTPUT;
	else if (kind == NF_T_SNAT)
		ok = chain == NF_C_N_POSTROUTING || chain == NF_C_N_INPUT;
	else if (kind == NF_T_MASQUERADE)
		ok = chain == NF_C_N_POSTROUTING;
	if (!ok)
		FAIL("-j %s: not in chain %s", kind == NF_T_DNAT ? "DNAT" : kind == NF_T_REDIRECT ? "REDIRECT" :
		     kind == NF_T_SNAT ? "SNAT" : "MASQUERADE", rs->chain[chain].name);
	return 0;
}

/* Empty table t as iptables-restore does before loading it: no rules, no user chains,
 * policies ACCEPT. User chains of the other table move down: their jumps are renumbered. */
static void table_reset(struct nf_ruleset *rs, unsigned t)
{
	uint16_t map[NF_MAX_CHAINS];
	uint32_t o = 0;
	for (uint32_t i = 0; i < rs->nchains; i++) {
		struct nf_chain *c = &rs->chain[i];
		if (c->table == t) {
			rs->nrules -= c->n;
			chain_clear(c);
			c->policy = NF_ACCEPT;
			c->pkts = c->bytes = 0;
			c->refs = 0;
			if (!c->builtin)
				continue;
		}
		map[i] = (uint16_t)o;
		if (o != i)
			rs->chain[o] = *c;
		o++;
	}
	rs->nchains = o;
	for (uint32_t i = 0; i < rs->nchains; i++)
		for (uint32_t j = 0; j < rs->chain[i].n; j++)
			if (rs->chain[i].rules[j].t.kind == NF_T_JUMP)
				rs->chain[i].rules[j].t.jump = map[rs->chain[i].rules[j].t.jump];
}

static bool reserved_name(const char *s)
{
	static const char *const names[] = {
		"ACCEPT", "DROP", "RETURN", "REJECT", "LOG", "SNAT", "DNAT", "MASQUERADE", "REDIRECT",
	};
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i]))
			return true;
	return s[0] == '-' || s[0] == '!' || s[0] == '\0';
}

static int chain_new(struct nf_ruleset *rs, unsigned t, const char *name, char *why, unsigned wl)
{
	if (strlen(name) > NF_CHAIN_NAME_MAX)
		FAIL("chain name '%s' longer than %u bytes", name, NF_CHAIN_NAME_MAX);
	if (reserved_name(name))
		FAIL("bad chain name '%s'", name);
	if (nf_chain_find(rs, t, name) >= 0)
		FAIL("chain '%s' already exists", name);
	if (rs->nchains == NF_MAX_CHAINS)
		FAIL("too many chains (limit %u)", NF_MAX_CHAINS);
	struct nf_chain *c = &rs->chain[rs->nchains++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->table = (uint8_t)t;
	return 0;
}

/* Insert r (taken over, also its comment) at position pos of chain c (pos == n: append). */
static int rule_insert(struct nf_ruleset *rs, unsigned c, uint32_t pos, struct nf_rule *r,
		       char *why, unsigned wl)
{
	struct nf_chain *ch = &rs->chain[c];
	if (rs->nrules == NF_MAX_RULES)
		FAIL("too many rules (limit %u)", NF_MAX_RULES);
	if (ch->n == ch->cap) {
		uint32_t cap = ch->cap ? ch->cap * 2 : 8;
		struct nf_rule *n = realloc(ch->rules, cap * sizeof(*n));
		if (!n)
			FAIL("out of memory");
		ch->rules = n;
		ch->cap = cap;
	}
	memmove(&ch->rules[pos + 1], &ch->rules[pos], (ch->n - pos) * sizeof(*r));
	ch->rules[pos] = *r;
	ch->n++;
	rs->nrules++;
	if (r->t.kind == NF_T_JUMP)
		rs->chain[r->t.jump].refs++;
	r->comment = NULL;
	return 0;
}

/* Longest jump nesting below chain c; -1 on a loop (*loop: a chain on it).
 * state: 0 new, 1 on the path, 2 done. */
static int depth(const struct nf_ruleset *rs, uint32_t c, uint8_t *state, uint8_t *d,
		 uint32_t *loop)
{
	if (state[c] == 2)
		return d[c];
	if (state[c] == 1) {
		*loop = c;
		return -1;
	}
	state[c] = 1;
	int best = 0;
	for (uint32_t j = 0; j < rs->chain[c].n; j++) {
		const struct nf_rule *r = &rs->chain[c].rules[j];
		if (r->t.kind != NF_T_JUMP)
			continue;
		int k = depth(rs, r->t.jump, state, d, loop);
		if (k < 0)
			return -1;
		best = MAX(best, k + 1);
	}
	state[c] = 2;
	d[c] = (uint8_t)MIN(best, 255);
	return best;
}

/* The walk in net/nf_hook.c keeps a stack of NF_MAX_JUMP_DEPTH: refuse loops and deeper
 * nesting when the rules are loaded, not when a packet finds them. */
static int check_jumps(const struct nf_ruleset *rs, char *why, unsigned wl)
{
	uint8_t state[NF_MAX_CHAINS] = { 0 }, d[NF_MAX_CHAINS];
	uint32_t loop = 0;
	for (uint32_t c = 0; c < rs->nchains; c++) {
		int k = depth(rs, c, state, d, &loop);
		if (k < 0)
			FAIL("chain '%s': jump loop", rs->chain[loop].name);
		if (k > (int)NF_MAX_JUMP_DEPTH)
			FAIL("chain '%s': jumps nested deeper than %u", rs->chain[c].name, NF_MAX_JUMP_DEPTH);
	}
	return 0;
}

static bool parse_counters(const char *s, uint64_t *p, uint64_t *b)
{
	unsigned long long x, y;
	int end = 0;
	if (sscanf(s, "[%llu:%llu]%n", &x, &y, &end) != 2 || s[end] || s[1] < '0' || s[1] > '9')
		return false;
	*p = x;
	*b = y;
	return true;
}

static int set_policy(struct nf_ruleset *rs, unsigned t, const char *chain, const char *pol,
		      char *why, unsigned wl)
{
	int c = nf_chain_find(rs, t, chain);
	if (c < 0 || !rs->chain[c].builtin)
		FAIL("-P %s: no built-in chain of that name in table %s", chain, nf_table_name[t]);
	if (!strcmp(pol, "ACCEPT"))
		rs->chain[c].policy = NF_ACCEPT;
	else if (!strcmp(pol, "DROP") && t == NF_T_FILTER)
		rs->chain[c].policy = NF_DROP;
	else
		FAIL("bad policy '%s' for %s in table %s", pol, chain, nf_table_name[t]);
	return 0;
}

/* -A CHAIN rule | -I CHAIN [N] rule | -N CHAIN | -P CHAIN POLICY, optionally after "[p:b]". */
static int command(struct nf_ruleset *rs, unsigned t, char **w, unsigned nw, char *why, unsigned wl)
{
	uint64_t pk = 0, by = 0;
	if (nw && w[0][0] == '[') {
		if (!parse_counters(w[0], &pk, &by))
			FAIL("bad counters '%s'", w[0]);
		w++, nw--;
	}
	if (nw < 2)
		FAIL(nw ? "'%s' needs a chain" : "empty rule", nw ? w[0] : "");
	if (!strcmp(w[0], "-N")) {
		if (nw != 2)
			FAIL("unexpected '%s'", w[2]);
		return chain_new(rs, t, w[1], why, wl);
	}
	if (!strcmp(w[0], "-P")) {
		if (nw != 3)
			FAIL("-P needs a chain and a policy");
		return set_policy(rs, t, w[1], w[2], why, wl);
	}
	bool ins = !strcmp(w[0], "-I");
	if (!ins && strcmp(w[0], "-A"))
		FAIL("unknown command '%s'", w[0]);
	int c = nf_chain_find(rs, t, w[1]);
	if (c < 0)
		FAIL("%s %s: chain not in table %s", w[0], w[1], nf_table_name[t]);
	uint32_t pos = rs->chain[c].n, skip = 2, n;
	if (ins) {
		pos = 0;
		if (nw > 2 && w[2][0] >= '1' && w[2][0] <= '9' && sscanf(w[2], "%u", &n) == 1) {
			if (n > rs->chain[c].n + 1)
				FAIL("-I %s %u: only %u rules", w[1], n, rs->chain[c].n);
			pos = n - 1;
			skip = 3;
		}
	}
	struct nf_rule r;
	int rc = nf_parse_rule(rs, t, (unsigned)c, w + skip, nw - skip, &r, why, wl);
	r.pkts = pk;
	r.bytes = by;
	if (!rc)
		rc = rule_insert(rs, (unsigned)c, pos, &r, why, wl);
	nf_rule_free(&r);
	return rc;
}

/* ":NAME POLICY [p:b]": a built-in chain's policy, or a user chain ("-" as policy). */
static int chain_line(struct nf_ruleset *rs, unsigned t, char **w, unsigned nw, char *why,
		      unsigned wl)
{
	uint64_t pk = 0, by = 0;
	const char *name = w[0] + 1;
	if (nw < 2 || nw > 3 || (nw == 3 && !parse_counters(w[2], &pk, &by)))
		FAIL("bad chain line (want :CHAIN POLICY [packets:bytes])");
	int c = nf_chain_find(rs, t, name);
	if (c >= 0 && rs->chain[c].builtin) {
		if (set_policy(rs, t, name, w[1], why, wl))
			return -1;
		rs->chain[c].pkts = pk;
		rs->chain[c].bytes = by;
		return 0;
	}
	if (strcmp(w[1], "-"))
		FAIL("bad policy '%s' for user chain %s", w[1], name);
	return chain_new(rs, t, name, why, wl);
}

/* Which table "*NAME" starts; -1 when unknown. */
static int table_find(const char *s)
{
	for (unsigned i = 0; i < NF_NTABLES; i++)
		if (!strcmp(s, nf_table_name[i]))
			return (int)i;
	return -1;
}

/* Hashlimit tables no rule of rs refers to are freed (and keep no sources). */
static void hashlimit_gc(const struct nf_ruleset *rs)
{
	bool used[NF_HASHLIMIT_TABLES] = { false };
	for (uint32_t i = 0; i < rs->nchains; i++)
		for (uint32_t j = 0; j < rs->chain[i].n; j++)
			if (rs->chain[i].rules[j].hashlimit >= 0)
				used[rs->chain[i].rules[j].hashlimit] = true;
	for (unsigned i = 0; i < NF_HASHLIMIT_TABLES; i++)
		if (!used[i])
			nf_hl[i].name[0] = '\0';
}

static bool rs_has_work(const struct nf_ruleset *rs)
{
	if (rs->nrules)
		return true;
	for (unsigned i = 0; i < NF_C_BUILTIN; i++)
		if (rs->chain[i].policy != NF_ACCEPT)
			return true;
	return false;
}

/* Swap in a new rule set (taken over) or, with NULL, only recompute nf_active. */
static void rs_commit(struct nf_ruleset *rs)
{
	if (rs) {
		for (uint32_t i = 0; i < rs->nchains; i++)
			nf_index_build(&rs->chain[i]);
		rs_free(nf_rs);
		nf_rs = rs;
		nf_generation++;        /* fast-path entries of the old rules no longer count */
	}
	if (nf_rs)
		hashlimit_gc(nf_rs);
	nf_active = (nf_rs && rs_has_work(nf_rs)) || ct_enabled();
}

/* The running rule set, or a fresh empty one when nothing was loaded yet (copy source). */
static struct nf_ruleset *rs_work_copy(void)
{
	return nf_rs ? rs_clone(nf_rs) : rs_new();
}

/* One line of an iptables-save text. *t is the open table (-1 none), *tline its line.
 * Returns 0, -1 (error at this line) or 1 (error at the table's line). */
static int load_line(struct nf_ruleset *rs, char **w, unsigned nw, int *t, unsigned lineno,
		     unsigned *tline, char *why, unsigned wl)
{
	if (w[0][0] == '*') {
		if (*t >= 0) {
			snprintf(why, wl, "COMMIT missing");
			return 1;               /* reported at the table's line */
		}
		if (nw != 1 || (*t = table_find(w[0] + 1)) < 0)
			FAIL("unknown table '%s'", w[0] + 1);
		table_reset(rs, (unsigned)*t);
		*tline = lineno;
		return 0;
	}
	if (*t < 0)
		FAIL("'%s' outside a table (start one with *filter or *nat)", w[0]);
	if (!strcmp(w[0], "COMMIT")) {
		if (nw != 1)
			FAIL("unexpected '%s'", w[1]);
		*t = -1;
		return check_jumps(rs, why, wl);
	}
	if (w[0][0] == ':')
		return chain_line(rs, (unsigned)*t, w, nw, why, wl);
	return command(rs, (unsigned)*t, w, nw, why, wl);
}

int nf_load(const char *text, unsigned long len, const char *name, unsigned first_line,
	    char *err, unsigned errlen)
{
	char why[160], buf[NF_LINE_MAX + 1], *w[NF_LINE_WORDS];
	unsigned nw, lineno = first_line, tline = 0;
	int t = -1, rc = 0;
	const char *p = text, *end = text + len;
	struct nf_ruleset *rs = rs_work_copy();

	if (!rs) {
		snprintf(err, errlen, "%s:%u: out of memory for the rules", name, first_line);
		return -1;
	}
	for (; p < end && !rc; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;
		const char *s = p;
		p = le + 1;
		while (le > s && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
			le--;
		while (s < le && (*s == ' ' || *s == '\t'))
			s++;
		if (s == le || *s == '#')
			continue;
		rc = nf_split(s, (size_t)(le - s), buf, w, &nw, why, sizeof(why));
		if (!rc)
			rc = load_line(rs, w, nw, &t, lineno, &tline, why, sizeof(why));
		if (rc)
			snprintf(err, errlen, "%s:%u: %s", name, rc > 0 ? tline : lineno, why);
	}
	if (!rc && t >= 0) {
		snprintf(err, errlen, "%s:%u: COMMIT missing", name, tline);
		rc = -1;
	}
	if (rc) {
		rs_free(rs);
		rs_commit(NULL);        /* frees hashlimit tables only the failed text named */
		return -1;
	}
	rs_commit(rs);
	return 0;
}

int nf_add_rule(const char *line, char *err, unsigned errlen)
{
	char buf[NF_LINE_MAX + 1], *w[NF_LINE_WORDS];
	unsigned nw, t = NF_T_FILTER, o = 0;
	if (nf_split(line, strlen(line), buf, w, &nw, err, errlen))
		return -1;
	for (unsigned i = 0; i < nw; i++) {         /* "-t TABLE" may stand anywhere */
		if (!strcmp(w[i], "-t") || !strcmp(w[i], "--table")) {
			int k = i + 1 < nw ? table_find(w[i + 1]) : -1;
			if (k < 0) {
				snprintf(err, errlen, "unknown table '%s'", i + 1 < nw ? w[i + 1] : "");
				return -1;
			}
			t = (unsigned)k;
			i++;
			continue;
		}
		w[o++] = w[i];
	}
	struct nf_ruleset *rs = rs_work_copy();
	if (!rs) {
		snprintf(err, errlen, "out of memory for the rules");
		return -1;
	}
	if (command(rs, t, w, o, err, errlen) || check_jumps(rs, err, errlen)) {
		rs_free(rs);
		rs_commit(NULL);
		return -1;
	}
	rs_commit(rs);
	return 0;
}

void nf_flush(void)
{
	rs_free(nf_rs);
	nf_rs = NULL;
	nf_generation++;
	memset(nf_hl, 0, sizeof(nf_hl));
	nf_log_reset();
	rs_commit(NULL);
}
