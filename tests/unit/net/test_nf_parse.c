/* net/nf_table.c, net/nf_parse.c, net/nf_print.c: iptables-save text in, `iptables -L -v -n`
 * out. The expected listings were printed by iptables-legacy 1.8.9 for the same rule set
 * (protocol numbers written as names, as older iptables print them); every load error is
 * checked word for word with its line number, and a failed load changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"
#include "net/filter.h"
#include "net/nf_rule.h"

static const char set1[] =
	"# test rule set\n"
	"*filter\n"
	":INPUT DROP [123456:99999]\n"
	":FORWARD ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [9999499:9999500]\n"
	":web - [0:0]\n"
	"[10:600] -A INPUT -p tcp -m tcp --dport 22 -m comment --comment \"ssh in\" -j ACCEPT\n"
	"[100500:999999499] -A INPUT -s 10.0.0.0/8 -i eth+ -j web\n"
	"-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
	"-A web -p udp -m multiport --dports 53,100:200 -j REJECT --reject-with icmp-host-unreachable\n"
	"-A web -p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN -j LOG --log-prefix \"x: \"\n"
	"-A web -p icmp -m icmp --icmp-type 8 -m limit --limit 5/sec --limit-burst 10 -j DROP\n"
	"-A web -p tcp -m tcp --tcp-flags SYN,ACK SYN -m hashlimit --hashlimit-above 10/sec --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name hl -j DROP\n"
	"-A web -p tcp -j REJECT --reject-with tcp-reset\n"
	"-A web ! -d 1.2.3.4/32 -p 47 -m state --state NEW\n"
	"-A web ! -s 192.168.1.0/24 ! -i eth0 -p udp -m udp --sport 5:6 ! --dport 7 -j RETURN\n"
	"-A web -p icmp -m icmp ! --icmp-type 3/1\n"
	"COMMIT\n"
	"*nat\n"
	":PREROUTING ACCEPT [0:0]\n"
	":INPUT ACCEPT [0:0]\n"
	":OUTPUT ACCEPT [0:0]\n"
	":POSTROUTING ACCEPT [0:0]\n"
	"-A PREROUTING -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.1:8080\n"
	"-A OUTPUT -p udp -m udp --sport 5:6 -j REDIRECT --to-ports 53\n"
	"-A POSTROUTING -o eth1 -j MASQUERADE\n"
	"-A POSTROUTING -s 10.1.0.0/16 -p tcp -j SNAT --to-source 1.1.1.1-1.1.1.5:100-200\n"
	"-A POSTROUTING -p tcp -j MASQUERADE --to-ports 1000-2000\n"
	"COMMIT\n";

static const char want_filter[] =
	"Chain INPUT (policy DROP 123K packets, 99999 bytes)\n"
	" pkts bytes target     prot opt in     out     source               destination         \n"
	"   10   600 ACCEPT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:22 /* ssh in */\n"
	" 101K 1000M web        all  --  eth+   *       10.0.0.0/8           0.0.0.0/0           \n"
	"    0     0 ACCEPT     all  --  *      *       0.0.0.0/0            0.0.0.0/0            ctstate RELATED,ESTABLISHED\n"
	"\n"
	"Chain FORWARD (policy ACCEPT 0 packets, 0 bytes)\n"
	" pkts bytes target     prot opt in     out     source               destination         \n"
	"\n"
	"Chain OUTPUT (policy ACCEPT 9999K packets, 10M bytes)\n"
	" pkts bytes target     prot opt in     out     source               destination         \n"
	"\n"
	"Chain web (1 references)\n"
	" pkts bytes target     prot opt in     out     source               destination         \n"
	"    0     0 REJECT     udp  --  *      *       0.0.0.0/0            0.0.0.0/0            multiport dports 53,100:200 reject-with icmp-host-unreachable\n"
	"    0     0 LOG        tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp flags:!0x17/0x02 LOG flags 0 level 4 prefix \"x: \"\n"
	"    0     0 DROP       icmp --  *      *       0.0.0.0/0            0.0.0.0/0            icmptype 8 limit: avg 5/sec burst 10\n"
	"    0     0 DROP       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp flags:0x12/0x02 limit: above 10/sec burst 5 mode srcip\n"
	"    0     0 REJECT     tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            reject-with tcp-reset\n"
	"    0     0            47   --  *      *       0.0.0.0/0           !1.2.3.4              state NEW\n"
	"    0     0 RETURN     udp  --  !eth0  *      !192.168.1.0/24       0.0.0.0/0            udp spts:5:6 dpt:!7\n"
	"    0     0            icmp --  *      *       0.0.0.0/0            0.0.0.0/0            icmp !type 3 code 1\n";
