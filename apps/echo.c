/* The echo appliance (RFC 862): TCP and UDP echo on config key echo.port (default 7).
 * TCP echo uses the manual receive window: received netbufs are sent back zero-copy when the
 * send buffer has room, otherwise held (at most one receive window) until sent() says there is
 * room again; the peer's window only reopens as bytes are echoed, so memory stays bounded. */
#include <stdlib.h>
#include <string.h>
#include "apps/app.h"
#include "kernel/config.h"
#include "kernel/log.h"
#include "net/socket.h"
#include "net/udp.h"

#define ECHO_BACKLOG 128

struct echo_conn {
	struct tcp_conn *c;
	struct netbuf *pend_head, *pend_tail;   /* received, not yet accepted by tcp_send */
	bool peer_fin;
};

static void pend_free(struct echo_conn *e)
{
	while (e->pend_head) {
		struct netbuf *nb = e->pend_head;
		e->pend_head = nb->next;
		nb_free(nb);
	}
	e->pend_tail = NULL;
}

/* Move held data into the send buffer (zero-copy when the whole buffer fits), returning the
 * receive window as bytes leave; close once the peer has finished and all is queued. */
static void echo_flush(struct echo_conn *e)
{
	while (e->pend_head) {
		struct netbuf *nb = e->pend_head;
		uint32_t n = nb->len;
		if (tcp_send_room(e->c) >= n) {
			e->pend_head = nb->next;
			if (!e->pend_head)
				e->pend_tail = NULL;
			tcp_recved(e->c, n);            /* first, so the echo carries the window */
			if (tcp_send_nb(e->c, nb) < 0)
				nb_free(nb);            /* not connected any more */
			continue;
		}
		ssize_t k = tcp_send(e->c, nb->data, nb->len);
		if (k > 0) {
			nb_pull(nb, (uint32_t)k);
			tcp_recved(e->c, (size_t)k);
		}
		return;                                  /* full: resume in echo_sent() */
	}
	if (e->peer_fin) {
		tcp_close(e->c);                         /* FIN after the echoed data */
		free(e);
	}
}

static void echo_recv(struct tcp_conn *c, struct netbuf *nb, void *arg)
{
	struct echo_conn *e = arg;
	if (!nb) {
		e->peer_fin = true;
	} else if (e->pend_tail && nb_tailroom(e->pend_tail) >= nb->len) {
		/* coalesce: held buffers stay few even if the peer sends tiny segments */
		memcpy(nb_put(e->pend_tail, nb->len), nb->data, nb->len);
		nb_free(nb);
	} else {
		nb->next = NULL;
		if (e->pend_tail)
			e->pend_tail->next = nb;
		else
			e->pend_head = nb;
		e->pend_tail = nb;
	}
	echo_flush(e);
}

static void echo_sent(struct tcp_conn *c, size_t room, void *arg)
{
	echo_flush(arg);
}

static void echo_closed(struct tcp_conn *c, int reason, void *arg)
{
	struct echo_conn *e = arg;
	pend_free(e);
	free(e);
}

static const struct tcp_callbacks echo_cbs = {
	.recv = echo_recv, .sent = echo_sent, .closed = echo_closed,
};

static void echo_accept(struct tcp_conn *c, void *arg)
{
	struct echo_conn *e = calloc(1, sizeof(*e));
	if (!e) {
		tcp_abort(c);
		return;
	}
	e->c = c;
	tcp_set_callbacks(c, &echo_cbs, e);
	tcp_set_manual_window(c, true);
	tcp_set_nodelay(c, true);                        /* request/response: no Nagle wait */
}

/* UDP: send the datagram straight back, zero-copy (udp_send_nb takes nb). */
static void echo_udp_recv(struct udp_sock *s, struct netbuf *nb, uint32_t src, uint16_t sport,
			  void *arg)
{
	udp_send_nb(s, nb, src, sport);
}

static int echo_start(const struct config *cfg)
{
	char err[96];
	uint32_t port;
	if (config_get_uint(cfg, "echo.port", 7, 1, 65535, &port, err, sizeof(err)) < 0) {
		log_err("echo: %s", err);
		return -1;
	}
	if (!tcp_listen(0, (uint16_t)port, ECHO_BACKLOG, echo_accept, NULL)) {
		log_err("echo: cannot listen on tcp port %u", (unsigned)port);
		return -1;
	}
	if (!udp_bind((uint16_t)port, echo_udp_recv, NULL)) {
		log_err("echo: cannot bind udp port %u", (unsigned)port);
		return -1;
	}
	log_info("echo: tcp and udp port %u", (unsigned)port);
	return 0;
}

const struct app app_echo = { .name = "echo", .start = echo_start };
