/* apps/lb_conf.c: every lb.* key, defaults, options, limits and every error message word for
 * word; a refused line leaves the configuration as it was. */
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "apps/lb.h"

static struct lb_conf c;
static char err[160];

static void setup(void)
{
	lb_conf_defaults(&c);
	memset(err, 0, sizeof(err));
}

static int line(const char *key, const char *val)
{
	err[0] = 0;
	return lb_conf_line(&c, key, val, err, sizeof(err));
}

/* The line is refused with exactly msg, and c is unchanged. */
static void refused(const char *key, const char *val, const char *msg)
{
	struct lb_conf before = c;
	CU_ASSERT_EQUAL(line(key, val), -1);
	CU_ASSERT_STRING_EQUAL(err, msg);
	CU_ASSERT_EQUAL(memcmp(&before, &c, sizeof(c)), 0);
}

static void test_defaults(void)
{
	CU_ASSERT_EQUAL(c.algo, LB_ROUNDROBIN);
	CU_ASSERT_EQUAL(c.check, LB_CHECK_NONE);
	CU_ASSERT_EQUAL(c.check_expect, 2);
	CU_ASSERT_EQUAL(c.inter_ms, 2000);
	CU_ASSERT_EQUAL(c.timeout_ms, 1000);
	CU_ASSERT_EQUAL(c.rise, 2);
	CU_ASSERT_EQUAL(c.fall, 3);
	CU_ASSERT_EQUAL(c.retries, 2);
	CU_ASSERT_EQUAL(c.connect_timeout_ms, 2000);
	CU_ASSERT_EQUAL(c.nserv, 0);
	CU_ASSERT_EQUAL(c.fe_port, 0);
	CU_ASSERT_EQUAL(c.fe_addr, 0);
	CU_ASSERT_EQUAL(c.fe_maxconn, 0);
}

static void test_frontend(void)
{
	CU_ASSERT_EQUAL(line("lb.frontend", "10.0.0.2:80"), 0);
	CU_ASSERT_EQUAL(c.fe_addr, 0x0a000002u);
	CU_ASSERT_EQUAL(c.fe_port, 80);
	CU_ASSERT_EQUAL(c.fe_maxconn, 0);
	CU_ASSERT_EQUAL(line("lb.frontend", " 0.0.0.0:65535 \t maxconn  1000000 "), 0);
	CU_ASSERT_EQUAL(c.fe_addr, 0);
	CU_ASSERT_EQUAL(c.fe_port, 65535);
	CU_ASSERT_EQUAL(c.fe_maxconn, 1000000);
	CU_ASSERT_EQUAL(line("lb.frontend", ":8080"), 0);     /* HAProxy's "any address" forms */
	CU_ASSERT_EQUAL(c.fe_addr, 0);
	CU_ASSERT_EQUAL(c.fe_port, 8080);
	CU_ASSERT_EQUAL(line("lb.frontend", "*:81"), 0);
	CU_ASSERT_EQUAL(c.fe_addr, 0);
	CU_ASSERT_EQUAL(c.fe_port, 81);
	refused("lb.frontend", "", "lb.frontend: expected ADDR:PORT [maxconn N]");
	refused("lb.frontend", "10.0.0.2", "lb.frontend: expected ADDR:PORT, got '10.0.0.2'");
	refused("lb.frontend", "10.0.0.256:80", "lb.frontend: bad address '10.0.0.256'");
	refused("lb.frontend", "10.0.0:80", "lb.frontend: bad address '10.0.0'");
	refused("lb.frontend", "10.0.0.1.5:80", "lb.frontend: bad address '10.0.0.1.5'");
	refused("lb.frontend", "10.0.0.0001:80", "lb.frontend: bad address '10.0.0.0001'");
	refused("lb.frontend", "host:80", "lb.frontend: bad address 'host'");
	refused("lb.frontend", "10.0.0.2:0", "lb.frontend: port must be 1..65535");
	refused("lb.frontend", "10.0.0.2:65536", "lb.frontend: port must be 1..65535");
	refused("lb.frontend", "10.0.0.2:", "lb.frontend: port must be 1..65535");
	refused("lb.frontend", "10.0.0.2:-1", "lb.frontend: port must be 1..65535");
	refused("lb.frontend", "10.0.0.2:80 maxconn", "lb.frontend: maxconn needs a value");
	refused("lb.frontend", "10.0.0.2:80 maxconn 1000001", "lb.frontend: maxconn must be 0..1000000");
	refused("lb.frontend", "10.0.0.2:80 maxconn 99999999999999999999", "lb.frontend: maxconn must be 0..1000000");
	refused("lb.frontend", "10.0.0.2:80 maxconn x", "lb.frontend: maxconn must be 0..1000000");
	refused("lb.frontend", "10.0.0.2:80 weight 3", "lb.frontend: unknown option 'weight'");
}

