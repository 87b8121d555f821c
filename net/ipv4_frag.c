/* IPv4 fragment reassembly and fragmentation (RFC 791 §3.2, RFC 815, RFC 1858, RFC 5722).
 * Reassembly keeps each fragment's netbuf in a small sorted array per datagram (no copy until
 * the datagram is complete), bounded by the IPV4_REASM_* limits of net/ipv4_frag.h; any
 * overlap drops the whole datagram. Fragmentation splits on 8-byte boundaries. */
#include <string.h>
#include "net/ipv4_frag.h"
#include "net/arp.h"
#include "net/icmp.h"
#include "net/stats.h"
#include "net/checksum.h"
#include "net/byteorder.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"
#include "kernel/timer.h"

struct frag {
	struct netbuf *nb;      /* data at the fragment's IPv4 header */
	uint16_t off, len;      /* payload bytes [off, off + len) of the datagram */
};

struct reasm {                  /* one datagram in progress, keyed as RFC 791 §3.2 says */
	bool used, have_last;
	uint8_t proto;
	uint16_t id;
	uint32_t src, dst;      /* network order, as in the header */
	uint32_t total;         /* payload length, known once the last fragment came */
	uint32_t got;           /* payload bytes held */
	uint64_t deadline;
	uint64_t age;           /* creation order: the smallest is the oldest */
	unsigned n;
	struct frag f[IPV4_REASM_FRAGS];   /* sorted by off, never overlapping */
};

static struct reasm tab[IPV4_REASM_MAX];
static unsigned held, pending;
static uint64_t next_age;
static struct timer sweep_timer;
static bool timer_ready;

unsigned ipv4_reasm_pending(void) { return pending; }
unsigned ipv4_reasm_held(void) { return held; }

/* Give up r: free every fragment, count them under why and the datagram in reasm_fails. */
static void give_up(struct reasm *r, uint64_t *why)
{
	for (unsigned i = 0; i < r->n; i++)
		nb_free(r->f[i].nb);
	*why += r->n;
	held -= r->n;
	pending--;
	r->n = 0;
	r->used = false;
	net_stats.ipv4.reasm_fails++;
}

static void rearm(void)
{
	uint64_t first = UINT64_MAX;
	for (unsigned i = 0; i < IPV4_REASM_MAX; i++)
		if (tab[i].used && tab[i].deadline < first)
			first = tab[i].deadline;
	if (first != UINT64_MAX)
		timer_arm_at(&sweep_timer, first);
	else
		timer_cancel(&sweep_timer);
}

/* Expired datagrams: RFC 792 / RFC 1122 §3.3.2, time exceeded code 1 to the source, but
 * only when fragment zero arrived (it carries the header to quote). */
static void sweep(uint64_t now)
{
	for (unsigned i = 0; i < IPV4_REASM_MAX; i++) {
		struct reasm *r = &tab[i];
		if (!r->used || r->deadline > now)
			continue;
		if (r->n && r->f[0].off == 0)
			icmp_send_error(r->f[0].nb, ICMP_TIME_EXCEEDED, ICMP_EXC_FRAGTIME);
		give_up(r, &net_stats.ipv4.reasm_timeout);
	}
}

static void on_timer(struct timer *t)
{
	(void)t;
	sweep(time_now_ns());
	rearm();
}

static void evict_oldest(void)
{
	struct reasm *old = NULL;
	for (unsigned i = 0; i < IPV4_REASM_MAX; i++)
		if (tab[i].used && (!old || tab[i].age < old->age))
			old = &tab[i];
	if (old)
		give_up(old, &net_stats.ipv4.reasm_evicted);
}

void ipv4_reasm_flush(void)
{
	for (unsigned i = 0; i < IPV4_REASM_MAX; i++)
		if (tab[i].used)
			give_up(&tab[i], &net_stats.ipv4.reasm_evicted);
	if (timer_ready)
		timer_cancel(&sweep_timer);
}

