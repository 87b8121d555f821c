/* Connection tracking (net/conntrack.h): a fixed table of entries allocated at ct_init, each
 * hashed under both its tuples (SipHash-2-4 with a boot-time key), a free list, and two age
 * lists (unassured, assured; least recently used first) so early drop is O(1). Entries expire
 * lazily on lookup and by a periodic sweep of bounded work. TCP state lives in net/ct_tcp.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/ct_priv.h"
#include "net/byteorder.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"
#include "net/tcp_proto.h"
#include "kernel/time.h"
#include "kernel/timer.h"

/* Linux defaults (nf_conntrack_udp_timeout{,_stream}, icmp_timeout, generic_timeout) */
#define CT_UDP_TIMEOUT_S        30
#define CT_UDP_STREAM_TIMEOUT_S 120
#define CT_ICMP_TIMEOUT_S       30
#define CT_GENERIC_TIMEOUT_S    600
#define CT_UDP_ASSURE_PKTS      2       /* packets each way before a UDP flow is assured */
#define CT_SWEEP_PERIOD_NS      NS_PER_S
#define CT_SWEEP_BUDGET         1024u   /* entries examined per sweep tick */
#define CT_MIN_BUCKETS          16u
#define CT_MAX_ENTRIES          (1u << 26) /* ct_init refuses more: index * 2 + dir fits */

enum { AGE_UNASSURED, AGE_ASSURED };

static struct ct_entry *tab;
static uint32_t *bucket;
static uint32_t bucket_mask, max_entries, nused, free_head, sweep_pos;
static struct { uint32_t head, tail; } age[2];
static uint64_t key0 = 0x9ae16a3b2f90404full, key1;
static bool key_set;
static struct timer sweep_timer;

/* ---- hashing ---------------------------------------------------------------------- */

static inline uint64_t rotl(uint64_t x, unsigned b) { return x << b | x >> (64 - b); }

static void sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
	v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
}

