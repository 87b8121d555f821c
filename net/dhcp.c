/* DHCP client (RFC 2131 §3.1, §4.4): message building, the option parser (every length
 * checked, RFC 2132), the client state machine and its retransmission and lease timers.
 * Broadcast messages are framed here (the interface has no address yet, RFC 2131 §4.1);
 * the unicast renewal goes through ipv4_output(). Replies arrive on a UDP port 68 socket. */
#include <stdio.h>
#include <string.h>
#include "net/dhcp.h"
#include "net/net.h"
#include "net/udp.h"
#include "net/ipv4.h"
#include "net/ether.h"
#include "net/route.h"
#include "net/arp.h"
#include "net/checksum.h"
#include "net/byteorder.h"
#include "net/proto/ipv4.h"
#include "net/proto/udp.h"
#include "net/proto/dhcp.h"
#include "kernel/time.h"
#include "kernel/timer.h"

#define RTX_BASE_S       4    /* RFC 2131 §4.1: first retransmission after 4 s ... */
#define RTX_MAX_S        64   /* ... doubling up to 64 s */
#define REQUEST_TRIES    4    /* REQUESTs without an answer before starting over */
#define RENEW_MIN_S      60   /* RFC 2131 §4.4.5: retransmit no faster than every 60 s */
#define LEASE_INFINITE   0xffffffffu

struct dhcp_stats dhcp_stats;

struct dhcp_client {
	struct netdev *dev;             /* NULL: slot free */
	enum dhcp_state state;
	uint32_t xid, rng;
	uint32_t offer_addr, offer_server;
	unsigned tries;                 /* transmissions of the current message */
	uint64_t start_ns;              /* acquisition started (secs field) */
	uint64_t req_ns;                /* last REQUEST sent: a granted lease counts from here */
	bool own_gw;                    /* the default gateway is the one our lease set */
	struct timer rtx, ltimer;       /* retransmission; T1/T2/expiry */
	struct dhcp_lease lease;
	dhcp_log_fn log;
};

static struct dhcp_client clients[DHCP_MAX_IF];
static struct udp_sock *sock;

static const uint8_t param_req[] = {
	DHO_SUBNET_MASK, DHO_ROUTER, DHO_DNS, DHO_HOSTNAME, DHO_MTU,
	DHO_LEASE_TIME, DHO_T1, DHO_T2,
};

static void input(struct udp_sock *s, struct netbuf *nb, uint32_t src, uint16_t sport, void *arg);
static void send_discover(struct dhcp_client *c);

/* xorshift32: xids and jitter need to be unpredictable to others only as far as the seed is. */
static uint32_t rnd(struct dhcp_client *c)
{
	uint32_t x = c->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return c->rng = x;
}

static struct dhcp_client *find(const struct netdev *dev)
{
	for (unsigned i = 0; i < DHCP_MAX_IF; i++)
		if (clients[i].dev && clients[i].dev == dev)
			return &clients[i];
	return NULL;
}

