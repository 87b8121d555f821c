/* klog(): "[seconds.micro] message" lines at or above the threshold set by log=. */
#include <stdarg.h>
#include <stdio.h>
#include "kernel/log.h"
#include "kernel/console.h"
#include "kernel/time.h"

enum log_level log_threshold = LOG_INFO;

static const char *const level_tag[] = { "debug: ", "", "warning: ", "error: " };

void klog(enum log_level lvl, const char *fmt, ...)
{
	char line[256];
	va_list ap;

	if (lvl < log_threshold)
		return;
	uint64_t ns = time_now_ns();
	int n = snprintf(line, sizeof(line), "[%5llu.%06llu] %s", (unsigned long long)(ns / NS_PER_S),
			 (unsigned long long)(ns % NS_PER_S / NS_PER_US), level_tag[lvl]);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;   /* truncated: keep the newline */
	line[n++] = '\n';
	console_write(line, (size_t)n);
}