static void test_balance(void)
{
	CU_ASSERT_EQUAL(line("lb.balance", "static-rr"), 0);
	CU_ASSERT_EQUAL(c.algo, LB_STATIC_RR);
	CU_ASSERT_EQUAL(line("lb.balance", "leastconn"), 0);
	CU_ASSERT_EQUAL(c.algo, LB_LEASTCONN);
	CU_ASSERT_EQUAL(line("lb.balance", "maglev"), 0);
	CU_ASSERT_EQUAL(c.algo, LB_MAGLEV);
	CU_ASSERT_EQUAL(line("lb.balance", "roundrobin"), 0);
	CU_ASSERT_EQUAL(c.algo, LB_ROUNDROBIN);
	refused("lb.balance", "source", "lb.balance: unknown algorithm 'source'");
	refused("lb.balance", "RoundRobin", "lb.balance: unknown algorithm 'RoundRobin'");
	refused("lb.balance", "", "lb.balance: expected one of roundrobin, static-rr, leastconn, maglev");
	refused("lb.balance", "maglev leastconn", "lb.balance: expected one of roundrobin, static-rr, leastconn, maglev");
	CU_ASSERT_STRING_EQUAL(lb_algo_name(LB_ROUNDROBIN), "roundrobin");
	CU_ASSERT_STRING_EQUAL(lb_algo_name(LB_STATIC_RR), "static-rr");
	CU_ASSERT_STRING_EQUAL(lb_algo_name(LB_LEASTCONN), "leastconn");
	CU_ASSERT_STRING_EQUAL(lb_algo_name(LB_MAGLEV), "maglev");
	CU_ASSERT_STRING_EQUAL(lb_algo_name((enum lb_algo)9), "?");
}