static struct reasm *lookup(const struct ipv4_hdr *ih)
{
	for (unsigned i = 0; i < IPV4_REASM_MAX; i++) {
		struct reasm *r = &tab[i];
		if (r->used && r->id == ih->id && r->src == ih->saddr && r->dst == ih->daddr &&
		    r->proto == ih->proto)
			return r;
	}
	return NULL;
}

/* A new entry for ih's datagram, evicting the oldest when all IPV4_REASM_MAX are in use. */
static struct reasm *create(const struct ipv4_hdr *ih, uint64_t now)
{
	struct reasm *r = NULL;
	if (pending == IPV4_REASM_MAX)
		evict_oldest();
	for (unsigned i = 0; i < IPV4_REASM_MAX && !r; i++)
		if (!tab[i].used)
			r = &tab[i];
	ASSERT(r);
	*r = (struct reasm){ .used = true, .proto = ih->proto, .id = ih->id,
			     .src = ih->saddr, .dst = ih->daddr,
			     .deadline = now + IPV4_REASM_TIMEOUT_NS, .age = next_age++ };
	pending++;
	return r;
}

/* RFC 1858 §3: a first fragment must hold the whole transport header a filter looks at;
 * §4: a TCP fragment at offset 8 could overwrite the flags. */
static bool tiny(uint8_t proto, unsigned off, unsigned len, bool mf)
{
	unsigned need = proto == IP_PROTO_TCP ? 20 : (proto == IP_PROTO_UDP || proto == IP_PROTO_ICMP) ? 8 : 0;
	if (off == 0 && mf && len < need)
		return true;
	return proto == IP_PROTO_TCP && off == 8;
}

/* Checks on this fragment alone. Returns the counter of the failed one or NULL. */
static uint64_t *check_frag(uint8_t proto, unsigned hlen, unsigned off, unsigned len, bool mf)
{
	struct ipv4_stats *st = &net_stats.ipv4;
	if (mf && (len == 0 || len % 8))
		return &st->reasm_bad_len;      /* RFC 791 §3.2: non-last data in 8-byte blocks */
	if (off + len + hlen > 0xffff)
		return &st->reasm_bad_len;      /* would exceed the 16-bit total length */
	if (tiny(proto, off, len, mf))
		return &st->reasm_tiny;
	if (off + len + IPV4_HLEN_MIN > IPV4_REASM_MAXLEN)
		return &st->reasm_oversize;
	return NULL;
}

/* Add the fragment [off, off + len) to r. Returns NULL when nb is now held, else the counter
 * to charge nb to; when the conflict condemns the datagram, r is given up here as well. */
static uint64_t *insert(struct reasm *r, struct netbuf *nb, unsigned off, unsigned len, bool mf)
{
	struct ipv4_stats *st = &net_stats.ipv4;
	unsigned end = off + len, i = 0;
	uint64_t *why = NULL;

	if (!mf && ((r->have_last && r->total != end) ||
		    (r->n && r->f[r->n - 1].off + r->f[r->n - 1].len > end)))
		why = &st->reasm_bad_len;       /* two different ends, or data past the end */
	else if (mf && r->have_last && end > r->total)
		why = &st->reasm_bad_len;
	while (!why && i < r->n && r->f[i].off < off)
		i++;
	if (!why && i < r->n && r->f[i].off == off && r->f[i].len == len)
		return &st->reasm_dup;          /* a retransmitted copy: the first one stays */
	/* RFC 5722 §4 (the IPv6 rule, applied to IPv4 as the safe policy after RFC 1858):
	 * any overlap discards the whole datagram, so no two readings of it can exist. */
	if (!why && ((i > 0 && r->f[i - 1].off + r->f[i - 1].len > off) ||
		     (i < r->n && r->f[i].off < end)))
		why = &st->reasm_overlap;
	if (!why && r->n == IPV4_REASM_FRAGS)
		why = &st->reasm_too_many;
	if (why) {
		give_up(r, why);
		return why;
	}
	memmove(&r->f[i + 1], &r->f[i], (r->n - i) * sizeof(r->f[0]));
	r->f[i] = (struct frag){ nb, (uint16_t)off, (uint16_t)len };
	r->n++;
	held++;
	r->got += len;
	if (!mf) {
		r->have_last = true;
		r->total = end;
	}
	return NULL;
}

