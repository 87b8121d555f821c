/* Targets that do more than decide: REJECT (a TCP RST per RFC 9293 §3.10.7.1, or an ICMP
 * destination unreachable through icmp_send_error) and LOG (one line per packet on the
 * console, through a token bucket so a flood cannot flood the console). */
#include <stdio.h>
#include <string.h>
#include "net/nf_rule.h"
#include "net/byteorder.h"
#include "net/checksum.h"
#include "net/icmp.h"
#include "net/ipv4.h"
#include "net/stats.h"
#include "net/proto/ipv4.h"
#include "net/proto/icmp.h"
#include "net/tcp_proto.h"
#include "kernel/time.h"

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* RFC 9293 §3.10.7.1 (segment for a CLOSED connection): with ACK the reset takes
 * SEQ=SEG.ACK; without, SEQ=0 ACK=SEG.SEQ+SEG.LEN with RST,ACK. Never a RST for a RST
 * (§3.10.7.1 "An incoming segment containing a RST is discarded"), nor for a datagram to a
 * broadcast or multicast address. Builds a new netbuf; p->nb stays the caller's. */
static void reject_tcp(const struct nf_pkt *p)
{
	const uint8_t *th = p->nb->data + p->l4_off;
	if (!p->l4_ok || p->l4_len < TCP_HLEN_MIN || (p->tcp_flags & TCP_RST) ||
	    p->dst == IPV4_BROADCAST || ipv4_is_multicast(p->dst) || ipv4_is_multicast(p->src) ||
	    p->src == IPV4_BROADCAST || p->src == 0)
		return;
	unsigned thl = (th[12] >> 4) * 4u;
	if (thl < TCP_HLEN_MIN || thl > p->l4_len)
		return;
	uint32_t seglen = p->l4_len - thl + !!(p->tcp_flags & TCP_SYN) + !!(p->tcp_flags & TCP_FIN);
	struct netbuf *nb = nb_alloc();
	if (!nb)
		return;                 /* counted in nb_stats.alloc_fail */
	struct tcp_hdr *h = nb_put(nb, TCP_HLEN_MIN);
	memset(h, 0, sizeof(*h));
	h->sport = htons(p->dport);
	h->dport = htons(p->sport);
	if (p->tcp_flags & TCP_ACK) {
		h->seq = htonl(be32(th + 8));
		h->flags = TCP_RST;
	} else {
		h->ack = htonl(be32(th + 4) + seglen);
		h->flags = TCP_RST | TCP_ACK;
	}
	h->off = (TCP_HLEN_MIN / 4) << 4;
	uint32_t ph = csum_pseudo(p->dst, p->src, IP_PROTO_TCP, TCP_HLEN_MIN);
	h->csum = csum_fold(csum_partial(h, TCP_HLEN_MIN, ph));
	if (ipv4_output(nb, p->dst, p->src, IP_PROTO_TCP, 0) == 0)
		nf_stats.rejects_sent++;
}

/* icmp_send_error applies RFC 1122 §3.2.2 (no error about an ICMP error, a broadcast, a
 * later fragment) and its rate limit; whether it sent shows in its out_errors counter. */
void nf_reject(const struct nf_rule *r, const struct nf_pkt *p)
{
	static const uint8_t code[] = {
		[NF_RJ_PORT_UNREACH] = ICMP_PORT_UNREACH, [NF_RJ_HOST_UNREACH] = ICMP_HOST_UNREACH,
		[NF_RJ_NET_UNREACH] = ICMP_NET_UNREACH,
		/* RFC 1812 §5.2.7.1: communication administratively prohibited */
		[NF_RJ_ADMIN_PROHIB] = 13,
	};
	if (r->t.reject_with == NF_RJ_TCP_RESET) {
		reject_tcp(p);
		return;
	}
	uint64_t before = net_stats.icmp.out_errors;
	p->nb->l3_off = nb_offset(p->nb);       /* the hook's nb->data is the IPv4 header */
	icmp_send_error(p->nb, ICMP_DEST_UNREACH, code[r->t.reject_with]);
	if (net_stats.icmp.out_errors != before)
		nf_stats.rejects_sent++;
}

static struct nf_bucket log_bucket;

void nf_log_reset(void)
{
	nf_bucket_init(&log_bucket, NF_LOG_RATE, 1, NF_LOG_BURST);
}

static const char *proto_name(uint8_t p)
{
	return p == IP_PROTO_TCP ? "TCP" : p == IP_PROTO_UDP ? "UDP" : p == IP_PROTO_ICMP ? "ICMP" : NULL;
}

/* The kernel's LOG line shape, as dmesg shows it: "PREFIXIN=eth0 OUT= SRC=.. DST=.. LEN=..
 * TTL=.. PROTO=..". --log-level only shows in `iptables -L` (the console has no levels). */
void nf_log(const struct nf_rule *r, const struct nf_pkt *p, uint64_t now)
{
	if (!log_bucket.cost)
		nf_log_reset();
	if (!nf_bucket_take(&log_bucket, now)) {
		nf_stats.log_suppressed++;
		return;
	}
	nf_stats.logged++;
	const uint8_t *ip = p->nb->data;
	char pr[8];
	const char *pn = proto_name(p->proto);
	if (!pn)
		snprintf(pr, sizeof(pr), "%u", p->proto), pn = pr;
	printf("%sIN=%s OUT=%s SRC=%u.%u.%u.%u DST=%u.%u.%u.%u LEN=%u TTL=%u PROTO=%s",
	       r->t.log_prefix, p->in ? p->in->name : "", p->out ? p->out->name : "",
	       p->src >> 24, p->src >> 16 & 255, p->src >> 8 & 255, p->src & 255,
	       p->dst >> 24, p->dst >> 16 & 255, p->dst >> 8 & 255, p->dst & 255,
	       (unsigned)p->nb->len, ip[8], pn);
	if (p->l4_ok && (p->proto == IP_PROTO_TCP || p->proto == IP_PROTO_UDP))
		printf(" SPT=%u DPT=%u", p->sport, p->dport);
	if (p->l4_ok && p->proto == IP_PROTO_ICMP)
		printf(" TYPE=%u CODE=%u", p->icmp_type, p->icmp_code);
	if (p->l4_ok && p->proto == IP_PROTO_TCP) {
		static const char *const fl[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG" };
		for (unsigned i = 0; i < ARRAY_SIZE(fl); i++)
			if (p->tcp_flags & (1u << i))
				printf(" %s", fl[i]);
	}
	if (p->frag)
		printf(" FRAG");
	printf("\n");
}