static void test_server(void)
{
	CU_ASSERT_EQUAL(line("lb.server", "web1 10.0.1.1:8080"), 0);
	CU_ASSERT_EQUAL(line("lb.server", "Web_2.b-c 192.168.7.200:1 weight 256 maxconn 7"), 0);
	CU_ASSERT_EQUAL(line("lb.server", "drained 10.0.1.3:80 maxconn 0 weight 0"), 0);
	CU_ASSERT_EQUAL(c.nserv, 3);
	CU_ASSERT_STRING_EQUAL(c.srv[0].name, "web1");
	CU_ASSERT_EQUAL(c.srv[0].addr, 0x0a000101u);
	CU_ASSERT_EQUAL(c.srv[0].port, 8080);
	CU_ASSERT_EQUAL(c.srv[0].weight, 1);
	CU_ASSERT_EQUAL(c.srv[0].maxconn, 0);
	CU_ASSERT_EQUAL(c.srv[0].health.up, true);
	CU_ASSERT_STRING_EQUAL(c.srv[1].name, "Web_2.b-c");
	CU_ASSERT_EQUAL(c.srv[1].addr, 0xc0a807c8u);
	CU_ASSERT_EQUAL(c.srv[1].port, 1);
	CU_ASSERT_EQUAL(c.srv[1].weight, 256);
	CU_ASSERT_EQUAL(c.srv[1].maxconn, 7);
	CU_ASSERT_EQUAL(c.srv[2].weight, 0);
	CU_ASSERT_EQUAL(c.srv[2].maxconn, 0);

	refused("lb.server", "", "lb.server: expected NAME ADDR:PORT [weight N] [maxconn N]");
	refused("lb.server", "web9", "lb.server: expected NAME ADDR:PORT [weight N] [maxconn N]");
	refused("lb.server", "web1 10.0.1.9:80", "lb.server: duplicate name 'web1'");
	refused("lb.server", "we/b 10.0.1.9:80",
		"lb.server: name must be 1..31 characters of A-Z a-z 0-9 . _ -, got 'we/b'");
	refused("lb.server", "abcdefghijabcdefghijabcdefghijXY 10.0.1.9:80",
		"lb.server: name must be 1..31 characters of A-Z a-z 0-9 . _ -, got 'abcdefghijabcdefghijabcdefghijXY'");
	refused("lb.server", "w 10.0.1.9", "lb.server: expected ADDR:PORT, got '10.0.1.9'");
	refused("lb.server", "w 10.0.1.x:80", "lb.server: bad address '10.0.1.x'");
	refused("lb.server", "w 0.0.0.0:80", "lb.server: address 0.0.0.0 cannot be a server");
	refused("lb.server", "w 10.0.1.9:70000", "lb.server: port must be 1..65535");
	refused("lb.server", "w 10.0.1.9:80 weight 257", "lb.server: weight must be 0..256");
	refused("lb.server", "w 10.0.1.9:80 weight -1", "lb.server: weight must be 0..256");
	refused("lb.server", "w 10.0.1.9:80 weight", "lb.server: weight needs a value");
	refused("lb.server", "w 10.0.1.9:80 maxconn 1000001", "lb.server: maxconn must be 0..1000000");
	refused("lb.server", "w 10.0.1.9:80 maxconn", "lb.server: maxconn needs a value");
	refused("lb.server", "w 10.0.1.9:80 backup", "lb.server: unknown option 'backup'");
	/* a 31-character name is the longest allowed */
	CU_ASSERT_EQUAL(line("lb.server", "abcdefghijabcdefghijabcdefghijX 10.0.1.9:80"), 0);
	CU_ASSERT_STRING_EQUAL(c.srv[3].name, "abcdefghijabcdefghijabcdefghijX");
}

static void test_server_limit(void)
{
	char val[64];
	for (unsigned i = 0; i < LB_MAX_SERVERS; i++) {
		snprintf(val, sizeof(val), "s%u 10.0.%u.%u:80", i, i / 200, i % 200 + 1);
		CU_ASSERT_EQUAL(line("lb.server", val), 0);
	}
	CU_ASSERT_EQUAL(c.nserv, LB_MAX_SERVERS);
	refused("lb.server", "s64 10.9.9.9:80", "lb.server: more than 64 servers");
	/* the duplicate check comes first: the name is the more useful complaint */
	refused("lb.server", "s5 10.9.9.9:80", "lb.server: duplicate name 's5'");
}

