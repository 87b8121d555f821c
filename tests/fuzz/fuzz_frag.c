/* libFuzzer harness: sequences of IPv4 fragments into ipv4_input() with the fake clock moving
 * between them (fuzz_stack.h records), so reassembly's limits, timeout, overlap and tiny
 * checks, and forwarding with fragmentation, meet arbitrary orders and lengths. Odd-length
 * inputs turn forwarding on; inputs whose length has bit 1 set give eth0 an MTU of 576 so
 * forwarded datagrams are fragmented again. Teardown must return every netbuf. */
#include <string.h>
#include "fuzz_stack.h"
#include "net/byteorder.h"
#include "net/ipv4.h"
#include "net/checksum.h"
#include "net/proto/ipv4.h"

/* Record bytes: b0 = key (bits 0-1 pick one of four datagram IDs), MF (bit 2), DF (bit 3),
 * protocol (bits 4-5: ICMP, UDP, TCP, 99), destination 192.0.2.1 instead of us (bit 6),
 * raw (bit 7: the rest is a whole IPv4 datagram, checksums per the control byte);
 * b1-b2 = fragment offset (13 bits), b3 = TTL, then the fragment's data. */
static struct netbuf *fragment(const struct fz_rec *r)
{
	static const uint8_t protos[4] = { IP_PROTO_ICMP, IP_PROTO_UDP, IP_PROTO_TCP, 99 };
	if (r->len < 4 || (r->p[0] & 0x80)) {
		struct fz_rec raw = { r->ctl, r->p + (r->len ? 1 : 0), r->len ? r->len - 1 : 0 };
		return fz_frame(&raw, false);
	}
	struct netbuf *nb = (r->ctl & FZ_C_NOHEAD) ? nb_alloc_rx() : nb_alloc();
	if (!nb)
		return NULL;
	if (r->ctl & FZ_C_NOHEAD)
		nb->data += 14;         /* as a NIC frame after net_rx pulled its Ethernet header */
	size_t n = r->len - 4, room = nb_tailroom(nb) - IPV4_HLEN_MIN;
	n = n < room ? n : room;
	struct ipv4_hdr *ih = nb_put(nb, IPV4_HLEN_MIN);
	uint8_t b0 = r->p[0];
	uint16_t fo = (uint16_t)(((r->p[1] << 8) | r->p[2]) & IPV4_OFFMASK);
	fo |= (b0 & 4 ? IPV4_F_MF : 0) | (b0 & 8 ? IPV4_F_DF : 0);
	ih->ver_ihl = 0x45;
	ih->tos = 0;
	ih->tot_len = htons((uint16_t)(IPV4_HLEN_MIN + n));
	ih->id = htons((uint16_t)(0x100 + (b0 & 3)));
	ih->frag_off = htons(fo);
	ih->ttl = r->p[3];
	ih->proto = protos[(b0 >> 4) & 3];
	ih->csum = 0;
	ih->saddr = htonl(FZ_PEER);
	ih->daddr = htonl(b0 & 0x40 ? IPV4_ADDR(192, 0, 2, 1) : FZ_US);
	ih->csum = csum_fold(csum_partial(ih, IPV4_HLEN_MIN, 0));
	memcpy(nb_put(nb, (uint32_t)n), r->p + 4, n);
	return nb;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_rec r;

	fz_begin(true);
	ipv4_set_forwarding(size & 1);
	fz_dev->mtu = size & 2 ? 576 : 1500;
	while (fz_next(&data, &size, &r)) {
		fz_clock(r.ctl);
		struct netbuf *nb = fragment(&r);
		if (!nb)
			continue;
		nb->dev = fz_dev;
		ipv4_input(nb);                 /* takes ownership */
	}
	ipv4_set_forwarding(false);
	fz_dev->mtu = 1500;
	fz_end();
	return 0;
}
