/* The echo appliance (apps/echo.c, built into this test) over the real stack: TCP echo with
 * exact segments, backpressure (the app holds data when the send buffer is full, our
 * advertised window shrinks, and everything is echoed once the peer reads), FIN echo, UDP echo,
 * the echo.port key and app_find(). */
#include <string.h>
#include "tcp_harness.h"
#include "apps/app.h"
#include "kernel/config.h"
#include "net/checksum.h"
#include "net/byteorder.h"
#include "net/proto/udp.h"
#include "../../../apps/echo.c"
#include "../../../apps/registry.c"

/* apps/echo.c logs through kernel/log.h; the host build has no console. */
__attribute__((weak)) void klog(enum log_level lvl, const char *fmt, ...)
{
}

static uint8_t sent[100000], echoed[100000];

static void start_echo(const char *cmdline)
{
	static struct config cfg;
	char err[128];
	memset(&cfg, 0, sizeof(cfg));
	CU_ASSERT_EQUAL_FATAL(config_parse_cmdline(&cfg, cmdline, err, sizeof(err)), 0);
	const struct app *a = app_find("echo");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL_FATAL(a->start(&cfg), 0);
}

/* Handshake with the echo listener; returns our ISS. */
static uint32_t handshake(uint16_t port, uint16_t win)
{
	struct th_out o;
	TH_SEG(.dport = port, .seq = 1000, .flags = TCP_SYN, .opt = th_opt_mss1460, .optlen = 4);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL_FATAL(o.flags, TCP_SYN | TCP_ACK);
	TH_SEG(.dport = port, .seq = 1001, .ack = o.seq + 1, .flags = TCP_ACK, .win = win);
	return o.seq;
}

static void test_tcp_echo_and_fin(void)
{
	struct th_out o;
	start_echo("echo.port=7");
	uint32_t iss = handshake(7, 65535);
	TH_SEG(.seq = 1001, .ack = iss + 1, .flags = TCP_ACK | TCP_PSH, .data = "hello", .len = 5);
	CU_ASSERT_FATAL(th_pop(&o));
	CU_ASSERT_EQUAL(o.flags, TCP_ACK | TCP_PSH);
	CU_ASSERT_EQUAL(o.seq, iss + 1);
	CU_ASSERT_EQUAL(o.ack, 1006);
	CU_ASSERT_EQUAL(o.len, 5);
	CU_ASSERT(memcmp(o.data, "hello", 5) == 0);
	CU_ASSERT_EQUAL(o.win, 65535);                   /* echoed bytes returned the window */
	TH_SEG(.seq = 1006, .ack = iss + 6, .flags = TCP_ACK | TCP_FIN);
	CU_ASSERT_FATAL(th_pop(&o));                     /* ACK of the FIN */
	CU_ASSERT_EQUAL(o.ack, 1007);
	CU_ASSERT_FATAL(th_pop(&o));                     /* our FIN: the app closed */
	CU_ASSERT_EQUAL(o.flags, TCP_ACK | TCP_FIN);
	CU_ASSERT_EQUAL(o.seq, iss + 6);
	TH_SEG(.seq = 1007, .ack = iss + 7, .flags = TCP_ACK);
	CU_ASSERT_EQUAL(tcp_conn_count(), 0);
	th_expect_none();
}

/* Pop everything we sent: copy echoed payload by sequence, remember the last window. */
static uint32_t drain(uint32_t iss, uint32_t *hi, uint16_t *win)
{
	struct th_out o;
	uint32_t n = 0;
	while (th_pop(&o)) {
		uint32_t off = o.seq - (iss + 1);
		if (o.len && off + o.len <= sizeof(echoed))
			memcpy(echoed + off, o.data, o.len);
		if (o.len && SEQ_GT(o.seq + o.len, *hi))
			*hi = o.seq + o.len;
		*win = o.win;
		n++;
	}
	return n;
}

