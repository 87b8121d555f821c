/* Management HTTP endpoint (metrics.port=PORT, off unless set): GET /metrics serves every
 * counter in Prometheus text format, GET /status a JSON summary. One request per connection
 * (HTTP/1.0 style, "Connection: close"); at most METRICS_MAX_CONNS at once, more are reset. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apps/app.h"
#include "kernel/config.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "net/metrics.h"
#include "net/netdev.h"
#include "net/socket.h"

#define METRICS_MAX_CONNS 8
#define METRICS_REQ_MAX   2048       /* request line + headers; longer is refused (431) */
#define METRICS_BODY_INIT (64 * 1024)

struct mconn {
	struct tcp_conn *c;
	char req[METRICS_REQ_MAX];
	size_t req_len;
	char *resp;                      /* malloc'd response, sent from resp_off */
	size_t resp_len, resp_off;
};

static unsigned nconns;
static uint64_t refused, served;

static void mconn_free(struct mconn *m)
{
	free(m->resp);
	free(m);
	nconns--;
}

/* Push what fits; close once everything is queued. */
static void push(struct mconn *m)
{
	while (m->resp_off < m->resp_len) {
		ssize_t n = tcp_send(m->c, m->resp + m->resp_off, m->resp_len - m->resp_off);
		if (n <= 0)
			return;              /* full: sent() resumes */
		m->resp_off += (size_t)n;
	}
	tcp_close(m->c);
	mconn_free(m);
}

static char *render_status(size_t *len)
{
	size_t cap = 4096 + (size_t)netdev_count() * 512, n;
	char *b = malloc(cap);
	if (!b)
		return NULL;
	n = (size_t)snprintf(b, cap, "{\"version\":\"%s\",\"uptime_ms\":%llu,\"netbufs\":{\"free\":%u,\"total\":%u},"
			     "\"interfaces\":[", PEREGRINE_VERSION, (unsigned long long)(time_now_ns() / NS_PER_MS),
			     nb_pool_free(), nb_pool_total());
	for (int i = 0; i < netdev_count() && n < cap; i++) {
		const struct netdev *d = netdev_get(i);
		uint32_t a = d->ip.addr;
		n += (size_t)snprintf(b + n, cap - n, "%s{\"name\":\"%s\",\"driver\":\"%s\",\"up\":%s,\"link\":%s,"
				      "\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\",\"ipv4\":\"%u.%u.%u.%u/%u\","
				      "\"rx_packets\":%llu,\"tx_packets\":%llu,\"rx_dropped\":%llu,\"irqs\":%llu}",
				      i ? "," : "", d->name, d->driver ? d->driver : "",
				      d->flags & NETDEV_F_UP ? "true" : "false", d->flags & NETDEV_F_LINK ? "true" : "false",
				      d->mac[0], d->mac[1], d->mac[2], d->mac[3], d->mac[4], d->mac[5],
				      a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255, d->ip.prefix,
				      (unsigned long long)d->stats.rx_packets, (unsigned long long)d->stats.tx_packets,
				      (unsigned long long)d->stats.rx_dropped, (unsigned long long)d->stats.irqs);
	}
	if (n < cap)
		n += (size_t)snprintf(b + n, cap - n, "]}\n");
	*len = n < cap ? n : cap - 1;
	return b;
}

/* The stack's exposition, then the appliance's own lines (per-backend counters). */
static size_t render_all(char *b, size_t cap)
{
	size_t n = metrics_render(b, cap);
	const struct app *a = app_current();
	if (a && a->metrics)
		n += a->metrics(n < cap ? b + n : NULL, n < cap ? cap - n : 0);
	return n;
}

static char *render_metrics(size_t *len)
{
	size_t cap = METRICS_BODY_INIT;
	char *b = malloc(cap);
	if (!b)
		return NULL;
	size_t need = render_all(b, cap);
	if (need >= cap) {
		free(b);
		cap = need + 1;
		if (!(b = malloc(cap)))
			return NULL;
		need = render_all(b, cap);
	}
	*len = need;
	return b;
}

