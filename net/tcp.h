/* TCP (RFC 9293): the stack-facing entry points (input from IPv4, init, tuning knobs,
 * printing). Apps use net/socket.h. */
#ifndef NET_TCP_H
#define NET_TCP_H

#include "net/compiler.h"
#include "net/netbuf.h"
#include "net/ipv4.h"

#define TCP_MAX_CONNS_DEFAULT 10240

/* After net_init(). Also resets all TCP state (tests call it in setup). */
void tcp_init(void);
/* Free every connection and listener without sending anything (tests, net_reset); apps get
 * closed(TCP_CLOSE_ABORTED) for connections they still own. */
void tcp_reset(void);
/* A received segment: nb->data at the TCP header, nb->len = TCP segment length (header +
 * payload), l3_off/l4_off set. Takes ownership (delivers the payload or frees nb). */
void tcp_input(struct netbuf *nb, const struct ipv4_pdesc *pd);
/* RFC 6528 secret for initial sequence numbers (boot-time random). */
void tcp_set_secret(const uint8_t key[16]);
/* Where the search for a free ephemeral port (49152-65535) starts; the boot passes a random
 * value. */
void tcp_set_ephemeral_start(uint32_t r);
/* Connection table bound (config key tcp.max_conns); applies to new connections. */
void tcp_set_max_conns(uint32_t n);
/* Maximum segment lifetime in ms (TIME_WAIT lasts 2*MSL). Default 30 s. */
void tcp_set_msl(uint32_t ms);
/* Congestion control for new connections: "reno" (default) or "cubic". 0, or -1 if unknown. */
int tcp_set_default_cc(const char *name);
/* Number of connections in the table (any state). */
unsigned tcp_conn_count(void);
/* Print every connection like `ss -tan`. */
void tcp_conns_print(void);

#endif
