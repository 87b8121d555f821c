/* net/route.c: connected subnet, static routes by longest prefix, default gateway, gateways
 * that are not on a connected net, limited broadcast; net_if_set_addr() validation; the
 * hash-table LPM against a brute-force reference on random tables, route_del, the full
 * table, and `ip route` output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "net/route.h"
#include "net/net.h"
#include "net/ipv4.h"
#include "net/proto/ipv4.h"

static struct netdev *dev;

static void setup(void)
{
	dev = fake_netdev();
	net_reset();
}

static void teardown(void)
{
	net_reset();
}

static uint32_t nexthop(uint32_t dst)
{
	struct route_result r = { 0 };
	if (!route_lookup(dst, &r))
		return 0;
	CU_ASSERT_PTR_EQUAL(r.dev, dev);
	return r.nexthop;
}

static void test_connected(void)
{
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(10, 0, 0, 77)), IPV4_ADDR(10, 0, 0, 77));
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(10, 0, 1, 1)), 0);            /* outside /24 */
	CU_ASSERT_EQUAL(nexthop(IPV4_BROADCAST), IPV4_BROADCAST);
}

static void test_default_gateway(void)
{
	net_set_gateway(IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(8, 8, 8, 8)), IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(10, 0, 0, 9)), IPV4_ADDR(10, 0, 0, 9));   /* connected wins */
	net_set_gateway(0);
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(8, 8, 8, 8)), 0);
}

static void test_longest_prefix(void)
{
	net_set_gateway(IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(route_add(IPV4_ADDR(192, 168, 0, 0), 16, IPV4_ADDR(10, 0, 0, 254)), 0);
	CU_ASSERT_EQUAL(route_add(IPV4_ADDR(192, 168, 5, 77), 24, IPV4_ADDR(10, 0, 0, 253)), 0);
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(192, 168, 5, 1)), IPV4_ADDR(10, 0, 0, 253));
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(192, 168, 6, 1)), IPV4_ADDR(10, 0, 0, 254));
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(192, 169, 0, 1)), IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(route_add(0, 33, 1), -1);
}

static void test_unreachable_gateway(void)
{
	/* A static route whose gateway is on no connected net is unusable: default applies. */
	route_add(IPV4_ADDR(172, 16, 0, 0), 12, IPV4_ADDR(172, 31, 0, 1));
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(172, 16, 1, 1)), 0);
	net_set_gateway(IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(172, 16, 1, 1)), IPV4_ADDR(10, 0, 0, 1));
	net_set_gateway(IPV4_ADDR(192, 0, 2, 1));                        /* not connected either */
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(172, 16, 1, 1)), 0);
	CU_ASSERT_EQUAL(ipv4_select_src(IPV4_ADDR(172, 16, 1, 1)), 0);
}

static void test_flush(void)
{
	route_add(IPV4_ADDR(192, 168, 0, 0), 16, IPV4_ADDR(10, 0, 0, 254));
	net_set_gateway(IPV4_ADDR(10, 0, 0, 1));
	route_flush();
	CU_ASSERT_EQUAL(route_default(), 0);
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(192, 168, 1, 1)), 0);
}

static void test_if_set_addr(void)
{
	struct netdev d = { 0 };
	CU_ASSERT_EQUAL(net_if_set_addr(&d, IPV4_ADDR(192, 168, 1, 10), 24), 0);
	CU_ASSERT_EQUAL(d.ip.addr, IPV4_ADDR(192, 168, 1, 10));
	CU_ASSERT_EQUAL(d.ip.mask, 0xffffff00u);
	CU_ASSERT_EQUAL(d.ip.prefix, 24);
	CU_ASSERT_EQUAL(net_if_set_addr(&d, IPV4_ADDR(192, 168, 1, 0), 24), -1);    /* network */
	CU_ASSERT_EQUAL(net_if_set_addr(&d, IPV4_ADDR(192, 168, 1, 255), 24), -1);  /* broadcast */
	CU_ASSERT_EQUAL(net_if_set_addr(&d, IPV4_ADDR(192, 168, 1, 10), 33), -1);
	CU_ASSERT_EQUAL(d.ip.addr, IPV4_ADDR(192, 168, 1, 10));                    /* unchanged */
	CU_ASSERT_EQUAL(net_if_set_addr(&d, IPV4_ADDR(192, 168, 1, 1), 31), 0);     /* RFC 3021 */
	CU_ASSERT_EQUAL(net_if_set_addr(&d, IPV4_ADDR(192, 168, 1, 1), 32), 0);
	CU_ASSERT_EQUAL(d.ip.mask, 0xffffffffu);
	CU_ASSERT_EQUAL(route_prefix_mask(0), 0);
	CU_ASSERT_EQUAL(route_prefix_mask(8), 0xff000000u);
}

