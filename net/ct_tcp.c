/* Conntrack's TCP tracker: the connection state machine over SYN / SYN-ACK / FIN / ACK / RST
 * in both directions (the states Linux conntrack names) and the sequence-window check of
 * Rooij, "Real Stateful TCP Packet Filtering in IP Filter" (2000), per direction. Used by
 * net/conntrack.c through net/ct_priv.h. No mid-stream pickup: only a SYN opens a flow
 * (Linux nf_conntrack_tcp_loose=0), and simultaneous open is not tracked (INVALID). */
#include <string.h>
#include "net/ct_priv.h"
#include "net/byteorder.h"
#include "net/tcp_proto.h"
#include "kernel/time.h"

/* Rooij §3: an ACK may lag at most this far behind what the receiver sent, when the
 * sender's largest window is smaller (the value Linux uses as MAXACKWINCONST). */
#define CT_TCP_MAXACKWIN_MIN 66000u

enum { P_SYN, P_SYNACK, P_FIN, P_ACK, P_RST, P_NONE, P_KINDS };

#define sNO CT_TCP_NONE
#define sSS CT_TCP_SYN_SENT
#define sSR CT_TCP_SYN_RECV
#define sES CT_TCP_ESTABLISHED
#define sFW CT_TCP_FIN_WAIT
#define sCW CT_TCP_CLOSE_WAIT
#define sLA CT_TCP_LAST_ACK
#define sTW CT_TCP_TIME_WAIT
#define sCL CT_TCP_CLOSE
#define sIV 0xfe            /* not allowed here: INVALID */
#define sIG 0xff            /* allowed, changes nothing (retransmits, stray SYN-ACKs) */

/* next[dir][packet kind][state]. FIN_WAIT = a FIN seen, CLOSE_WAIT = it was acknowledged,
 * LAST_ACK = FINs both ways, TIME_WAIT = the last FIN acknowledged. A SYN in TIME_WAIT or
 * CLOSE starts a new flow before this table is consulted (conntrack.c). */
