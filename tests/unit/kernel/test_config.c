/* kernel/config.c: command-line keys, repeatable keys, numbers, addresses, exact errors. */
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "kernel/config.h"
#include "net/filter.h"
#include "apps/lb.h"

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

static void test_file(void)
{
	static const char file[] =
		"# Peregrine configuration\n"
		"app = echo\n"
		"\n"
		"  ip=10.0.0.2/24   \r\n"
		"lb.server=web1 10.0.1.1:80 weight 2\n"
		"lb.server=web2 10.0.1.2:80\n"
		"echo.port=7";
	CU_ASSERT_EQUAL_FATAL(config_parse_text(&c, file, sizeof(file) - 1, "peregrine.conf", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(config_get(&c, "app"), "echo");
	CU_ASSERT_STRING_EQUAL(config_get(&c, "ip"), "10.0.0.2/24");
	CU_ASSERT_STRING_EQUAL(config_get(&c, "echo.port"), "7");
	unsigned pos = 0;
	CU_ASSERT_STRING_EQUAL(config_next(&c, "lb.server", &pos), "web1 10.0.1.1:80 weight 2");
	CU_ASSERT_STRING_EQUAL(config_next(&c, "lb.server", &pos), "web2 10.0.1.2:80");
	/* The command line then overrides single keys. */
	CU_ASSERT_EQUAL(config_parse_cmdline(&c, "ip=10.9.9.9/8", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(config_get(&c, "ip"), "10.9.9.9/8");
}

static void test_file_errors_name_file_and_line(void)
{
	static const char bad_key[] = "app=echo\n# ok\nbogus = 3\n";
	CU_ASSERT_EQUAL(config_parse_text(&c, bad_key, sizeof(bad_key) - 1, "a.conf", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "a.conf:3: unknown key 'bogus'");
	setup();
	static const char no_eq[] = "app=echo\njust words\n";
	CU_ASSERT_EQUAL(config_parse_text(&c, no_eq, sizeof(no_eq) - 1, "a.conf", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "a.conf:2: expected key=value, found 'just words'");
	setup();
	static const char nul[] = "app=echo\nip=1\0x\n";
	CU_ASSERT_EQUAL(config_parse_text(&c, nul, sizeof(nul) - 1, "a.conf", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "a.conf:2: NUL byte in a text file");
	setup();
	static const char empty_key[] = " = x\n";
	CU_ASSERT_EQUAL(config_parse_text(&c, empty_key, sizeof(empty_key) - 1, "a.conf", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "a.conf:1: bad key ''");
}

/* Firewall blocks are recorded as spans of the file for nf_load(), with their first line. */
static void test_firewall_blocks(void)
{
	static const char file[] =
		"app=router\n"                       /* 1 */
		"*filter\n"                          /* 2 */
		":INPUT DROP [0:0]\n"                /* 3 */
		"-A INPUT -p icmp -j ACCEPT\n"       /* 4 */
		"COMMIT\n"                           /* 5 */
		"ip=10.0.0.1/24\n"                   /* 6 */
		"*nat\n"                             /* 7 */
		"-A POSTROUTING -o eth1 -j MASQUERADE\n"
		"COMMIT";
	CU_ASSERT_EQUAL_FATAL(config_parse_text(&c, file, sizeof(file) - 1, "r.conf", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(c.nfw, 2);
	CU_ASSERT_EQUAL(c.fw[0].line, 2);
	CU_ASSERT_EQUAL(c.fw[0].len, strlen("*filter\n:INPUT DROP [0:0]\n-A INPUT -p icmp -j ACCEPT\nCOMMIT"));
	CU_ASSERT_EQUAL(strncmp(c.fw[0].text, "*filter\n", 8), 0);
	CU_ASSERT_STRING_EQUAL(c.fw[0].name, "r.conf");
	CU_ASSERT_EQUAL(c.fw[1].line, 7);
	CU_ASSERT_EQUAL(c.fw[1].len, strlen("*nat\n-A POSTROUTING -o eth1 -j MASQUERADE\nCOMMIT"));
	CU_ASSERT_STRING_EQUAL(config_get(&c, "ip"), "10.0.0.1/24");
	CU_ASSERT_EQUAL(c.n, 2);
}

static void test_firewall_block_errors(void)
{
	static const char no_commit[] = "app=router\n\n*filter\n-A INPUT -j DROP\n";
	CU_ASSERT_EQUAL(config_parse_text(&c, no_commit, sizeof(no_commit) - 1, "r.conf", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "r.conf:3: *filter has no COMMIT");
	setup();
	static const char outside[] = "app=router\n-A INPUT -j DROP\n";
	CU_ASSERT_EQUAL(config_parse_text(&c, outside, sizeof(outside) - 1, "r.conf", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "r.conf:2: firewall line outside a *filter or *nat block");
	setup();
	static const char stray_commit[] = "COMMIT\n";
	CU_ASSERT_EQUAL(config_parse_text(&c, stray_commit, sizeof(stray_commit) - 1, "r.conf", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "r.conf:1: firewall line outside a *filter or *nat block");
	setup();
	static char many[CONFIG_MAX_FW * 16 + 32];
	size_t n = 0;
	for (int i = 0; i <= CONFIG_MAX_FW; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "*nat\nCOMMIT\n");
	CU_ASSERT_EQUAL(config_parse_text(&c, many, n, "r.conf", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "r.conf:33: more than 16 firewall blocks");
}

static CU_TestInfo file_tests[] = {
	{ "file", test_file },
	{ "firewall blocks", test_firewall_blocks },
	{ "firewall block errors", test_firewall_block_errors },
	{ "file errors name file and line", test_file_errors_name_file_and_line },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("kernel/config-file", setup, NULL, file_tests);

/* Every firewall block of an example loads into the filter as the boot would load it. */
static void check_example_rules(const char *file)
{
	for (unsigned j = 0; j < c.nfw; j++) {
		int rc = nf_load(c.fw[j].text, c.fw[j].len, c.fw[j].name, c.fw[j].line, err, sizeof(err));
		if (rc)
			fprintf(stderr, "%s: %s\n", file, err);
		CU_ASSERT_EQUAL(rc, 0);
	}
	nf_flush();
}

/* Every lb.* line of an example is accepted by the load balancer's parser. */
static void check_example_lb(const char *file)
{
	static struct lb_conf lc;
	bool any = false;
	lb_conf_defaults(&lc);
	for (unsigned j = 0; j < c.n; j++) {
		if (strncmp(c.e[j].key, "lb.", 3))
			continue;
		any = true;
		int rc = lb_conf_line(&lc, c.e[j].key, c.e[j].val, err, sizeof(err));
		if (rc)
			fprintf(stderr, "%s: %s\n", file, err);
		CU_ASSERT_EQUAL(rc, 0);
	}
	if (any)
		CU_ASSERT_EQUAL(lb_conf_finish(&lc, err, sizeof(err)), 0);
}

/* The example configurations shipped in apps/examples/ must parse, rules and all. */
static void test_shipped_examples_parse(void)
{
	glob_t g;
	CU_ASSERT_EQUAL_FATAL(glob("apps/examples/*.conf", 0, NULL, &g), 0);
	CU_ASSERT(g.gl_pathc >= 1);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *const *files = (const char *const *)g.gl_pathv;
		FILE *f = fopen(files[i], "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		static char buf[16384];
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		setup();
		int rc = config_parse_text(&c, buf, n, files[i], err, sizeof(err));
		if (rc)
			fprintf(stderr, "%s\n", err);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_PTR_NOT_NULL(config_get(&c, "app"));
		check_example_rules(files[i]);
		check_example_lb(files[i]);
	}
	globfree(&g);
}

static CU_TestInfo example_tests[] = {
	{ "shipped examples parse", test_shipped_examples_parse },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("kernel/config-examples", setup, NULL, example_tests);
