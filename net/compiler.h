/* Compiler helpers and the two check macros used across the stack.
 * ASSERT: programmer invariants (panics). CHECK: runtime input (takes an action).
 * panic() is provided by the kernel (kernel/panic.c) or by the unit-test fakes. */
#ifndef NET_COMPILER_H
#define NET_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#ifndef __packed
#define __packed __attribute__((packed))
#endif
#define container_of(p, type, member) \
	((type *)((char *)(p) - offsetof(type, member)))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

#define ASSERT(x) \
	do { if (unlikely(!(x))) panic("assertion failed: %s at %s:%d", #x, __FILE__, __LINE__); } while (0)
#define CHECK(x, action) \
	do { if (unlikely(!(x))) { action; } } while (0)

#endif