/* SipHash-2-4 (Aumasson & Bernstein 2012) of a 16-byte message m[0], m[1]. */
static uint64_t siphash16(uint64_t m0, uint64_t m1)
{
	uint64_t v[4] = { key0 ^ 0x736f6d6570736575ull, key1 ^ 0x646f72616e646f6dull,
			  key0 ^ 0x6c7967656e657261ull, key1 ^ 0x7465646279746573ull };
	uint64_t m[3] = { m0, m1, 16ull << 56 };
	for (int i = 0; i < 3; i++) {
		v[3] ^= m[i];
		sipround(v);
		sipround(v);
		v[0] ^= m[i];
	}
	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint32_t hash(const struct ct_tuple *t)
{
	uint64_t m0 = (uint64_t)t->src << 32 | t->dst;
	uint64_t m1 = (uint64_t)t->sport << 32 | (uint64_t)t->dport << 16 | t->proto;
	return (uint32_t)siphash16(m0, m1) & bucket_mask;
}

static bool tuple_eq(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto;
}

static struct ct_tuple invert(const struct ct_tuple *t)
{
	struct ct_tuple r = { t->dst, t->src, t->dport, t->sport, t->proto };
	return r;
}

/* ---- table: hash chains, age lists, free list --------------------------------------- */

static void hash_link(uint32_t i, int dir)
{
	uint32_t *head = &bucket[hash(&tab[i].tuple[dir])];
	tab[i].hnext[dir] = *head;
	*head = i * 2 + (uint32_t)dir;
}

static void hash_unlink(uint32_t i, int dir)
{
	uint32_t *pp = &bucket[hash(&tab[i].tuple[dir])], me = i * 2 + (uint32_t)dir;
	while (*pp != me) {
		ASSERT(*pp != CT_NIL);  /* a used entry is always on its chains */
		pp = &tab[*pp >> 1].hnext[*pp & 1];
	}
	*pp = tab[i].hnext[dir];
}

static unsigned age_list(const struct ct_entry *ct)
{
	return ct->flags & CT_F_ASSURED ? AGE_ASSURED : AGE_UNASSURED;
}

static void age_remove(uint32_t i)
{
	struct ct_entry *ct = &tab[i];
	unsigned l = age_list(ct);
	if (ct->prev != CT_NIL) tab[ct->prev].next = ct->next; else age[l].head = ct->next;
	if (ct->next != CT_NIL) tab[ct->next].prev = ct->prev; else age[l].tail = ct->prev;
}

static void age_append(uint32_t i)
{
	struct ct_entry *ct = &tab[i];
	unsigned l = age_list(ct);
	ct->next = CT_NIL;
	ct->prev = age[l].tail;
	if (age[l].tail != CT_NIL) tab[age[l].tail].next = i; else age[l].head = i;
	age[l].tail = i;
}

static void entry_free(uint32_t i)
{
	ASSERT(tab[i].used);
	hash_unlink(i, CT_DIR_ORIG);
	hash_unlink(i, CT_DIR_REPLY);
	age_remove(i);
	tab[i].used = false;
	tab[i].next = free_head;
	free_head = i;
	nused--;
}

/* The entry holding tuple t in either direction, or CT_NIL; an expired one is freed here. */
static uint32_t find(const struct ct_tuple *t, uint64_t now, int *dir)
{
	for (uint32_t n = bucket[hash(t)]; n != CT_NIL; n = tab[n >> 1].hnext[n & 1]) {
		struct ct_entry *ct = &tab[n >> 1];
		if (!tuple_eq(&ct->tuple[n & 1], t))
			continue;
		if (ct->expires <= now) {
			entry_free(n >> 1);     /* tuples are unique: nothing else matches */
			return CT_NIL;
		}
		*dir = (int)(n & 1);
		return n >> 1;
	}
	return CT_NIL;
}

/* A free slot; when there is none, the least recently used unassured entry goes (counted as
 * an early drop unless it had expired anyway), else an expired assured one. */
static uint32_t entry_alloc(uint64_t now)
{
	if (free_head == CT_NIL) {
		uint32_t v = age[AGE_UNASSURED].head;
		if (v == CT_NIL) {
			v = age[AGE_ASSURED].head;
			if (v == CT_NIL || tab[v].expires > now) {
				nf_stats.ct_table_full++;
				return CT_NIL;
			}
		} else if (tab[v].expires > now) {
			nf_stats.ct_early_drop++;
		}
		entry_free(v);
	}
	uint32_t i = free_head;
	free_head = tab[i].next;
	return i;
}

static void sweep(struct timer *t)
{
	uint64_t now = time_now_ns();
	(void)t;
	for (uint32_t n = 0; n < CT_SWEEP_BUDGET && n < max_entries; n++) {
		uint32_t i = sweep_pos;
		sweep_pos = sweep_pos + 1 < max_entries ? sweep_pos + 1 : 0;
		if (tab[i].used && tab[i].expires <= now)
			entry_free(i);
	}
}

static void table_release(void)
{
	timer_cancel(&sweep_timer);
	free(tab);
	free(bucket);
	tab = NULL;
	bucket = NULL;
	max_entries = nused = 0;
}

static void table_reset(void)
{
	for (uint32_t b = 0; b <= bucket_mask; b++)
		bucket[b] = CT_NIL;
	for (uint32_t i = 0; i < max_entries; i++) {
		tab[i].used = false;
		tab[i].next = i + 1 < max_entries ? i + 1 : CT_NIL;
	}
	free_head = 0;
	nused = sweep_pos = 0;
	age[0].head = age[0].tail = age[1].head = age[1].tail = CT_NIL;
}

int ct_init(unsigned max)
{
	if (tab)
		table_release();
	if (max == 0)
		return 0;
	if (max > CT_MAX_ENTRIES)
		return -1;
	uint32_t nb = CT_MIN_BUCKETS;
	while (nb < max)
		nb <<= 1;
	tab = calloc(max, sizeof(*tab));
	bucket = malloc(nb * sizeof(*bucket));
	if (!tab || !bucket) {
		table_release();
		return -1;
	}
	if (!key_set)           /* no boot-random seed given: at least differ per boot */
		ct_set_seed(time_now_ns() ^ (uint64_t)(uintptr_t)tab);
	bucket_mask = nb - 1;
	max_entries = max;
	table_reset();
	timer_init(&sweep_timer, sweep);
	timer_arm_periodic(&sweep_timer, CT_SWEEP_PERIOD_NS);
	return 0;
}

void ct_set_seed(uint64_t seed)
{
	key0 = seed;
	key1 = seed * 0x9e3779b97f4a7c15ull ^ 0x5851f42d4c957f2dull;
	key_set = true;
	if (!tab)
		return;
	for (uint32_t b = 0; b <= bucket_mask; b++)     /* rehash under the new key */
		bucket[b] = CT_NIL;
	for (uint32_t i = 0; i < max_entries; i++)
		if (tab[i].used) {
			hash_link(i, CT_DIR_ORIG);
			hash_link(i, CT_DIR_REPLY);
		}
}

bool ct_enabled(void) { return tab != NULL; }
unsigned ct_count(void) { return nused; }

void ct_flush(void)
{
	if (tab)
		table_reset();
}

/* ---- per-packet ----------------------------------------------------------------------- */

static bool icmp_is_error(uint8_t type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH || type == ICMP_REDIRECT ||
	       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
}

/* The reply type of a query (RFC 792: echo 8→0, timestamp 13→14); 0xff for others. */
static uint8_t icmp_reply_type(uint8_t type)
{
	return type == ICMP_ECHO ? ICMP_ECHOREPLY : type == ICMP_TIMESTAMP ? ICMP_TIMESTAMPREPLY : 0xff;
}

static bool icmp_is_query(uint8_t type)
{
	return icmp_reply_type(type) != 0xff || type == ICMP_ECHOREPLY || type == ICMP_TIMESTAMPREPLY;
}

/* The tuple of a packet (ports or ICMP identifier), or -1 when the L4 bytes it needs are
 * not all there. nf_pkt_parse sets sport = dport = identifier for echo only, so ICMP reads
 * the identifier itself (timestamp messages carry it at the same place, RFC 792). */
static int pkt_tuple(const struct nf_pkt *p, struct ct_tuple *t)
{
	memset(t, 0, sizeof(*t));
	t->src = p->src;
	t->dst = p->dst;
	t->proto = p->proto;
	switch (p->proto) {
	case IP_PROTO_TCP:
	case IP_PROTO_UDP:
		if (!p->l4_ok)
			return -1;
		t->sport = p->sport;
		t->dport = p->dport;
		return 0;
	case IP_PROTO_ICMP: {
		const uint8_t *l4 = p->nb->data + p->l4_off;
		if (p->l4_len < ICMP_HLEN || !icmp_is_query(l4[0]))
			return -1;
		t->sport = t->dport = (uint16_t)(l4[4] << 8 | l4[5]);
		return 0;
	}
	default:
		return 0;
	}
}

/* The flow an ICMP error is about (RFC 792 / RFC 1812 §4.3.2.3: it quotes the IPv4 header
 * and at least 8 bytes of the offending datagram): that datagram travelled the other way,
 * so its tuple inverted is what the error's own direction looks like. */
static int quoted_tuple(const struct nf_pkt *p, struct ct_tuple *t)
{
	const uint8_t *in = p->nb->data + p->l4_off + ICMP_HLEN;
	unsigned avail = p->l4_len >= ICMP_HLEN ? p->l4_len - ICMP_HLEN : 0;
	if (avail < IPV4_HLEN_MIN || (in[0] >> 4) != 4)
		return -1;
	unsigned ihl = (in[0] & 0x0f) * 4u;
	if (ihl < IPV4_HLEN_MIN || ihl + 8 > avail)
		return -1;      /* truncated: the 8 bytes of ports or identifier are missing */
	if ((in[6] << 8 | in[7]) & IPV4_OFFMASK)
		return -1;      /* a non-first fragment quotes no L4 header */
	const uint8_t *l4 = in + ihl;
	memset(t, 0, sizeof(*t));
	t->src = (uint32_t)in[12] << 24 | in[13] << 16 | in[14] << 8 | in[15];
	t->dst = (uint32_t)in[16] << 24 | in[17] << 16 | in[18] << 8 | in[19];
	t->proto = in[9];
	if (t->proto == IP_PROTO_TCP || t->proto == IP_PROTO_UDP) {
		t->sport = (uint16_t)(l4[0] << 8 | l4[1]);
		t->dport = (uint16_t)(l4[2] << 8 | l4[3]);
	} else if (t->proto == IP_PROTO_ICMP) {
		if (!icmp_is_query(l4[0]))
			return -1;  /* RFC 1122 §3.2.2: no error about an error */
		t->sport = t->dport = (uint16_t)(l4[4] << 8 | l4[5]);
	}
	return 0;
}

static void related(struct nf_pkt *p, uint64_t now)
{
	struct ct_tuple q, r;
	int dir;
	if (quoted_tuple(p, &q) < 0)
		return;
	r = invert(&q);
	uint32_t i = find(&r, now, &dir);
	if (i == CT_NIL) {
		/* An error we generate ourselves (TTL exceeded when forwarding) quotes the
		 * datagram before source NAT: it matches a tuple as it is, and the error goes
		 * back the other way. Only at OUTPUT: from outside, only translated quotes. */
		if (p->hook != NF_OUTPUT)
			return;
		i = find(&q, now, &dir);
		if (i == CT_NIL)
			return;
		dir = !dir;
	}
	p->ct = &tab[i];
	p->ct_dir = (uint8_t)dir;
	p->ctstate = NF_CT_RELATED;
}

/* Only these open a flow: a SYN (no mid-stream pickup), an ICMP query, any UDP or other. */
static bool may_create(const struct nf_pkt *p, const struct ct_seg *s)
{
	if (p->proto == IP_PROTO_TCP)
		return (s->flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) == TCP_SYN;
	if (p->proto == IP_PROTO_ICMP)
		return icmp_reply_type(p->nb->data[p->l4_off]) != 0xff;
	return true;
}

/* New entry for tuple t; CT_NIL when its reply tuple is another flow's (a NAT mapping took
 * it: the packet is INVALID) or the table is full with nothing to evict (counted). */
static uint32_t entry_new(const struct ct_tuple *t, const struct nf_pkt *p,
			  const struct ct_seg *s, uint64_t now)
{
	struct ct_tuple r = invert(t);
	int d;
	if (find(&r, now, &d) != CT_NIL)
		return CT_NIL;
	uint32_t i = entry_alloc(now);
	if (i == CT_NIL)
		return CT_NIL;
	struct ct_entry *ct = &tab[i];
	memset(ct, 0, sizeof(*ct));
	ct->tuple[CT_DIR_ORIG] = *t;
	ct->tuple[CT_DIR_REPLY] = r;
	ct->used = true;
	ct->expires = now;
	if (p->proto == IP_PROTO_TCP)
		ct_tcp_new(ct, s);
	if (p->proto == IP_PROTO_ICMP) {
		ct->icmp_type = p->nb->data[p->l4_off];
		ct->icmp_code = p->nb->data[p->l4_off + 1];
	}
	hash_link(i, CT_DIR_ORIG);
	hash_link(i, CT_DIR_REPLY);
	age_append(i);
	nused++;
	return i;
}

/* Per protocol: is the packet acceptable in this flow, and the entry's new timeout.
 * Returns false for INVALID (the entry is left as it was). */
static bool proto_update(struct ct_entry *ct, int dir, const struct nf_pkt *p,
			 const struct ct_seg *s, uint64_t *timeout)
{
	switch (p->proto) {
	case IP_PROTO_TCP:
		switch (ct_tcp_packet(ct, dir, s)) {
		case CT_TCP_BAD:
			return false;
		case CT_TCP_IGNORE:
			*timeout = 0;   /* no refresh */
			return true;
		default:
			*timeout = ct_tcp_timeout(ct->tcp_state);
			return true;
		}
	case IP_PROTO_UDP:
		*timeout = (uint64_t)(ct->flags & CT_F_REPLIED || dir == CT_DIR_REPLY ?
				      CT_UDP_STREAM_TIMEOUT_S : CT_UDP_TIMEOUT_S) * NS_PER_S;
		return true;
	case IP_PROTO_ICMP: {
		uint8_t want = dir == CT_DIR_ORIG ? ct->icmp_type : icmp_reply_type(ct->icmp_type);
		*timeout = (uint64_t)CT_ICMP_TIMEOUT_S * NS_PER_S;
		return p->nb->data[p->l4_off] == want;
	}
	default:
		*timeout = (uint64_t)CT_GENERIC_TIMEOUT_S * NS_PER_S;
		return true;
	}
}

static bool now_assured(const struct ct_entry *ct, uint8_t proto)
{
	if (!(ct->flags & CT_F_REPLIED))
		return false;
	if (proto == IP_PROTO_TCP)
		return ct->tcp_state >= CT_TCP_ESTABLISHED;
	if (proto == IP_PROTO_UDP)
		return ct->pkts[0] >= CT_UDP_ASSURE_PKTS && ct->pkts[1] >= CT_UDP_ASSURE_PKTS;
	return false;
}

static void update(uint32_t i, int dir, struct nf_pkt *p, const struct ct_seg *s, uint64_t now)
{
	struct ct_entry *ct = &tab[i];
	uint64_t timeout;
	p->ct = ct;
	p->ct_dir = (uint8_t)dir;
	if (!proto_update(ct, dir, p, s, &timeout)) {
		p->ctstate = NF_CT_INVALID;
		return;
	}
	if (timeout) {
		if (ct->pkts[dir] != UINT16_MAX)
			ct->pkts[dir]++;
		age_remove(i);
		if (dir == CT_DIR_REPLY)
			ct->flags |= CT_F_REPLIED;
		if (now_assured(ct, p->proto))
			ct->flags |= CT_F_ASSURED;
		age_append(i);          /* most recently used: last to be evicted */
		ct->expires = now + timeout;
	}
	p->ctstate = ct->flags & CT_F_REPLIED ? NF_CT_ESTABLISHED : NF_CT_NEW;
}

/* RFC 9293 §3.10.7.4 / Linux: a new SYN for a closed or TIME_WAIT flow starts it again. */
static bool tcp_reopens(const struct ct_entry *ct, const struct ct_seg *s)
{
	return (s->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
	       (ct->tcp_state == CT_TCP_TIME_WAIT || ct->tcp_state == CT_TCP_CLOSE);
}

int ct_in(struct nf_pkt *p)
{
	uint64_t now = time_now_ns();
	struct ct_tuple t;
	struct ct_seg s = { 0 };
	int dir = CT_DIR_ORIG;

	p->ct = NULL;
	p->ct_dir = CT_DIR_ORIG;
	if (!tab) {
		p->ctstate = NF_CT_UNTRACKED;
		return 0;
	}
	p->ctstate = NF_CT_INVALID;     /* until a flow accepts it */
	if (p->frag)
		return 0;
	if (p->proto == IP_PROTO_ICMP && p->l4_ok && icmp_is_error(p->icmp_type)) {
		related(p, now);
		return 0;
	}
	if (pkt_tuple(p, &t) < 0 || (p->proto == IP_PROTO_TCP && ct_tcp_parse(p, &s) < 0))
		return 0;
	uint32_t i = find(&t, now, &dir);
	if (i != CT_NIL && p->proto == IP_PROTO_TCP && tcp_reopens(&tab[i], &s)) {
		entry_free(i);
		i = CT_NIL;
	}
	if (i == CT_NIL) {
		if (!may_create(p, &s))
			return 0;
		uint64_t full = nf_stats.ct_table_full;
		i = entry_new(&t, p, &s, now);
		if (i == CT_NIL)
			return nf_stats.ct_table_full != full ? -1 : 0;
		dir = CT_DIR_ORIG;
	}
	update(i, dir, p, &s, now);
	return 0;
}

void ct_drop_new(struct nf_pkt *p)
{
	struct ct_entry *ct = p->ct;
	if (!ct || !tab || !ct->used || ct->pkts[0] + ct->pkts[1] > 1)
		return;
	entry_free((uint32_t)(ct - tab));
	p->ct = NULL;
}

/* ---- accessors ------------------------------------------------------------------------ */

const struct ct_tuple *ct_tuple(const struct ct_entry *ct, int dir)
{
	return &ct->tuple[dir & 1];
}

int ct_set_reply_tuple(struct ct_entry *ct, const struct ct_tuple *t)
{
	uint32_t i = (uint32_t)(ct - tab);
	int d;
	if (tuple_eq(&ct->tuple[CT_DIR_REPLY], t))
		return 0;
	uint32_t other = find(t, time_now_ns(), &d);
	if (other != CT_NIL && other != i)
		return -1;
	hash_unlink(i, CT_DIR_REPLY);
	ct->tuple[CT_DIR_REPLY] = *t;
	hash_link(i, CT_DIR_REPLY);
	return 0;
}

bool ct_tuple_taken(const struct ct_tuple *reply)
{
	int d;
	return tab && find(reply, time_now_ns(), &d) != CT_NIL;
}

unsigned ct_flags(const struct ct_entry *ct) { return ct->flags; }

void ct_set_flags(struct ct_entry *ct, unsigned flags)
{
	uint32_t i = (uint32_t)(ct - tab);
	age_remove(i);          /* CT_F_ASSURED moves it between the age lists */
	ct->flags |= (uint8_t)flags;
	age_append(i);
}

void ct_set_fastpath(struct ct_entry *ct, enum nf_hook h, uint32_t gen)
{
	if (ct->fp_gen != gen) {
		ct->fp_gen = gen;
		ct->fp_hooks = 0;
	}
	ct->fp_hooks |= (uint8_t)(1u << h);
}

bool ct_fastpath(const struct ct_entry *ct, enum nf_hook h, uint32_t gen)
{
	return ct->fp_gen == gen && (ct->fp_hooks & (1u << h));
}

/* ---- conntrack -L ---------------------------------------------------------------------- */

static void print_addr(const char *k, uint32_t a)
{
	printf("%s=%u.%u.%u.%u ", k, a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void print_tuple(const struct ct_entry *ct, int dir)
{
	const struct ct_tuple *t = &ct->tuple[dir];
	print_addr("src", t->src);
	print_addr("dst", t->dst);
	if (t->proto == IP_PROTO_TCP || t->proto == IP_PROTO_UDP)
		printf("sport=%u dport=%u ", t->sport, t->dport);
	else if (t->proto == IP_PROTO_ICMP)
		printf("type=%u code=%u id=%u ", dir == CT_DIR_ORIG ? ct->icmp_type :
		       icmp_reply_type(ct->icmp_type), ct->icmp_code, t->sport);
}

static const char *proto_name(uint8_t proto)
{
	return proto == IP_PROTO_TCP ? "tcp" : proto == IP_PROTO_UDP ? "udp" :
	       proto == IP_PROTO_ICMP ? "icmp" : "unknown";
}

void ct_print(void)
{
	uint64_t now = time_now_ns();
	unsigned n = 0;
	for (uint32_t i = 0; i < max_entries; i++) {
		const struct ct_entry *ct = &tab[i];
		if (!ct->used || ct->expires <= now)
			continue;
		uint8_t proto = ct->tuple[0].proto;
		printf("%-8s %u %llu ", proto_name(proto), proto,
		       (unsigned long long)((ct->expires - now) / NS_PER_S));
		if (proto == IP_PROTO_TCP)
			printf("%s ", ct_tcp_state_name(ct->tcp_state));
		print_tuple(ct, CT_DIR_ORIG);
		if (!(ct->flags & CT_F_REPLIED))
			printf("[UNREPLIED] ");
		print_tuple(ct, CT_DIR_REPLY);
		if (ct->flags & CT_F_ASSURED)
			printf("[ASSURED] ");
		printf("mark=0 use=1\n");
		n++;
	}
	printf("conntrack v1.4.7 (conntrack-tools): %u flow entries have been shown.\n", n);
}
