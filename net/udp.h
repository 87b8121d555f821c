/* UDP (RFC 768): an event API for apps. Sockets are bound to a local port (any local
 * address); received datagrams are delivered to a callback, without copies. */
#ifndef NET_UDP_H
#define NET_UDP_H

#include "net/compiler.h"
#include "net/netbuf.h"
#include "net/ipv4.h"

#define UDP_SOCK_MAX 64

struct udp_sock;
/* recv owns nb: nb->data at the payload, nb->len = payload length. src, sport host order. */
typedef void (*udp_recv_fn)(struct udp_sock *s, struct netbuf *nb, uint32_t src, uint16_t sport, void *arg);

/* Bind port (host order). NULL when the port is taken or the table is full. */
struct udp_sock *udp_bind(uint16_t port, udp_recv_fn recv, void *arg);
void udp_unbind(struct udp_sock *s);
/* Copy len bytes into a new datagram to dst:dport (host order). 0 sent/queued, -1 dropped. */
int udp_sendto(struct udp_sock *s, uint32_t dst, uint16_t dport, const void *data, size_t len);
/* nb->data at the payload; ownership taken on every return. 0 sent/queued, -1 dropped. */
int udp_send_nb(struct udp_sock *s, struct netbuf *nb, uint32_t dst, uint16_t dport);
/* A received datagram: nb->data at the UDP header, nb->len = IP payload length. Takes ownership. */
void udp_input(struct netbuf *nb, const struct ipv4_pdesc *pd);
/* Unbind every socket (tests, net_reset). */
void udp_reset(void);

#endif
