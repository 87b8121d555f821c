/* The TCP application API: event-driven, no blocking; apps never see headers.
 * Callbacks run from the network loop (tcp_input or a TCP timer). A connection handle stays
 * valid until its closed() callback returns (or, after tcp_close()/tcp_abort(), until that
 * call returns: no callback is made after either).
 * Receive window: by default data handed to recv() counts as consumed when recv() returns.
 * With tcp_set_manual_window(c, true) the app returns window with tcp_recved(c, n) instead,
 * which lets it stop the peer (backpressure) by holding received netbufs. */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include <sys/types.h>
#include "net/compiler.h"
#include "net/netbuf.h"

struct tcp_conn;
struct tcp_listener;

/* Reasons given to closed() */
#define TCP_CLOSE_NORMAL    0   /* both FINs exchanged (or tcp_close() finished) */
#define TCP_CLOSE_RESET     1   /* RST received */
#define TCP_CLOSE_TIMEOUT   2   /* retransmissions or keepalive gave up */
#define TCP_CLOSE_REFUSED   3   /* active open answered with RST */
#define TCP_CLOSE_ABORTED   4   /* local tcp_abort() or resources gone */

struct tcp_callbacks {   /* per connection; arg passed back */
	/* In-order data; callee owns nb (nb->data at the payload). nb == NULL: the peer sent FIN. */
	void (*recv)(struct tcp_conn *c, struct netbuf *nb, void *arg);
	/* The send buffer has room again (after having been full). */
	void (*sent)(struct tcp_conn *c, size_t room, void *arg);
	/* The connection is gone; c is invalid after this returns. */
	void (*closed)(struct tcp_conn *c, int reason, void *arg);
};

/* Listen on addr (0 = any local address):port (host order). accept() is called for each
 * connection once it is ESTABLISHED; set its callbacks there. backlog bounds the connections
 * still in the handshake (SYN_RECEIVED). NULL when the port is taken or no slot is free. */
struct tcp_listener *tcp_listen(uint32_t addr, uint16_t port, int backlog,
				void (*accept)(struct tcp_conn *c, void *arg), void *arg);
/* Stop listening; existing connections are unaffected. */
void tcp_unlisten(struct tcp_listener *l);

void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cb, void *arg);
/* Copy up to tcp_send_room() bytes into the send buffer. Returns bytes taken, 0 when full
 * (wait for sent()), -1 when not connected or already shut down. */
ssize_t tcp_send(struct tcp_conn *c, const void *data, size_t len);
/* Zero-copy send: nb->data at the payload. Takes ownership on success (0); on -1 (not
 * connected, or not enough room for all of nb->len) the caller keeps nb. */
int tcp_send_nb(struct tcp_conn *c, struct netbuf *nb);
size_t tcp_send_room(const struct tcp_conn *c);
/* Send FIN after the queued data (half close); recv() keeps working. */
void tcp_shutdown(struct tcp_conn *c);
/* Shutdown, and no more callbacks: the app forgets c. Data arriving later is answered by RST. */
void tcp_close(struct tcp_conn *c);
/* Send RST now and free the connection; no callback. */
void tcp_abort(struct tcp_conn *c);
void tcp_set_nodelay(struct tcp_conn *c, bool on);
void tcp_set_manual_window(struct tcp_conn *c, bool on);
/* Manual-window mode: the app has finished with n received bytes; may send a window update. */
void tcp_recved(struct tcp_conn *c, size_t n);
/* Congestion control of c ("reno" or "cubic"); call before sending. 0, or -1 if unknown. */
int tcp_set_cc(struct tcp_conn *c, const char *name);
/* Keepalive (RFC 1122 §4.2.3.6), off by default: idle/interval in ms, count probes. */
void tcp_set_keepalive(struct tcp_conn *c, uint32_t idle_ms, uint32_t intvl_ms, unsigned count);

/* Active open to dst:dport (host order). connected(c, 0, arg) once ESTABLISHED, or
 * connected(c, reason, arg) on failure (c invalid afterwards, no closed() then).
 * NULL when no route, no local port or the table is full. */
struct tcp_conn *tcp_connect(uint32_t dst, uint16_t dport, const struct tcp_callbacks *cb,
			     void *arg, void (*connected)(struct tcp_conn *c, int err, void *arg));

/* Addresses of a connection (host order). */
void tcp_conn_addrs(const struct tcp_conn *c, uint32_t *laddr, uint16_t *lport,
		    uint32_t *raddr, uint16_t *rport);
/* Progress marks of c: the sequence number the peer has acknowledged and the next in-order
 * sequence number expected from it. Either moves only when the peer makes progress (new
 * data or FIN received, our data acknowledged); keepalive probes and their answers move
 * neither, so two equal readings mean the peer did nothing in between. */
void tcp_conn_progress(const struct tcp_conn *c, uint32_t *acked, uint32_t *received);

#endif