static void set_hdr(struct ipv4_hdr *ih, unsigned hlen, unsigned tot, uint16_t frag_off)
{
	ih->tot_len = htons((uint16_t)tot);
	ih->frag_off = htons(frag_off);
	ih->csum = 0;
	ih->csum = csum_fold(csum_partial(ih, hlen, 0));
}

static void forget(struct reasm *r)
{
	held -= r->n;
	pending--;
	r->n = 0;
	r->used = false;
}

/* r holds the whole datagram: copy the payloads behind fragment zero (in its own buffer when
 * there is room, else in a fresh one). Returns the datagram or NULL (r given up, counted). */
static struct netbuf *build(struct reasm *r)
{
	struct ipv4_stats *st = &net_stats.ipv4;
	struct netbuf *out = r->f[0].nb;
	unsigned hlen = (out->data[0] & 0x0f) * 4u, size = hlen + r->total;

	if (size > IPV4_REASM_MAXLEN) {
		give_up(r, &st->reasm_oversize);
		return NULL;
	}
	if (nb_tailroom(out) < size - out->len) {
		out = nb_alloc();
		if (!out) {
			give_up(r, &st->reasm_nobuf);
			return NULL;
		}
		memcpy(nb_put(out, r->f[0].nb->len), r->f[0].nb->data, r->f[0].nb->len);
		out->dev = r->f[0].nb->dev;
		out->flags = r->f[0].nb->flags;
		nb_free(r->f[0].nb);
	}
	for (unsigned i = 1; i < r->n; i++) {
		struct netbuf *f = r->f[i].nb;
		memcpy(nb_put(out, r->f[i].len), f->data + (f->data[0] & 0x0f) * 4u, r->f[i].len);
		nb_free(f);
	}
	forget(r);
	struct ipv4_hdr *ih = (struct ipv4_hdr *)out->data;
	set_hdr(ih, hlen, size, ntohs(ih->frag_off) & IPV4_F_DF);
	out->l3_off = nb_offset(out);
	out->flags &= (uint16_t)~NB_F_CSUM_OK;  /* a NIC's verdict covered one fragment only */
	st->reasm_oks++;
	return out;
}

/* Takes ownership of nb (see net/ipv4_frag.h). */
struct netbuf *ipv4_reasm(struct netbuf *nb)
{
	struct ipv4_stats *st = &net_stats.ipv4;
	const struct ipv4_hdr *ih = (const struct ipv4_hdr *)nb->data;
	unsigned hlen = (ih->ver_ihl & 0x0f) * 4u, fo = ntohs(ih->frag_off);
	unsigned off = (fo & IPV4_OFFMASK) * 8u, len = nb->len - hlen;
	bool mf = fo & IPV4_F_MF;
	uint64_t now = time_now_ns(), *drop;
	struct reasm *r;
	struct netbuf *out = NULL;

	st->reasm_reqds++;
	if (!timer_ready) {
		timer_init(&sweep_timer, on_timer);
		timer_ready = true;
	}
	sweep(now);                     /* lazily too: the timer may be late or reset */
	drop = check_frag(ih->proto, hlen, off, len, mf);
	if (drop) {
		r = lookup(ih);
		if (r && drop == &st->reasm_oversize)
			give_up(r, drop);       /* it can never complete */
		goto drop;
	}
	if (held >= IPV4_REASM_NBUFS)
		evict_oldest();
	r = lookup(ih);
	if (!r)
		r = create(ih, now);
	drop = insert(r, nb, off, len, mf);
	if (drop)
		goto drop;
	if (r->have_last && r->got == r->total)
		out = build(r);         /* no overlaps: got == total means no hole is left */
	rearm();
	return out;
drop:
	(*drop)++;
	nb_free(nb);
	rearm();
	return NULL;
}