static const char want_nat[] =
	"Chain PREROUTING (policy ACCEPT 0 packets, 0 bytes)\n"
	" pkts bytes target     prot opt in     out     source               destination         \n"
	"    0     0 DNAT       tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            tcp dpt:80 to:10.0.0.1:8080\n"
	"\n"
	"Chain INPUT (policy ACCEPT 0 packets, 0 bytes)\n"
	" pkts bytes target     prot opt in     out     source               destination         \n"
	"\n"
	"Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)\n"
	" pkts bytes target     prot opt in     out     source               destination         \n"
	"    0     0 REDIRECT   udp  --  *      *       0.0.0.0/0            0.0.0.0/0            udp spts:5:6 redir ports 53\n"
	"\n"
	"Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)\n"
	" pkts bytes target     prot opt in     out     source               destination         \n"
	"    0     0 MASQUERADE  all  --  *      eth1    0.0.0.0/0            0.0.0.0/0           \n"
	"    0     0 SNAT       tcp  --  *      *       10.1.0.0/16          0.0.0.0/0            to:1.1.1.1-1.1.1.5:100-200\n"
	"    0     0 MASQUERADE  tcp  --  *      *       0.0.0.0/0            0.0.0.0/0            masq ports: 1000-2000\n";

static void setup(void) { nf_flush(); }
static void teardown(void) { nf_flush(); }

/* Run nf_print and return what it wrote to stdout (caller frees). */
static char *capture_print(const char *table, bool verbose, int *rc)
{
	fflush(stdout);
	FILE *tmp = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	int saved = dup(1);
	dup2(fileno(tmp), 1);
	*rc = nf_print(table, verbose);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	long n = ftell(tmp);
	char *s = calloc(1, (size_t)n + 1);
	rewind(tmp);
	CU_ASSERT_EQUAL(fread(s, 1, (size_t)n, tmp), (size_t)n);
	fclose(tmp);
	return s;
}

