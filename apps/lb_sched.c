/* Load balancer scheduler: picks the server for a new connection by one of four algorithms
 * (smooth weighted round-robin, static weighted cycle, least connections, Maglev hashing).
 * Interface in apps/lb.h: lb_sched_init/free/rebuild/pick, lb_sched_eligible. All state
 * lives in struct lb_sched and the servers of its conf; nothing here blocks or allocates
 * after lb_sched_init. */
#include <stdlib.h>
#include <string.h>
#include "apps/lb.h"

#define MAGLEV_NONE 0xff

bool lb_sched_eligible(const struct lb_conf *c, unsigned i, uint64_t exclude)
{
	if (i >= c->nserv)
		return false;
	const struct lb_server *sv = &c->srv[i];
	return sv->health.up && sv->weight > 0 &&
	       (sv->maxconn == 0 || sv->cur_conns < sv->maxconn) && !(exclude >> i & 1);
}

/* Bit i set when server i is eligible now. */
static uint64_t eligible_mask(const struct lb_sched *s, uint64_t exclude)
{
	uint64_t m = 0;
	for (unsigned i = 0; i < s->conf->nserv; i++)
		if (lb_sched_eligible(s->conf, i, exclude))
			m |= (uint64_t)1 << i;
	return m;
}

/* Smooth weighted round-robin (as nginx's): each eligible server gains its weight, the
 * largest is chosen and pays back the total, so weights 5,1,1 give a a b a c a a. */
static int pick_smooth(struct lb_server *srv, unsigned n, uint64_t elig)
{
	int32_t total = 0;
	int best = -1;
	for (unsigned i = 0; i < n; i++) {
		if (!(elig >> i & 1))
			continue;
		srv[i].cur_weight += srv[i].weight;
		total += srv[i].weight;
		if (best < 0 || srv[i].cur_weight > srv[best].cur_weight)
			best = (int)i;
	}
	if (best >= 0)
		srv[best].cur_weight -= total;
	return best;
}

static int pick_static(struct lb_sched *s, uint64_t elig)
{
	for (unsigned k = 0; k < s->cycle_len; k++) {
		unsigned pos = (s->rr_next + k) % s->cycle_len;
		if (elig >> s->cycle[pos] & 1) {
			s->rr_next = (pos + 1) % s->cycle_len;
			return s->cycle[pos];
		}
	}
	return -1;
}

/* Fewest cur_conns per unit of weight: a/wa < b/wb compared as a*wb < b*wa. The scan starts
 * at rr_next so equal loads take turns. */
static int pick_leastconn(struct lb_sched *s, uint64_t elig)
{
	const struct lb_server *srv = s->conf->srv;
	unsigned n = s->conf->nserv;
	int best = -1;
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (s->rr_next + k) % n;
		if (!(elig >> i & 1))
			continue;
		if (best < 0 || (uint64_t)srv[i].cur_conns * srv[best].weight <
				(uint64_t)srv[best].cur_conns * srv[i].weight)
			best = (int)i;
	}
	if (best >= 0)
		s->rr_next = ((unsigned)best + 1) % n;
	return best;
}

/* A 32-bit finaliser (MurmurHash3's fmix32) so nearby client addresses spread over the table. */
static uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Maglev lookup: the client's entry, or the next entries when that server cannot take the
 * connection (maxconn, already tried). The walk is bounded by the table size and only runs
 * when some server is eligible, so it ends at one unless the table is stale. */
static int pick_maglev(struct lb_sched *s, uint32_t client_addr, uint64_t elig)
{
	uint32_t pos = mix32(client_addr) % LB_MAGLEV_M;
	if (!elig)
		return -1;
	for (uint32_t k = 0; k < LB_MAGLEV_M; k++) {
		uint8_t e = s->maglev[pos];
		if (e != MAGLEV_NONE && (elig >> e & 1))
			return e;
		if (++pos == LB_MAGLEV_M)
			pos = 0;
	}
	return -1;
}

int lb_sched_pick(struct lb_sched *s, uint32_t client_addr, uint64_t exclude)
{
	uint64_t elig = eligible_mask(s, exclude);
	switch (s->algo) {
	case LB_ROUNDROBIN: return pick_smooth(s->conf->srv, s->conf->nserv, elig);
	case LB_STATIC_RR:  return pick_static(s, elig);
	case LB_LEASTCONN:  return pick_leastconn(s, elig);
	case LB_MAGLEV:     return pick_maglev(s, client_addr, elig);
	}
	return -1;
}

