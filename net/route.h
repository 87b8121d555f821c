/* IPv4 routing: the connected subnet of every configured interface, up to ROUTE_MAX static
 * routes (longest prefix match over per-prefix-length hash tables), then the default gateway.
 * Addresses in host byte order. */
#ifndef NET_ROUTE_H
#define NET_ROUTE_H

#include "net/compiler.h"
#include "net/netdev.h"

/* Static routes: a named limit. The table (ROUTE_MAX entries + ROUTE_HASH buckets, about
 * 64 KiB) is allocated on the first route_add(); a full table makes route_add() return -1
 * and the caller logs. A lookup costs at most one hash probe per prefix length in use. */
#define ROUTE_MAX   4096
#define ROUTE_HASH  8192          /* buckets, a power of two >= 2 * ROUTE_MAX */

struct route_result {
	struct netdev *dev;   /* outgoing interface */
	uint32_t nexthop;     /* dst itself when directly connected, else the gateway */
};

/* Find the route to dst. Returns false when there is none. */
bool route_lookup(uint32_t dst, struct route_result *r);
/* Static route: dst/prefix via gw (gw must be on a connected subnet when used). An existing
 * dst/prefix gets the new gateway. 0, or -1 when the table is full, prefix > 32, gw is 0 or
 * memory for the table could not be had. */
int route_add(uint32_t dst, uint8_t prefix, uint32_t gw);
/* Remove the static route dst/prefix. 0, or -1 when there is none. */
int route_del(uint32_t dst, uint8_t prefix);
unsigned route_count(void);           /* static routes in the table */
void route_set_default(uint32_t gw);  /* 0 = none */
uint32_t route_default(void);
void route_flush(void);               /* forget static routes and the default gateway */
/* `ip route` on stdout, in Linux's shape: "default via G dev D", connected
 * "N/P dev D proto kernel scope link src A", static "N/P via G dev D", by address. */
void route_print(void);

/* Parse a route as the config key gives it (DESIGN.md: route=CIDR,via=ADDR, e.g.
 * "10.9.0.0/16,via=10.1.0.254") or as `ip route add` writes it ("10.9.0.0/16 via
 * 10.1.0.254"); "default" stands for 0.0.0.0/0. Host bits set in CIDR are an error, as in
 * Linux. Fills dst, prefix, gw (host order). Returns 0, or -1 for anything else. */
int route_parse(const char *s, uint32_t *dst, uint8_t *prefix, uint32_t *gw);

static inline uint32_t route_prefix_mask(uint8_t prefix)
{
	return prefix == 0 ? 0 : (prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1));
}

#endif