/* Build the whole response (headers + body) for the request in m->req. */
static void respond(struct mconn *m, int status, const char *ctype, char *body, size_t blen)
{
	static const char *const reason[] = { [200 - 200] = "OK", [4] = "Not Found", [5] = "Method Not Allowed" };
	const char *why = status == 200 ? reason[0] : status == 404 ? reason[4] : status == 405 ? reason[5] :
			  status == 431 ? "Request Header Fields Too Large" : "Service Unavailable";
	char hdr[256];
	int h = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Connection: close\r\n\r\n", status, why, ctype, blen);
	m->resp = malloc((size_t)h + blen);
	if (!m->resp) {
		free(body);
		tcp_abort(m->c);
		mconn_free(m);
		return;
	}
	memcpy(m->resp, hdr, (size_t)h);
	if (blen)
		memcpy(m->resp + h, body, blen);
	free(body);
	m->resp_len = (size_t)h + blen;
	served++;
	push(m);
}

static void handle_request(struct mconn *m)
{
	char *body = NULL;
	size_t blen = 0;

	if (strncmp(m->req, "GET ", 4) != 0)
		return respond(m, 405, "text/plain", NULL, 0);
	const char *path = m->req + 4;
	size_t plen = strcspn(path, " \r\n");
	if (plen == 8 && !strncmp(path, "/metrics", 8)) {
		if (!(body = render_metrics(&blen)))
			return respond(m, 503, "text/plain", NULL, 0);
		return respond(m, 200, "text/plain; version=0.0.4", body, blen);
	}
	if (plen == 7 && !strncmp(path, "/status", 7)) {
		if (!(body = render_status(&blen)))
			return respond(m, 503, "text/plain", NULL, 0);
		return respond(m, 200, "application/json", body, blen);
	}
	respond(m, 404, "text/plain", NULL, 0);
}

static void m_recv(struct tcp_conn *c, struct netbuf *nb, void *arg)
{
	struct mconn *m = arg;
	if (m->resp) {                   /* already answering: ignore the rest */
		nb_free(nb);
		return;
	}
	if (!nb) {                       /* peer closed before a whole request */
		tcp_close(c);
		mconn_free(m);
		return;
	}
	if (nb->len >= METRICS_REQ_MAX - m->req_len) {
		nb_free(nb);
		return respond(m, 431, "text/plain", NULL, 0);
	}
	memcpy(m->req + m->req_len, nb->data, nb->len);
	m->req_len += nb->len;
	m->req[m->req_len] = 0;
	nb_free(nb);
	if (strstr(m->req, "\r\n\r\n") || strstr(m->req, "\n\n"))
		handle_request(m);
}

static void m_sent(struct tcp_conn *c, size_t room, void *arg)
{
	push(arg);
}

static void m_closed(struct tcp_conn *c, int reason, void *arg)
{
	mconn_free(arg);
}

static const struct tcp_callbacks m_cb = { m_recv, m_sent, m_closed };

static void m_accept(struct tcp_conn *c, void *arg)
{
	struct mconn *m = nconns < METRICS_MAX_CONNS ? calloc(1, sizeof(*m)) : NULL;
	if (!m) {
		refused++;
		tcp_abort(c);
		return;
	}
	nconns++;
	m->c = c;
	tcp_set_callbacks(c, &m_cb, m);
}

int metrics_start(const struct config *cfg)
{
	char err[128];
	uint32_t port;

	if (!config_get(cfg, "metrics.port"))
		return 0;
	if (config_get_uint(cfg, "metrics.port", 9100, 1, 65535, &port, err, sizeof(err)) < 0) {
		log_err("metrics: %s", err);
		return -1;
	}
	if (!tcp_listen(0, (uint16_t)port, 16, m_accept, NULL)) {
		log_err("metrics: cannot listen on port %u", port);
		return -1;
	}
	log_info("metrics: http on port %u (/metrics, /status)", port);
	return 0;
}