/* Reference: the longest prefix among the connected /24 and every static route whose gateway
 * is reachable (connected wins a tie), else the default; linear over the table. */
struct ref_route { uint32_t dst, gw; uint8_t prefix; bool live; };
static struct ref_route ref[ROUTE_MAX];
static unsigned nref;

static uint32_t ref_nexthop(uint32_t dst)
{
	const uint32_t cnet = IPV4_ADDR(10, 0, 0, 0);
	int best_len = -1;
	uint32_t best = 0;
	if ((dst & 0xffffff00u) == cnet) {
		best_len = 24;
		best = dst;
	}
	for (unsigned i = 0; i < nref; i++) {
		const struct ref_route *e = &ref[i];
		if (e->live && e->prefix > best_len && (dst & route_prefix_mask(e->prefix)) == e->dst &&
		    (e->gw & 0xffffff00u) == cnet) {
			best_len = e->prefix;
			best = e->gw;
		}
	}
	if (best_len < 0 && (route_default() & 0xffffff00u) == cnet)
		best = route_default();
	return best;
}

static uint32_t rnd32(void)
{
	return ((uint32_t)rand() << 16) ^ (uint32_t)rand();
}

static void ref_add(uint32_t dst, uint8_t prefix, uint32_t gw)
{
	dst &= route_prefix_mask(prefix);
	for (unsigned i = 0; i < nref; i++)
		if (ref[i].live && ref[i].dst == dst && ref[i].prefix == prefix) {
			ref[i].gw = gw;
			return;
		}
	ref[nref++] = (struct ref_route){ dst, gw, prefix, true };
}

/* A destination near the table: half the time inside a random route's prefix. */
static uint32_t rnd_dst(void)
{
	uint32_t a = rnd32();
	if (nref && rand() % 2) {
		const struct ref_route *e = &ref[(unsigned)rand() % nref];
		a = e->dst | (a & ~route_prefix_mask(e->prefix));
	}
	return a;
}

static unsigned compare_lookups(unsigned n)
{
	unsigned bad = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t d = rnd_dst();
		if (nexthop(d) != ref_nexthop(d))
			bad++;
	}
	return bad;
}

static void test_random_against_reference(void)
{
	srand(1812);
	nref = 0;
	net_set_gateway(IPV4_ADDR(10, 0, 0, 1));
	for (unsigned i = 0; i < 3500; i++) {
		/* Prefixes of every length, more of the long ones; 3/4 of gateways reachable. */
		uint8_t prefix = (uint8_t)(rand() % 4 ? 16 + rand() % 17 : rand() % 16);
		uint32_t gw = rand() % 4 ? IPV4_ADDR(10, 0, 0, 3 + rand() % 250) : rnd32() | 1;
		uint32_t dst = rnd32();
		if (rand() % 8 == 0 && nref)       /* nested prefixes: a longer one inside */
			dst = ref[(unsigned)rand() % nref].dst | (dst & 0xffffu);
		CU_ASSERT_EQUAL_FATAL(route_add(dst, prefix, gw), 0);
		ref_add(dst, prefix, gw);
	}
	CU_ASSERT_EQUAL(route_count(), nref);
	CU_ASSERT_EQUAL(compare_lookups(100000), 0);
	/* Delete every other route; deleting again fails. */
	for (unsigned i = 0; i < nref; i += 2) {
		CU_ASSERT_EQUAL(route_del(ref[i].dst, ref[i].prefix), 0);
		CU_ASSERT_EQUAL(route_del(ref[i].dst, ref[i].prefix), -1);
		ref[i].live = false;
	}
	CU_ASSERT_EQUAL(route_count(), nref / 2);
	CU_ASSERT_EQUAL(compare_lookups(50000), 0);
	net_set_gateway(0);
	CU_ASSERT_EQUAL(compare_lookups(20000), 0);
}

static void test_full_table(void)
{
	for (unsigned i = 0; i < ROUTE_MAX; i++)
		CU_ASSERT_EQUAL_FATAL(route_add(IPV4_ADDR(100, 0, 0, 0) + (i << 8), 24,
						IPV4_ADDR(10, 0, 0, 9)), 0);
	CU_ASSERT_EQUAL(route_count(), ROUTE_MAX);
	CU_ASSERT_EQUAL(route_add(IPV4_ADDR(200, 0, 0, 0), 8, IPV4_ADDR(10, 0, 0, 9)), -1);
	/* Replacing the gateway of an existing route needs no new entry. */
	CU_ASSERT_EQUAL(route_add(IPV4_ADDR(100, 0, 5, 0), 24, IPV4_ADDR(10, 0, 0, 8)), 0);
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(100, 0, 5, 1)), IPV4_ADDR(10, 0, 0, 8));
	CU_ASSERT_EQUAL(route_del(IPV4_ADDR(100, 0, 7, 0), 24), 0);
	CU_ASSERT_EQUAL(route_add(IPV4_ADDR(200, 0, 0, 0), 8, IPV4_ADDR(10, 0, 0, 9)), 0);
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(100, 0, 7, 1)), 0);
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(200, 1, 2, 3)), IPV4_ADDR(10, 0, 0, 9));
	CU_ASSERT_EQUAL(route_add(0, 8, 0), -1);             /* a gateway is required */
}