static int fmt_ip(char *b, size_t n, uint32_t a)
{
	return snprintf(b, n, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

static void say(struct dhcp_client *c, const char *line)
{
	if (c->log)
		c->log(line);
}

/* ---- parsing (RFC 2132) ---------------------------------------------------------------- */

static uint32_t get32(const uint8_t *v)
{
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

/* One option's value (len bytes at v, all present). false: a length the RFC forbids. */
static bool option(struct dhcp_msg *m, uint8_t code, const uint8_t *v, uint8_t len)
{
	switch (code) {
	case DHO_MSG_TYPE:                    /* §9.6: 1 octet, 1..8 */
		if (len != 1 || v[0] < DHCPDISCOVER || v[0] > 8)
			return false;
		m->type = v[0];
		return true;
	case DHO_SUBNET_MASK: case DHO_SERVER_ID: case DHO_LEASE_TIME: case DHO_T1: case DHO_T2:
		if (len != 4)                 /* §3.3, §9.7, §9.2, §9.11, §9.12: exactly 4 */
			return false;
		*(code == DHO_SUBNET_MASK ? &m->mask : code == DHO_SERVER_ID ? &m->server_id :
		  code == DHO_LEASE_TIME ? &m->lease : code == DHO_T1 ? &m->t1 : &m->t2) = get32(v);
		return true;
	case DHO_ROUTER: case DHO_DNS:        /* §3.5, §3.8: a list of addresses, at least one */
		if (len < 4 || len % 4)
			return false;
		if (code == DHO_ROUTER) {
			m->router = get32(v);
			return true;
		}
		for (unsigned i = 0; i < len / 4u && m->ndns < DHCP_MAX_DNS; i++)
			m->dns[m->ndns++] = get32(v + 4 * i);
		return true;
	case DHO_MTU:                         /* §5.1: 2 octets */
		if (len != 2)
			return false;
		m->mtu = (uint16_t)(v[0] << 8 | v[1]);
		return true;
	case DHO_HOSTNAME: {                  /* §3.14: at least 1 octet */
		if (len < 1)
			return false;
		size_t n = MIN((size_t)len, sizeof(m->hostname) - 1);
		memcpy(m->hostname, v, n);
		m->hostname[n] = 0;
		return true;
	}
	default:                              /* unknown or unused (52 overload): skipped */
		return true;
	}
}

static uint64_t *parse_options(const uint8_t *o, size_t len, struct dhcp_msg *m)
{
	struct dhcp_stats *st = &dhcp_stats;
	size_t i = 0;

	while (i < len) {
		uint8_t code = o[i];
		if (code == DHO_PAD) {        /* RFC 2132 §3.1: fixed length 1 */
			i++;
			continue;
		}
		if (code == DHO_END)          /* §3.2 */
			return m->type ? NULL : &st->no_msg_type;
		if (len - i < 2 || o[i + 1] > len - i - 2)
			return &st->bad_option;   /* the length octet or the value runs past the end */
		if (!option(m, code, o + i + 2, o[i + 1]))
			return &st->bad_option;
		i += 2u + o[i + 1];
	}
	return &st->no_end;
}

uint64_t *dhcp_parse(const uint8_t *p, size_t len, struct dhcp_msg *m)
{
	struct dhcp_stats *st = &dhcp_stats;

	if (len < DHCP_MIN_LEN)
		return &st->short_msg;
	const struct dhcp_hdr *h = (const struct dhcp_hdr *)p;
	if (h->op != BOOTREPLY)
		return &st->bad_op;
	if (h->htype != DHCP_HTYPE_ETHER || h->hlen != ETH_ALEN)
		return &st->bad_htype;
	if (ntohl(h->magic) != DHCP_MAGIC)   /* RFC 2131 §3: options follow the cookie */
		return &st->bad_cookie;
	memset(m, 0, sizeof(*m));
	m->op = h->op;
	m->xid = ntohl(h->xid);
	m->yiaddr = ntohl(h->yiaddr);
	memcpy(m->chaddr, h->chaddr, ETH_ALEN);
	return parse_options(p + DHCP_MIN_LEN, len - DHCP_MIN_LEN, m);
}

/* ---- building and sending (RFC 2131 §4.4.1, table 5) ----------------------------------- */

static uint8_t *opt(uint8_t *o, uint8_t code, uint8_t len, const void *v)
{
	o[0] = code;
	o[1] = len;
	memcpy(o + 2, v, len);
	return o + 2 + len;
}

static bool have_addr(const struct dhcp_client *c)
{
	return c->state == DHCP_RENEWING || c->state == DHCP_REBINDING;
}

/* The DHCP payload of a DISCOVER or REQUEST in a new buffer (data at the op byte), or NULL. */
static struct netbuf *build(struct dhcp_client *c, uint8_t type)
{
	struct netbuf *nb = nb_alloc();
	if (!nb)
		return NULL;
	uint8_t *p = nb_put(nb, BOOTP_MIN_LEN);
	memset(p, 0, BOOTP_MIN_LEN);
	struct dhcp_hdr *h = (struct dhcp_hdr *)p;
	uint64_t secs = (time_now_ns() - c->start_ns) / NS_PER_S;

	h->op = BOOTREQUEST;
	h->htype = DHCP_HTYPE_ETHER;
	h->hlen = ETH_ALEN;
	h->xid = htonl(c->xid);
	h->secs = htons((uint16_t)MIN(secs, 0xffffu));
	/* §4.1: without an address we cannot take unicast yet: ask for broadcast replies. */
	h->flags = htons(have_addr(c) ? 0 : DHCP_FLAG_BROADCAST);
	h->ciaddr = htonl(have_addr(c) ? c->lease.addr : 0);  /* §4.3.2: only when bound */
	memcpy(h->chaddr, c->dev->mac, ETH_ALEN);
	h->magic = htonl(DHCP_MAGIC);
	uint8_t *o = p + DHCP_MIN_LEN;
	o = opt(o, DHO_MSG_TYPE, 1, &type);
	if (type == DHCPREQUEST && c->state == DHCP_REQUESTING) {
		/* §4.3.2 SELECTING: requested IP and server identifier MUST be filled in. */
		uint32_t a = htonl(c->offer_addr), s = htonl(c->offer_server);
		o = opt(o, DHO_REQUESTED_IP, 4, &a);
		o = opt(o, DHO_SERVER_ID, 4, &s);
	}
	o = opt(o, DHO_PARAM_REQ, sizeof(param_req), param_req);
	*o = DHO_END;                     /* the rest up to 300 bytes stays pad (0) */
	return nb;
}

/* Prepend the UDP header 68 -> 67 with its checksum over the pseudo-header src -> dst. */
static void push_udp(struct netbuf *nb, uint32_t src, uint32_t dst)
{
	struct udp_hdr *uh = nb_push(nb, UDP_HLEN);
	uint16_t len = (uint16_t)nb->len;
	uh->sport = htons(DHCP_CLIENT_PORT);
	uh->dport = htons(DHCP_SERVER_PORT);
	uh->len = htons(len);
	uh->csum = 0;
	uint16_t cs = csum_fold(csum_partial(uh, len, csum_pseudo(src, dst, IP_PROTO_UDP, len)));
	uh->csum = cs ? cs : 0xffff;      /* RFC 768 */
	nb->l4_off = nb_offset(nb);
}

/* Broadcast from src (0 before we have an address) to 255.255.255.255 on c's interface,
 * bypassing routing: there is no route yet (RFC 1122 §3.3.6 limited broadcast). */
static void send_bcast(struct dhcp_client *c, struct netbuf *nb, uint32_t src)
{
	push_udp(nb, src, IPV4_BROADCAST);
	struct ipv4_hdr *ih = nb_push(nb, IPV4_HLEN_MIN);
	memset(ih, 0, sizeof(*ih));
	ih->ver_ihl = 0x45;
	ih->tot_len = htons((uint16_t)nb->len);
	ih->frag_off = htons(IPV4_F_DF);
	ih->ttl = IPV4_DEF_TTL;
	ih->proto = IP_PROTO_UDP;
	ih->saddr = htonl(src);
	ih->daddr = htonl(IPV4_BROADCAST);
	ih->csum = csum_fold(csum_partial(ih, IPV4_HLEN_MIN, 0));
	nb->l3_off = nb_offset(nb);
	ether_output(c->dev, nb, ether_broadcast, ETH_P_IP);
}

static void transmit(struct dhcp_client *c, uint8_t type)
{
	struct netbuf *nb = build(c, type);
	if (!nb)
		return;                   /* pool empty: the retransmission timer tries again */
	if (type == DHCPDISCOVER)
		dhcp_stats.tx_discover++;
	else
		dhcp_stats.tx_request++;
	if (c->tries++)
		dhcp_stats.retransmits++;
	if (c->state == DHCP_RENEWING) {  /* §4.4.5: unicast to the server that granted it */
		push_udp(nb, c->lease.addr, c->lease.server);
		ipv4_output(nb, c->lease.addr, c->lease.server, IP_PROTO_UDP, 0);
	} else {
		send_bcast(c, nb, have_addr(c) ? c->lease.addr : 0);
	}
}

/* ---- timers ---------------------------------------------------------------------------- */

/* RFC 2131 §4.1: 4, 8, 16, 32, 64, 64 ... s, each randomised by -1..+1 s. */
static uint64_t backoff_ns(struct dhcp_client *c)
{
	unsigned n = c->tries ? c->tries - 1 : 0;
	uint64_t s = n >= 4 ? RTX_MAX_S : (uint64_t)RTX_BASE_S << n;
	return s * NS_PER_S - NS_PER_S + (rnd(c) % 2001u) * NS_PER_MS;
}

static uint64_t lease_at(const struct dhcp_client *c, uint32_t secs)
{
	return c->lease.start_ns + (uint64_t)secs * NS_PER_S;
}

/* §4.4.5: in RENEWING/REBINDING wait half the time left until T2/expiry, at least 60 s. */
static uint64_t renew_delay(const struct dhcp_client *c, uint64_t until)
{
	uint64_t now = time_now_ns(), d = until > now ? (until - now) / 2 : 0;
	return MAX(d, (uint64_t)RENEW_MIN_S * NS_PER_S);
}

static void drop_lease(struct dhcp_client *c)
{
	net_if_set_addr(c->dev, 0, 0);
	if (c->own_gw && route_default() == c->lease.router)
		net_set_gateway(0);
	c->own_gw = false;
	memset(&c->lease, 0, sizeof(c->lease));
}

/* Back to INIT (§4.4.1): forget any offer and send a DISCOVER with a fresh xid. */
static void restart(struct dhcp_client *c)
{
	timer_cancel(&c->ltimer);
	dhcp_stats.restarts++;
	send_discover(c);
}

static void rtx_fire(struct timer *t)
{
	struct dhcp_client *c = container_of(t, struct dhcp_client, rtx);

	switch (c->state) {
	case DHCP_SELECTING:
		transmit(c, DHCPDISCOVER);
		timer_arm(&c->rtx, backoff_ns(c));
		break;
	case DHCP_REQUESTING:
		if (c->tries >= REQUEST_TRIES) {
			restart(c);
			return;
		}
		transmit(c, DHCPREQUEST);
		timer_arm(&c->rtx, backoff_ns(c));
		break;
	case DHCP_RENEWING:
		transmit(c, DHCPREQUEST);
		timer_arm(&c->rtx, renew_delay(c, lease_at(c, c->lease.t2_s)));
		break;
	case DHCP_REBINDING:
		transmit(c, DHCPREQUEST);
		timer_arm(&c->rtx, renew_delay(c, lease_at(c, c->lease.lease_s)));
		break;
	default:
		break;
	}
}

/* T1 -> RENEWING, T2 -> REBINDING, expiry -> drop the address and start over (§4.4.5). */
static void lease_fire(struct timer *t)
{
	struct dhcp_client *c = container_of(t, struct dhcp_client, ltimer);
	char line[64];

	if (c->state == DHCP_BOUND || c->state == DHCP_RENEWING) {
		if (c->state == DHCP_BOUND)
			c->start_ns = time_now_ns();    /* secs counts from the start of renewal */
		c->state = c->state == DHCP_BOUND ? DHCP_RENEWING : DHCP_REBINDING;
		c->xid = rnd(c);
		c->tries = 0;
		c->req_ns = time_now_ns();
		timer_arm_at(&c->ltimer, lease_at(c, c->state == DHCP_RENEWING ? c->lease.t2_s
		                                                              : c->lease.lease_s));
		rtx_fire(&c->rtx);
		return;
	}
	if (c->state == DHCP_REBINDING) {
		snprintf(line, sizeof(line), "dhcp %s: lease expired, address removed", c->dev->name);
		say(c, line);
		dhcp_stats.expired++;
		drop_lease(c);
		restart(c);
	}
}

static void send_discover(struct dhcp_client *c)
{
	c->state = DHCP_SELECTING;
	c->xid = rnd(c);
	c->tries = 0;
	c->offer_addr = c->offer_server = 0;
	c->start_ns = time_now_ns();
	rtx_fire(&c->rtx);
}

/* ---- receive --------------------------------------------------------------------------- */

static uint8_t mask_prefix(uint32_t mask)
{
	uint8_t n = 0;
	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return n;
}

/* Natural mask when the server sent none (RFC 2131 §3.3 leaves it to the client). */
static uint32_t default_mask(uint32_t a)
{
	return a < 0x80000000u ? 0xff000000u : a < 0xc0000000u ? 0xffff0000u : 0xffffff00u;
}

static void log_bound(struct dhcp_client *c)
{
	const struct dhcp_lease *l = &c->lease;
	char line[160];
	int n = snprintf(line, sizeof(line), "dhcp %s: ", c->dev->name);
	n += fmt_ip(line + n, sizeof(line) - n, l->addr);
	n += snprintf(line + n, sizeof(line) - n, "/%u gw ", l->prefix);
	if (l->router)
		n += fmt_ip(line + n, sizeof(line) - n, l->router);
	else
		n += snprintf(line + n, sizeof(line) - n, "none");
	for (unsigned i = 0; i < l->ndns; i++) {
		n += snprintf(line + n, sizeof(line) - n, i ? "," : " dns ");
		n += fmt_ip(line + n, sizeof(line) - n, l->dns[i]);
	}
	snprintf(line + n, sizeof(line) - n, " lease %lus", (unsigned long)l->lease_s);
	say(c, line);
}

/* Fill c->lease from an ACK; false when the ACK is unusable (then nothing changed). */
static bool take_lease(struct dhcp_client *c, const struct dhcp_msg *m)
{
	struct dhcp_lease l = { 0 };
	uint32_t mask = m->mask ? m->mask : default_mask(m->yiaddr);
	l.prefix = mask_prefix(mask);
	if (!m->yiaddr || !m->lease || route_prefix_mask(l.prefix) != mask)
		return false;             /* RFC 2131 table 3: lease time MUST be in an ACK */
	l.addr = m->yiaddr;
	l.mask = mask;
	l.router = m->router;
	l.server = m->server_id ? m->server_id : c->offer_server;
	memcpy(l.dns, m->dns, sizeof(l.dns));
	l.ndns = m->ndns;
	l.mtu = m->mtu;
	l.lease_s = m->lease;
	/* §4.4.5 defaults: T1 = 0.5 * lease, T2 = 0.875 * lease; ignore inconsistent values. */
	l.t1_s = (uint32_t)(m->lease / 2u);
	l.t2_s = (uint32_t)((uint64_t)m->lease * 7u / 8u);
	if (m->t1 && m->t2 && m->t1 < m->t2 && m->t2 < m->lease) {
		l.t1_s = m->t1;
		l.t2_s = m->t2;
	}
	l.start_ns = c->req_ns;
	memcpy(l.hostname, m->hostname, sizeof(l.hostname));
	if (net_if_set_addr(c->dev, l.addr, l.prefix) < 0)
		return false;
	c->lease = l;
	return true;
}

static uint64_t *on_ack(struct dhcp_client *c, const struct dhcp_msg *m)
{
	bool renewal = c->state != DHCP_REQUESTING;
	uint32_t old_gw = c->lease.router;
	if (!take_lease(c, m))
		return &dhcp_stats.bad_offer;
	dhcp_stats.rx_ack++;
	if (renewal)
		dhcp_stats.renewed++;
	else
		dhcp_stats.leases++;
	if (c->lease.router && (!c->own_gw || route_default() == old_gw)) {
		net_set_gateway(c->lease.router);
		c->own_gw = true;
	}
	if (c->lease.mtu >= 576 && c->lease.mtu <= 1500)   /* RFC 2132 §5.1: minimum 68; 576 sane */
		c->dev->mtu = c->lease.mtu;
	c->state = DHCP_BOUND;
	timer_cancel(&c->rtx);
	if (c->lease.lease_s != LEASE_INFINITE)
		timer_arm_at(&c->ltimer, lease_at(c, c->lease.t1_s));
	else
		timer_cancel(&c->ltimer);
	if (!renewal)
		arp_announce(c->dev);  /* RFC 5227 §2.3: announce the new address */
	log_bound(c);
	return NULL;
}

static void on_nak(struct dhcp_client *c)
{
	char line[64];
	dhcp_stats.rx_nak++;
	snprintf(line, sizeof(line), "dhcp %s: NAK, restarting", c->dev->name);
	say(c, line);
	if (c->state != DHCP_REQUESTING)
		drop_lease(c);            /* §3.2 step 3 / §4.4.5: NAK while bound: stop using it */
	restart(c);
}

/* A parsed reply for c: the state machine of RFC 2131 figure 5. NULL or the drop counter. */
static uint64_t *dispatch(struct dhcp_client *c, const struct dhcp_msg *m)
{
	if (c->state == DHCP_SELECTING && m->type == DHCPOFFER) {
		/* §4.4.1: an OFFER needs an address and the server identifier to request it. */
		if (!m->yiaddr || !m->server_id)
			return &dhcp_stats.bad_offer;
		dhcp_stats.rx_offer++;
		c->offer_addr = m->yiaddr;
		c->offer_server = m->server_id;
		c->state = DHCP_REQUESTING;
		c->tries = 0;
		c->req_ns = time_now_ns();
		timer_cancel(&c->rtx);
		rtx_fire(&c->rtx);        /* §3.1.3: first offer taken, REQUEST same xid */
		return NULL;
	}
	bool asking = c->state == DHCP_REQUESTING || have_addr(c);
	if (asking && m->type == DHCPACK)
		return on_ack(c, m);
	if (asking && m->type == DHCPNAK) {
		/* A NAK in REQUESTING must come from the server we asked (§3.1.4). */
		if (c->state == DHCP_REQUESTING && m->server_id && m->server_id != c->offer_server)
			return &dhcp_stats.unexpected;
		on_nak(c);
		return NULL;
	}
	return &dhcp_stats.unexpected;
}

/* UDP port 68 callback. Takes ownership of nb (copied into a struct dhcp_msg, then freed). */
static void input(struct udp_sock *s, struct netbuf *nb, uint32_t src, uint16_t sport, void *arg)
{
	struct dhcp_stats *st = &dhcp_stats;
	struct dhcp_client *c = find(nb->dev);
	struct dhcp_msg m;
	uint64_t *drop;

	(void)s; (void)src; (void)arg;
	CHECK(c, drop = &st->no_client; goto drop);
	CHECK(sport == DHCP_SERVER_PORT, drop = &st->bad_port; goto drop);
	drop = dhcp_parse(nb->data, nb->len, &m);
	if (drop)
		goto drop;
	CHECK(m.xid == c->xid, drop = &st->wrong_xid; goto drop);
	CHECK(memcmp(m.chaddr, c->dev->mac, ETH_ALEN) == 0, drop = &st->wrong_chaddr; goto drop);
	drop = dispatch(c, &m);
	if (drop)
		goto drop;
	nb_free(nb);
	return;
drop:
	(*drop)++;
	nb_free(nb);
}

/* ---- control --------------------------------------------------------------------------- */

int dhcp_start(struct netdev *dev, uint32_t seed, dhcp_log_fn log)
{
	struct dhcp_client *c = find(dev);
	if (c)
		dhcp_stop(dev);
	for (c = clients; c < clients + DHCP_MAX_IF && c->dev; c++)
		;
	if (c == clients + DHCP_MAX_IF)
		return -1;
	if (!sock && !(sock = udp_bind(DHCP_CLIENT_PORT, input, NULL)))
		return -1;
	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->log = log;
	c->rng = seed ? seed : 0x2545f491u;   /* xorshift needs a non-zero state */
	timer_init(&c->rtx, rtx_fire);
	timer_init(&c->ltimer, lease_fire);
	send_discover(c);
	return 0;
}

void dhcp_stop(struct netdev *dev)
{
	struct dhcp_client *c = find(dev);
	if (!c)
		return;
	timer_cancel(&c->rtx);
	timer_cancel(&c->ltimer);
	c->dev = NULL;
	for (unsigned i = 0; i < DHCP_MAX_IF; i++)
		if (clients[i].dev)
			return;
	udp_unbind(sock);
	sock = NULL;
}

void dhcp_reset(void)
{
	for (unsigned i = 0; i < DHCP_MAX_IF; i++)
		if (clients[i].dev)
			dhcp_stop(clients[i].dev);
	if (sock)
		udp_unbind(sock);
	sock = NULL;
	memset(&dhcp_stats, 0, sizeof(dhcp_stats));
}

enum dhcp_state dhcp_state(const struct netdev *dev)
{
	const struct dhcp_client *c = find(dev);
	return c ? c->state : DHCP_OFF;
}

const char *dhcp_state_name(enum dhcp_state s)
{
	static const char *const names[] = {
		"off", "selecting", "requesting", "bound", "renewing", "rebinding",
	};
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

const struct dhcp_lease *dhcp_lease(const struct netdev *dev)
{
	const struct dhcp_client *c = find(dev);
	return c && c->state >= DHCP_BOUND ? &c->lease : NULL;
}
