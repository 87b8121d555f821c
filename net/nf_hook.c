/* The hook dispatcher (net/filter.h): at each of the five IPv4 hook points, conntrack, the
 * nat chains for a flow's first packet, nat_apply, and the filter chains, in the order
 * filter.h gives; plus the chain walk (jumps, RETURN, policies, counters) and the fast path
 * that lets established flows skip the walk while the rule set is unchanged. */
#include <stdio.h>
#include "net/nf_rule.h"
#include "net/conntrack.h"
#include "net/nat.h"
#include "kernel/time.h"

/* Builds without conntrack/NAT link against stubs that lack these; ct_enabled() is false
 * there and none of them is reached. */
#pragma weak ct_in
#pragma weak ct_drop_new
#pragma weak ct_flags
#pragma weak ct_set_flags
#pragma weak nat_setup
#pragma weak nat_apply

bool nf_active;
struct nf_stats nf_stats;

static int policy(struct nf_chain *ch, const struct nf_pkt *p)
{
	ch->pkts++;
	ch->bytes += p->nb->len;
	if (ch->policy == NF_DROP)
		nf_stats.drop_policy++;
	return ch->policy;
}

/* Walk chain (and the user chains it jumps to) for p. Returns NF_ACCEPT or NF_DROP, or
 * NF_STOLEN with *nat set when a NAT target fitting this hook matched. */
static int walk(unsigned chain, struct nf_pkt *p, const struct nf_rule **nat, uint64_t now)
{
	struct { uint16_t c; uint32_t i; } stack[NF_MAX_JUMP_DEPTH];
	struct nf_ruleset *rs = nf_rs;
	unsigned sp = 0, c = chain;
	uint32_t i = 0;
	for (;;) {
		struct nf_chain *ch = &rs->chain[c];
		if (ch->idx && i < ch->n)
			i = nf_index_next(ch, p, i);    /* skip rules p cannot match */
		if (i >= ch->n) {
			if (sp == 0)            /* end of a built-in chain */
				return policy(ch, p);
			sp--;
			c = stack[sp].c;
			i = stack[sp].i;
			continue;
		}
		struct nf_rule *r = &ch->rules[i++];
		if (!nf_rule_match(r, p, now))
			continue;
		r->pkts++;
		r->bytes += p->nb->len;
		switch (r->t.kind) {
		case NF_T_NONE:
			break;
		case NF_T_LOG:
			nf_log(r, p, now);
			break;
		case NF_T_ACCEPT:
			return NF_ACCEPT;
		case NF_T_REJECT:
			nf_reject(r, p);
			/* fall through */
		case NF_T_DROP:
			nf_stats.drop_rule++;
			return NF_DROP;
		case NF_T_RETURN:
			i = ch->n;
			break;
		case NF_T_JUMP:
			ASSERT(sp < NF_MAX_JUMP_DEPTH);     /* nf_table.c refuses deeper rule sets */
			stack[sp].c = (uint16_t)c;
			stack[sp].i = i;
			sp++;
			c = r->t.jump;
			i = 0;
			break;
		default:                /* SNAT/MASQUERADE/DNAT/REDIRECT */
			if (nf_chain_check_target(rs, chain, r->t.kind, NULL, 0) == 0) {
				*nat = r;
				return NF_STOLEN;
			}
			break;              /* reached through a user chain at a hook it does not fit */
		}
	}
}

static bool first_packet(const struct nf_pkt *p)
{
	return p->ct && p->ctstate == NF_CT_NEW && p->ct_dir == CT_DIR_ORIG;
}

/* A filter chain, skipped for established packets of a flow once this hook accepted one
 * of its packets under the same rule-set generation: the flow's first packet, or (INPUT and
 * OUTPUT, where a flow passes in one direction only) an established one. The verdict then
 * stands for the flow as with the usual "ESTABLISHED,RELATED -j ACCEPT" first rule; rules
 * on TCP flags or rates see only the packets walked. FORWARD records the first packet only. */
static int filter_stage(struct nf_pkt *p, unsigned chain, uint64_t now)
{
	const struct nf_rule *nat = NULL;
	if (!nf_rs)
		return NF_ACCEPT;
	if (p->ct && p->ctstate == NF_CT_ESTABLISHED && ct_fastpath(p->ct, p->hook, nf_generation)) {
		nf_stats.fastpath++;
		return NF_ACCEPT;
	}
	int v = walk(chain, p, &nat, now);
	if (v == NF_ACCEPT && p->ct && (first_packet(p) ||
	    (p->ctstate == NF_CT_ESTABLISHED && p->hook != NF_FORWARD)))
		ct_set_fastpath(p->ct, p->hook, nf_generation);
	return v;
}

