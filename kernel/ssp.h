/* Stack protector support: the canary (__stack_chk_guard) and what happens when a function
 * finds it overwritten. The kernel is built with -fstack-protector-strong and
 * -mstack-protector-guard=global, so every protected frame compares against one global. */
#ifndef KERNEL_SSP_H
#define KERNEL_SSP_H

/* Pick a random canary (RDRAND when the CPU has it, else TSC jitter). Call first thing in
 * kmain: a protected function that is on the stack across this call would fail its check on
 * return, so the caller (kmain) is built without one: __attribute__((no_stack_protector)). */
void ssp_init(void);

/* 64 random bits from the same sources, for KASLR; usable before anything else is set up. */
uint64_t boot_random64(void);

/* Where the canary came from, for the banner/log: "rdrand" or "tsc". */
const char *ssp_source(void);

#endif
