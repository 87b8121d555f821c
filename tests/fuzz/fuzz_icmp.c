/* libFuzzer harness: ICMP. Odd first byte: the rest is an ICMP message given to icmp_input()
 * with a descriptor decoded from its first 9 bytes (src, dst, tos), checksum fixed when the
 * second byte's bit 1 is set. Even first byte: the rest is a received IPv4 datagram (any
 * bytes) about which icmp_send_error() builds an error quoting the inner header, with type
 * and code from the second and third byte. */
#include <string.h>
#include "fuzz_stack.h"
#include "net/icmp.h"
#include "net/checksum.h"
#include "net/byteorder.h"
#include "net/ether.h"

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void input(const uint8_t *p, size_t n)
{
	if (n < 10)
		return;
	struct ipv4_pdesc pd = {
		.src = get32(p + 1), .dst = get32(p + 5), .proto = 1, .ttl = 64, .tos = p[9],
		.dev = fz_dev,
	};
	struct fz_rec r = { .ctl = p[0] & 0x80, .p = p + 10, .len = n - 10 };
	struct netbuf *nb = fz_frame(&r, false);
	if (!nb)
		return;
	if ((p[0] & 0x02) && nb->len >= 4) {
		memset(nb->data + 2, 0, 2);
		uint16_t c = csum_fold(csum_partial(nb->data, nb->len, 0));
		memcpy(nb->data + 2, &c, 2);
	}
	nb->dev = fz_dev;
	nb->l3_off = nb_offset(nb);     /* no IPv4 header in front: errors about it are refused */
	nb->l4_off = nb_offset(nb);
	pd.hlen = 20;
	pd.tot_len = (uint16_t)(nb->len + 20);
	icmp_input(nb, &pd);            /* takes ownership */
}

static void error(const uint8_t *p, size_t n)
{
	if (n < 3)
		return;
	struct fz_rec r = { .ctl = p[0] & 0x80, .p = p + 3, .len = n - 3 };
	struct netbuf *nb = fz_frame(&r, false);
	if (!nb)
		return;
	nb->dev = fz_dev;
	nb->l3_off = nb_offset(nb);
	if (p[0] & 0x04) {
		/* as ipv4_input leaves it: data at the L4 header behind the IPv4 header */
		unsigned hlen = nb->len ? (nb->data[0] & 0x0f) * 4u : 0;
		if (hlen <= nb->len)
			nb_pull(nb, hlen);
	}
	if (p[0] & 0x08)
		nb->flags |= NB_F_L2BCAST;
	icmp_send_error(nb, p[1], p[2]); /* does not take ownership */
	nb_free(nb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_begin(false);
	if (size >= 1) {
		if (data[0] & 1)
			input(data, size);
		else
			error(data, size);
	}
	fz_end();
	return 0;
}
