/* NAT on conntrack entries (net/nat.h): nat_setup() binds a flow's first packet to a new
 * reply tuple (source port kept when free, else searched from a hashed offset; ICMP echo
 * identifiers the same way), nat_apply() rewrites each packet of the flow in place with
 * incremental checksum updates (RFC 1624), including the datagram an ICMP error quotes
 * (RFC 5508 §4.4, RFC 3022 §4.3). The netbuf stays the caller's throughout. */
#include <string.h>
#include "net/nat.h"
#include "net/conntrack.h"
#include "net/checksum.h"
#include "net/byteorder.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"

/* Linux's source-port classes: a port below 1024 maps below 1024 (some services insist). */
#define NAT_PORT_MIN      1024u
#define NAT_PORT_MAX      65535u
#define NAT_LOWPORT_MIN   512u
#define NAT_LOWPORT_MAX   1023u
#define NAT_ICMP_ID_MIN   0u
#define NAT_ICMP_ID_MAX   65535u
/* The search over a range stops after this many tried tuples (bounded work on one packet,
 * like Linux's capped attempts); then the flow is refused and counted (nat_no_port). From a
 * hashed start, 4096 taken ports in a row means the range towards that server is nearly
 * exhausted anyway. */
#define NAT_SEARCH_MAX    4096u

static inline uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline void wr16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

uint16_t nat_csum_replace4(uint16_t check, uint32_t old_be, uint32_t new_be)
{
	/* the two halves of a memory-order 32-bit value are its two memory-order words */
	check = csum_replace2(check, (uint16_t)(old_be >> 16), (uint16_t)(new_be >> 16));
	return csum_replace2(check, (uint16_t)old_be, (uint16_t)new_be);
}

