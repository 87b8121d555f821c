/* IPv4 route lookup. Connected subnets come straight from the interface table (nothing to
 * keep in sync when an address changes); static routes are a small table searched for the
 * longest prefix; the default gateway is last. All addresses host order. */
#include <stdio.h>
#include "net/route.h"

struct route {
	uint32_t dst, mask, gw;
	uint8_t prefix;
};

static struct route routes[ROUTE_MAX];
static unsigned nroutes;
static uint32_t default_gw;

/* The interface whose connected subnet holds addr, or NULL. */
static struct netdev *connected_dev(uint32_t addr)
{
	int n = netdev_count();
	for (int i = 0; i < n; i++) {
		struct netdev *d = netdev_get(i);
		if (d->ip.addr && (addr & d->ip.mask) == (d->ip.addr & d->ip.mask))
			return d;
	}
	return NULL;
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

bool route_lookup(uint32_t dst, struct route_result *r)
{
	struct netdev *d = connected_dev(dst);
	if (!d && dst == 0xffffffffu)
		d = netdev_get(0);          /* limited broadcast: out of the first interface */
	if (d) {
		r->dev = d;
		r->nexthop = dst;
		return true;
	}
	const struct route *best = NULL;
	for (unsigned i = 0; i < nroutes; i++)
		if ((dst & routes[i].mask) == routes[i].dst && (!best || routes[i].prefix > best->prefix))
			best = &routes[i];
	if (best && via(best->gw, r))
		return true;
	return default_gw && via(default_gw, r);
}

int route_add(uint32_t dst, uint8_t prefix, uint32_t gw)
{
	if (nroutes == ROUTE_MAX || prefix > 32)
		return -1;
	uint32_t mask = route_prefix_mask(prefix);
	routes[nroutes++] = (struct route){ dst & mask, mask, gw, prefix };
	return 0;
}

void route_set_default(uint32_t gw) { default_gw = gw; }
uint32_t route_default(void) { return default_gw; }

void route_flush(void)
{
	nroutes = 0;
	default_gw = 0;
}

static void print_addr(uint32_t a)
{
	printf("%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

void route_print(void)
{
	int n = netdev_count();
	for (int i = 0; i < n; i++) {
		struct netdev *d = netdev_get(i);
		if (!d->ip.addr)
			continue;
		print_addr(d->ip.addr & d->ip.mask);
		printf("/%u dev %s src ", d->ip.prefix, d->name);
		print_addr(d->ip.addr);
		printf("\n");
	}
	for (unsigned i = 0; i < nroutes; i++) {
		print_addr(routes[i].dst);
		printf("/%u via ", routes[i].prefix);
		print_addr(routes[i].gw);
		printf("\n");
	}
	if (default_gw) {
		printf("default via ");
		print_addr(default_gw);
		printf("\n");
	}
}