/* RFC 791 §3.1: options with the copied flag (0x80) go into every fragment, the rest only
 * into the first. Writes them to out, padded with EOL to 4 bytes; returns their length.
 * opt has been checked by ipv4_input (every length inside the header). */
static unsigned copied_opts(const uint8_t *opt, unsigned len, uint8_t *out)
{
	unsigned i = 0, n = 0;
	while (i < len && opt[i] != 0) {
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
			break;
		if (opt[i] & 0x80) {
			memcpy(out + n, opt + i, opt[i + 1]);
			n += opt[i + 1];
		}
		i += opt[i + 1];
	}
	while (n % 4)
		out[n++] = 0;
	return n;
}

static void free_list(struct netbuf *l)
{
	while (l) {
		struct netbuf *next = l->next;
		nb_free(l);
		l = next;
	}
}

/* Fragments after the first, into fresh buffers; NULL when the pool ran dry (none kept). */
static struct netbuf *make_rest(const struct netbuf *nb, unsigned hlen, const uint8_t *hdr,
				unsigned hl2, unsigned first, unsigned rest, unsigned fo)
{
	unsigned payload = nb->len - hlen;
	struct netbuf *head = NULL, **tail = &head;
	for (unsigned off = first; off < payload; off += rest) {
		unsigned n = MIN(rest, payload - off);
		struct netbuf *f = nb_alloc();
		if (!f) {
			free_list(head);
			return NULL;
		}
		uint8_t *p = nb_put(f, hl2 + n);   /* hl2 + n <= mtu <= one buffer */
		memcpy(p, hdr, hl2);
		memcpy(p + hl2, nb->data + hlen + off, n);
		bool more = off + n < payload || (fo & IPV4_F_MF);
		set_hdr((struct ipv4_hdr *)p, hl2, hl2 + n,
			(uint16_t)(((fo & IPV4_OFFMASK) + off / 8) | (more ? IPV4_F_MF : 0)));
		f->l3_off = nb_offset(f);
		*tail = f;
		tail = &f->next;
	}
	return head;
}

/* RFC 791 §3.2 "An Example Fragmentation Procedure", generalised to n fragments: the first
 * keeps every option and is the original buffer trimmed; the rest are copies. */
int ipv4_fragment(struct netbuf *nb, unsigned mtu, struct netdev *dev, uint32_t nexthop)
{
	struct ipv4_stats *st = &net_stats.ipv4;
	struct ipv4_hdr *ih = (struct ipv4_hdr *)nb->data;
	unsigned hlen = (ih->ver_ihl & 0x0f) * 4u, fo = ntohs(ih->frag_off);
	uint8_t hdr[IPV4_HLEN_MAX];
	unsigned hl2 = IPV4_HLEN_MIN + copied_opts(nb->data + IPV4_HLEN_MIN, hlen - IPV4_HLEN_MIN,
						   hdr + IPV4_HLEN_MIN);
	memcpy(hdr, ih, IPV4_HLEN_MIN);
	hdr[0] = (uint8_t)(0x40 | hl2 / 4);
	struct netbuf *rest = NULL;

	if (nb->len <= mtu)
		return arp_output(dev, nb, nexthop);   /* fits: nothing to split */
	if (mtu < hlen + 8 || mtu > NB_BUF_SIZE - NB_HEADROOM)
		goto fail;                      /* RFC 791: every host link carries 68 bytes */
	unsigned first = (mtu - hlen) & ~7u;
	rest = make_rest(nb, hlen, hdr, hl2, first, (mtu - hl2) & ~7u, fo);
	if (!rest)
		goto fail;
	nb_trim(nb, hlen + first);
	set_hdr(ih, hlen, hlen + first, (uint16_t)(fo | IPV4_F_MF));
	st->frag_oks++;
	st->frag_created++;
	nb->next = NULL;
	arp_output(dev, nb, nexthop);
	while (rest) {
		struct netbuf *f = rest;
		rest = f->next;
		f->next = NULL;
		st->frag_created++;
		arp_output(dev, f, nexthop);
	}
	return 0;
fail:
	st->frag_fails++;
	nb_free(nb);
	return -1;
}
