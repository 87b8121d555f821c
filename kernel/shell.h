/* The operator's console on COM1: one command per line, output shaped like the Linux tools
 * the commands are named after. */
#ifndef KERNEL_SHELL_H
#define KERNEL_SHELL_H

/* Enable the COM1 receive interrupt (so typing wakes the idle CPU) and hook into the loop. */
void shell_init(void);
/* Run one command line (also used at shutdown for the final counters). */
void shell_exec(const char *line);

#endif
