/* libFuzzer harness: the rule loader (net/nf_table.c, net/nf_parse.c). Arbitrary text goes
 * into nf_load (an exact-size heap copy, so ASan sees any read past it) and, line by line,
 * into nf_add_rule; whatever loaded is listed (nf_print) and walked by a few fixed packets
 * at every hook, so random rule sets are also matched, logged and rejected. nf_flush after
 * each input; the netbuf pool must be full again (fz_end). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz_stack.h"
#include "net/filter.h"
#include "net/proto/ipv4.h"

/* IPv4 datagrams from 10.0.0.1 to 10.0.0.2: TCP SYN to 22, TCP ACK+data, UDP to 53,
 * ICMP echo, and a later fragment. */
static const uint8_t pkts[][48] = {
	{ 0x45, 0, 0, 40, 0x42, 0x42, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	  0x9c, 0x40, 0, 22, 1, 2, 3, 4, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0 },
	{ 0x45, 0, 0, 45, 0x42, 0x42, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	  0x9c, 0x40, 0, 80, 1, 2, 3, 4, 5, 6, 7, 8, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o' },
	{ 0x45, 0, 0, 32, 0x42, 0x42, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	  0x14, 0xe9, 0, 53, 0, 12, 0, 0, 'p', 'i', 'n', 'g' },
	{ 0x45, 0, 0, 28, 0x42, 0x42, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	  8, 0, 0, 0, 0, 0x77, 0, 1 },
	{ 0x45, 0, 0, 28, 0x42, 0x42, 0, 1, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
	  0, 53, 0, 53, 0, 8, 0, 0 },
};

static void walk_packets(void)
{
	for (unsigned i = 0; i < sizeof(pkts) / sizeof(pkts[0]); i++) {
		for (int h = NF_PREROUTING; h < NF_NHOOKS; h++) {
			struct netbuf *nb = nb_alloc();
			if (!nb)
				return;
			uint8_t *ip = nb_put(nb, pkts[i][3]);
			memcpy(ip, pkts[i], pkts[i][3]);
			fz_fix_csums(ip, pkts[i][3]);
			nb->dev = fz_dev;
			nb->l3_off = nb_offset(nb);
			bool in = h != NF_OUTPUT && h != NF_POSTROUTING;
			bool out = h == NF_FORWARD || h == NF_OUTPUT || h == NF_POSTROUTING;
			int v = nf_hook((enum nf_hook)h, nb, in ? fz_dev : NULL, out ? fz_dev : NULL);
			if (v == NF_ACCEPT)
				nf_release(nb);
			if (v != NF_STOLEN)
				nb_free(nb);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool quiet;
	char err[256];
	if (!quiet) {                   /* LOG lines and listings: not interesting here */
		if (!freopen("/dev/null", "w", stdout))
			abort();
		quiet = true;
	}
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	fz_begin(false);
	nf_flush();
	memcpy(text, data, size);
	if (nf_load(text, size, "fuzz", 1, err, sizeof(err)) < 0 && strncmp(err, "fuzz:", 5))
		abort();                /* every load error names the input and line */
	text[size] = '\0';
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		nf_add_rule(line, err, sizeof(err));
	}
	free(text);
	nf_print("filter", true);
	nf_print("nat", false);
	walk_packets();
	nf_flush();
	fz_end();
	return 0;
}
