/* The packet side of the filter: nf_pkt_parse() (length-checked view of one packet at a
 * hook) and nf_rule_match() over a rule's precompiled matches, with the token buckets of
 * -m limit and -m hashlimit. No string work here except interface names. */
#include <string.h>
#include "net/nf_rule.h"
#include "net/conntrack.h"
#include "kernel/time.h"
#include "net/byteorder.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"
#include "net/tcp_proto.h"

static const uint8_t state_bit[4] = { NF_CT_NEW, NF_CT_ESTABLISHED, NF_CT_RELATED, NF_CT_INVALID };

void nf_ct_store(struct netbuf *nb, const struct nf_pkt *p)
{
	uintptr_t v = (uintptr_t)p->ct, st = 1;
	if (!p->ct) {
		nb->ct = NULL;
		return;
	}
	ASSERT((v & 7) == 0);
	for (unsigned i = 0; i < 4; i++)
		if (p->ctstate == state_bit[i])
			st = i;
	nb->ct = (struct ct_entry *)(v | (uintptr_t)(p->ct_dir & 1) | st << 1);
}

static void ct_load(struct nf_pkt *p, const struct netbuf *nb)
{
	uintptr_t v = (uintptr_t)nb->ct;
	p->ct = (struct ct_entry *)(v & ~(uintptr_t)7);
	p->ct_dir = (uint8_t)(v & 1);
	/* no entry: conntrack off (UNTRACKED), or it found the packet unusable (INVALID) */
	p->ctstate = p->ct ? state_bit[(v >> 1) & 3] : ct_enabled() ? NF_CT_INVALID : NF_CT_UNTRACKED;
}

/* The L4 fields a rule can test, when their bytes are there (filter.h: TCP 14 bytes up to
 * the flags, UDP 8, ICMP 4 for type/code and 8 for an echo identifier). */
static void parse_l4(struct nf_pkt *p, const uint8_t *l4)
{
	uint16_t n = p->l4_len;
	switch (p->proto) {
	case IP_PROTO_TCP:
		if (n < 14)
			return;
		p->tcp_flags = l4[13];
		/* fall through */
	case IP_PROTO_UDP:          /* TCP and UDP ports are the first 4 bytes */
		if (n < 8)
			return;
		p->sport = (uint16_t)(l4[0] << 8 | l4[1]);
		p->dport = (uint16_t)(l4[2] << 8 | l4[3]);
		p->l4_ok = true;
		return;
	case IP_PROTO_ICMP:
		if (n < 4)
			return;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		p->l4_ok = true;
		if (n >= 8 && (l4[0] == ICMP_ECHO || l4[0] == ICMP_ECHOREPLY))
			p->sport = p->dport = (uint16_t)(l4[4] << 8 | l4[5]);
		return;
	}
}

int nf_pkt_parse(struct nf_pkt *p, struct netbuf *nb, enum nf_hook hook, struct netdev *in,
		 struct netdev *out)
{
	memset(p, 0, sizeof(*p));
	p->nb = nb;
	p->hook = hook;
	p->in = in;
	p->out = out;
	if (nb->len < IPV4_HLEN_MIN)
		return -1;
	const struct ipv4_hdr *ih = (const struct ipv4_hdr *)nb->data;
	unsigned hlen = (ih->ver_ihl & 0x0f) * 4u;
	if (hlen < IPV4_HLEN_MIN || hlen > nb->len || nb->len > 0xffff)
		return -1;
	p->src = ntohl(ih->saddr);
	p->dst = ntohl(ih->daddr);
	p->proto = ih->proto;
	p->l4_off = (uint16_t)hlen;
	p->l4_len = (uint16_t)(nb->len - hlen);
	p->frag = (ntohs(ih->frag_off) & IPV4_OFFMASK) != 0;
	if (!p->frag)
		parse_l4(p, nb->data + hlen);
	ct_load(p, nb);
	return 0;
}

void nf_bucket_init(struct nf_bucket *b, uint32_t rate, uint32_t unit_s, uint32_t burst)
{
	b->cost = (uint64_t)unit_s * NS_PER_S / rate;
	b->cap = b->cost * burst;
	b->credit = b->cap;
	b->last = 0;
}

