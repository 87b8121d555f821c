/* Hook dispatcher (placeholder until the filter lands): nothing configured, every hook
 * accepts. */
#include <stdio.h>
#include "net/filter.h"

bool nf_active;
struct nf_stats nf_stats;

int nf_hook(enum nf_hook hook, struct netbuf *nb, struct netdev *in, struct netdev *out)
{
	(void)hook; (void)nb; (void)in; (void)out;
	return NF_ACCEPT;
}

void nf_release(struct netbuf *nb) { (void)nb; }

int nf_load(const char *text, unsigned long len, const char *name, unsigned first_line,
	    char *err, unsigned errlen)
{
	(void)text; (void)len;
	snprintf(err, errlen, "%s:%u: firewall rules are not supported by this build", name, first_line);
	return -1;
}

void nf_flush(void) {}

int nf_add_rule(const char *line, char *err, unsigned errlen)
{
	(void)line;
	snprintf(err, errlen, "firewall rules are not supported by this build");
	return -1;
}

int nf_print(const char *table, bool verbose) { (void)table; (void)verbose; return -1; }
