/* Destination-port index of a long chain, so the walk for a new flow does not test every
 * rule (DESIGN.md: firewall cost sublinear in the rules for new flows). A rule is indexed
 * when it tests one TCP or UDP destination port, not inverted: it can only match packets of
 * that protocol and port, so skipping it for any other packet changes nothing (no counter,
 * no token spent: rate limits are tested last). The walk visits, in rule order, the union
 * of the chain's other rules and the rules indexed under the packet's protocol and port. */
#include <stdlib.h>
#include <string.h>
#include "net/nf_rule.h"
#include "net/proto/ipv4.h"

uint32_t nf_index_min = NF_INDEX_MIN;

struct nf_index {
	uint32_t ngeneric, nslots;      /* nslots: a power of two, at least twice the keys */
	uint32_t *generic;              /* rules not indexed, ascending */
	uint32_t *key, *off, *cnt;      /* open addressing by key + 1 (0: empty slot) */
	uint32_t *list;                 /* indexed rules grouped by key, ascending in a group */
};

static bool indexable(const struct nf_rule *r)
{
	return (r->m & NF_M_PROTO) && (r->m & NF_M_DPORT) && !(r->inv & (NF_M_PROTO | NF_M_DPORT)) &&
	       (r->proto == IP_PROTO_TCP || r->proto == IP_PROTO_UDP) && r->dport[0] == r->dport[1];
}

static uint32_t key_of(uint8_t proto, uint16_t port) { return (uint32_t)proto << 16 | port; }

static uint32_t *slot(const struct nf_index *x, uint32_t key)
{
	uint32_t i = (key * 2654435761u) & (x->nslots - 1);
	while (x->key[i] && x->key[i] != key + 1)
		i = (i + 1) & (x->nslots - 1);
	return &x->key[i];
}

void nf_index_free(struct nf_chain *c)
{
	free(c->idx);
	c->idx = NULL;
}

/* Build c's index (one allocation). Chains shorter than nf_index_min, and any chain when
 * memory is short, keep none and are walked rule by rule: same verdicts, only slower. */
void nf_index_build(struct nf_chain *c)
{
	uint32_t nidx = 0, nslots = 8;
	nf_index_free(c);
	if (c->n < nf_index_min)
		return;
	for (uint32_t i = 0; i < c->n; i++)
		nidx += indexable(&c->rules[i]);
	while (nslots < 2 * nidx)
		nslots *= 2;
	size_t words = (c->n - nidx) + 3 * (size_t)nslots + nidx;
	struct nf_index *x = calloc(1, sizeof(*x) + words * sizeof(uint32_t));
	if (!x)
		return;
	x->nslots = nslots;
	x->generic = (uint32_t *)(x + 1);
	x->key = x->generic + (c->n - nidx);
	x->off = x->key + nslots;
	x->cnt = x->off + nslots;
	x->list = x->cnt + nslots;
	for (uint32_t i = 0; i < c->n; i++) {   /* count per key */
		const struct nf_rule *r = &c->rules[i];
		if (!indexable(r)) {
			x->generic[x->ngeneric++] = i;
			continue;
		}
		uint32_t *k = slot(x, key_of(r->proto, r->dport[0]));
		*k = key_of(r->proto, r->dport[0]) + 1;
		x->cnt[k - x->key]++;
	}
	for (uint32_t s = 0, o = 0; s < nslots; s++) {
		x->off[s] = o;
		o += x->cnt[s];
		x->cnt[s] = 0;
	}
	for (uint32_t i = 0; i < c->n; i++) {   /* fill in rule order */
		const struct nf_rule *r = &c->rules[i];
		if (!indexable(r))
			continue;
		uint32_t s = (uint32_t)(slot(x, key_of(r->proto, r->dport[0])) - x->key);
		x->list[x->off[s] + x->cnt[s]++] = i;
	}
	c->idx = x;
}

/* First entry >= i in the ascending array a of n, or UINT32_MAX. */
static uint32_t lower_bound(const uint32_t *a, uint32_t n, uint32_t i)
{
	uint32_t lo = 0, hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (a[mid] < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n ? a[lo] : UINT32_MAX;
}

/* The next rule at or after i that p could match (c->n when none is left). */
uint32_t nf_index_next(const struct nf_chain *c, const struct nf_pkt *p, uint32_t i)
{
	const struct nf_index *x = c->idx;
	uint32_t best = lower_bound(x->generic, x->ngeneric, i);
	if (p->l4_ok && (p->proto == IP_PROTO_TCP || p->proto == IP_PROTO_UDP)) {
		uint32_t *k = slot(x, key_of(p->proto, p->dport));
		if (*k) {
			uint32_t s = (uint32_t)(k - x->key);
			uint32_t j = lower_bound(x->list + x->off[s], x->cnt[s], i);
			best = j < best ? j : best;
		}
	}
	return best < c->n ? best : c->n;
}