static void expect_print(const char *table, const char *want)
{
	int rc;
	char *got = capture_print(table, true, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(got, want);
	if (strcmp(got, want))
		fprintf(stderr, "\n--- got:\n%s--- want:\n%s", got, want);
	free(got);
}

static int load(const char *text, char *err, unsigned errlen)
{
	return nf_load(text, strlen(text), "fw.conf", 10, err, errlen);
}

static void test_load_and_print(void)
{
	char err[200] = "";
	CU_ASSERT_EQUAL(load(set1, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_TRUE(nf_active);
	CU_ASSERT_EQUAL(nf_rs->nrules, 16);
	expect_print("filter", want_filter);
	expect_print("nat", want_nat);
}

static void test_print_empty_and_unknown(void)
{
	int rc;
	char *got = capture_print("nat", false, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(got,
		"Chain PREROUTING (policy ACCEPT)\n"
		"target     prot opt source               destination         \n\n"
		"Chain INPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n\n"
		"Chain OUTPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n\n"
		"Chain POSTROUTING (policy ACCEPT)\n"
		"target     prot opt source               destination         \n");
	free(got);
	got = capture_print("mangle", true, &rc);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_STRING_EQUAL(got, "");
	free(got);
}

static void test_print_non_verbose(void)
{
	char err[200];
	CU_ASSERT_EQUAL_FATAL(nf_add_rule("-A INPUT -p tcp --dport 22 -j ACCEPT", err, sizeof(err)), 0);
	int rc;
	char *got = capture_print("filter", false, &rc);
	CU_ASSERT_STRING_EQUAL(got,
		"Chain INPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n"
		"ACCEPT     tcp  --  0.0.0.0/0            0.0.0.0/0            tcp dpt:22\n\n"
		"Chain FORWARD (policy ACCEPT)\n"
		"target     prot opt source               destination         \n\n"
		"Chain OUTPUT (policy ACCEPT)\n"
		"target     prot opt source               destination         \n");
	free(got);
}

static void test_fmt_num(void)
{
	static const struct { uint64_t n; const char *s; } v[] = {
		{ 0, "0" }, { 99999, "99999" }, { 100000, "100K" }, { 100499, "100K" }, { 100500, "101K" },
		{ 9999499, "9999K" }, { 9999500, "10M" }, { 999999499, "1000M" }, { 999999500, "1000M" },
		{ 9999999999999ull, "10T" }, { 123456789012345678ull, "123457T" },
	};
	char b[24];
	for (unsigned i = 0; i < ARRAY_SIZE(v); i++) {
		nf_fmt_num(b, sizeof(b), v[i].n);
		CU_ASSERT_STRING_EQUAL(b, v[i].s);
	}
}

/* Each text must fail with exactly want; the running rules must stay as they were. */
static void expect_err(const char *text, const char *want)
{
	char err[200] = "";
	uint32_t gen = nf_generation, nrules = nf_rs ? nf_rs->nrules : 0;
	CU_ASSERT_EQUAL(load(text, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, want);
	if (strcmp(err, want))
		fprintf(stderr, "\n got: %s\nwant: %s\n", err, want);
	CU_ASSERT_EQUAL(nf_generation, gen);
	CU_ASSERT_EQUAL(nf_rs ? nf_rs->nrules : 0, nrules);
}

static void test_errors_structure(void)
{
	expect_err("*filter\n-A INPUT -j DROP\n", "fw.conf:10: COMMIT missing");
	expect_err("*filter\n*nat\nCOMMIT\n", "fw.conf:10: COMMIT missing");
	expect_err("-A INPUT -j DROP\n", "fw.conf:10: '-A' outside a table (start one with *filter or *nat)");
	expect_err("\n# x\n*mangle\nCOMMIT\n", "fw.conf:12: unknown table 'mangle'");
	expect_err("*filter\nCOMMIT now\n", "fw.conf:11: unexpected 'now'");
	expect_err("*filter\n:INPUT REJECT [0:0]\nCOMMIT\n", "fw.conf:11: bad policy 'REJECT' for INPUT in table filter");
	expect_err("*nat\n:PREROUTING DROP [0:0]\nCOMMIT\n", "fw.conf:11: bad policy 'DROP' for PREROUTING in table nat");
	expect_err("*filter\n:web ACCEPT [0:0]\nCOMMIT\n", "fw.conf:11: bad policy 'ACCEPT' for user chain web");
	expect_err("*filter\n:INPUT ACCEPT [x:0]\nCOMMIT\n", "fw.conf:11: bad chain line (want :CHAIN POLICY [packets:bytes])");
	expect_err("*filter\n:web - [0:0]\n-N web\nCOMMIT\n", "fw.conf:12: chain 'web' already exists");
	expect_err("*filter\n:DROP - [0:0]\nCOMMIT\n", "fw.conf:11: bad chain name 'DROP'");
	expect_err("*filter\n:abcdefghijabcdefghijabcdefghi - [0:0]\nCOMMIT\n",
		   "fw.conf:11: chain name 'abcdefghijabcdefghijabcdefghi' longer than 28 bytes");
	expect_err("*filter\n-X web\nCOMMIT\n", "fw.conf:11: unknown command '-X'");
	expect_err("*filter\n[1:x] -A INPUT\nCOMMIT\n", "fw.conf:11: bad counters '[1:x]'");
	expect_err("*filter\n-A INPUT -m comment --comment \"open\nCOMMIT\n", "fw.conf:11: unterminated quote");
}

static void test_errors_chains(void)
{
	expect_err("*nat\n-A FORWARD -j ACCEPT\nCOMMIT\n", "fw.conf:11: -A FORWARD: chain not in table nat");
	expect_err("*filter\n-A web -j ACCEPT\nCOMMIT\n", "fw.conf:11: -A web: chain not in table filter");
	expect_err("*filter\n-A INPUT -j FOO\nCOMMIT\n", "fw.conf:11: unknown target 'FOO'");
	expect_err("*filter\n-A INPUT -j OUTPUT\nCOMMIT\n", "fw.conf:11: -j OUTPUT: cannot jump to a built-in chain");
	expect_err("*filter\n:a - [0:0]\n:b - [0:0]\n-A a -j b\n-A b -j a\nCOMMIT\n", "fw.conf:15: chain 'a': jump loop");
	expect_err("*filter\n:a - [0:0]\n-A a -j a\nCOMMIT\n", "fw.conf:13: chain 'a': jump loop");
	/* INPUT -> c0 -> c1 ... -> c16: 17 nested jumps */
	char text[4096];
	int n = snprintf(text, sizeof(text), "*filter\n");
	for (int i = 0; i <= 16; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, ":c%d - [0:0]\n", i);
	for (int i = 0; i < 16; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "-A c%d -j c%d\n", i, i + 1);
	snprintf(text + n, sizeof(text) - (size_t)n, "-A INPUT -j c0\nCOMMIT\n");
	expect_err(text, "fw.conf:45: chain 'INPUT': jumps nested deeper than 16");
	/* 16 nested jumps are fine */
	char err[200];
	char *cut = strstr(text, "-A INPUT -j c0");
	strcpy(cut, "-A INPUT -j c1\nCOMMIT\n");
	CU_ASSERT_EQUAL(load(text, err, sizeof(err)), 0);
}

static void test_errors_limits(void)
{
	/* 7 built-in chains + 57 user chains = NF_MAX_CHAINS */
	size_t cap = 64 * 16 + 64;
	char *text = malloc(cap);
	int n = snprintf(text, cap, "*filter\n");
	for (int i = 0; i < 57; i++)
		n += snprintf(text + n, cap - (size_t)n, ":u%d - [0:0]\n", i);
	snprintf(text + n, cap - (size_t)n, "COMMIT\n");
	char err[200];
	CU_ASSERT_EQUAL(load(text, err, sizeof(err)), 0);
	snprintf(text + n, cap - (size_t)n, ":one_more - [0:0]\nCOMMIT\n");
	expect_err(text, "fw.conf:68: too many chains (limit 64)");
	free(text);

	/* NF_MAX_RULES rules load; one more is refused */
	cap = (NF_MAX_RULES + 1) * 20 + 64;
	text = malloc(cap);
	n = snprintf(text, cap, "*filter\n");
	for (unsigned i = 0; i < NF_MAX_RULES; i++)
		n += snprintf(text + n, cap - (size_t)n, "-A INPUT -j DROP\n");
	snprintf(text + n, cap - (size_t)n, "COMMIT\n");
	CU_ASSERT_EQUAL(load(text, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nf_rs->nrules, NF_MAX_RULES);
	snprintf(text + n, cap - (size_t)n, "-A OUTPUT -j DROP\nCOMMIT\n");
	expect_err(text, "fw.conf:16395: too many rules (limit 16384)");
	free(text);
	CU_ASSERT_EQUAL(nf_add_rule("-A OUTPUT -j DROP", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "too many rules (limit 16384)");
}

static void test_errors_options(void)
{
	static const struct { const char *rule, *err; } v[] = {
		{ "-A INPUT --foo -j ACCEPT", "unknown option '--foo'" },
		{ "-A INPUT -s 10.0.0.0/33 -j DROP", "bad CIDR '10.0.0.0/33'" },
		{ "-A INPUT -d 10.0.0 -j DROP", "bad CIDR '10.0.0'" },
		{ "-A INPUT -s 256.0.0.1 -j DROP", "bad CIDR '256.0.0.1'" },
		{ "-A INPUT -s", "option '-s' needs a value" },
		{ "-A INPUT -s 1.2.3.4 -s 1.2.3.5", "option '-s' given twice" },
		{ "-A INPUT -i abcdefghijklmnop", "bad interface 'abcdefghijklmnop'" },
		{ "-A INPUT -o eth0", "can't use -o with INPUT" },
		{ "-A OUTPUT -i eth0", "can't use -i with OUTPUT" },
		{ "-A INPUT -p tcpx", "bad protocol 'tcpx'" },
		{ "-A INPUT -p 256", "bad protocol '256'" },
		{ "-A INPUT --dport 22 -j ACCEPT", "--dport needs -p tcp or -p udp" },
		{ "-A INPUT -p icmp --sport 22", "--sport needs -p tcp or -p udp" },
		{ "-A INPUT -p tcp --dport 70000", "bad port '70000'" },
		{ "-A INPUT -p tcp --dport 9:8", "bad port '9:8'" },
		{ "-A INPUT -p udp --syn", "--syn needs -p tcp" },
		{ "-A INPUT -p tcp --tcp-flags SYN,FOO SYN", "bad tcp flag in 'SYN,FOO'" },
		{ "-A INPUT -p tcp --tcp-flags SYN", "option '--tcp-flags' needs two values" },
		{ "-A INPUT -p tcp --icmp-type 8", "--icmp-type needs -p icmp" },
		{ "-A INPUT -p icmp --icmp-type bogus", "bad icmp type 'bogus'" },
		{ "-A INPUT -p icmp --icmp-type 3/256", "bad icmp type '3/256'" },
		{ "-A INPUT -m frob", "unknown match 'frob'" },
		{ "-A INPUT -p tcp --dports 1,2", "unknown option '--dports'" },
		{ "-A INPUT -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
		  "more than 15 ports in '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16'" },
		{ "-A INPUT -m multiport --dports 1", "--dports needs -p tcp or -p udp" },
		{ "-A INPUT --ctstate NEW", "unknown option '--ctstate'" },
		{ "-A INPUT -m conntrack --ctstate NEW,OLD", "bad state in 'NEW,OLD'" },
		{ "-A INPUT -m state --state NEW -m conntrack --ctstate NEW", "option '--ctstate' given twice" },
		{ "-A INPUT -m limit --limit 5/fortnight", "bad rate '5/fortnight'" },
		{ "-A INPUT -m limit --limit 0/sec", "bad rate '0/sec'" },
		{ "-A INPUT -m limit --limit 10001/sec", "bad rate '10001/sec'" },
		{ "-A INPUT -m limit --limit-burst 3", "--limit-burst without --limit" },
		{ "-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-name x",
		  "hashlimit needs --hashlimit-upto|--hashlimit-above, --hashlimit-mode srcip and --hashlimit-name" },
		{ "-A INPUT -m hashlimit --hashlimit-upto 5/sec --hashlimit-mode dstip --hashlimit-name x",
		  "--hashlimit-mode 'dstip' not supported (only srcip)" },
		{ "-A INPUT -m comment --comment", "option '--comment' needs a value" },
		{ "-A INPUT -j DROP -j ACCEPT", "option '-j' given twice" },
		{ "-A INPUT -j DROP --reject-with tcp-reset", "unknown option '--reject-with'" },
		{ "-A INPUT -j REJECT --reject-with icmp-foo", "bad --reject-with 'icmp-foo'" },
		{ "-A INPUT -j REJECT --reject-with tcp-reset", "--reject-with tcp-reset needs -p tcp" },
		{ "-A INPUT -j LOG --log-level 8", "bad log level '8'" },
		{ "-A INPUT -j LOG --log-prefix 123456789012345678901234567890",
		  "--log-prefix longer than 29 bytes" },
		{ "-A INPUT -p tcp -j DNAT --to-destination 1.2.3.4", "-j DNAT: only in table nat" },
		{ "-A INPUT ! -j DROP", "unknown option '-j'" },
		{ "-A INPUT -p tcp !", "'!' at the end of the rule" },
		{ "-A INPUT ! ! -p tcp", "'!' twice" },
		{ "-A INPUT ! -m tcp", "'!' not allowed before '-m'" },
		{ "-A INPUT 22", "unexpected '22'" },
	};
	char text[400], want[300];
	for (unsigned i = 0; i < ARRAY_SIZE(v); i++) {
		snprintf(text, sizeof(text), "*filter\n%s\nCOMMIT\n", v[i].rule);
		snprintf(want, sizeof(want), "fw.conf:11: %s", v[i].err);
		expect_err(text, want);
	}
}

static void test_errors_nat(void)
{
	static const struct { const char *rule, *err; } v[] = {
		{ "-A POSTROUTING -j DROP", "-j DROP: not in table nat" },
		{ "-A PREROUTING -j REJECT", "-j REJECT: not in table nat" },
		{ "-A POSTROUTING -p tcp -j DNAT --to-destination 1.2.3.4", "-j DNAT: not in chain POSTROUTING" },
		{ "-A PREROUTING -j SNAT --to-source 1.2.3.4", "-j SNAT: not in chain PREROUTING" },
		{ "-A INPUT -j MASQUERADE", "-j MASQUERADE: not in chain INPUT" },
		{ "-A OUTPUT -p tcp -j REDIRECT --to-ports 0", "bad port range '0'" },
		{ "-A POSTROUTING -j SNAT", "SNAT needs --to-source" },
		{ "-A PREROUTING -j DNAT", "DNAT needs --to-destination" },
		{ "-A PREROUTING -j DNAT --to-destination 1.2.3.4:80", "-j DNAT with ports needs -p tcp or -p udp" },
		{ "-A PREROUTING -p tcp -j DNAT --to-destination 1.2.3.4:90-80", "bad port range '1.2.3.4:90-80'" },
		{ "-A POSTROUTING -j SNAT --to-source 1.2.3.9-1.2.3.4", "bad address range '1.2.3.9-1.2.3.4'" },
		{ "-A POSTROUTING -j SNAT --to-source 1.2.3", "bad address '1.2.3'" },
		{ "-A POSTROUTING -j MASQUERADE --to-ports 5-6", "-j MASQUERADE with ports needs -p tcp or -p udp" },
	};
	char text[400], want[300];
	for (unsigned i = 0; i < ARRAY_SIZE(v); i++) {
		snprintf(text, sizeof(text), "*nat\n%s\nCOMMIT\n", v[i].rule);
		snprintf(want, sizeof(want), "fw.conf:11: %s", v[i].err);
		expect_err(text, want);
	}
}

/* A failed load leaves the running rules, policies and counters exactly as they were. */
static void test_load_is_atomic(void)
{
	char err[200];
	CU_ASSERT_EQUAL_FATAL(load(set1, err, sizeof(err)), 0);
	expect_err("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\n-A INPUT -p tcp --dport x\nCOMMIT\n",
		   "fw.conf:13: bad port 'x'");
	expect_err("*nat\n-A POSTROUTING -j MASQUERADE\nCOMMIT\n*filter\n-A INPUT -j LOG\n",
		   "fw.conf:13: COMMIT missing");
	expect_print("filter", want_filter);
	expect_print("nat", want_nat);
}

/* A block replaces its table only; the other table keeps its rules. */
static void test_tables_independent(void)
{
	char err[200];
	CU_ASSERT_EQUAL_FATAL(load(set1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(load("*filter\n:FORWARD DROP [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nf_rs->nrules, 5 + 1);
	CU_ASSERT_EQUAL(nf_rs->chain[NF_C_F_FORWARD].policy, NF_DROP);
	CU_ASSERT_EQUAL(nf_rs->chain[NF_C_F_INPUT].policy, NF_ACCEPT);
	CU_ASSERT_EQUAL(nf_chain_find(nf_rs, NF_T_FILTER, "web"), -1);
	expect_print("nat", want_nat);
}

static void test_add_rule(void)
{
	char err[200] = "";
	CU_ASSERT_FALSE(nf_active);
	CU_ASSERT_EQUAL(nf_add_rule("-t nat -A POSTROUTING -o eth1 -j MASQUERADE", err, sizeof(err)), 0);
	CU_ASSERT_TRUE(nf_active);
	CU_ASSERT_EQUAL(nf_add_rule("-A INPUT -p tcp --dport 22 -j ACCEPT", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nf_add_rule("-I INPUT -p tcp --dport 23 -j DROP", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nf_add_rule("-I INPUT 3 -p tcp --dport 24 -j DROP", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nf_add_rule("-N blocked", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nf_add_rule("-A INPUT -s 10.9.0.0/16 -j blocked", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(nf_add_rule("-P FORWARD DROP", err, sizeof(err)), 0);
	const struct nf_chain *in = &nf_rs->chain[NF_C_F_INPUT];
	CU_ASSERT_EQUAL_FATAL(in->n, 4);
	CU_ASSERT_EQUAL(in->rules[0].dport[0], 23);
	CU_ASSERT_EQUAL(in->rules[1].dport[0], 22);
	CU_ASSERT_EQUAL(in->rules[2].dport[0], 24);
	CU_ASSERT_EQUAL(in->rules[3].t.kind, NF_T_JUMP);
	CU_ASSERT_EQUAL(nf_rs->chain[in->rules[3].t.jump].refs, 1);
	CU_ASSERT_EQUAL(nf_rs->chain[NF_C_N_POSTROUTING].n, 1);
	CU_ASSERT_EQUAL(nf_rs->chain[NF_C_F_FORWARD].policy, NF_DROP);

	CU_ASSERT_EQUAL(nf_add_rule("-t raw -A INPUT -j DROP", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "unknown table 'raw'");
	CU_ASSERT_EQUAL(nf_add_rule("-A INPUT -p tcp --dport", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "option '--dport' needs a value");
	CU_ASSERT_EQUAL(nf_add_rule("-I INPUT 9 -j DROP", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "-I INPUT 9: only 4 rules");
	CU_ASSERT_EQUAL(nf_add_rule("-A blocked -j blocked", err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "chain 'blocked': jump loop");
	CU_ASSERT_EQUAL(nf_rs->chain[nf_chain_find(nf_rs, NF_T_FILTER, "blocked")].n, 0);

	nf_flush();
	CU_ASSERT_FALSE(nf_active);
	CU_ASSERT_PTR_NULL(nf_rs);
}

/* Parsed values land in the precompiled rule as the matcher needs them. */
static void test_parsed_fields(void)
{
	char err[200];
	CU_ASSERT_EQUAL_FATAL(nf_add_rule("-A INPUT -s 10.1.2.3/8 ! -d 192.168.1.1 -i eth+ -p udp --sport :1024 "
					  "--dport 5000: -j ACCEPT", err, sizeof(err)), 0);
	const struct nf_rule *r = &nf_rs->chain[NF_C_F_INPUT].rules[0];
	CU_ASSERT_EQUAL(r->src, 0x0a000000u);
	CU_ASSERT_EQUAL(r->smask, 0xff000000u);
	CU_ASSERT_EQUAL(r->dst, 0xc0a80101u);
	CU_ASSERT_EQUAL(r->dmask, 0xffffffffu);
	CU_ASSERT_EQUAL(r->inv, NF_M_DST);
	CU_ASSERT_TRUE(r->in_wild);
	CU_ASSERT_EQUAL(r->inlen, 3);
	CU_ASSERT_EQUAL(r->sport[0], 0);
	CU_ASSERT_EQUAL(r->sport[1], 1024);
	CU_ASSERT_EQUAL(r->dport[0], 5000);
	CU_ASSERT_EQUAL(r->dport[1], 65535);
	CU_ASSERT_EQUAL_FATAL(nf_add_rule("-A INPUT -p icmp --icmp-type port-unreachable -m comment "
					  "--comment \"say \\\"hi\\\"\"", err, sizeof(err)), 0);
	r = &nf_rs->chain[NF_C_F_INPUT].rules[1];
	CU_ASSERT_EQUAL(r->icmp_type, 3);
	CU_ASSERT_EQUAL(r->icmp_code_lo, 3);
	CU_ASSERT_EQUAL(r->icmp_code_hi, 3);
	CU_ASSERT_STRING_EQUAL(r->comment, "say \"hi\"");
	CU_ASSERT_EQUAL_FATAL(nf_add_rule("-t nat -A POSTROUTING -p udp -j SNAT --to-source 1.2.3.4-1.2.3.6:1000-2000",
					  err, sizeof(err)), 0);
	r = &nf_rs->chain[NF_C_N_POSTROUTING].rules[0];
	CU_ASSERT_EQUAL(r->t.nat.addr_min, 0x01020304u);
	CU_ASSERT_EQUAL(r->t.nat.addr_max, 0x01020306u);
	CU_ASSERT_EQUAL(r->t.nat.port_min, 1000);
	CU_ASSERT_EQUAL(r->t.nat.port_max, 2000);
}

static CU_TestInfo tests[] = {
	{ "load and print (iptables -L -v -n)", test_load_and_print },
	{ "print: empty tables, unknown table", test_print_empty_and_unknown },
	{ "print: without -v", test_print_non_verbose },
	{ "counter K/M/G/T style", test_fmt_num },
	{ "errors: structure", test_errors_structure },
	{ "errors: chains, loops, depth", test_errors_chains },
	{ "errors: chain and rule limits", test_errors_limits },
	{ "errors: every option", test_errors_options },
	{ "errors: nat targets", test_errors_nat },
	{ "failed load changes nothing", test_load_is_atomic },
	{ "a block replaces its table only", test_tables_independent },
	{ "nf_add_rule: -t, -A, -I, -N, -P", test_add_rule },
	{ "parsed fields", test_parsed_fields },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("net/nf_parse", setup, teardown, tests);