/* Two independent hashes of the server NAME (FNV-1a with different offset bases, then
 * fmix32), so a server keeps its table positions across restarts and address changes. */
static uint32_t name_hash(const char *name, uint32_t basis)
{
	uint32_t h = basis;
	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	return mix32(h);
}

/* Maglev paper §3.4, Pseudocode 1: every server walks its own permutation
 * (offset + j * skip) mod M and claims the first free entry, in turns, until the table is
 * full. M is prime, so any skip in 1..M-1 visits every entry. Weights: a server of weight w
 * takes w turns per round, so its share of the table is w / total. */
static void maglev_populate(struct lb_sched *s)
{
	const struct lb_conf *c = s->conf;
	uint32_t next[LB_MAX_SERVERS], skip[LB_MAX_SERVERS], filled = 0;
	uint64_t in = 0;
	memset(s->maglev, MAGLEV_NONE, LB_MAGLEV_M);
	for (unsigned i = 0; i < c->nserv; i++) {
		if (!c->srv[i].health.up || c->srv[i].weight == 0)
			continue;
		in |= (uint64_t)1 << i;
		next[i] = name_hash(c->srv[i].name, 2166136261u) % LB_MAGLEV_M;
		skip[i] = name_hash(c->srv[i].name, 0x9747b28cu) % (LB_MAGLEV_M - 1) + 1;
	}
	while (in && filled < LB_MAGLEV_M) {
		for (unsigned i = 0; i < c->nserv && filled < LB_MAGLEV_M; i++) {
			if (!(in >> i & 1))
				continue;
			for (unsigned t = 0; t < c->srv[i].weight && filled < LB_MAGLEV_M; t++) {
				while (s->maglev[next[i]] != MAGLEV_NONE)
					next[i] = (next[i] + skip[i]) % LB_MAGLEV_M;
				s->maglev[next[i]] = (uint8_t)i;
				filled++;
			}
		}
	}
}

/* The static-rr cycle is the smooth WRR sequence of one full period (sum of weights long)
 * over the servers up now, so it interleaves the same way roundrobin does. */
static void static_build(struct lb_sched *s)
{
	const struct lb_conf *c = s->conf;
	struct lb_server tmp[LB_MAX_SERVERS];
	uint64_t in = 0;
	unsigned total = 0;
	for (unsigned i = 0; i < c->nserv; i++) {
		tmp[i] = c->srv[i];
		tmp[i].cur_weight = 0;
		if (c->srv[i].health.up && c->srv[i].weight > 0) {
			in |= (uint64_t)1 << i;
			total += c->srv[i].weight;
		}
	}
	for (unsigned k = 0; k < total; k++)
		s->cycle[k] = (uint16_t)pick_smooth(tmp, c->nserv, in);
	s->cycle_len = total;
	if (s->rr_next >= total)
		s->rr_next = 0;
}

void lb_sched_rebuild(struct lb_sched *s)
{
	struct lb_conf *c = s->conf;
	for (unsigned i = 0; i < c->nserv; i++)
		c->srv[i].cur_weight = 0;
	if (s->algo == LB_STATIC_RR)
		static_build(s);
	else if (s->algo == LB_MAGLEV)
		maglev_populate(s);
}

/* Tables are allocated once at their largest (static cycle: every server at LB_WEIGHT_MAX),
 * so rebuild never allocates and cannot fail. */
int lb_sched_init(struct lb_sched *s, struct lb_conf *conf)
{
	memset(s, 0, sizeof(*s));
	s->conf = conf;
	s->algo = conf->algo;
	if (conf->nserv > LB_MAX_SERVERS)
		return -1;
	if (s->algo == LB_STATIC_RR &&
	    !(s->cycle = malloc(sizeof(*s->cycle) * LB_MAX_SERVERS * LB_WEIGHT_MAX)))
		return -1;
	if (s->algo == LB_MAGLEV && !(s->maglev = malloc(LB_MAGLEV_M)))
		return -1;
	lb_sched_rebuild(s);
	return 0;
}

void lb_sched_free(struct lb_sched *s)
{
	free(s->cycle);
	free(s->maglev);
	s->cycle = NULL;
	s->maglev = NULL;
	s->cycle_len = 0;
}
