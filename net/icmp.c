/* ICMP (RFC 792, RFC 1122 §3.2.2): echo replies built in the request's own buffer, and
 * error messages (unreachable, ...) about received datagrams, limited by a token bucket
 * and never sent where RFC 1122 §3.2.2 forbids. */
#include <string.h>
#include "net/icmp.h"
#include "net/stats.h"
#include "net/checksum.h"
#include "net/byteorder.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"
#include "net/ether.h"
#include "kernel/time.h"

#define TOKEN_NS  (NS_PER_S / ICMP_ERR_RATE)   /* one token's worth of time */

static uint64_t credit_ns = ICMP_ERR_BURST * TOKEN_NS;  /* bucket starts full */
static uint64_t last_ns;

void icmp_reset(void)
{
	credit_ns = ICMP_ERR_BURST * TOKEN_NS;
	last_ns = time_now_ns();
}

static bool take_token(void)
{
	uint64_t now = time_now_ns();
	credit_ns += now - last_ns;
	last_ns = now;
	if (credit_ns > ICMP_ERR_BURST * TOKEN_NS)
		credit_ns = ICMP_ERR_BURST * TOKEN_NS;
	if (credit_ns < TOKEN_NS)
		return false;
	credit_ns -= TOKEN_NS;
	return true;
}

/* Echo reply in place: same id, seq and data; only type and checksum change (RFC 792).
 * Takes ownership of nb. */
static void echo_reply(struct netbuf *nb, const struct ipv4_pdesc *pd)
{
	if (nb_headroom(nb) < IPV4_HLEN_MIN + ETH_HLEN) {
		/* Delivered without room for our headers (not from a NIC): copy. */
		struct netbuf *c = nb_alloc();
		if (!c || nb->len > nb_tailroom(c)) {   /* too big to copy behind our headroom */
			net_stats.icmp.out_drops++;
			nb_free(c);
			nb_free(nb);
			return;
		}
		memcpy(nb_put(c, nb->len), nb->data, nb->len);
		nb_free(nb);
		nb = c;
	}
	/* Type 8 -> 0 (code is 0): one 16-bit word changes, so update the checksum
	 * incrementally (RFC 1624) rather than summing up to 1472 bytes again. */
	struct icmp_hdr *h = (struct icmp_hdr *)nb->data;
	uint16_t w_old, w_new;
	memcpy(&w_old, h, 2);
	h->type = ICMP_ECHOREPLY;
	memcpy(&w_new, h, 2);
	h->csum = csum_replace2(h->csum, w_old, w_new);
	nb->l4_off = nb_offset(nb);
	net_stats.icmp.out_msgs++;
	net_stats.icmp.out_echo_reps++;
	if (ipv4_output(nb, pd->dst, pd->src, IP_PROTO_ICMP, pd->tos) != 0)
		net_stats.icmp.out_drops++;
}

/* nb->data at the ICMP header, nb->len its length. Takes ownership. */
void icmp_input(struct netbuf *nb, const struct ipv4_pdesc *pd)
{
	struct icmp_stats *st = &net_stats.icmp;
	uint64_t *drop;

	st->in_msgs++;
	CHECK(nb->len >= ICMP_HLEN, drop = &st->bad_len; goto drop);
	CHECK(csum_fold(csum_partial(nb->data, nb->len, 0)) == 0, drop = &st->bad_csum; goto drop);
	const struct icmp_hdr *h = (const struct icmp_hdr *)nb->data;
	switch (h->type) {
	case ICMP_ECHO:
		CHECK(h->code == 0, drop = &st->bad_code; goto drop);
		/* RFC 1122 §3.2.2.6: an echo to a broadcast address MAY be silently discarded. */
		CHECK(ipv4_is_local(pd->dst), drop = &st->bcast_echo; goto drop);
		st->in_echos++;
		echo_reply(nb, pd);
		return;
	case ICMP_ECHOREPLY:
		st->in_echo_reps++;
		break;
	case ICMP_DEST_UNREACH:
		st->in_dest_unreachs++;
		break;
	case ICMP_TIME_EXCEEDED:
		st->in_time_excds++;
		break;
	default:
		st->in_other++;
		break;
	}
	nb_free(nb);
	return;
drop:
	(*drop)++;
	nb_free(nb);
}

