/* The list of compiled-in appliances and app_find() over it (kmain starts the one named by
 * app=). Add a new appliance here after defining its struct app in its own file. Weak
 * references: an image built without an appliance's file simply does not list it. */
#include <string.h>
#include "apps/app.h"

extern const struct app app_lb __attribute__((weak));
extern const struct app app_router __attribute__((weak));

static const struct app *const apps[] = { &app_echo, &app_lb, &app_router };
static const struct app *current;

const struct app *app_find(const char *name)
{
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		if (apps[i] && strcmp(apps[i]->name, name) == 0)
			return apps[i];
	return NULL;
}

const char *app_names(void)
{
	static char buf[64];
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++) {
		if (!apps[i])
			continue;
		if (buf[0])
			strcat(buf, ", ");
		strcat(buf, apps[i]->name);
	}
	return buf;
}

const struct app *app_current(void) { return current; }
void app_set_current(const struct app *a) { current = a; }
