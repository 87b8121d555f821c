/* libFuzzer harness: the configuration parsers (kernel/config.c). The input is used as a
 * config file (config_parse_text) and, NUL-terminated, as a command line
 * (config_parse_cmdline); the values found are then read back the way kmain and the apps do. */
#include <stdlib.h>
#include <string.h>
#include "kernel/config.h"

static struct config c;

static void read_back(const struct config *cf)
{
	char err[128];
	uint32_t v, addr;
	uint8_t prefix;
	unsigned pos = 0;
	const char *s;

	config_get_uint(cf, "echo.port", 7, 1, 65535, &v, err, sizeof(err));
	config_get_uint(cf, "tcp.max_conns", 10240, 1, 1u << 20, &v, err, sizeof(err));
	if ((s = config_get(cf, "ip")))
		config_parse_cidr(s, &addr, &prefix);
	if ((s = config_get(cf, "gw")))
		config_parse_ipv4(s, &addr);
	while ((s = config_next(cf, "route", &pos)))
		config_parse_cidr(s, &addr, &prefix);
	for (unsigned i = 0; i < cf->n; i++)
		if (strlen(cf->e[i].key) >= CONFIG_KEY_LEN || strlen(cf->e[i].val) >= CONFIG_VAL_LEN)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[160];

	/* An exact-size heap copy: any read past the text is caught by ASan. */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	memset(&c, 0, sizeof(c));
	err[0] = 0;
	if (config_parse_text(&c, text, size, "fuzz.conf", err, sizeof(err)) == 0)
		read_back(&c);
	else if (!memchr(err, 0, sizeof(err)) || err[0] == 0)
		abort();                /* an error must come with a message */
	text[size] = 0;
	memset(&c, 0, sizeof(c));
	err[0] = 0;
	if (config_parse_cmdline(&c, text, err, sizeof(err)) == 0)
		read_back(&c);
	else if (!memchr(err, 0, sizeof(err)) || err[0] == 0)
		abort();
	free(text);
	return 0;
}
