/* IPv4 route lookup. Connected subnets come straight from the interface table (nothing to
 * keep in sync when an address changes); static routes live in one chained hash table keyed
 * by (prefix length, network), searched from the longest prefix length in use down, so a
 * lookup stays a handful of probes with thousands of routes. The default gateway is last. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "net/route.h"

#define NIL 0xffffu

struct route {
	uint32_t dst, gw;
	uint8_t prefix;
	uint16_t next;          /* hash chain, or free list; NIL ends it */
};

_Static_assert(ROUTE_MAX < NIL, "route indices fit 16 bits");
_Static_assert((ROUTE_HASH & (ROUTE_HASH - 1)) == 0, "ROUTE_HASH is a power of two");

static struct route *routes;          /* ROUTE_MAX entries, malloc'd on first add */
static uint16_t *bucket;              /* ROUTE_HASH chain heads */
static uint16_t free_head;
static unsigned nroutes;
static unsigned per_len[33];          /* routes of each prefix length */
static uint64_t len_mask;             /* bit p set when per_len[p] != 0 */
static uint32_t default_gw;

static unsigned hash(uint32_t dst, uint8_t prefix)
{
	uint32_t h = (dst ^ ((uint32_t)prefix << 24) ^ prefix) * 0x9e3779b1u;
	return (h ^ (h >> 15)) & (ROUTE_HASH - 1);
}

static void reset_table(void)
{
	for (unsigned i = 0; i < ROUTE_HASH; i++)
		bucket[i] = NIL;
	for (unsigned i = 0; i < ROUTE_MAX; i++)
		routes[i].next = (uint16_t)(i + 1 < ROUTE_MAX ? i + 1 : NIL);
	free_head = 0;
}

static bool table_ready(void)
{
	if (routes)
		return true;
	routes = malloc(ROUTE_MAX * sizeof(*routes));
	bucket = malloc(ROUTE_HASH * sizeof(*bucket));
	if (!routes || !bucket) {
		free(routes);
		free(bucket);
		routes = NULL;
		bucket = NULL;
		return false;
	}
	reset_table();
	return true;
}

/* Index of the entry dst/prefix (dst already masked), or NIL; *link = the pointer to it. */
static uint16_t find(uint32_t dst, uint8_t prefix, uint16_t **link)
{
	uint16_t *l = &bucket[hash(dst, prefix)];
	while (*l != NIL && (routes[*l].dst != dst || routes[*l].prefix != prefix))
		l = &routes[*l].next;
	if (link)
		*link = l;
	return *l;
}

/* The interface whose connected subnet holds addr, longest prefix first, or NULL. */
static struct netdev *connected_dev(uint32_t addr)
{
	struct netdev *best = NULL;
	int n = netdev_count();
	for (int i = 0; i < n; i++) {
		struct netdev *d = netdev_get(i);
		if (d->ip.addr && (addr & d->ip.mask) == (d->ip.addr & d->ip.mask) &&
		    (!best || d->ip.prefix > best->ip.prefix))
			best = d;
	}
	return best;
}

/* A gateway must be directly reachable (RFC 1812 §5.2.4.3: next hop on a connected net). */
static bool via(uint32_t gw, struct route_result *r)
{
	struct netdev *d = connected_dev(gw);
	if (!d)
		return false;
	r->dev = d;
	r->nexthop = gw;
	return true;
}

/* Longest static prefix holding dst, at most max_len long; NULL when none. */
static const struct route *static_lpm(uint32_t dst, int max_len)
{
	if (max_len < 0)
		return NULL;
	/* Only the prefix lengths in use, longest first. */
	for (uint64_t m = len_mask & ((2ull << max_len) - 1); m; ) {
		int p = 63 - __builtin_clzll(m);
		uint16_t i = find(dst & route_prefix_mask((uint8_t)p), (uint8_t)p, NULL);
		if (i != NIL)
			return &routes[i];
		m &= ~(1ull << p);
	}
	return NULL;
}

/* RFC 1812 §5.2.4.3: the longest match wins; a connected subnet beats a static route of the
 * same length (and one whose gateway is unreachable is skipped for a shorter one). */
bool route_lookup(uint32_t dst, struct route_result *r)
{
	struct netdev *d = connected_dev(dst);
	if (!d && dst == 0xffffffffu)
		d = netdev_get(0);          /* limited broadcast: out of the first interface */
	int max_len = 32;
	for (;;) {
		const struct route *s = static_lpm(dst, max_len);
		if (d && (!s || s->prefix <= d->ip.prefix)) {
			r->dev = d;
			r->nexthop = dst;
			return true;
		}
		if (!s)
			break;
		if (via(s->gw, r))
			return true;
		max_len = s->prefix - 1;
	}
	return default_gw && via(default_gw, r);
}