static void test_check(void)
{
	CU_ASSERT_EQUAL(line("lb.check", "tcp"), 0);
	CU_ASSERT_EQUAL(c.check, LB_CHECK_TCP);
	CU_ASSERT_EQUAL(c.inter_ms, 2000);
	CU_ASSERT_EQUAL(line("lb.check", "http /health inter 500ms timeout 250 fall 5 rise 4 expect 3xx"), 0);
	CU_ASSERT_EQUAL(c.check, LB_CHECK_HTTP);
	CU_ASSERT_STRING_EQUAL(c.check_path, "/health");
	CU_ASSERT_EQUAL(c.inter_ms, 500);
	CU_ASSERT_EQUAL(c.timeout_ms, 250);
	CU_ASSERT_EQUAL(c.fall, 5);
	CU_ASSERT_EQUAL(c.rise, 4);
	CU_ASSERT_EQUAL(c.check_expect, 3);
	CU_ASSERT_EQUAL(line("lb.check", "tcp inter 3600s timeout 60s fall 100 rise 1"), 0);
	CU_ASSERT_EQUAL(c.check, LB_CHECK_TCP);
	CU_ASSERT_EQUAL(c.inter_ms, 3600000);
	CU_ASSERT_EQUAL(c.timeout_ms, 60000);
	CU_ASSERT_EQUAL(c.fall, 100);
	CU_ASSERT_EQUAL(c.rise, 1);
	CU_ASSERT_EQUAL(line("lb.check", "tcp inter 2m timeout 1m"), 0);
	CU_ASSERT_EQUAL(c.inter_ms, 120000);
	CU_ASSERT_EQUAL(c.timeout_ms, 60000);
	CU_ASSERT_EQUAL(line("lb.check", "tcp inter 1h"), 0);
	CU_ASSERT_EQUAL(c.inter_ms, 3600000);
	CU_ASSERT_EQUAL(line("lb.check", "tcp inter 100ms timeout 10ms"), 0);
	CU_ASSERT_EQUAL(c.inter_ms, 100);
	CU_ASSERT_EQUAL(c.timeout_ms, 10);
	CU_ASSERT_EQUAL(line("lb.check", "none"), 0);
	CU_ASSERT_EQUAL(c.check, LB_CHECK_NONE);
}

static void test_check_errors(void)
{
	char path[120];
	refused("lb.check", "", "lb.check: expected tcp, http PATH or none");
	refused("lb.check", "udp", "lb.check: expected tcp, http PATH or none, got 'udp'");
	refused("lb.check", "none inter 1s", "lb.check: none takes no options");
	refused("lb.check", "http", "lb.check: http needs a PATH starting with /");
	refused("lb.check", "http health", "lb.check: http needs a PATH starting with /");
	char p96[97];
	memset(p96, 'a', 96);
	p96[0] = '/';
	p96[96] = 0;
	snprintf(path, sizeof(path), "http %s inter 1s", p96);
	refused("lb.check", path, "lb.check: PATH longer than 95 characters");
	p96[95] = 0;                           /* 95 characters fit */
	snprintf(path, sizeof(path), "http %s", p96);
	CU_ASSERT_EQUAL(line("lb.check", path), 0);
	CU_ASSERT_EQUAL(strlen(c.check_path), 95);
	refused("lb.check", "tcp inter 99ms", "lb.check: inter must be 100ms..3600s");
	refused("lb.check", "tcp inter 3601s", "lb.check: inter must be 100ms..3600s");
	refused("lb.check", "tcp inter 2d", "lb.check: inter must be 100ms..3600s");
	refused("lb.check", "tcp inter 61m", "lb.check: inter must be 100ms..3600s");
	refused("lb.check", "tcp inter 2h", "lb.check: inter must be 100ms..3600s");
	refused("lb.check", "tcp inter s", "lb.check: inter must be 100ms..3600s");
	refused("lb.check", "tcp inter 99999999999s", "lb.check: inter must be 100ms..3600s");
	refused("lb.check", "tcp inter", "lb.check: inter needs a value");
	refused("lb.check", "tcp timeout 9ms", "lb.check: timeout must be 10ms..60s");
	refused("lb.check", "tcp timeout 61s", "lb.check: timeout must be 10ms..60s");
	refused("lb.check", "tcp inter 1s timeout 2s", "lb.check: timeout must not exceed inter");
	refused("lb.check", "tcp fall 0", "lb.check: fall must be 1..100");
	refused("lb.check", "tcp fall 101", "lb.check: fall must be 1..100");
	refused("lb.check", "tcp rise 0", "lb.check: rise must be 1..100");
	refused("lb.check", "tcp rise", "lb.check: rise needs a value");
	refused("lb.check", "http / expect 4xx", "lb.check: expect must be 2xx or 3xx");
	refused("lb.check", "tcp expect 2xx", "lb.check: expect needs an http check");
	refused("lb.check", "tcp port 81", "lb.check: unknown option 'port'");
	/* an error late in the line changes nothing, not even the options before it */
	refused("lb.check", "http /x inter 5s fall 2 rise 0", "lb.check: rise must be 1..100");
}

