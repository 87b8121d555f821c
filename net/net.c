/* Stack set-up for kmain and tests: interface addresses, default gateway, link up, and a
 * reset that returns every table of the lower stack to its boot state. */
#include <string.h>
#include "net/net.h"
#include "net/arp.h"
#include "net/icmp.h"
#include "net/ipv4.h"
#include "net/route.h"
#include "net/udp.h"
#include "net/stats.h"
#include "net/proto/ipv4.h"

void net_init(void)
{
	arp_flush();            /* builds the ARP table's free list on first use */
	icmp_reset();
}

int net_if_set_addr(struct netdev *dev, uint32_t addr, uint8_t prefix)
{
	if (!dev || prefix > 32)
		return -1;
	/* Neither the network nor the broadcast address of the subnet (RFC 1122 §3.2.1.3),
	 * except on /31 and /32 where these do not exist (RFC 3021). */
	uint32_t mask = route_prefix_mask(prefix);
	if (prefix < 31 && addr && ((addr & ~mask) == 0 || (addr | mask) == IPV4_BROADCAST))
		return -1;
	dev->ip.addr = addr;
	dev->ip.mask = mask;
	dev->ip.prefix = prefix;
	return 0;
}

void net_set_gateway(uint32_t gw)
{
	route_set_default(gw);
}

void net_link_up(struct netdev *dev)
{
	dev->flags |= NETDEV_F_UP | NETDEV_F_LINK;
	arp_announce(dev);
}

void net_reset(void)
{
	arp_flush();
	udp_reset();
	route_flush();
	icmp_reset();
	ipv4_reset();
	memset(&net_stats, 0, sizeof(net_stats));
}
