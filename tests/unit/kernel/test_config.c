/* kernel/config.c: command-line keys, repeatable keys, numbers, addresses, exact errors. */
#include <string.h>
#include "unit.h"
#include "kernel/config.h"

static struct config c;
static char err[160];

static void setup(void)
{
	memset(&c, 0, sizeof(c));
	err[0] = 0;
}

static void test_parse_and_get(void)
{
	CU_ASSERT_EQUAL(config_parse_cmdline(&c, "/boot/peregrine.elf app=echo  ip=10.0.0.2/24\tlog=debug", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(config_get(&c, "app"), "echo");
	CU_ASSERT_STRING_EQUAL(config_get(&c, "ip"), "10.0.0.2/24");
	CU_ASSERT_STRING_EQUAL(config_get(&c, "log"), "debug");
	CU_ASSERT_PTR_NULL(config_get(&c, "gw"));
	CU_ASSERT_EQUAL(c.n, 3);
}

static void test_later_key_wins_repeatable_keys_add(void)
{
	CU_ASSERT_EQUAL(config_parse_cmdline(&c, "app=echo route=10.1.0.0/16,via=10.0.0.1 app=router "
					     "route=10.2.0.0/16,via=10.0.0.9 eth1.ip=192.0.2.1/24", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(config_get(&c, "app"), "router");
	unsigned pos = 0;
	CU_ASSERT_STRING_EQUAL(config_next(&c, "route", &pos), "10.1.0.0/16,via=10.0.0.1");
	CU_ASSERT_STRING_EQUAL(config_next(&c, "route", &pos), "10.2.0.0/16,via=10.0.0.9");
	CU_ASSERT_PTR_NULL(config_next(&c, "route", &pos));
	CU_ASSERT_STRING_EQUAL(config_get(&c, "eth1.ip"), "192.0.2.1/24");
}

static void test_errors_name_the_word(void)
{
	CU_ASSERT_EQUAL(config_parse_cmdline(&c, "app=echo bogus=1", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "unknown key 'bogus'");
	setup();
	CU_ASSERT_EQUAL(config_parse_cmdline(&c, "app=echo noequals", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "'noequals': expected key=value");
	setup();
	CU_ASSERT_EQUAL(config_parse_cmdline(&c, "=x", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "'=x': bad key");
	setup();
	CU_ASSERT_EQUAL(config_parse_cmdline(&c, "ethx.ip=1.2.3.4/8", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "unknown key 'ethx.ip'");
	setup();
	char longv[300] = "app=";
	memset(longv + 4, 'a', 200);
	longv[204] = 0;
	CU_ASSERT_EQUAL(config_parse_cmdline(&c, longv, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "value of 'app' is longer than 159 characters");
}

static void test_uint(void)
{
	uint32_t v;
	config_parse_cmdline(&c, "echo.port=7007", err, sizeof(err));
	CU_ASSERT_EQUAL(config_get_uint(&c, "echo.port", 7, 1, 65535, &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 7007);
	CU_ASSERT_EQUAL(config_get_uint(&c, "metrics.port", 9100, 1, 65535, &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 9100);
	config_parse_cmdline(&c, "echo.port=70000", err, sizeof(err));
	CU_ASSERT_EQUAL(config_get_uint(&c, "echo.port", 7, 1, 65535, &v, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "echo.port=70000: expected a number from 1 to 65535");
	config_parse_cmdline(&c, "echo.port=7x", err, sizeof(err));
	CU_ASSERT_EQUAL(config_get_uint(&c, "echo.port", 7, 1, 65535, &v, err, sizeof(err)), -1);
	config_parse_cmdline(&c, "echo.port=0", err, sizeof(err));
	CU_ASSERT_EQUAL(config_get_uint(&c, "echo.port", 7, 1, 65535, &v, err, sizeof(err)), -1);
	config_parse_cmdline(&c, "echo.port=99999999999999999999", err, sizeof(err));
	CU_ASSERT_EQUAL(config_get_uint(&c, "echo.port", 7, 1, 65535, &v, err, sizeof(err)), -1);
}

static void test_addresses(void)
{
	uint32_t a;
	uint8_t p;
	CU_ASSERT_EQUAL(config_parse_ipv4("10.0.2.15", &a), 0);
	CU_ASSERT_EQUAL(a, 0x0A00020F);
	CU_ASSERT_EQUAL(config_parse_ipv4("255.255.255.255", &a), 0);
	CU_ASSERT_EQUAL(a, 0xFFFFFFFF);
	CU_ASSERT_EQUAL(config_parse_ipv4("256.1.1.1", &a), -1);
	CU_ASSERT_EQUAL(config_parse_ipv4("1.2.3", &a), -1);
	CU_ASSERT_EQUAL(config_parse_ipv4("1.2.3.4.5", &a), -1);
	CU_ASSERT_EQUAL(config_parse_ipv4("1..3.4", &a), -1);
	CU_ASSERT_EQUAL(config_parse_ipv4("0001.2.3.4", &a), -1);
	CU_ASSERT_EQUAL(config_parse_cidr("192.168.7.1/24", &a, &p), 0);
	CU_ASSERT_EQUAL(a, 0xC0A80701);
	CU_ASSERT_EQUAL(p, 24);
	CU_ASSERT_EQUAL(config_parse_cidr("10.0.0.1/0", &a, &p), 0);
	CU_ASSERT_EQUAL(p, 0);
	CU_ASSERT_EQUAL(config_parse_cidr("10.0.0.1/33", &a, &p), -1);
	CU_ASSERT_EQUAL(config_parse_cidr("10.0.0.1", &a, &p), -1);
	CU_ASSERT_EQUAL(config_parse_cidr("10.0.0.1/", &a, &p), -1);
	CU_ASSERT_EQUAL(config_parse_cidr("10.0.0.1/2x", &a, &p), -1);
}

static CU_TestInfo tests[] = {
	{ "parse and get", test_parse_and_get },
	{ "later key wins, repeatable keys add", test_later_key_wins_repeatable_keys_add },
	{ "errors name the word", test_errors_name_the_word },
	{ "unsigned numbers", test_uint },
	{ "addresses", test_addresses },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("kernel/config", setup, NULL, tests);
