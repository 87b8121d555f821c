/* The list of compiled-in appliances and app_find() over it (kmain starts the one named by
 * app=). Add a new appliance here after defining its struct app in its own file. */
#include <string.h>
#include "apps/app.h"

static const struct app *const apps[] = { &app_echo };

const struct app *app_find(const char *name)
{
	for (size_t i = 0; i < sizeof(apps) / sizeof(apps[0]); i++)
		if (strcmp(apps[i]->name, name) == 0)
			return apps[i];
	return NULL;
}
