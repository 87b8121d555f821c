/* libFuzzer harness: the load balancer's plain-C parts (apps/lb_conf.c, lb_sched.c,
 * lb_health.c). The input is read as lb.* config lines (the first byte of each line picks
 * the key), then the scheduler runs picks while servers flap; every pick must be a server
 * that is eligible. The same bytes also go to the HTTP status-line reader. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "apps/lb.h"

static const char *const keys[] = {
	"lb.frontend", "lb.balance", "lb.server", "lb.check", "lb.retries", "lb.timeout.connect",
	"lb.timeout.client", "lb.timeout.server", "lb.bogus",
};

/* One config line per '\n'; returns how many were accepted. */
static unsigned feed_lines(struct lb_conf *c, const uint8_t *d, size_t n)
{
	char buf[1024], err[128];
	size_t m = n < sizeof(buf) - 1 ? n : sizeof(buf) - 1;
	unsigned ok = 0;

	memcpy(buf, d, m);
	buf[m] = 0;
	for (char *p = buf; p && *p;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		const char *key = keys[(uint8_t)p[0] % (sizeof(keys) / sizeof(keys[0]))];
		if (lb_conf_line(c, key, p + 1, err, sizeof(err)) == 0)
			ok++;
		p = nl ? nl + 1 : NULL;
	}
	return ok;
}

static void run_picks(struct lb_conf *c, struct lb_sched *s)
{
	for (unsigned i = 0; i < 64; i++) {
		uint64_t exclude = i & 3;
		int k = lb_sched_pick(s, i * 2654435761u, exclude);
		if (k >= 0) {
			if ((unsigned)k >= c->nserv || !lb_sched_eligible(c, k, exclude))
				abort();
			c->srv[k].cur_conns++;
		}
		if (i % 7 == 0 && c->nserv) {
			struct lb_health *h = &c->srv[i % c->nserv].health;
			lb_health_result(h, (i & 8) != 0);
			lb_sched_rebuild(s);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static struct lb_conf c;
	struct lb_sched s = { 0 };
	char err[128];

	int st = lb_http_status((const char *)d, n);
	if (st > 0 && (st < 100 || st > 599))
		abort();
	lb_conf_defaults(&c);
	feed_lines(&c, d, n);
	if (lb_conf_finish(&c, err, sizeof(err)) == 0 && lb_sched_init(&s, &c) == 0)
		run_picks(&c, &s);
	lb_sched_free(&s);
	return 0;
}
