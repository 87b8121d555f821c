/* net/route.c: connected subnet, static routes by longest prefix, default gateway, gateways
 * that are not on a connected net, limited broadcast; and net_if_set_addr() validation. */
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

static CU_TestInfo tests[] = {
	{ "connected subnet", test_connected },
	{ "default gateway", test_default_gateway },
	{ "longest prefix wins", test_longest_prefix },
	{ "gateway not on a connected net", test_unreachable_gateway },
	{ "flush", test_flush },
	{ "interface address validation", test_if_set_addr },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/route", setup, teardown, tests);
