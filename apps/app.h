/* The compiled-in appliances. kmain starts the one named by app= (default echo). */
#ifndef APPS_APP_H
#define APPS_APP_H

#include <stddef.h>
#include "kernel/config.h"

struct app {
	const char *name;
	/* Called once after the interfaces are up. Returns 0, or -1 after logging why. */
	int (*start)(const struct config *cfg);
	/* Optional: a console command of the appliance's own (e.g. "lb stats"). argv[0] is the
	 * command word. Returns 0 when handled, 1 when the command is not the app's, -1 on a
	 * usage error (after printing it). */
	int (*shell)(int argc, char **argv);
	/* Optional: the appliance's own Prometheus lines appended to /metrics (e.g. per-backend
	 * counters with a server label). Writes at most cap bytes (NUL-terminated when cap > 0)
	 * and returns the length the whole text needs, like snprintf. */
	size_t (*metrics)(char *buf, size_t cap);
};

/* Each appliance file defines one of these; apps/registry.c lists them. */
extern const struct app app_echo;
extern const struct app app_lb;       /* apps/lb.c */
extern const struct app app_router;   /* apps/router.c */

const struct app *app_find(const char *name);
/* The appliance app_start ran (NULL before). */
const struct app *app_current(void);
void app_set_current(const struct app *a);
/* Names of the compiled-in appliances, "echo, lb, router", for messages. */
const char *app_names(void);

/* The management HTTP endpoint (apps/metrics.c): listens when metrics.port is set.
 * Returns 0 (also when not configured) or -1 after logging why. */
int metrics_start(const struct config *cfg);

#endif
