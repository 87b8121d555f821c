/* IPv4 routing: the connected subnet of every configured interface, then static routes
 * (longest prefix first), then the default gateway. Addresses in host byte order. */
#ifndef NET_ROUTE_H
#define NET_ROUTE_H

#include "net/compiler.h"
#include "net/netdev.h"

#define ROUTE_MAX 32

struct route_result {
	struct netdev *dev;   /* outgoing interface */
	uint32_t nexthop;     /* dst itself when directly connected, else the gateway */
};

/* Find the route to dst. Returns false when there is none. */
bool route_lookup(uint32_t dst, struct route_result *r);
/* Static route: dst/prefix via gw (gw must be on a connected subnet when used). 0 or -1 when full. */
int route_add(uint32_t dst, uint8_t prefix, uint32_t gw);
void route_set_default(uint32_t gw);  /* 0 = none */
uint32_t route_default(void);
void route_flush(void);               /* forget static routes and the default gateway */
void route_print(void);

static inline uint32_t route_prefix_mask(uint8_t prefix)
{
	return prefix == 0 ? 0 : (prefix >= 32 ? 0xffffffffu : ~((1u << (32 - prefix)) - 1));
}

#endif
