/* panic() for host tests: report the message as a CUnit failure, then abort the process,
 * since the code under test cannot continue past a broken invariant. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "unit.h"
#include "net/compiler.h"

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "\nPANIC in code under test: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}