static const uint8_t next_state[2][P_KINDS][9] = {
	{ /* original direction: from the side that sent the first SYN */
	/*            sNO  sSS  sSR  sES  sFW  sCW  sLA  sTW  sCL */
	[P_SYN]    = { sSS, sSS, sIG, sIG, sIG, sIG, sIG, sIV, sIV },
	[P_SYNACK] = { sIV, sIV, sIV, sIG, sIG, sIG, sIG, sIG, sIG },
	[P_FIN]    = { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL },
	[P_ACK]    = { sIV, sIV, sES, sES, sCW, sCW, sTW, sTW, sCL },
	[P_RST]    = { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
	[P_NONE]   = { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
	{ /* reply direction */
	[P_SYN]    = { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	[P_SYNACK] = { sIV, sSR, sSR, sIG, sIG, sIG, sIG, sIG, sIG },
	[P_FIN]    = { sIV, sIV, sFW, sFW, sLA, sLA, sLA, sTW, sCL },
	[P_ACK]    = { sIV, sIV, sSR, sES, sCW, sCW, sTW, sTW, sCL },
	[P_RST]    = { sIV, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL },
	[P_NONE]   = { sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV, sIV },
	},
};

static const uint32_t timeout_s[9] = {
	[sNO] = 10, [sSS] = 120, [sSR] = 60, [sES] = 432000, [sFW] = 120,
	[sCW] = 60, [sLA] = 30, [sTW] = 120, [sCL] = 10,
};

static const char *const state_name[9] = {
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK",
	"TIME_WAIT", "CLOSE",
};

uint64_t ct_tcp_timeout(unsigned state)
{
	return (uint64_t)timeout_s[state < 9 ? state : sCL] * NS_PER_S;
}

const char *ct_tcp_state_name(unsigned state)
{
	return state < 9 ? state_name[state] : "?";
}

/* RFC 7323 §2.2: the window scale option, read from a SYN's options (every length checked;
 * a malformed list just ends the walk: the segment itself is still tracked). */
static void parse_wscale(const uint8_t *o, unsigned n, struct ct_seg *s)
{
	unsigned i = 0;
	while (i < n) {
		if (o[i] == TCPOPT_EOL)
			return;
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			return;
		if (o[i] == TCPOPT_WSCALE && o[i + 1] == 3) {
			s->has_wscale = true;
			s->wscale = MIN(o[i + 2], TCP_WSCALE_MAX);  /* RFC 7323 §2.3 */
		}
		i += o[i + 1];
	}
}

int ct_tcp_parse(const struct nf_pkt *p, struct ct_seg *s)
{
	const uint8_t *l4 = p->nb->data + p->l4_off;
	struct tcp_hdr th;
	if (p->l4_len < TCP_HLEN_MIN)
		return -1;
	memcpy(&th, l4, sizeof(th));
	unsigned doff = (th.off >> 4) * 4u;
	if (doff < TCP_HLEN_MIN || doff > p->l4_len)
		return -1;
	memset(s, 0, sizeof(*s));
	s->seq = ntohl(th.seq);
	s->ack = ntohl(th.ack);
	s->len = p->l4_len - doff;
	s->win = ntohs(th.win);
	s->flags = th.flags;
	if (th.flags & TCP_SYN)
		parse_wscale(l4 + TCP_HLEN_MIN, doff - TCP_HLEN_MIN, s);
	return 0;
}

static unsigned kind(uint8_t f)
{
	if (f & TCP_RST)
		return P_RST;
	if (f & TCP_SYN)
		return f & TCP_ACK ? P_SYNACK : P_SYN;
	if (f & TCP_FIN)
		return P_FIN;
	return f & TCP_ACK ? P_ACK : P_NONE;
}

static uint32_t seg_end(const struct ct_seg *s)
{
	return s->seq + s->len + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
}

/* A side's first SYN (or a retransmitted one with a new ISN) sets its window state. */
static void peer_init(struct ct_peer *pe, const struct ct_seg *s)
{
	pe->end = pe->maxend = seg_end(s);
	pe->maxwin = s->win ? s->win : 1;     /* RFC 7323 §2.2: never scaled on a SYN */
	pe->ws_offered = s->has_wscale;
	pe->wscale = s->has_wscale ? s->wscale : 0;
}

void ct_tcp_new(struct ct_entry *ct, const struct ct_seg *s)
{
	memset(ct->peer, 0, sizeof(ct->peer));
	peer_init(&ct->peer[CT_DIR_ORIG], s);
	ct->tcp_state = sNO;
}

/* Rooij §3 conditions I-IV: the segment lies within what the receiver could have opened
 * (upper and lower sequence bound) and its ACK within what the receiver sent. On success
 * the per-side ends and windows move forward. */
static bool in_window(struct ct_entry *ct, int dir, const struct ct_seg *s)
{
	struct ct_peer *snd = &ct->peer[dir], *rcv = &ct->peer[!dir];
	uint32_t seq = s->seq, end = seg_end(s), ack = s->ack, win = s->win;

	if (snd->maxwin == 0) {
		if (!(s->flags & TCP_SYN))
			return false;       /* nothing seen from this side yet but a SYN opens it */
		peer_init(snd, s);
		/* RFC 7323 §1.3: scaling is on only when both SYNs offered it */
		if (!(snd->ws_offered && rcv->ws_offered))
			snd->wscale = rcv->wscale = 0;
	} else if ((s->flags & TCP_SYN) && SEQ_GT(end, snd->end) &&
		   ((dir == CT_DIR_ORIG && ct->tcp_state == sSS) ||
		    (dir == CT_DIR_REPLY && ct->tcp_state == sSR))) {
		peer_init(snd, s);      /* SYN retransmitted with a new ISN */
	}
	if (!(s->flags & TCP_ACK))
		ack = rcv->end;         /* no ACK: nothing to check against */
	if (seq == end && !(s->flags & TCP_RST))
		seq = end = snd->end;   /* an empty segment sits at the sender's edge */
	if (!(s->flags & TCP_SYN))
		win <<= snd->wscale;
	uint32_t maxack = MAX(snd->maxwin, CT_TCP_MAXACKWIN_MIN);
	if (!(SEQ_LEQ(seq, snd->maxend) && SEQ_GEQ(end, snd->end - rcv->maxwin) &&
	      SEQ_LEQ(ack, rcv->end) && SEQ_GEQ(ack, rcv->end - maxack)))
		return false;
	if (snd->maxwin < win)
		snd->maxwin = win;
	if (rcv->maxwin != 0 && SEQ_GT(end, snd->maxend))
		rcv->maxwin += end - snd->maxend;
	if (SEQ_GT(end, snd->end))
		snd->end = end;
	if (SEQ_GEQ(ack + win, rcv->maxend)) {
		rcv->maxend = ack + win;
		if (win == 0)
			rcv->maxend++;  /* room for a zero-window probe */
	}
	return true;
}

/* RFC 9293 §3.10.7.3: in SYN-SENT a RST is acceptable only when it acknowledges the SYN. */
static bool rst_in_syn_sent_ok(const struct ct_entry *ct, const struct ct_seg *s)
{
	return (s->flags & TCP_ACK) && s->ack == ct->peer[CT_DIR_ORIG].end;
}

enum ct_tcp_verdict ct_tcp_packet(struct ct_entry *ct, int dir, const struct ct_seg *s)
{
	unsigned k = kind(s->flags), old = ct->tcp_state;
	uint8_t ns = next_state[dir][k][old < 9 ? old : sCL];

	if (ns == sIV)
		return CT_TCP_BAD;
	if (ns == sIG)
		return CT_TCP_IGNORE;
	if (k == P_RST && old == sSS && dir == CT_DIR_REPLY) {
		if (!rst_in_syn_sent_ok(ct, s))
			return CT_TCP_BAD;
	} else if (!in_window(ct, dir, s)) {
		return CT_TCP_BAD;
	}
	ct->tcp_state = ns;
	return CT_TCP_OK;
}
