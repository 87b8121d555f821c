/* net/metrics.c: the Prometheus exposition has every family typed once, device labels, and
 * values that follow the counters; a small buffer reports the size it needs. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "net/metrics.h"
#include "net/netdev.h"
#include "net/stats.h"

static char *text;

static void setup(void)
{
	fake_netdev();
	fake_netdev_reset();
	memset(&net_stats, 0, sizeof(net_stats));
	text = malloc(1 << 16);
}

static void teardown(void)
{
	free(text);
	fake_netdev_reset();
}

static int has_line(const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

static void test_device_counters_with_labels(void)
{
	struct netdev *d = fake_netdev();
	memset(&d->stats, 0, sizeof(d->stats));
	d->stats.rx_packets = 42;
	d->stats.irqs = 7;
	d->stats.poll_hist[7] = 3;
	size_t n = metrics_render(text, 1 << 16);
	CU_ASSERT_TRUE(n > 0 && n < (1 << 16));
	CU_ASSERT_EQUAL(strlen(text), n);
	CU_ASSERT_TRUE(has_line("# TYPE peregrine_netdev_rx_packets_total counter"));
	CU_ASSERT_TRUE(has_line("peregrine_netdev_rx_packets_total{dev=\"eth0\",driver=\"fake\"} 42"));
	CU_ASSERT_TRUE(has_line("peregrine_netdev_irqs_total{dev=\"eth0\",driver=\"fake\"} 7"));
	CU_ASSERT_TRUE(has_line("peregrine_netdev_poll_frames_total{dev=\"eth0\",driver=\"fake\",frames=\"64\"} 3"));
	CU_ASSERT_TRUE(has_line("peregrine_netdev_poll_frames_total{dev=\"eth0\",driver=\"fake\",frames=\"0\"} 0"));
	CU_ASSERT_TRUE(has_line("# TYPE peregrine_netbuf_free gauge"));
}

static void test_protocol_counters(void)
{
	net_stats.ipv4.bad_ihl = 5;
	net_stats.arp.unsolicited = 2;
	metrics_render(text, 1 << 16);
	CU_ASSERT_TRUE(has_line("# TYPE peregrine_ipv4_bad_ihl_total counter"));
	CU_ASSERT_TRUE(has_line("peregrine_ipv4_bad_ihl_total 5"));
	CU_ASSERT_TRUE(has_line("peregrine_arp_unsolicited_total 2"));
	CU_ASSERT_TRUE(has_line("peregrine_udp_no_port_total 0"));
	CU_ASSERT_TRUE(has_line("# TYPE peregrine_tcp_passive_opens_total counter"));
}

/* Every metric family is declared exactly once and every sample line belongs to a declared
 * family: what a Prometheus parser insists on. */
static void test_each_family_typed_once(void)
{
	metrics_render(text, 1 << 16);
	char typed[512][96];
	unsigned ntyped = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char name[96];
		if (!strncmp(line, "# TYPE ", 7)) {
			CU_ASSERT_EQUAL_FATAL(sscanf(line + 7, "%95s", name), 1);
			for (unsigned i = 0; i < ntyped; i++)
				CU_ASSERT_NOT_EQUAL(strcmp(typed[i], name), 0);
			CU_ASSERT_FATAL(ntyped < 512);
			strcpy(typed[ntyped++], name);
		} else if (line[0] != '#') {
			size_t k = strcspn(line, "{ ");
			CU_ASSERT_FATAL(k < sizeof(name));
			memcpy(name, line, k);
			name[k] = 0;
			CU_ASSERT_STRING_EQUAL(name, typed[ntyped - 1]);
		}
	}
	CU_ASSERT_TRUE(ntyped > 50);
}

static void test_small_buffer_reports_size(void)
{
	char small[64];
	size_t need = metrics_render(small, sizeof(small));
	CU_ASSERT_TRUE(need > sizeof(small));
	CU_ASSERT_EQUAL(small[63], 0);
	CU_ASSERT_EQUAL(metrics_render(text, 1 << 16), need);
	CU_ASSERT_EQUAL(memcmp(small, text, 63), 0);
}

static CU_TestInfo tests[] = {
	{ "device counters with labels", test_device_counters_with_labels },
	{ "protocol counters", test_protocol_counters },
	{ "each family typed once", test_each_family_typed_once },
	{ "small buffer reports size", test_small_buffer_reports_size },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("net/metrics", setup, teardown, tests);