static void test_static_longer_than_connected(void)
{
	/* A /32 host route inside the connected /24 beats it (longest match). */
	route_add(IPV4_ADDR(10, 0, 0, 50), 32, IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(10, 0, 0, 50)), IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(10, 0, 0, 51)), IPV4_ADDR(10, 0, 0, 51));
	/* A static /24 equal to the connected subnet loses the tie. */
	route_add(IPV4_ADDR(10, 0, 0, 0), 24, IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(nexthop(IPV4_ADDR(10, 0, 0, 52)), IPV4_ADDR(10, 0, 0, 52));
}

static void test_print(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len), *old = stdout;
	CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
	net_set_gateway(IPV4_ADDR(10, 0, 0, 1));
	route_add(IPV4_ADDR(192, 168, 0, 0), 16, IPV4_ADDR(10, 0, 0, 254));
	route_add(IPV4_ADDR(10, 9, 0, 0), 16, IPV4_ADDR(10, 0, 0, 253));
	route_add(IPV4_ADDR(172, 16, 0, 0), 12, IPV4_ADDR(172, 31, 0, 1));
	stdout = mem;
	route_print();
	stdout = old;
	fclose(mem);
	CU_ASSERT_STRING_EQUAL(out,
		"default via 10.0.0.1 dev eth0\n"
		"10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.2\n"
		"10.9.0.0/16 via 10.0.0.253 dev eth0\n"
		"172.16.0.0/12 via 172.31.0.1 unreachable\n"
		"192.168.0.0/16 via 10.0.0.254 dev eth0\n");
	free(out);
}

static void test_parse(void)
{
	uint32_t d = 1, g = 1;
	uint8_t p = 1;
	CU_ASSERT_EQUAL(route_parse("10.9.0.0/16,via=10.1.0.254", &d, &p, &g), 0);
	CU_ASSERT_EQUAL(d, IPV4_ADDR(10, 9, 0, 0));
	CU_ASSERT_EQUAL(p, 16);
	CU_ASSERT_EQUAL(g, IPV4_ADDR(10, 1, 0, 254));
	CU_ASSERT_EQUAL(route_parse("192.168.7.128/25 via 10.0.0.1", &d, &p, &g), 0);
	CU_ASSERT_EQUAL(d, IPV4_ADDR(192, 168, 7, 128));
	CU_ASSERT_EQUAL(p, 25);
	CU_ASSERT_EQUAL(g, IPV4_ADDR(10, 0, 0, 1));
	CU_ASSERT_EQUAL(route_parse("default via 10.2.0.254", &d, &p, &g), 0);
	CU_ASSERT_EQUAL(d, 0);
	CU_ASSERT_EQUAL(p, 0);
	CU_ASSERT_EQUAL(g, IPV4_ADDR(10, 2, 0, 254));
	CU_ASSERT_EQUAL(route_parse("1.2.3.4/32,via=1.2.3.5", &d, &p, &g), 0);
	static const char *const bad[] = {
		"", "10.9.0.0/16", "10.9.0.0/16,via=", "10.9.0.1/16,via=10.1.0.254",   /* host bits */
		"10.9.0.0/33,via=10.1.0.254", "10.9.0.0/016,via=1.1.1.1", "10.9.0/16,via=1.1.1.1",
		"10.9.0.256/32,via=1.1.1.1", "10.9.0.0/16,via=10.1.0.254 ", "10.9.0.0/16 via  1.1.1.1",
		"10.9.0.0/16,via=0.0.0.0", "10.9.0.0/,via=1.1.1.1", "1000.9.0.0/16,via=1.1.1.1",
		"10.9.0.0/16,gw=1.1.1.1", "defaultvia 1.1.1.1",
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		CU_ASSERT_EQUAL(route_parse(bad[i], &d, &p, &g), -1);
}

static CU_TestInfo tests[] = {
	{ "route= and ip route add syntax", test_parse },
	{ "random tables against a brute-force reference", test_random_against_reference },
	{ "full table, replace, delete", test_full_table },
	{ "static route longer than the connected subnet", test_static_longer_than_connected },
	{ "ip route output", test_print },
	{ "connected subnet", test_connected },
	{ "default gateway", test_default_gateway },
	{ "longest prefix wins", test_longest_prefix },
	{ "gateway not on a connected net", test_unreachable_gateway },
	{ "flush", test_flush },
	{ "interface address validation", test_if_set_addr },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/route", setup, teardown, tests);
