/* libFuzzer harness: IPv4 receive and everything above it. Records (fuzz_stack.h) are IPv4
 * datagrams handed to ipv4_input() as if eth0 had received them, with the echo appliance on
 * port 7; the clock moves between records. Teardown must return every netbuf. Odd-length
 * inputs run the echo connections with CUBIC, even ones with Reno. */
#include "fuzz_stack.h"
#include "net/tcp.h"
#include "net/ipv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_rec r;

	fz_begin(true);
	tcp_set_default_cc(size & 1 ? "cubic" : "reno");   /* for the echo connections */
	while (fz_next(&data, &size, &r)) {
		fz_clock(r.ctl);
		struct netbuf *nb = fz_frame(&r, false);
		if (!nb)
			continue;
		nb->dev = fz_dev;
		ipv4_input(nb);                 /* takes ownership */
	}
	fz_end();
	return 0;
}