static void test_retries_timeout_unknown(void)
{
	CU_ASSERT_EQUAL(line("lb.retries", "0"), 0);
	CU_ASSERT_EQUAL(c.retries, 0);
	CU_ASSERT_EQUAL(line("lb.retries", "16"), 0);
	CU_ASSERT_EQUAL(c.retries, 16);
	refused("lb.retries", "17", "lb.retries: must be 0..16");
	refused("lb.retries", "", "lb.retries: must be 0..16");
	refused("lb.retries", "1 2", "lb.retries: must be 0..16");
	CU_ASSERT_EQUAL(line("lb.timeout.connect", "2s"), 0);
	CU_ASSERT_EQUAL(c.connect_timeout_ms, 2000);
	CU_ASSERT_EQUAL(line("lb.timeout.connect", "750ms"), 0);
	CU_ASSERT_EQUAL(c.connect_timeout_ms, 750);
	CU_ASSERT_EQUAL(line("lb.timeout.connect", "60s"), 0);
	CU_ASSERT_EQUAL(c.connect_timeout_ms, 60000);
	refused("lb.timeout.connect", "9ms", "lb.timeout.connect: must be 10ms..60s");
	refused("lb.timeout.connect", "61s", "lb.timeout.connect: must be 10ms..60s");
	refused("lb.timeout.connect", "2 s", "lb.timeout.connect: must be 10ms..60s");
	CU_ASSERT_EQUAL(line("lb.timeout.connect", "1m"), 0);
	CU_ASSERT_EQUAL(c.connect_timeout_ms, 60000);
	refused("lb.timeout.connect", "2m", "lb.timeout.connect: must be 10ms..60s");
	refused("lb.timeout.connect", "5x", "lb.timeout.connect: must be 10ms..60s");
	refused("lb.timeout.queue", "5s", "lb.timeout.queue: unknown key");
}

/* Idle timeouts: none by default, "0" turns one off again, HAProxy's units up to 24 h. */
static void test_idle_timeouts(void)
{
	CU_ASSERT_EQUAL(c.client_timeout_ms, 0);
	CU_ASSERT_EQUAL(c.server_timeout_ms, 0);
	CU_ASSERT_EQUAL(line("lb.timeout.client", "30s"), 0);
	CU_ASSERT_EQUAL(c.client_timeout_ms, 30000);
	CU_ASSERT_EQUAL(c.server_timeout_ms, 0);
	CU_ASSERT_EQUAL(line("lb.timeout.server", "5m"), 0);
	CU_ASSERT_EQUAL(c.server_timeout_ms, 300000);
	CU_ASSERT_EQUAL(c.client_timeout_ms, 30000);
	CU_ASSERT_EQUAL(line("lb.timeout.server", "24h"), 0);
	CU_ASSERT_EQUAL(c.server_timeout_ms, 86400000);
	CU_ASSERT_EQUAL(line("lb.timeout.client", "10"), 0);
	CU_ASSERT_EQUAL(c.client_timeout_ms, 10);
	CU_ASSERT_EQUAL(line("lb.timeout.client", "0"), 0);
	CU_ASSERT_EQUAL(c.client_timeout_ms, 0);
	refused("lb.timeout.client", "9ms", "lb.timeout.client: must be 0 (none) or 10ms..24h");
	refused("lb.timeout.client", "0ms", "lb.timeout.client: must be 0 (none) or 10ms..24h");
	refused("lb.timeout.server", "25h", "lb.timeout.server: must be 0 (none) or 10ms..24h");
	refused("lb.timeout.server", "1441m", "lb.timeout.server: must be 0 (none) or 10ms..24h");
	refused("lb.timeout.server", "99999999999s", "lb.timeout.server: must be 0 (none) or 10ms..24h");
	refused("lb.timeout.server", "1 h", "lb.timeout.server: must be 0 (none) or 10ms..24h");
	refused("lb.timeout.server", "", "lb.timeout.server: must be 0 (none) or 10ms..24h");
	CU_ASSERT_EQUAL(c.server_timeout_ms, 86400000);   /* a refused line changes nothing */
}

