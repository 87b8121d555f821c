/* Ethernet (layer 2): the receive entry net_rx() (declared in net/netdev.h) and
 * ether_output() which prepends the header and hands the frame to the device. */
#ifndef NET_ETHER_H
#define NET_ETHER_H

#include "net/compiler.h"
#include "net/netbuf.h"
#include "net/netdev.h"
#include "net/proto/ether.h"

/* nb->flags bit set by net_rx(): the frame was sent to the broadcast MAC (RFC 1122 §3.2.2
 * forbids ICMP errors about link-layer broadcasts). Above the NB_F_* bits of net/netbuf.h. */
#define NB_F_L2BCAST  0x0100

extern const uint8_t ether_broadcast[ETH_ALEN];

/* Push an Ethernet header (src = dev->mac) in front of nb->data and transmit on dev.
 * type is the host-order EtherType. Takes ownership. Returns 0 sent, -1 dropped. */
int ether_output(struct netdev *dev, struct netbuf *nb, const uint8_t dst_mac[ETH_ALEN], uint16_t type);

#endif
