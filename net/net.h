/* The network stack's set-up interface for kmain and tests: init, interface addresses,
 * default gateway, link up. */
#ifndef NET_NET_H
#define NET_NET_H

#include "net/compiler.h"
#include "net/netdev.h"

void net_init(void);                       /* after nb_pool_init; starts ARP timers etc. */
int net_if_set_addr(struct netdev *dev, uint32_t addr, uint8_t prefix); /* host order */
void net_set_gateway(uint32_t gw);         /* default route via gw (host order), 0 = none */
void net_link_up(struct netdev *dev);      /* sends a gratuitous ARP */
/* Back to a clean stack (tests): ARP cache and queues, UDP sockets, routes and gateway,
 * ICMP rate limit, counters. Interfaces and their addresses stay. */
void net_reset(void);

#endif