/* Refill by the time passed, then take one packet's cost if it is there. */
static bool take(uint64_t *credit, uint64_t *last, uint64_t cost, uint64_t cap, uint64_t now)
{
	if (now > *last) {
		uint64_t c = *credit + (now - *last);
		*credit = c > cap || c < *credit ? cap : c;
	}
	*last = now;
	if (*credit < cost)
		return false;
	*credit -= cost;
	return true;
}

bool nf_bucket_take(struct nf_bucket *b, uint64_t now)
{
	return take(&b->credit, &b->last, b->cost, b->cap, now);
}

/* Per-source bucket: the source's way in its set, or the empty / least recently seen way
 * taken over (NF_HASHLIMIT_WAYS per set bound the memory whatever the sources). */
static bool hashlimit_take(struct nf_hashlimit *h, uint32_t src, uint64_t now)
{
	struct nf_hl_src *set = h->src[(src * 2654435761u) >> 26 & (NF_HASHLIMIT_SETS - 1)], *e = NULL;
	for (unsigned i = 0; i < NF_HASHLIMIT_WAYS; i++) {
		if (set[i].used && set[i].src == src) {
			e = &set[i];
			break;
		}
		if (!e || (e->used && (!set[i].used || set[i].last < e->last)))
			e = &set[i];
	}
	if (!e->used || e->src != src) {
		e->used = true;
		e->src = src;
		e->credit = h->cap;
		e->last = now;
	}
	return take(&e->credit, &e->last, h->cost, h->cap, now);
}

static bool if_match(const struct netdev *d, const char *name, uint8_t len)
{
	return strncmp(d ? d->name : "", name, len) == 0;
}

static bool port_in(uint16_t v, const uint16_t r[2]) { return v >= r[0] && v <= r[1]; }

static bool mport_match(const struct nf_rule *r, const struct nf_pkt *p)
{
	for (unsigned i = 0; i < r->nports; i++) {
		if (r->mp_dir != NF_MP_DST && port_in(p->sport, r->ports[i]))
			return true;
		if (r->mp_dir != NF_MP_SRC && port_in(p->dport, r->ports[i]))
			return true;
	}
	return false;
}

/* A test that fails (taking "!" into account) ends the match. */
#define TEST(bit, cond) \
	do { if ((r->m & (bit)) && !(cond) == !(r->inv & (bit))) return false; } while (0)

#define NF_M_L4 (NF_M_SPORT | NF_M_DPORT | NF_M_MPORT | NF_M_FLAGS | NF_M_ICMP)

/* Does p match r? Cheap address tests first; the rate limits last, so only packets that
 * match everything else spend tokens. */
bool nf_rule_match(struct nf_rule *r, const struct nf_pkt *p, uint64_t now)
{
	TEST(NF_M_SRC, (p->src & r->smask) == r->src);
	TEST(NF_M_DST, (p->dst & r->dmask) == r->dst);
	TEST(NF_M_PROTO, p->proto == r->proto);
	TEST(NF_M_IN, if_match(p->in, r->in, r->inlen));
	TEST(NF_M_OUT, if_match(p->out, r->out, r->outlen));
	/* Header tests never match a packet without that header (a later fragment, a
	 * truncated one), inverted or not, as in Linux's xt_tcpudp. */
	if ((r->m & NF_M_L4) && !p->l4_ok)
		return false;
	TEST(NF_M_SPORT, port_in(p->sport, r->sport));
	TEST(NF_M_DPORT, port_in(p->dport, r->dport));
	TEST(NF_M_MPORT, mport_match(r, p));
	TEST(NF_M_FLAGS, (p->tcp_flags & r->flg_mask) == r->flg_cmp);
	TEST(NF_M_ICMP, r->icmp_type == 255 || (p->icmp_type == r->icmp_type &&
	     p->icmp_code >= r->icmp_code_lo && p->icmp_code <= r->icmp_code_hi));
	TEST(NF_M_CTSTATE | NF_M_STATE, p->ctstate & r->ctstate);
	if ((r->m & NF_M_LIMIT) && !nf_bucket_take(&r->limit, now))
		return false;
	if (r->m & NF_M_HASHLIMIT) {
		struct nf_hashlimit *h = &nf_hl[r->hashlimit];
		if (hashlimit_take(h, p->src, now) == h->above)
			return false;
	}
	return true;
}
