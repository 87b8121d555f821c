/* libFuzzer harness: the TCP option parser (net/tcp_opt.c, tcp_opts_parse) on arbitrary
 * option bytes, with the decoded result checked against the bounds the rest of TCP relies on. */
#include <stdlib.h>
#include <string.h>
#include "net/tcp_priv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tcp_opts o;

	/* An exact-size heap copy, so reading one byte past the options is caught by ASan. */
	uint8_t *p = malloc(size ? size : 1);
	if (!p)
		return 0;
	memcpy(p, data, size);
	bool ok = tcp_opts_parse(p, (unsigned)size, &o);
	free(p);
	if (ok) {
		/* RFC 2018 §3: at most 4 blocks fit in 40 bytes; RFC 7323 §2.3: shift <= 14. */
		if (o.nsack > 4 || (o.ws_ok && o.ws > 14))
			abort();
	}
	return 0;
}