static bool is_query(uint8_t type)
{
	switch (type) {
	case ICMP_ECHOREPLY: case ICMP_ECHO: case ICMP_TIMESTAMP: case ICMP_TIMESTAMPREPLY:
	case 9: case 10:        /* router advertisement / solicitation (RFC 1256) */
	case 15: case 16: case 17: case 18:   /* information, address mask (obsolete queries) */
		return true;
	}
	return false;
}

/* RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7: no error about an ICMP error, a datagram to a
 * broadcast or multicast address or sent as link-layer broadcast, a non-first fragment, or a
 * source that is not one host. The datagram was for us or being forwarded. ih has hlen
 * bytes; avail bytes are there from ih on. */
static bool error_allowed(const struct netbuf *nb, const struct ipv4_hdr *ih, unsigned hlen, size_t avail)
{
	uint32_t src = ntohl(ih->saddr), dst = ntohl(ih->daddr);
	if (ntohs(ih->frag_off) & IPV4_OFFMASK)
		return false;
	if (dst == 0 || ipv4_is_bcast(dst) || ipv4_is_multicast(dst) || (nb->flags & NB_F_L2BCAST))
		return false;
	if (src == 0 || src == IPV4_BROADCAST || ipv4_is_multicast(src) || ipv4_is_loopback(src))
		return false;
	if (ih->proto == IP_PROTO_ICMP)
		return avail >= hlen + 1 && is_query(((const uint8_t *)ih)[hlen]);
	return true;
}

/* Does not take ownership of nb. rest: the second 32-bit word of the ICMP header (network
 * order as it lies in memory): unused (0) for most errors, the next-hop MTU for 3/4. */
static void send_error(struct netbuf *nb, uint8_t type, uint8_t code, const uint8_t rest[4])
{
	const uint8_t *ip = nb->buf + nb->l3_off, *end = nb->data + nb->len;
	if (end < ip + IPV4_HLEN_MIN)
		return;                 /* no IPv4 header to quote: a caller bug, nothing to say */
	const struct ipv4_hdr *ih = (const struct ipv4_hdr *)ip;
	unsigned hlen = (ih->ver_ihl & 0x0f) * 4u;
	size_t avail = (size_t)(end - ip);
	if (hlen < IPV4_HLEN_MIN || hlen > avail)
		return;
	if (!error_allowed(nb, ih, hlen, avail)) {
		net_stats.icmp.err_suppressed++;
		return;
	}
	if (!take_token()) {
		net_stats.icmp.rate_limited++;
		return;
	}
	struct netbuf *e = nb_alloc();
	if (!e) {
		net_stats.icmp.out_drops++;
		return;
	}
	/* RFC 792: the internet header plus the first 64 bits of the original data. */
	size_t quote = MIN(avail, (size_t)hlen + 8);
	struct icmp_hdr *h = nb_put(e, ICMP_HLEN);
	memset(h, 0, ICMP_HLEN);
	h->type = type;
	h->code = code;
	memcpy((uint8_t *)h + 4, rest, 4);
	memcpy(nb_put(e, (uint32_t)quote), ip, quote);
	h->csum = csum_fold(csum_partial(e->data, e->len, 0));
	e->l4_off = nb_offset(e);
	net_stats.icmp.out_msgs++;
	net_stats.icmp.out_errors++;
	/* From the address the datagram was sent to when that is ours; about a forwarded one,
	 * from the outgoing interface's address (RFC 1812 §4.3.2.4). */
	uint32_t src = ipv4_is_local(ntohl(ih->daddr)) ? ntohl(ih->daddr) : 0;
	if (ipv4_output(e, src, ntohl(ih->saddr), IP_PROTO_ICMP, 0) != 0)
		net_stats.icmp.out_drops++;
}

void icmp_send_error(struct netbuf *nb, uint8_t type, uint8_t code)
{
	static const uint8_t unused[4];
	send_error(nb, type, code, unused);
}

/* RFC 1191 §4: the low 16 bits of the unused word carry the next-hop MTU. */
void icmp_send_frag_needed(struct netbuf *nb, uint16_t mtu)
{
	const uint8_t rest[4] = { 0, 0, (uint8_t)(mtu >> 8), (uint8_t)mtu };
	send_error(nb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, rest);
}
