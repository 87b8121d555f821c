/* The compiled-in appliances. kmain starts the one named by app= (default echo). */
#ifndef APPS_APP_H
#define APPS_APP_H

#include "kernel/config.h"

struct app {
	const char *name;
	/* Called once after the interfaces are up. Returns 0, or -1 after logging why. */
	int (*start)(const struct config *cfg);
};

/* Each appliance file defines one of these; apps/registry.c lists them. */
extern const struct app app_echo;

const struct app *app_find(const char *name);

/* The management HTTP endpoint (apps/metrics.c): listens when metrics.port is set.
 * Returns 0 (also when not configured) or -1 after logging why. */
int metrics_start(const struct config *cfg);

#endif