static void test_line_limits(void)
{
	char val[LB_LINE_MAX + 8];
	memset(val, ' ', sizeof(val));
	val[LB_LINE_MAX] = 0;                  /* 160 bytes: one too many */
	refused("lb.server", val, "lb.server: value longer than 159 characters");
	refused("lb.frontend", "1:1 a b c d e f g h i j k l m n o p", "lb.frontend: more than 16 words");
	/* 16 words are read (and then judged) */
	refused("lb.frontend", "10.0.0.1:1 a b c d e f g h i j k l m n o", "lb.frontend: unknown option 'a'");
}

static void test_finish(void)
{
	CU_ASSERT_EQUAL(lb_conf_finish(&c, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "lb.frontend: missing");
	CU_ASSERT_EQUAL(line("lb.frontend", "10.0.0.2:80"), 0);
	CU_ASSERT_EQUAL(lb_conf_finish(&c, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "lb.server: at least one is required");
	/* servers listed before lb.check still get its rise/fall */
	CU_ASSERT_EQUAL(line("lb.server", "a 10.0.1.1:80"), 0);
	CU_ASSERT_EQUAL(c.srv[0].health.rise, 2);
	CU_ASSERT_EQUAL(c.srv[0].health.fall, 3);
	CU_ASSERT_EQUAL(line("lb.check", "tcp rise 7 fall 9"), 0);
	c.srv[0].cur_conns = 5;
	c.srv[0].cur_weight = -3;
	CU_ASSERT_EQUAL(lb_conf_finish(&c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.srv[0].health.rise, 7);
	CU_ASSERT_EQUAL(c.srv[0].health.fall, 9);
	CU_ASSERT_EQUAL(c.srv[0].health.up, true);
	CU_ASSERT_EQUAL(c.srv[0].health.count, 0);
	CU_ASSERT_EQUAL(c.srv[0].cur_conns, 0);
	CU_ASSERT_EQUAL(c.srv[0].cur_weight, 0);
}

static void test_short_err_buffer(void)
{
	char small[12];
	memset(small, 'x', sizeof(small));
	CU_ASSERT_EQUAL(lb_conf_line(&c, "lb.server", "w 10.0.1.9:80 weight 999", small, sizeof(small)), -1);
	CU_ASSERT_STRING_EQUAL(small, "lb.server: ");
}

static void test_expect_ok(void)
{
	CU_ASSERT_TRUE(lb_http_expect_ok(&c, 200));
	CU_ASSERT_TRUE(lb_http_expect_ok(&c, 299));
	CU_ASSERT_FALSE(lb_http_expect_ok(&c, 301));
	CU_ASSERT_FALSE(lb_http_expect_ok(&c, 0));
	CU_ASSERT_FALSE(lb_http_expect_ok(&c, -1));
	c.check_expect = 3;
	CU_ASSERT_TRUE(lb_http_expect_ok(&c, 302));
	CU_ASSERT_FALSE(lb_http_expect_ok(&c, 200));
}

static CU_TestInfo tests[] = {
	{ "defaults", test_defaults },
	{ "frontend", test_frontend },
	{ "balance", test_balance },
	{ "server", test_server },
	{ "server_limit", test_server_limit },
	{ "check", test_check },
	{ "check_errors", test_check_errors },
	{ "retries_timeout_unknown", test_retries_timeout_unknown },
	{ "idle_timeouts", test_idle_timeouts },
	{ "line_limits", test_line_limits },
	{ "finish", test_finish },
	{ "short_err_buffer", test_short_err_buffer },
	{ "expect_ok", test_expect_ok },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("apps/lb_conf", setup, NULL, tests);
