/* libFuzzer harness: the whole receive path. The input is a sequence of records (fuzz_stack.h)
 * fed to net_rx() on eth0 (10.0.0.2/24) with the echo appliance listening on TCP and UDP
 * port 7; the fake clock moves between frames so ARP, TCP and ICMP timers fire. Every input
 * ends with a teardown that must return every netbuf to the pool. Odd-length inputs run the
 * echo connections with CUBIC, even ones with Reno. */
#include "fuzz_stack.h"
#include "net/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_rec r;

	fz_begin(true);
	tcp_set_default_cc(size & 1 ? "cubic" : "reno");   /* for the echo connections */
	while (fz_next(&data, &size, &r)) {
		fz_clock(r.ctl);
		struct netbuf *nb = fz_frame(&r, true);
		if (nb)
			net_rx(fz_dev, nb);     /* takes ownership */
	}
	fz_end();
	return 0;
}
