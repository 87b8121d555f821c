/* apps/lb_health.c: rise/fall sequences step by step, flapping that never completes a run,
 * and the HTTP status-line reader on complete, partial, garbage and endless input. */
#include <string.h>
#include "unit.h"
#include "apps/lb.h"

/* Feed results ("+" ok, "-" fail) and return the states after each one ('U'/'D'), with '!'
 * after a state change, e.g. "--+" from up with fall 2 gives "UD!D". */
static void run(struct lb_health *h, const char *results, char *out)
{
	for (; *results; results++) {
		bool changed = lb_health_result(h, *results == '+');
		*out++ = h->up ? 'U' : 'D';
		if (changed)
			*out++ = '!';
	}
	*out = 0;
}

static void test_init(void)
{
	struct lb_health h;
	memset(&h, 0xaa, sizeof(h));
	lb_health_init(&h, 2, 3);
	CU_ASSERT_EQUAL(h.rise, 2);
	CU_ASSERT_EQUAL(h.fall, 3);
	CU_ASSERT_EQUAL(h.count, 0);
	CU_ASSERT_TRUE(h.up);
	lb_health_init(&h, 0, 0);              /* 0 would flip on no evidence: treated as 1 */
	CU_ASSERT_EQUAL(h.rise, 1);
	CU_ASSERT_EQUAL(h.fall, 1);
}

static void test_fall_then_rise(void)
{
	struct lb_health h;
	char out[64];
	lb_health_init(&h, 2, 3);
	run(&h, "++---", out);
	CU_ASSERT_STRING_EQUAL(out, "UUUUD!");
	CU_ASSERT_EQUAL(h.count, 0);
	run(&h, "---+", out);                  /* more failures while down change nothing */
	CU_ASSERT_STRING_EQUAL(out, "DDDD");
	CU_ASSERT_EQUAL(h.count, 1);
	run(&h, "+", out);
	CU_ASSERT_STRING_EQUAL(out, "U!");
	CU_ASSERT_EQUAL(h.count, 0);
}

static void test_success_resets_failures(void)
{
	struct lb_health h;
	char out[64];
	lb_health_init(&h, 2, 3);
	run(&h, "--+--+--+---", out);
	CU_ASSERT_STRING_EQUAL(out, "UUUUUUUUUUUD!");
	/* and a failure resets the successes while down */
	run(&h, "+-+-+-++", out);
	CU_ASSERT_STRING_EQUAL(out, "DDDDDDDU!");
}

static void test_flapping(void)
{
	struct lb_health h;
	char out[128];
	lb_health_init(&h, 2, 2);
	/* alternating results never make a run of two: the server stays up */
	run(&h, "-+-+-+-+-+-+-+-+-+-+", out);
	CU_ASSERT_STRING_EQUAL(out, "UUUUUUUUUUUUUUUUUUUU");
	run(&h, "--", out);
	CU_ASSERT_STRING_EQUAL(out, "UD!");
	run(&h, "+-+-+-+-", out);
	CU_ASSERT_STRING_EQUAL(out, "DDDDDDDD");
	/* rise 1 fall 1 follows every result */
	lb_health_init(&h, 1, 1);
	run(&h, "-+-+", out);
	CU_ASSERT_STRING_EQUAL(out, "D!U!D!U!");
}

static void test_large_counts(void)
{
	struct lb_health h;
	lb_health_init(&h, 100, 100);
	for (int i = 0; i < 99; i++)
		CU_ASSERT_FALSE(lb_health_result(&h, false));
	CU_ASSERT_TRUE(h.up);
	CU_ASSERT_EQUAL(h.count, 99);
	CU_ASSERT_TRUE(lb_health_result(&h, false));
	CU_ASSERT_FALSE(h.up);
	for (int i = 0; i < 99; i++)
		CU_ASSERT_FALSE(lb_health_result(&h, true));
	CU_ASSERT_TRUE(lb_health_result(&h, true));
	CU_ASSERT_TRUE(h.up);
}

