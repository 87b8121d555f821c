/* Stack protector runtime: a random __stack_chk_guard set at boot (kernel/ssp.h), and the
 * failure handlers GCC's -fstack-protector (__stack_chk_fail) and newlib's _FORTIFY_SOURCE
 * checks (__chk_fail) call; both panic with a backtrace. These replace newlib's versions. */
#include <stdbool.h>
#include <stdint.h>
#include "kernel/ssp.h"
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "arch/x86_64/io.h"

/* Not zero before ssp_init() either: a smash before it is still caught. */
uintptr_t __stack_chk_guard = 0x595e9fbd94fda700ull;
static bool from_rdrand;

/* RDRAND: CPUID.1:ECX bit 30; CF=1 means a value was delivered (Intel SDM vol 1 §7.3.17),
 * retried a few times as Intel's DRNG guide recommends. */
__attribute__((no_stack_protector)) static bool rdrand64(uint64_t *out)
{
	uint32_t r[4];
	cpuid(1, 0, r);
	if (!(r[2] & (1u << 30)))
		return false;
	for (int i = 0; i < 10; i++) {
		uint8_t ok;
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok) :: "cc");
		if (ok)
			return true;
	}
	return false;
}

/* splitmix64's finaliser: spreads every input bit over the whole word. */
__attribute__((no_stack_protector)) static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Without RDRAND: the TSC at this point (boot time varies with firmware and loader) and the
 * jitter of serialising CPUID instructions, which a VM exit or TCG translation makes noisy. */
__attribute__((no_stack_protector)) static uint64_t tsc_entropy(void)
{
	uint64_t h = mix(rdtsc());
	for (int i = 0; i < 64; i++) {
		uint32_t r[4];
		uint64_t t0 = rdtsc();
		cpuid(0, 0, r);
		h = mix(h ^ (rdtsc() - t0) ^ ((uint64_t)r[0] << 32));
	}
	return h;
}

__attribute__((no_stack_protector)) static uint64_t random64(bool *rd)
{
	uint64_t v;
	*rd = rdrand64(&v);
	if (!*rd)
		v = tsc_entropy();
	return mix(v ^ rdtsc());
}

uint64_t boot_random64(void)
{
	bool rd;
	return random64(&rd);
}

__attribute__((no_stack_protector)) void ssp_init(void)
{
	uint64_t v = random64(&from_rdrand);
	/* Low byte zero: a runaway string copy stops at the canary's NUL instead of forging it. */
	v &= ~0xFFull;
	__stack_chk_guard = v ? v : 0x595e9fbd94fda700ull;
}

const char *ssp_source(void)
{
	return from_rdrand ? "rdrand" : "tsc";
}

/* GCC puts `call __stack_chk_fail` last in the failing function, so its return address is
 * already the next function's first byte: name the culprit from ret - 1. panic() is called
 * through a plain pointer so this call is not the last instruction here either, and the
 * backtrace's first frame reads __stack_chk_fail rather than whatever the linker put next. */
__attribute__((noreturn, no_stack_protector)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	void (*volatile die)(const char *, ...) = panic;
	uint64_t off = 0, ret = (uint64_t)(uintptr_t)__builtin_return_address(0) - 1;
	const char *fn = ksym_lookup(ret, &off);
	die("stack smashing detected in %s+0x%llx (its stack canary was overwritten)",
	    fn ? fn : "?", (unsigned long long)off);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* newlib's __memcpy_chk & co. (its ssp headers under _FORTIFY_SOURCE) call this on an overflow. */
__attribute__((noreturn)) void __chk_fail(void);
void __chk_fail(void)
{
	void (*volatile die)(const char *, ...) = panic;    /* see __stack_chk_fail */
	die("buffer overflow detected (_FORTIFY_SOURCE check failed)");
	for (;;)
		__asm__ volatile("cli; hlt");
}