static void test_tcp_echo_backpressure(void)
{
	unsigned failures = CU_get_number_of_failures();   /* other suites' count too */
	start_echo("echo.port=7");
	uint32_t iss = handshake(7, 0);                  /* the client does not read yet */
	for (unsigned i = 0; i < sizeof(sent); i++)
		sent[i] = (uint8_t)(i * 13 + i / 251);
	uint32_t hi = iss + 1;
	uint16_t win = 0;
	for (unsigned off = 0; off < sizeof(sent); off += 1000) {
		TH_SEG(.seq = 1001 + off, .ack = iss + 1, .flags = TCP_ACK, .win = 0,
		       .data = sent + off, .len = 1000);
		drain(iss, &hi, &win);
		CU_ASSERT_FATAL(CU_get_number_of_failures() == failures);   /* stop at the first problem */
	}
	th_advance_ms(40);                               /* delayed ACK of the last segment */
	drain(iss, &hi, &win);
	struct tcp_conn *c = tcp_conn_lookup(TH_US, 7, TH_PEER, TH_PPORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(tcp_send_room(c), 0);
	CU_ASSERT_EQUAL(c->rcv_held, sizeof(sent) - TCP_SNDBUF);     /* held by the app */
	CU_ASSERT_EQUAL(win, TCP_RCVBUF - (sizeof(sent) - TCP_SNDBUF)); /* the window shrank */
	CU_ASSERT_EQUAL(c->rcv_nxt, 1001 + sizeof(sent));
	/* the client reads: acknowledge whatever arrives, window 20000, until all is back */
	uint32_t acked = iss + 1;
	for (int round = 0; round < 400 && SEQ_LT(acked, iss + 1 + sizeof(sent)); round++) {
		TH_SEG(.seq = 1001 + sizeof(sent), .ack = hi, .flags = TCP_ACK, .win = 20000);
		acked = hi;
		if (drain(iss, &hi, &win) == 0 && hi == acked)
			th_advance_ms(300);                  /* let a probe or RTO fire */
		CU_ASSERT_FATAL(CU_get_number_of_failures() == failures);   /* stop at the first problem */
	}
	CU_ASSERT_EQUAL(acked, iss + 1 + sizeof(sent));
	CU_ASSERT(memcmp(echoed, sent, sizeof(sent)) == 0);
	CU_ASSERT_EQUAL(c->rcv_held, 0);
	CU_ASSERT_EQUAL(tcp_stats.retrans_segs, 0);
}

/* A peer that cuts its data into 1-byte segments while not reading cannot make the echo
 * path hold one netbuf per byte: the send queue and the app's held data coalesce. */
static void test_tiny_segments_use_few_buffers(void)
{
	start_echo("echo.port=7");
	uint32_t iss = handshake(7, 0);
	struct tcp_conn *c = tcp_conn_lookup(TH_US, 7, TH_PEER, TH_PPORT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(tcp_send(c, sent, TCP_SNDBUF - 1000), TCP_SNDBUF - 1000);
	unsigned before = nb_pool_free();
	for (unsigned i = 0; i < 3000; i++) {
		TH_SEG(.seq = 1001 + i, .ack = iss + 1, .flags = TCP_ACK, .win = 0, .data = "z", .len = 1);
		fake_netdev_reset();
	}
	CU_ASSERT_EQUAL(c->snd_queued, TCP_SNDBUF);     /* 1000 echoed into the send buffer */
	CU_ASSERT_EQUAL(c->rcv_held, 2000);              /* 2000 held by the app */
	CU_ASSERT(before - nb_pool_free() <= 4);
}

static void test_udp_echo(void)
{
	start_echo("echo.port=7777");
	uint8_t f[14 + 20 + 8 + 4] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0 };
	struct ipv4_hdr *ih = (struct ipv4_hdr *)(f + 14);
	ih->ver_ihl = 0x45;
	ih->tot_len = htons(32);
	ih->ttl = 64;
	ih->proto = IP_PROTO_UDP;
	ih->saddr = htonl(TH_PEER);
	ih->daddr = htonl(TH_US);
	ih->csum = csum_fold(csum_partial(ih, 20, 0));
	struct udp_hdr *uh = (struct udp_hdr *)(ih + 1);
	uh->sport = htons(5555);
	uh->dport = htons(7777);
	uh->len = htons(12);
	memcpy(uh + 1, "ping", 4);
	uh->csum = csum_fold(csum_partial(uh, 12, csum_pseudo(TH_PEER, TH_US, IP_PROTO_UDP, 12)));
	uint8_t frame[60] = { 0 };
	memcpy(frame, f, sizeof(f));
	net_rx(fake_netdev(), unit_nb_from(frame, sizeof(frame)));
	struct netbuf *nb = fake_tx_pop();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	CU_ASSERT_EQUAL_FATAL(nb->len, 46);
	const struct ipv4_hdr *oh = (const struct ipv4_hdr *)(nb->data + 14);
	const struct udp_hdr *ou = (const struct udp_hdr *)(oh + 1);
	CU_ASSERT_EQUAL(oh->proto, IP_PROTO_UDP);
	CU_ASSERT_EQUAL(ntohl(oh->daddr), TH_PEER);
	CU_ASSERT_EQUAL(ntohs(ou->sport), 7777);
	CU_ASSERT_EQUAL(ntohs(ou->dport), 5555);
	CU_ASSERT_EQUAL(ntohs(ou->len), 12);
	CU_ASSERT(memcmp(ou + 1, "ping", 4) == 0);
	nb_free(nb);
	/* TCP is on the same port */
	CU_ASSERT_PTR_NOT_NULL(tcp_listener_lookup(TH_US, 7777));
}

static void test_bad_port_and_registry(void)
{
	static struct config cfg;
	char err[128];
	memset(&cfg, 0, sizeof(cfg));
	CU_ASSERT_EQUAL_FATAL(config_parse_cmdline(&cfg, "echo.port=70000", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(app_echo.start(&cfg), -1);
	CU_ASSERT_PTR_NULL(tcp_listener_lookup(TH_US, 70000 & 0xffff));
	CU_ASSERT_PTR_NULL(app_find("nope"));
	CU_ASSERT_PTR_EQUAL(app_find("echo"), &app_echo);
}

static CU_TestInfo tests[] = {
	{ "TCP echo and FIN", test_tcp_echo_and_fin },
	{ "TCP echo backpressure", test_tcp_echo_backpressure },
	{ "tiny segments use few buffers", test_tiny_segments_use_few_buffers },
	{ "UDP echo", test_udp_echo },
	{ "bad echo.port, app_find", test_bad_port_and_registry },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/tcp_echo", th_setup, th_teardown, tests);