static int status(const char *s)
{
	return lb_http_status(s, strlen(s));
}

static void test_http_status_complete(void)
{
	CU_ASSERT_EQUAL(status("HTTP/1.0 200 OK\r\n"), 200);
	CU_ASSERT_EQUAL(status("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"), 503);
	CU_ASSERT_EQUAL(status("HTTP/1.1 302\r\n"), 302);        /* reason phrase is optional */
	CU_ASSERT_EQUAL(status("HTTP/1.1 204 \r\n"), 204);
	CU_ASSERT_EQUAL(status("HTTP/1.1 100 Continue\r\n"), 100);
	CU_ASSERT_EQUAL(status("HTTP/1.1 599 x\r\n"), 599);
}

static void test_http_status_partial(void)
{
	const char *full = "HTTP/1.0 200 OK\r\n";
	/* every proper prefix needs more bytes, the whole line gives the code */
	for (size_t n = 0; n < strlen(full); n++)
		CU_ASSERT_EQUAL(lb_http_status(full, n), 0);
	CU_ASSERT_EQUAL(lb_http_status(full, strlen(full)), 200);
	CU_ASSERT_EQUAL(status("HTTP/1.0 200 OK\r"), 0);
	CU_ASSERT_EQUAL(status("HTTP/1.0 200 OK\n"), 0);           /* bare LF: not a line end */
}

static void test_http_status_garbage(void)
{
	CU_ASSERT_EQUAL(status("SSH-2.0-OpenSSH\r\n"), -1);
	CU_ASSERT_EQUAL(status("X"), -1);                          /* refused at the first byte */
	CU_ASSERT_EQUAL(status("HTTP/2 200\r\n"), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.x 200 OK\r\n"), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1  200 OK\r\n"), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1 2a0 OK\r\n"), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1 2000 OK\r\n"), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1 099 OK\r\n"), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1 600 OK\r\n"), -1);
	CU_ASSERT_EQUAL(status("http/1.1 200 OK\r\n"), -1);
	CU_ASSERT_EQUAL(status("HTTP/1.1 20"), 0);
	CU_ASSERT_EQUAL(lb_http_status("HTTP/1.1 200 \0K\r\n", 17), 200);  /* reason bytes not judged */
}

static void test_http_status_bounded(void)
{
	char buf[300];
	memcpy(buf, "HTTP/1.1 200 ", 13);
	memset(buf + 13, 'a', sizeof(buf) - 13);
	/* no CRLF: wait up to LB_HTTP_LINE_MAX - 1 bytes, then give up */
	CU_ASSERT_EQUAL(lb_http_status(buf, LB_HTTP_LINE_MAX - 1), 0);
	CU_ASSERT_EQUAL(lb_http_status(buf, LB_HTTP_LINE_MAX), -1);
	CU_ASSERT_EQUAL(lb_http_status(buf, sizeof(buf)), -1);
	/* a CRLF ending exactly at byte 128 is still a line; one byte later is not */
	buf[LB_HTTP_LINE_MAX - 2] = '\r';
	buf[LB_HTTP_LINE_MAX - 1] = '\n';
	CU_ASSERT_EQUAL(lb_http_status(buf, sizeof(buf)), 200);
	buf[LB_HTTP_LINE_MAX - 2] = 'a';
	buf[LB_HTTP_LINE_MAX - 1] = '\r';
	buf[LB_HTTP_LINE_MAX] = '\n';
	CU_ASSERT_EQUAL(lb_http_status(buf, sizeof(buf)), -1);
}

static CU_TestInfo tests[] = {
	{ "init", test_init },
	{ "fall_then_rise", test_fall_then_rise },
	{ "success_resets_failures", test_success_resets_failures },
	{ "flapping", test_flapping },
	{ "large_counts", test_large_counts },
	{ "http_status_complete", test_http_status_complete },
	{ "http_status_partial", test_http_status_partial },
	{ "http_status_garbage", test_http_status_garbage },
	{ "http_status_bounded", test_http_status_bounded },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("apps/lb_health", NULL, NULL, tests);
