/* The sender's side of SACK: a scoreboard of the ranges the peer reports holding (RFC 2018
 * §3 blocks, checked against what we sent), and retransmission of the holes below the
 * highest SACKed byte during fast recovery (RFC 6675 §5, NextSeg rule 1, with HighRxt so
 * each hole is sent once per recovery). Without SACK, recovery is NewReno (tcp_data.c). */
#include "net/tcp_priv.h"

/* Insert [l, r) into the sorted, disjoint scoreboard, merging overlaps. */
static void sb_add(struct tcp_conn *c, uint32_t l, uint32_t r)
{
	uint32_t (*sb)[2] = c->sacked;
	unsigned n = c->nsacked, i = 0;
	while (i < n && SEQ_LT(sb[i][1], l))
		i++;
	unsigned j = i;
	while (j < n && SEQ_LEQ(sb[j][0], r)) {    /* absorb every range that touches [l, r) */
		if (SEQ_LT(sb[j][0], l))
			l = sb[j][0];
		if (SEQ_GT(sb[j][1], r))
			r = sb[j][1];
		j++;
	}
	if (i == j && n == TCP_SACK_RANGES)
		return;                            /* full: forget it, the peer repeats blocks */
	unsigned removed = j - i;
	if (removed == 0) {                        /* open a slot at i */
		for (unsigned k = n; k > i; k--)
			sb[k][0] = sb[k - 1][0], sb[k][1] = sb[k - 1][1];
	} else {                                   /* close the gap left by merged ranges */
		for (unsigned k = j; k < n; k++)
			sb[k - removed + 1][0] = sb[k][0], sb[k - removed + 1][1] = sb[k][1];
	}
	sb[i][0] = l;
	sb[i][1] = r;
	c->nsacked = n - removed + 1;
}

/* Drop what the cumulative ACK has passed. */
static void sb_prune(struct tcp_conn *c, uint32_t una)
{
	unsigned k = 0;
	for (unsigned i = 0; i < c->nsacked; i++) {
		if (SEQ_LEQ(c->sacked[i][1], una))
			continue;
		c->sacked[k][0] = SEQ_LT(c->sacked[i][0], una) ? una : c->sacked[i][0];
		c->sacked[k][1] = c->sacked[i][1];
		k++;
	}
	c->nsacked = k;
}

void tcp_sack_update(struct tcp_conn *c, const struct tcp_seg *s)
{
	if (!c->sack_on)
		return;
	for (unsigned i = 0; i < s->opt.nsack; i++) {
		uint32_t l = s->opt.sack[i][0], r = s->opt.sack[i][1];
		/* RFC 2018 §3: blocks lie above SEG.ACK and within what we sent; others (D-SACK,
		 * forged) are ignored */
		if (SEQ_GEQ(l, r) || SEQ_LEQ(l, s->ack) || SEQ_GT(r, c->snd_max))
			continue;
		sb_add(c, l, r);
	}
	sb_prune(c, SEQ_GT(s->ack, c->snd_una) ? s->ack : c->snd_una);
}

/* Retransmit up to max_segs segments from the holes below the highest SACKed byte that have
 * not been retransmitted in this recovery yet. */
void tcp_sack_retransmit(struct tcp_conn *c, unsigned max_segs)
{
	uint32_t seq = SEQ_GT(c->high_rxt, c->snd_una) ? c->high_rxt : c->snd_una;
	c->rtt_timing = false;                      /* Karn */
	for (unsigned i = 0; i < c->nsacked && max_segs; i++) {
		if (SEQ_GEQ(seq, c->sacked[i][0])) {
			if (SEQ_LT(seq, c->sacked[i][1]))
				seq = c->sacked[i][1];     /* skip what the peer has */
			continue;
		}
		while (SEQ_LT(seq, c->sacked[i][0]) && max_segs) {
			uint32_t len = MIN(c->sacked[i][0] - seq, (uint32_t)c->snd_mss);
			if (tcp_send_seg(c, seq, len, TCP_ACK) < 0)
				return;
			seq += len;
			c->high_rxt = seq;
			max_segs--;
		}
		seq = c->sacked[i][1];
	}
}
