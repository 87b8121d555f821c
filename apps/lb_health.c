/* Load balancer health checks, the plain-C half: the rise/fall state machine (HAProxy's
 * semantics) and the HTTP status-line reader for "lb.check=http". Interface in apps/lb.h:
 * lb_health_init, lb_health_result, lb_http_status. The proxy (apps/lb.c) runs the probes. */
#include <string.h>
#include "apps/lb.h"

/* HAProxy starts servers up; a rise or fall of 0 would flip on no evidence, so it is 1. */
void lb_health_init(struct lb_health *h, uint8_t rise, uint8_t fall)
{
	h->rise = rise ? rise : 1;
	h->fall = fall ? fall : 1;
	h->count = 0;
	h->up = true;
}

/* count holds consecutive results that disagree with the current state; one result that
 * agrees clears it, so only an unbroken run of `fall` failures (or `rise` successes) flips. */
bool lb_health_result(struct lb_health *h, bool ok)
{
	uint8_t need = h->up ? h->fall : h->rise;
	if (ok == h->up) {
		h->count = 0;
		return false;
	}
	if (++h->count < need)
		return false;
	h->up = !h->up;
	h->count = 0;
	return true;
}

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF, with
 * HTTP-version = "HTTP/" DIGIT "." DIGIT (§2.3). We accept major 1 only and a status code
 * of 100..599 (RFC 9110 §15). Each byte is judged as soon as it is there, so garbage is
 * refused early; a line without CRLF in LB_HTTP_LINE_MAX bytes is refused too. */
int lb_http_status(const char *buf, size_t len)
{
	static const char pat[] = "HTTP/1.DSDDD";   /* D: a digit, S: a space */
	const size_t plen = sizeof(pat) - 1;
	int status = 0;
	for (size_t i = 0; i < plen; i++) {
		if (i == len)
			return 0;
		char ch = buf[i];
		if (pat[i] == 'D' ? !is_digit(ch) : pat[i] == 'S' ? ch != ' ' : ch != pat[i])
			return -1;
		if (i >= plen - 3)
			status = status * 10 + (ch - '0');
	}
	if (status < 100 || status > 599)
		return -1;
	if (len == plen)
		return 0;
	if (buf[plen] != ' ' && buf[plen] != '\r')
		return -1;
	for (size_t i = plen; i + 1 < len && i + 1 < LB_HTTP_LINE_MAX; i++)
		if (buf[i] == '\r' && buf[i + 1] == '\n')
			return status;
	return len >= LB_HTTP_LINE_MAX ? -1 : 0;
}
