/* ARP (RFC 826) for IPv4 over Ethernet: the neighbour cache, resolution with retries and a
 * bounded queue of frames waiting for an answer, gratuitous ARP at link up. */
#ifndef NET_ARP_H
#define NET_ARP_H

#include "net/compiler.h"
#include "net/netbuf.h"
#include "net/netdev.h"

#define ARP_TABLE_SIZE     256
#define ARP_HASH_BUCKETS   64
#define ARP_REACHABLE_NS   (60ull * 1000000000ull)  /* entry valid this long after a reply */
#define ARP_RETRY_NS       (1ull * 1000000000ull)   /* request retransmission interval */
#define ARP_MAX_TRIES      3                         /* requests before resolution fails */
#define ARP_QUEUE_PER_ENTRY 4
#define ARP_QUEUE_TOTAL    64

/* A received ARP packet: nb->data at the ARP header. Takes ownership of nb. */
void arp_input(struct netdev *dev, struct netbuf *nb);
/* Transmit an IPv4 frame to next hop nh (host order) on dev: nb->data at the IPv4 header.
 * Pushes the Ethernet header once the MAC is known; otherwise queues nb and sends a request.
 * Takes ownership. Returns 0 when sent or queued, -1 when dropped (counted). */
int arp_output(struct netdev *dev, struct netbuf *nb, uint32_t nh);
/* insert/refresh a resolved entry (tests, static) */
void arp_learn(struct netdev *dev, uint32_t ip, const uint8_t mac[6]);
/* Look up a resolved MAC; true and *mac filled when known and not expired. */
bool arp_lookup(uint32_t ip, uint8_t mac[6]);
/* Send a request for ip on dev (tpa = ip, spa = dev's address). */
void arp_send_request(struct netdev *dev, uint32_t ip);
/* Gratuitous ARP (RFC 5227 §3 announcement: request with spa = tpa = our address). */
void arp_announce(struct netdev *dev);
/* Drop every entry and queued frame (frees them, counted as flushed). */
void arp_flush(void);
/* Print the cache like `ip neigh`. */
void arp_print(void);

#endif
