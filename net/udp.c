/* UDP (RFC 768): checksum check and computation, a bounded table of sockets hashed by local
 * port, delivery to the socket's callback without copying, ICMP port unreachable for
 * datagrams nobody listens to (RFC 1122 §4.1.3.1). */
#include <string.h>
#include "net/udp.h"
#include "net/icmp.h"
#include "net/stats.h"
#include "net/checksum.h"
#include "net/byteorder.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"
#include "net/proto/udp.h"

#define UDP_HASH 64

struct udp_sock {
	struct udp_sock *hnext;
	uint16_t port;          /* host order; 0 = slot free */
	udp_recv_fn recv;
	void *arg;
};

static struct udp_sock socks[UDP_SOCK_MAX];
static struct udp_sock *hash_tab[UDP_HASH];

static unsigned hash(uint16_t port) { return port & (UDP_HASH - 1); }

static struct udp_sock *lookup(uint16_t port)
{
	for (struct udp_sock *s = hash_tab[hash(port)]; s; s = s->hnext)
		if (s->port == port)
			return s;
	return NULL;
}

struct udp_sock *udp_bind(uint16_t port, udp_recv_fn recv, void *arg)
{
	if (port == 0 || !recv || lookup(port))
		return NULL;
	for (unsigned i = 0; i < UDP_SOCK_MAX; i++) {
		struct udp_sock *s = &socks[i];
		if (s->port)
			continue;
		s->port = port;
		s->recv = recv;
		s->arg = arg;
		s->hnext = hash_tab[hash(port)];
		hash_tab[hash(port)] = s;
		return s;
	}
	return NULL;
}

void udp_unbind(struct udp_sock *s)
{
	if (!s || !s->port)
		return;
	struct udp_sock **pp = &hash_tab[hash(s->port)];
	while (*pp != s)
		pp = &(*pp)->hnext;
	*pp = s->hnext;
	memset(s, 0, sizeof(*s));
}

void udp_reset(void)
{
	memset(socks, 0, sizeof(socks));
	memset(hash_tab, 0, sizeof(hash_tab));
}

/* nb->data at the UDP header, nb->len = IP payload. Takes ownership: the socket's callback
 * gets it, or it is freed (after a port unreachable when nobody listens). */
void udp_input(struct netbuf *nb, const struct ipv4_pdesc *pd)
{
	struct udp_stats *st = &net_stats.udp;
	uint64_t *drop;

	CHECK(nb->len >= UDP_HLEN, drop = &st->short_hdr; goto drop);
	const struct udp_hdr *uh = (const struct udp_hdr *)nb->data;
	uint16_t ulen = ntohs(uh->len);
	CHECK(ulen >= UDP_HLEN && ulen <= nb->len, drop = &st->bad_len; goto drop);
	nb_trim(nb, ulen);
	/* RFC 768: a zero checksum means the sender computed none. */
	CHECK(uh->csum == 0 || (nb->flags & NB_F_CSUM_OK) ||
	      csum_fold(csum_partial(nb->data, ulen, csum_pseudo(pd->src, pd->dst, IP_PROTO_UDP, ulen))) == 0,
	      drop = &st->bad_csum; goto drop);
	struct udp_sock *s = lookup(ntohs(uh->dport));
	if (!s) {
		if (ipv4_is_local(pd->dst)) {
			icmp_send_error(nb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
			drop = &st->no_port;
		} else {
			drop = &st->bcast_no_port;
		}
		goto drop;
	}
	uint16_t sport = ntohs(uh->sport);
	nb_pull(nb, UDP_HLEN);
	st->in_datagrams++;
	s->recv(s, nb, pd->src, sport, s->arg);
	return;
drop:
	(*drop)++;
	nb_free(nb);
}

/* nb->data at the payload. Takes ownership on every path. */
int udp_send_nb(struct udp_sock *s, struct netbuf *nb, uint32_t dst, uint16_t dport)
{
	if (nb->len > 0xffffu - UDP_HLEN - IPV4_HLEN_MIN) {
		net_stats.udp.out_drops++;
		nb_free(nb);
		return -1;
	}
	uint32_t src = ipv4_select_src(dst);   /* 0: no route, ipv4_output counts it */
	struct udp_hdr *uh = nb_push(nb, UDP_HLEN);
	uint16_t len = (uint16_t)nb->len;
	uh->sport = htons(s->port);
	uh->dport = htons(dport);
	uh->len = htons(len);
	uh->csum = 0;
	uint16_t c = csum_fold(csum_partial(uh, len, csum_pseudo(src, dst, IP_PROTO_UDP, len)));
	uh->csum = c ? c : 0xffff;      /* RFC 768: a computed zero is sent as all ones */
	nb->l4_off = nb_offset(nb);
	net_stats.udp.out_datagrams++;
	return ipv4_output(nb, src, dst, IP_PROTO_UDP, 0);
}

int udp_sendto(struct udp_sock *s, uint32_t dst, uint16_t dport, const void *data, size_t len)
{
	struct netbuf *nb = nb_alloc();
	if (!nb || len > nb_tailroom(nb)) {
		net_stats.udp.out_drops++;
		nb_free(nb);
		return -1;
	}
	memcpy(nb_put(nb, (uint32_t)len), data, len);
	return udp_send_nb(s, nb, dst, dport);
}
