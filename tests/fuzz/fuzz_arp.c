/* libFuzzer harness: ARP. Records (fuzz_stack.h) are either ARP packets for arp_input()
 * (even control byte) or, with bit 0 of the control byte set, an IPv4 datagram sent with
 * arp_output() to the next hop named by its first 4 bytes, so resolution, the pending queues,
 * retries and expiry (the clock moves per record) meet hostile replies. */
#include <string.h>
#include "fuzz_stack.h"
#include "net/arp.h"
#include "net/byteorder.h"

static void send_to(const struct fz_rec *r)
{
	uint32_t nh;
	if (r->len < 4)
		return;
	memcpy(&nh, r->p, 4);
	struct netbuf *nb = nb_alloc();
	if (!nb)
		return;
	size_t n = r->len - 4 < 256 ? r->len - 4 : 256;
	memcpy(nb_put(nb, (uint32_t)n), r->p + 4, n);
	arp_output(fz_dev, nb, ntohl(nh));      /* takes ownership */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_rec r;

	fz_begin(false);
	while (fz_next(&data, &size, &r)) {
		fz_clock(r.ctl);
		if (r.ctl & 1) {
			send_to(&r);
			continue;
		}
		struct netbuf *nb = fz_frame(&r, false);
		if (nb)
			arp_input(fz_dev, nb);  /* takes ownership */
	}
	fz_end();
	return 0;
}