/* The nat chain for a flow's first packet (once per direction of translation: done is
 * CT_F_DNAT_DONE or CT_F_SNAT_DONE, set also when no rule binds: a null binding), then the
 * rewrite of this packet per the flow's bindings. */
static int nat_stage(struct nf_pkt *p, unsigned chain, unsigned done, uint64_t now)
{
	if (!p->ct)
		return NF_ACCEPT;
	if (nf_rs && first_packet(p) && !(ct_flags(p->ct) & done)) {
		const struct nf_rule *r = NULL;
		if (walk(chain, p, &r, now) == NF_STOLEN) {
			/* MASQUERADE and REDIRECT leave the address 0: nat_setup takes the
			 * interface's (net/nat.h) */
			bool src = r->t.kind == NF_T_SNAT || r->t.kind == NF_T_MASQUERADE;
			if (nat_setup(p, src ? NAT_SNAT : NAT_DNAT, &r->t.nat) < 0)
				return NF_DROP;         /* counted in nf_stats.nat_no_port */
		}
		ct_set_flags(p->ct, done);
	}
	nat_apply(p);
	return NF_ACCEPT;
}

/* PREROUTING / OUTPUT: find or create the flow. -1: conntrack says drop (table full). */
static int track(struct nf_pkt *p)
{
	if (!ct_enabled())
		return 0;
	/* A reply built in place of a received packet (ICMP echo) still carries the received
	 * packet's entry: conntrack starts from a clean packet here. */
	p->nb->ct = NULL;
	p->ct = NULL;
	p->ctstate = 0;
	if (ct_in(p) < 0) {
		p->nb->ct = NULL;
		return -1;
	}
	if (p->ctstate & NF_CT_INVALID)
		nf_stats.invalid++;     /* the rules still see it and decide */
	nf_ct_store(p->nb, p);
	return 0;
}

static int run_hook(struct nf_pkt *p, uint64_t now)
{
	int v;
	switch (p->hook) {
	case NF_PREROUTING:
		if (track(p) < 0)
			return NF_DROP;
		return nat_stage(p, NF_C_N_PREROUTING, CT_F_DNAT_DONE, now);
	case NF_INPUT:
		v = filter_stage(p, NF_C_F_INPUT, now);
		return v == NF_ACCEPT ? nat_stage(p, NF_C_N_INPUT, CT_F_SNAT_DONE, now) : v;
	case NF_FORWARD:
		return filter_stage(p, NF_C_F_FORWARD, now);
	case NF_OUTPUT:
		if (track(p) < 0)
			return NF_DROP;
		v = nat_stage(p, NF_C_N_OUTPUT, CT_F_DNAT_DONE, now);
		return v == NF_ACCEPT ? filter_stage(p, NF_C_F_OUTPUT, now) : v;
	case NF_POSTROUTING:
		v = nat_stage(p, NF_C_N_POSTROUTING, CT_F_SNAT_DONE, now);
		p->nb->ct = NULL;       /* the packet leaves the hooks (netbuf.h) */
		return v;
	default:
		ASSERT(0);
	}
}

/* Ownership (filter.h): nb stays the caller's for NF_ACCEPT and NF_DROP. */
int nf_hook(enum nf_hook hook, struct netbuf *nb, struct netdev *in, struct netdev *out)
{
	struct nf_pkt p;
	if (!nf_rs && !ct_enabled())
		return NF_ACCEPT;
	if (nf_pkt_parse(&p, nb, hook, in, out) < 0) {
		nf_stats.invalid++;     /* the IPv4 layer validates first: should not happen */
		return NF_DROP;
	}
	int v = run_hook(&p, time_now_ns());
	if (v == NF_DROP) {
		if (first_packet(&p))
			ct_drop_new(&p);
		nb->ct = NULL;
	}
	return v;
}

void nf_release(struct netbuf *nb)
{
	struct nf_pkt p;
	if (!nb->ct)
		return;
	if (nf_pkt_parse(&p, nb, NF_POSTROUTING, NULL, NULL) == 0 && first_packet(&p))
		ct_drop_new(&p);
	nb->ct = NULL;
}
