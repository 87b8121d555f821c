/* IPv4 fragments (RFC 791 §3.2, RFC 815): reassembly of received fragments with bounded memory
 * and the safe overlap policy, and fragmentation of datagrams over an interface's MTU.
 * Internal to the IPv4 layer (net/ipv4.c); tests drive it through ipv4_input(). */
#ifndef NET_IPV4_FRAG_H
#define NET_IPV4_FRAG_H

#include "net/compiler.h"
#include "net/netbuf.h"
#include "net/netdev.h"
#include "kernel/time.h"

/* Named limits of reassembly; what happens at each is a counted drop (net/stats.h). */
#define IPV4_REASM_MAX        64   /* datagrams in progress; when full the oldest is evicted */
#define IPV4_REASM_FRAGS      64   /* fragments of one datagram; one more drops the datagram */
#define IPV4_REASM_NBUFS      128  /* netbufs held in all; at the limit the oldest is evicted */
#define IPV4_REASM_TIMEOUT_NS (30 * NS_PER_S)   /* RFC 1122 §3.3.2: 60-120 s suggested; 30 s
					       * bounds how long an attacker pins buffers */
/* A reassembled datagram (header included) must fit one netbuf behind the default headroom;
 * larger ones are dropped (reasm_oversize). */
#define IPV4_REASM_MAXLEN     (NB_BUF_SIZE - NB_HEADROOM)

/* A validated fragment (MF set or offset != 0): nb->data at the IPv4 header, nb->len == total
 * length, nb->l3_off set. Always takes ownership of nb. Returns NULL when the fragment was
 * kept or dropped (counted), or the complete datagram, owned by the caller: data at its
 * header (the first fragment's, options included), MF and offset cleared, checksum valid. */
struct netbuf *ipv4_reasm(struct netbuf *nb);
/* Free every fragment held (net_reset, tests). */
void ipv4_reasm_flush(void);
/* Datagrams in progress and netbufs held (tests, console). */
unsigned ipv4_reasm_pending(void);
unsigned ipv4_reasm_held(void);

/* Split the datagram nb (data at its IPv4 header, len == total length, DF clear) into
 * fragments of at most mtu bytes and hand each to arp_output(dev, frag, nexthop), first
 * fragment first. Takes ownership of nb on every path. Returns 0, or -1 when no fragment was
 * sent: a fragment buffer could not be had (frag_fails) or mtu leaves no room for 8 bytes. */
int ipv4_fragment(struct netbuf *nb, unsigned mtu, struct netdev *dev, uint32_t nexthop);

#endif
