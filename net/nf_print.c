/* `iptables [-t TABLE] -L [-v] -n` on stdout, in iptables' own column layout and number
 * style (K/M/G/T above 99999), so operators and scripts read it as they read Linux's. */
#include <stdio.h>
#include <string.h>
#include "net/nf_rule.h"
#include "net/proto/ipv4.h"

/* iptables' counter style: as is up to 99999, then rounded thousands with K, M, G, T. */
void nf_fmt_num(char *buf, unsigned len, uint64_t n)
{
	static const char unit[] = "KMGT";
	if (n <= 99999) {
		snprintf(buf, len, "%llu", (unsigned long long)n);
		return;
	}
	unsigned u = 0;
	n = (n + 500) / 1000;
	while (n > 9999 && u < 3) {
		n = (n + 500) / 1000;
		u++;
	}
	snprintf(buf, len, "%llu%c", (unsigned long long)n, unit[u]);
}

static void fmt_addr(char *buf, unsigned len, uint32_t a, uint32_t mask, bool set)
{
	if (!set) {
		snprintf(buf, len, "0.0.0.0/0");
		return;
	}
	int n = snprintf(buf, len, "%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
	if (mask != ~0u && n > 0 && (unsigned)n < len)
		snprintf(buf + n, len - (unsigned)n, "/%u", (unsigned)__builtin_popcount(mask));
}

static const char *target_name(const struct nf_ruleset *rs, const struct nf_rule *r)
{
	static const char *const names[] = {
		[NF_T_NONE] = "", [NF_T_ACCEPT] = "ACCEPT", [NF_T_DROP] = "DROP", [NF_T_RETURN] = "RETURN",
		[NF_T_REJECT] = "REJECT", [NF_T_LOG] = "LOG", [NF_T_SNAT] = "SNAT",
		[NF_T_MASQUERADE] = "MASQUERADE", [NF_T_DNAT] = "DNAT", [NF_T_REDIRECT] = "REDIRECT",
	};
	return r->t.kind == NF_T_JUMP ? rs->chain[r->t.jump].name : names[r->t.kind];
}

static void print_range(const char *one, const char *many, const uint16_t p[2], bool inv)
{
	if (p[0] == p[1])
		printf(" %s:%s%u", one, inv ? "!" : "", p[0]);
	else
		printf(" %s:%s%u:%u", many, inv ? "!" : "", p[0], p[1]);
}

static void print_states(uint8_t st)
{
	static const struct { uint8_t bit; const char *n; } order[] = {   /* iptables' order */
		{ NF_CT_INVALID, "INVALID" }, { NF_CT_NEW, "NEW" }, { NF_CT_RELATED, "RELATED" },
		{ NF_CT_ESTABLISHED, "ESTABLISHED" }, { NF_CT_UNTRACKED, "UNTRACKED" },
	};
	const char *sep = " ";
	for (unsigned i = 0; i < ARRAY_SIZE(order); i++)
		if (st & order[i].bit) {
			printf("%s%s", sep, order[i].n);
			sep = ",";
		}
}

static const char *unit_name(uint32_t u)
{
	return u == 1 ? "sec" : u == 60 ? "min" : u == 3600 ? "hour" : "day";
}

static void print_l4(const struct nf_rule *r)
{
	if (r->m & (NF_M_SPORT | NF_M_DPORT | NF_M_FLAGS)) {
		printf(" %s", r->proto == 6 ? "tcp" : "udp");
		if (r->m & NF_M_SPORT)
			print_range("spt", "spts", r->sport, r->inv & NF_M_SPORT);
		if (r->m & NF_M_DPORT)
			print_range("dpt", "dpts", r->dport, r->inv & NF_M_DPORT);
		if (r->m & NF_M_FLAGS)
			printf(" flags:%s0x%02X/0x%02X", r->inv & NF_M_FLAGS ? "!" : "", r->flg_mask, r->flg_cmp);
	}
	if (r->m & NF_M_ICMP) {
		printf(r->inv & NF_M_ICMP ? " icmp !type %u" : " icmptype %u", r->icmp_type);
		if (r->icmp_type != 255 && r->icmp_code_lo == r->icmp_code_hi)
			printf(" code %u", r->icmp_code_lo);
	}
	if (r->m & NF_M_MPORT) {
		static const char *const dir[] = { "sports", "dports", "ports" };
		printf(" multiport %s %s", dir[r->mp_dir], r->inv & NF_M_MPORT ? " !" : "");
		for (unsigned i = 0; i < r->nports; i++) {
			printf(i ? ",%u" : "%u", r->ports[i][0]);
			if (r->ports[i][1] != r->ports[i][0])
				printf(":%u", r->ports[i][1]);
		}
	}
}

static void print_nat(const struct nf_rule *r)
{
	const struct nat_range *n = &r->t.nat;
	if (r->t.kind == NF_T_SNAT || r->t.kind == NF_T_DNAT) {
		uint32_t a = n->addr_min, b = n->addr_max;
		printf(" to:%u.%u.%u.%u", a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255);
		if (b != a)
			printf("-%u.%u.%u.%u", b >> 24, b >> 16 & 255, b >> 8 & 255, b & 255);
		if (r->t.nat_ports)
			printf(n->port_min == n->port_max ? ":%u" : ":%u-%u", n->port_min, n->port_max);
		return;
	}
	if (!r->t.nat_ports)
		return;
	printf(r->t.kind == NF_T_MASQUERADE ? " masq ports: %u" : " redir ports %u", n->port_min);
	if (n->port_max != n->port_min)
		printf("-%u", n->port_max);
}

static void print_target(const struct nf_rule *r)
{
	static const char *const rj[] = {
		"icmp-port-unreachable", "icmp-host-unreachable", "icmp-net-unreachable",
		"icmp-admin-prohibited", "tcp-reset",
	};
	if (r->t.kind == NF_T_REJECT)
		printf(" reject-with %s", rj[r->t.reject_with]);
	if (r->t.kind == NF_T_LOG) {
		printf(" LOG flags 0 level %u", r->t.log_level);
		if (r->t.log_prefix[0])
			printf(" prefix \"%s\"", r->t.log_prefix);
	}
	print_nat(r);
}

/* Everything after the destination column: one " piece" per match, then the target's. */
static void print_matches(const struct nf_rule *r)
{
	print_l4(r);
	if (r->m & (NF_M_CTSTATE | NF_M_STATE)) {
		bool inv = r->inv & (NF_M_CTSTATE | NF_M_STATE);
		printf("%s %s", inv ? " !" : "", r->m & NF_M_CTSTATE ? "ctstate" : "state");
		print_states(r->ctstate);
	}
	if (r->m & NF_M_LIMIT)
		printf(" limit: avg %u/%s burst %u", r->limit_rate, unit_name(r->limit_unit),
		       r->limit_burst ? r->limit_burst : 5);
	if (r->m & NF_M_HASHLIMIT) {
		const struct nf_hashlimit *h = &nf_hl[r->hashlimit];
		printf(" limit: %s %u/%s burst %u mode srcip", h->above ? "above" : "up to", h->rate,
		       unit_name(h->unit), h->burst);
	}
	if (r->comment)
		printf(" /* %s */", r->comment);
	print_target(r);
}

static void print_rule(const struct nf_ruleset *rs, const struct nf_rule *r, bool verbose)
{
	char pk[24], by[24], prot[8], src[24], dst[24], in[20], out[20];
	const char *pn = r->proto == 6 ? "tcp" : r->proto == 17 ? "udp" : r->proto == 1 ? "icmp" : NULL;
	if (!(r->m & NF_M_PROTO))
		pn = "all";
	if (pn)
		snprintf(prot, sizeof(prot), "%s", pn);
	else
		snprintf(prot, sizeof(prot), "%u", r->proto);
	fmt_addr(src, sizeof(src), r->src, r->smask, r->m & NF_M_SRC);
	fmt_addr(dst, sizeof(dst), r->dst, r->dmask, r->m & NF_M_DST);
	char pinv = r->inv & NF_M_PROTO ? '!' : ' ';
	if (verbose) {
		nf_fmt_num(pk, sizeof(pk), r->pkts);
		nf_fmt_num(by, sizeof(by), r->bytes);
		snprintf(in, sizeof(in), "%s%s", r->inv & NF_M_IN ? "!" : "", r->m & NF_M_IN ? r->in : "*");
		snprintf(out, sizeof(out), "%s%s", r->inv & NF_M_OUT ? "!" : "", r->m & NF_M_OUT ? r->out : "*");
		printf("%5s %5s %-9s %c%-4s %-3s %-6s %-6s %c%-19s %c%-19s ", pk, by, target_name(rs, r),
		       pinv, prot, "--", in, out, r->inv & NF_M_SRC ? '!' : ' ', src,
		       r->inv & NF_M_DST ? '!' : ' ', dst);
	} else {
		char s2[26], d2[26];
		snprintf(s2, sizeof(s2), "%s%s", r->inv & NF_M_SRC ? "!" : "", src);
		snprintf(d2, sizeof(d2), "%s%s", r->inv & NF_M_DST ? "!" : "", dst);
		printf("%-9s %c%-4s %-3s %-20s %-19s ", target_name(rs, r), pinv, prot, "--", s2, d2);
	}
	print_matches(r);
	printf("\n");
}

static void print_chain(const struct nf_ruleset *rs, const struct nf_chain *c, bool verbose)
{
	if (c->builtin && verbose) {
		char pk[24], by[24];
		nf_fmt_num(pk, sizeof(pk), c->pkts);
		nf_fmt_num(by, sizeof(by), c->bytes);
		printf("Chain %s (policy %s %s packets, %s bytes)\n", c->name,
		       c->policy == NF_DROP ? "DROP" : "ACCEPT", pk, by);
	} else if (c->builtin) {
		printf("Chain %s (policy %s)\n", c->name, c->policy == NF_DROP ? "DROP" : "ACCEPT");
	} else {
		printf("Chain %s (%u references)\n", c->name, c->refs);
	}
	if (verbose)
		printf("%5s %5s %-9s %c%-4s %-3s %-6s %-6s %c%-19s %c%-19s \n", "pkts", "bytes", "target", ' ',
		       "prot", "opt", "in", "out", ' ', "source", ' ', "destination");
	else
		printf("%-9s %c%-4s %-3s %-20s %-19s \n", "target", ' ', "prot", "opt", "source", "destination");
	for (uint32_t i = 0; i < c->n; i++)
		print_rule(rs, &c->rules[i], verbose);
}

int nf_print(const char *table, bool verbose)
{
	int t = -1;
	for (unsigned i = 0; i < NF_NTABLES; i++)
		if (!strcmp(table, nf_table_name[i]))
			t = (int)i;
	if (t < 0)
		return -1;
	struct nf_ruleset empty = { .nchains = 0 };
	const struct nf_ruleset *rs = nf_rs ? nf_rs : &empty;
	bool first = true;
	if (!nf_rs) {                   /* nothing loaded yet: the built-in chains, empty */
		static const char *const names[2][4] = {
			{ "INPUT", "FORWARD", "OUTPUT" }, { "PREROUTING", "INPUT", "OUTPUT", "POSTROUTING" },
		};
		for (unsigned i = 0; i < 4 && names[t][i]; i++) {
			struct nf_chain c = { .builtin = true, .policy = NF_ACCEPT, .table = (uint8_t)t };
			snprintf(c.name, sizeof(c.name), "%s", names[t][i]);
			printf(first ? "" : "\n");
			print_chain(rs, &c, verbose);
			first = false;
		}
		return 0;
	}
	for (uint32_t i = 0; i < rs->nchains; i++) {
		if (rs->chain[i].table != t)
			continue;
		printf(first ? "" : "\n");
		print_chain(rs, &rs->chain[i], verbose);
		first = false;
	}
	return 0;
}
