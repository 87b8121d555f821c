/* The run-to-completion loop of DESIGN.md: poll scheduled devices, run timers, halt. */
#ifndef KERNEL_LOOP_H
#define KERNEL_LOOP_H

#include <stdint.h>

/* Called once per loop iteration before halting (the console shell polls its input here). */
void loop_set_idle_hook(void (*fn)(void));
__attribute__((noreturn)) void loop_run(void);

struct loop_stats { uint64_t iterations, halts, polls; };
extern struct loop_stats loop_stats;

#endif
