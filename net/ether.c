/* Ethernet II receive and transmit (RFC 894). net_rx() is the stack's entry for every frame
 * a driver receives: it checks the header, filters on destination MAC, records the L2
 * offset and dispatches on EtherType to ARP or IPv4. */
#include <string.h>
#include "net/ether.h"
#include "net/arp.h"
#include "net/ipv4.h"
#include "net/stats.h"
#include "net/byteorder.h"

const uint8_t ether_broadcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Takes ownership of nb: passes it to arp_input/ipv4_input or frees it. */
void net_rx(struct netdev *dev, struct netbuf *nb)
{
	uint64_t *drop;

	dev->stats.rx_packets++;
	dev->stats.rx_bytes += nb->len;
	net_stats.ether.in_frames++;
	if (unlikely(netdev_capture_hook != NULL))   /* kernel/capture.c: sees every frame */
		netdev_capture_hook(dev, nb, false);
	nb->dev = dev;
	nb->l2_off = nb_offset(nb);
	const struct ether_hdr *eh = nb_pull_hdr(nb, struct ether_hdr);
	CHECK(eh, drop = &net_stats.ether.short_frame; goto drop);
	if (memcmp(eh->dst, dev->mac, ETH_ALEN) != 0) {
		/* IEEE 802.3 §3.2.3: the I/G bit (bit 0 of the first octet) marks group addresses. */
		CHECK(eh->dst[0] & 1, drop = &net_stats.ether.not_ours; goto drop);
		CHECK(memcmp(eh->dst, ether_broadcast, ETH_ALEN) == 0,
		      drop = &net_stats.ether.multicast; goto drop);
		nb->flags |= NB_F_L2BCAST;
	}
	switch (ntohs(eh->type)) {
	case ETH_P_IP:
		ipv4_input(nb);
		return;
	case ETH_P_ARP:
		arp_input(dev, nb);
		return;
	default:
		drop = &net_stats.ether.unknown_type;
		goto drop;
	}
drop:
	(*drop)++;
	dev->stats.rx_dropped++;
	nb_free(nb);
}

/* Takes ownership of nb (sent, or freed and counted by the driver). */
int ether_output(struct netdev *dev, struct netbuf *nb, const uint8_t dst_mac[ETH_ALEN], uint16_t type)
{
	struct ether_hdr *eh = nb_push(nb, ETH_HLEN);
	memcpy(eh->dst, dst_mac, ETH_ALEN);
	memcpy(eh->src, dev->mac, ETH_ALEN);
	eh->type = htons(type);
	nb->l2_off = nb_offset(nb);
	net_stats.ether.out_frames++;
	return netdev_xmit(dev, nb);
}