int route_add(uint32_t dst, uint8_t prefix, uint32_t gw)
{
	if (prefix > 32 || gw == 0 || !table_ready())
		return -1;
	dst &= route_prefix_mask(prefix);
	uint16_t *link;
	uint16_t i = find(dst, prefix, &link);
	if (i != NIL) {
		routes[i].gw = gw;
		return 0;
	}
	if (free_head == NIL)
		return -1;                  /* ROUTE_MAX reached */
	i = free_head;
	free_head = routes[i].next;
	routes[i] = (struct route){ dst, gw, prefix, NIL };
	*link = i;
	nroutes++;
	per_len[prefix]++;
	len_mask |= 1ull << prefix;
	return 0;
}

int route_del(uint32_t dst, uint8_t prefix)
{
	if (prefix > 32 || !routes)
		return -1;
	uint16_t *link;
	uint16_t i = find(dst & route_prefix_mask(prefix), prefix, &link);
	if (i == NIL)
		return -1;
	*link = routes[i].next;
	routes[i].next = free_head;
	free_head = i;
	nroutes--;
	if (--per_len[prefix] == 0)
		len_mask &= ~(1ull << prefix);
	return 0;
}

unsigned route_count(void) { return nroutes; }
void route_set_default(uint32_t gw) { default_gw = gw; }
uint32_t route_default(void) { return default_gw; }

void route_flush(void)
{
	if (routes)
		reset_table();
	nroutes = 0;
	len_mask = 0;
	for (unsigned p = 0; p <= 32; p++)
		per_len[p] = 0;
	default_gw = 0;
}

/* Up to max decimal digits, value <= lim, at *p; advances *p. */
static bool parse_num(const char **p, unsigned max, unsigned lim, unsigned *v)
{
	unsigned n = 0, d = 0;
	while (d < max && (*p)[d] >= '0' && (*p)[d] <= '9')
		n = n * 10 + (unsigned)((*p)[d++] - '0');
	if (d == 0 || ((*p)[d] >= '0' && (*p)[d] <= '9') || n > lim)
		return false;
	*p += d;
	*v = n;
	return true;
}

static bool parse_addr(const char **p, uint32_t *a)
{
	unsigned o;
	*a = 0;
	for (int i = 0; i < 4; i++) {
		if ((i && *(*p)++ != '.') || !parse_num(p, 3, 255, &o))
			return false;
		*a = *a << 8 | o;
	}
	return true;
}

int route_parse(const char *s, uint32_t *dst, uint8_t *prefix, uint32_t *gw)
{
	unsigned pl = 0;
	if (!strncmp(s, "default", 7)) {
		s += 7;
		*dst = 0;
	} else if (!parse_addr(&s, dst) || *s++ != '/' || !parse_num(&s, 2, 32, &pl)) {
		return -1;
	}
	if (!strncmp(s, ",via=", 5))
		s += 5;
	else if (!strncmp(s, " via ", 5))
		s += 5;
	else
		return -1;
	if (!parse_addr(&s, gw) || *s != '\0' || *gw == 0)
		return -1;
	*prefix = (uint8_t)pl;
	return (*dst & ~route_prefix_mask(*prefix)) ? -1 : 0;
}

static void print_addr(uint32_t a)
{
	printf("%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void print_via(uint32_t gw)
{
	struct route_result r;
	printf(" via ");
	print_addr(gw);
	if (via(gw, &r))
		printf(" dev %s", r.dev->name);
	else
		printf(" unreachable");     /* the gateway is on no connected subnet (yet) */
	printf("\n");
}

static int by_addr(const void *a, const void *b)
{
	const struct route *x = &routes[*(const uint16_t *)a], *y = &routes[*(const uint16_t *)b];
	if (x->dst != y->dst)
		return x->dst < y->dst ? -1 : 1;
	return (int)x->prefix - (int)y->prefix;
}

/* Static routes sorted by network then prefix length (Linux's order); unsorted when the
 * index array cannot be allocated. */
static void print_static(void)
{
	uint16_t *idx = malloc((nroutes ? nroutes : 1) * sizeof(*idx));
	unsigned n = 0;
	for (unsigned b = 0; b < ROUTE_HASH && nroutes; b++)
		for (uint16_t i = bucket[b]; i != NIL; i = routes[i].next) {
			if (idx)
				idx[n++] = i;
			else {
				print_addr(routes[i].dst);
				printf("/%u", routes[i].prefix);
				print_via(routes[i].gw);
			}
		}
	if (idx)
		qsort(idx, n, sizeof(*idx), by_addr);
	for (unsigned k = 0; idx && k < n; k++) {
		print_addr(routes[idx[k]].dst);
		printf("/%u", routes[idx[k]].prefix);
		print_via(routes[idx[k]].gw);
	}
	free(idx);
}

void route_print(void)
{
	if (default_gw) {
		printf("default");
		print_via(default_gw);
	}
	int n = netdev_count();
	for (int i = 0; i < n; i++) {
		struct netdev *d = netdev_get(i);
		if (!d->ip.addr)
			continue;
		print_addr(d->ip.addr & d->ip.mask);
		printf("/%u dev %s proto kernel scope link src ", d->ip.prefix, d->name);
		print_addr(d->ip.addr);
		printf("\n");
	}
	print_static();
}