static uint32_t mix(uint32_t h, uint32_t v)
{
	h ^= v * 0xcc9e2d51u;
	h = (h << 13 | h >> 19) * 5u + 0xe6546b64u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

static bool tuple_eq(const struct ct_tuple *a, const struct ct_tuple *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto;
}

/* The entry's own current reply tuple counts as free: a null mapping is no collision. */
static bool tuple_free(const struct ct_tuple *t, const struct ct_tuple *cur)
{
	return tuple_eq(t, cur) || !ct_tuple_taken(t);
}

static void set_port(struct ct_tuple *t, enum nat_type type, uint16_t port)
{
	if (t->proto == IP_PROTO_ICMP)
		t->sport = t->dport = port;     /* the echo identifier, both ways */
	else if (type == NAT_SNAT)
		t->dport = port;                /* replies come back to the new source port */
	else
		t->sport = port;
}

/* Keep orig_port when it is free (and inside a given range), else walk the range from a
 * hashed offset (SNAT spreads flows; DNAT takes the first free port of its range). */
static int pick_port(struct ct_tuple *want, const struct ct_tuple *cur, enum nat_type type,
		     uint16_t orig_port, const struct nat_range *r, uint32_t h)
{
	uint32_t lo, hi;
	bool given = r->port_min || r->port_max;
	if (given) {
		lo = r->port_min;
		hi = MAX(r->port_max, r->port_min);
	} else if (want->proto == IP_PROTO_ICMP) {
		lo = NAT_ICMP_ID_MIN, hi = NAT_ICMP_ID_MAX;
	} else if (orig_port >= NAT_PORT_MIN) {
		lo = NAT_PORT_MIN, hi = NAT_PORT_MAX;
	} else {
		lo = NAT_LOWPORT_MIN, hi = NAT_LOWPORT_MAX;
	}
	if (!given || (orig_port >= lo && orig_port <= hi)) {
		set_port(want, type, orig_port);
		if (tuple_free(want, cur))
			return 0;
	}
	uint32_t n = hi - lo + 1, off = type == NAT_SNAT ? h % n : 0;
	for (uint32_t k = 0; k < n && k < NAT_SEARCH_MAX; k++) {
		set_port(want, type, (uint16_t)(lo + (off + k) % n));
		if (tuple_free(want, cur))
			return 0;
	}
	return -1;
}

/* MASQUERADE: the outgoing interface's address; REDIRECT: the receiving interface's, or for
 * a local packet (OUTPUT, no in) our own source address. A range picks by a hash of the
 * original source, so one host keeps one public address. 0 = none available. */
static uint32_t pick_addr(const struct nf_pkt *p, enum nat_type type, const struct nat_range *r,
			  const struct ct_tuple *o)
{
	if (r->addr_min == 0) {
		if (type == NAT_SNAT)
			return p->out ? p->out->ip.addr : 0;
		return p->in ? p->in->ip.addr : p->src;
	}
	uint32_t n = r->addr_max > r->addr_min ? r->addr_max - r->addr_min + 1 : 1;
	return n == 0 ? r->addr_min : r->addr_min + mix(0x2545f491u, o->src) % n;
}

static bool has_ports(const struct ct_tuple *t)
{
	/* conntrack creates ICMP entries for queries only: their tuples carry the identifier */
	return t->proto == IP_PROTO_TCP || t->proto == IP_PROTO_UDP || t->proto == IP_PROTO_ICMP;
}

int nat_setup(struct nf_pkt *p, enum nat_type type, const struct nat_range *r)
{
	struct ct_entry *ct = p->ct;
	const struct ct_tuple *o = ct_tuple(ct, CT_DIR_ORIG);
	struct ct_tuple cur = *ct_tuple(ct, CT_DIR_REPLY), want = cur;
	uint32_t addr = pick_addr(p, type, r, o);
	if (addr == 0)
		goto fail;
	if (type == NAT_SNAT)
		want.dst = addr;
	else
		want.src = addr;
	if (has_ports(&want) && !(type == NAT_DNAT && want.proto == IP_PROTO_ICMP)) {
		uint16_t port = type == NAT_SNAT ? o->sport : o->dport;
		uint32_t h = mix(mix(mix(0x6a09e667u, o->src), o->dst), (uint32_t)o->dport << 8 | o->proto);
		if (pick_port(&want, &cur, type, port, r, h) < 0)
			goto fail;
	} else if (!tuple_free(&want, &cur)) {
		goto fail;
	}
	if (ct_set_reply_tuple(ct, &want) < 0)
		goto fail;
	ct_set_flags(ct, type == NAT_SNAT ? CT_F_SNAT : CT_F_DNAT);
	return 0;
fail:
	nf_stats.nat_no_port++;
	return -1;
}

/* Write a 16-bit word and carry the change into up to three checksums covering it. */
static void set16(uint8_t *f, uint16_t nv, uint8_t *c1, uint8_t *c2, uint8_t *c3)
{
	uint16_t ov = rd16(f);
	uint8_t *cs[3] = { c1, c2, c3 };
	if (ov == nv)
		return;
	for (int i = 0; i < 3; i++)
		if (cs[i])
			wr16(cs[i], csum_replace2(rd16(cs[i]), ov, nv));
	wr16(f, nv);
}

static bool icmp_query(uint8_t type)
{
	return type == ICMP_ECHO || type == ICMP_ECHOREPLY || type == ICMP_TIMESTAMP ||
	       type == ICMP_TIMESTAMPREPLY;
}

/* Rewrite the destination (dst) or source of the datagram at ip (len bytes, header already
 * validated by the caller) to addr, and its port or ICMP identifier to port when ports.
 * enclosing: the checksum of an ICMP error quoting this datagram, or NULL. Only fields whose
 * bytes are present are touched: a quoted TCP header is 8 bytes, without its checksum. */
static void rewrite(uint8_t *ip, unsigned len, bool dst, uint32_t addr, uint16_t port,
		    bool ports, uint8_t *enclosing)
{
	unsigned ihl = (ip[0] & 0x0f) * 4u, l4len = len - ihl;
	uint8_t *l4 = ip + ihl, *lc = NULL, *pf = NULL, *ipc = ip + 10, *a = ip + (dst ? 16 : 12);
	bool pseudo = false, udp = ip[9] == IP_PROTO_UDP;
	uint16_t old_ipc = rd16(ipc), old_lc = 0;

	if ((rd16(ip + 6) & htons(IPV4_OFFMASK)) == 0) {    /* only a first fragment has L4 */
		if (ip[9] == IP_PROTO_TCP || udp) {
			pseudo = true;  /* RFC 793 §3.1 / RFC 768: addresses are in the sum */
			pf = l4len >= 4 ? l4 + (dst ? 2 : 0) : NULL;
			lc = udp ? (l4len >= 8 && rd16(l4 + 6) ? l4 + 6 : NULL) : (l4len >= 18 ? l4 + 16 : NULL);
		} else if (ip[9] == IP_PROTO_ICMP && l4len >= 6 && icmp_query(l4[0])) {
			pf = l4 + 4;    /* identifier; no pseudo-header in ICMP */
			lc = l4 + 2;
		}
	}
	if (lc)
		old_lc = rd16(lc);
	uint8_t na[4] = { addr >> 24, addr >> 16, addr >> 8, addr };
	set16(a, rd16(na), ipc, pseudo ? lc : NULL, enclosing);
	set16(a + 2, rd16(na + 2), ipc, pseudo ? lc : NULL, enclosing);
	if (ports && pf) {
		uint8_t np[2] = { port >> 8, port };
		set16(pf, rd16(np), lc, enclosing, NULL);
	}
	if (lc && udp && rd16(lc) == 0)
		wr16(lc, 0xffff);       /* RFC 768: a computed 0 is sent as all ones */
	if (enclosing) {            /* the checksums themselves lie inside the quoting message */
		wr16(enclosing, csum_replace2(rd16(enclosing), old_ipc, rd16(ipc)));
		if (lc)
			wr16(enclosing, csum_replace2(rd16(enclosing), old_lc, rd16(lc)));
	}
}

static void refresh(struct nf_pkt *p)
{
	const uint8_t *ip = p->nb->data, *l4 = ip + p->l4_off;
	p->src = (uint32_t)ip[12] << 24 | ip[13] << 16 | ip[14] << 8 | ip[15];
	p->dst = (uint32_t)ip[16] << 24 | ip[17] << 16 | ip[18] << 8 | ip[19];
	if (!p->l4_ok || p->frag)
		return;
	if (p->proto == IP_PROTO_TCP || p->proto == IP_PROTO_UDP) {
		p->sport = (uint16_t)(l4[0] << 8 | l4[1]);
		p->dport = (uint16_t)(l4[2] << 8 | l4[3]);
	} else if (p->proto == IP_PROTO_ICMP && p->l4_len >= ICMP_HLEN &&
		   (l4[0] == ICMP_ECHO || l4[0] == ICMP_ECHOREPLY)) {
		p->sport = p->dport = (uint16_t)(l4[4] << 8 | l4[5]);
	}
}

/* RFC 5508 §4.4: an ICMP error about a NATed flow gets the quoted datagram translated the
 * opposite way (it travelled in the other direction) and its outer address like any packet
 * of the flow. Lengths are checked again: the packet may have changed since conntrack. */
static void rewrite_error(struct nf_pkt *p, bool dst, uint32_t addr, uint16_t port)
{
	uint8_t *icmp = p->nb->data + p->l4_off, *in = icmp + ICMP_HLEN;
	if (p->frag || p->l4_len < ICMP_HLEN + IPV4_HLEN_MIN)
		return;
	unsigned inlen = p->l4_len - ICMP_HLEN, ihl = (in[0] & 0x0f) * 4u;
	if (ihl < IPV4_HLEN_MIN || ihl > inlen)
		return;
	rewrite(in, inlen, !dst, addr, port, true, icmp + 2);
	rewrite(p->nb->data, p->nb->len, dst, addr, 0, false, NULL);
}

void nat_apply(struct nf_pkt *p)
{
	struct ct_entry *ct = p->ct;
	if (!ct || p->hook == NF_FORWARD)
		return;
	bool dst = p->hook == NF_PREROUTING || p->hook == NF_OUTPUT;
	int dir = p->ct_dir & 1;
	/* destination manip in the original direction applies DNAT, in the reply direction it
	 * undoes SNAT; source manip the other way round */
	unsigned need = dst == (dir == CT_DIR_ORIG) ? CT_F_DNAT : CT_F_SNAT;
	if (!(ct_flags(ct) & need))
		return;
	const struct ct_tuple *other = ct_tuple(ct, !dir);
	/* what this direction looks like fully translated: the other tuple inverted */
	uint32_t addr = dst ? other->src : other->dst;
	uint16_t port = dst ? other->sport : other->dport;
	if (p->ctstate == NF_CT_RELATED)
		rewrite_error(p, dst, addr, port);
	else
		rewrite(p->nb->data, p->nb->len, dst, addr, port, true, NULL);
	refresh(p);
}
