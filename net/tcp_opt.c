/* TCP options (RFC 9293 §3.2): decode a received option list into struct tcp_opts, and
 * build ours: MSS (RFC 9293 §3.7.1), window scale (RFC 7323 §2), timestamps (RFC 7323 §3),
 * SACK-permitted and SACK blocks from the out-of-order queue (RFC 2018). */
#include <string.h>
#include "net/tcp_priv.h"

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void opt_one(uint8_t kind, const uint8_t *v, unsigned vlen, struct tcp_opts *o)
{
	/* A known kind with the wrong length is ignored, like an unknown one (RFC 9293 §3.2). */
	if (kind == TCPOPT_MSS && vlen == 2) {
		o->mss_ok = true;
		o->mss = get16(v);
	} else if (kind == TCPOPT_WSCALE && vlen == 1) {
		o->ws_ok = true;
		o->ws = v[0] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : v[0];  /* RFC 7323 §2.3 */
	} else if (kind == TCPOPT_SACK_PERM && vlen == 0) {
		o->sack_ok = true;
	} else if (kind == TCPOPT_SACK && vlen >= 8 && vlen <= 32 && vlen % 8 == 0) {
		o->nsack = (uint8_t)(vlen / 8);
		for (unsigned i = 0; i < o->nsack; i++) {
			o->sack[i][0] = get32(v + 8 * i);
			o->sack[i][1] = get32(v + 8 * i + 4);
		}
	} else if (kind == TCPOPT_TS && vlen == 8) {
		o->ts_ok = true;
		o->tsval = get32(v);
		o->tsecr = get32(v + 4);
	}
}

bool tcp_opts_parse(const uint8_t *p, unsigned len, struct tcp_opts *o)
{
	memset(o, 0, sizeof(*o));
	unsigned i = 0;
	while (i < len) {
		uint8_t kind = p[i];
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return false;           /* kind without a length byte */
		uint8_t olen = p[i + 1];
		if (olen < 2 || olen > len - i)
			return false;           /* would loop forever or run past the header */
		opt_one(kind, p + i + 2, olen - 2u, o);
		i += olen;
	}
	return true;
}

/* Timestamp value: a millisecond clock (RFC 7323 §5.4: 1 ms to 1 s per tick). */
static uint32_t ts_now(void)
{
	return (uint32_t)(time_now_ns() / NS_PER_MS);
}

struct sack_range { uint32_t left, right; };

/* Merge the out-of-order queue into ranges; RFC 2018 §4: the block holding the most recent
 * segment goes first. Returns the number of blocks written (at most max). */
static unsigned sack_blocks(const struct tcp_conn *c, struct sack_range *out, unsigned max)
{
	struct sack_range r[TCP_OOO_MAX];
	unsigned n = 0;
	for (const struct netbuf *q = c->ooo_head; q; q = q->next) {
		if (n && SEQ_LEQ(q->seq, r[n - 1].right)) {
			if (SEQ_GT(q->seq + q->len, r[n - 1].right))
				r[n - 1].right = q->seq + q->len;
		} else if (n < TCP_OOO_MAX) {
			r[n++] = (struct sack_range){ q->seq, q->seq + q->len };
		}
	}
	unsigned first = 0;
	for (unsigned i = 0; i < n; i++)
		if (SEQ_GEQ(c->sack_last, r[i].left) && SEQ_LT(c->sack_last, r[i].right))
			first = i;
	unsigned k = 0;
	if (n)
		out[k++] = r[first];
	for (unsigned i = 0; i < n && k < max; i++)
		if (i != first)
			out[k++] = r[i];
	return k;
}

static unsigned build_sack(const struct tcp_conn *c, uint8_t *out, unsigned room)
{
	struct sack_range b[4];
	unsigned fit = room >= 4 ? (room - 4) / 8 : 0;          /* NOP NOP kind len + 8 per block */
	unsigned max = MIN(c->ts_on ? 3u : 4u, fit);            /* 40 bytes of option space */
	if (!max)
		return 0;
	unsigned nb = sack_blocks(c, b, max);
	if (!nb)
		return 0;
	unsigned n = 0;
	out[n++] = TCPOPT_NOP;
	out[n++] = TCPOPT_NOP;
	out[n++] = TCPOPT_SACK;
	out[n++] = (uint8_t)(2 + 8 * nb);
	for (unsigned i = 0; i < nb; i++, n += 8) {
		put32(out + n, b[i].left);
		put32(out + n + 4, b[i].right);
	}
	return n;
}

unsigned tcp_opts_build(const struct tcp_conn *c, uint8_t flags, uint8_t *out, unsigned sack_room)
{
	unsigned n = 0;
	bool syn = flags & TCP_SYN;
	if (syn) {
		out[n++] = TCPOPT_MSS;
		out[n++] = 4;
		put16(out + n, c->rcv_mss);
		n += 2;
	}
	if (c->ts_on) {
		/* on a SYN, SACK-permitted takes the two NOPs' place (the layout Linux uses) */
		out[n++] = syn && c->sack_on ? TCPOPT_SACK_PERM : TCPOPT_NOP;
		out[n++] = syn && c->sack_on ? 2 : TCPOPT_NOP;
		out[n++] = TCPOPT_TS;
		out[n++] = 10;
		put32(out + n, ts_now());
		put32(out + n + 4, (flags & TCP_ACK) ? c->ts_recent : 0);
		n += 8;
	} else if (syn && c->sack_on) {
		out[n++] = TCPOPT_NOP;
		out[n++] = TCPOPT_NOP;
		out[n++] = TCPOPT_SACK_PERM;
		out[n++] = 2;
	}
	if (syn && c->ws_on) {
		out[n++] = TCPOPT_NOP;
		out[n++] = TCPOPT_WSCALE;
		out[n++] = 3;
		out[n++] = c->rcv_wscale;
	}
	if (!syn && c->sack_on && c->ooo_head && (flags & TCP_ACK))
		n += build_sack(c, out + n, sack_room);
	return n;
}
