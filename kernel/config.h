/* Configuration: key=value pairs from the multiboot command line and the config-file module
 * (same keys, DESIGN.md "Names users type"). The command line overrides the file. */
#ifndef KERNEL_CONFIG_H
#define KERNEL_CONFIG_H

#include <stdint.h>
#include <stdbool.h>

#define CONFIG_MAX_KEYS   128
#define CONFIG_KEY_LEN    32
#define CONFIG_VAL_LEN    160

struct config_entry {
	char key[CONFIG_KEY_LEN];
	char val[CONFIG_VAL_LEN];
};

#define CONFIG_MAX_FW     16    /* "*table ... COMMIT" firewall blocks per file */
#define CONFIG_NAME_LEN   48

/* A firewall block of the config file in iptables-save syntax, from its "*filter"/"*nat"
 * line through COMMIT. It points into the file's text (a boot module, which stays reserved),
 * and is handed to nf_load() with its first line number for file:line errors. */
struct config_fw {
	const char *text;
	unsigned long len;
	unsigned line;
	char name[CONFIG_NAME_LEN];
};

struct config {
	struct config_entry e[CONFIG_MAX_KEYS];
	unsigned n;
	struct config_fw fw[CONFIG_MAX_FW];
	unsigned nfw;
};

extern struct config kconfig;

/* Parse a command line ("app=echo ip=10.0.0.2/24 log=debug"): whitespace-separated key=value
 * words, a later key replaces an earlier one except for repeatable keys (route=, lb.server=).
 * Returns 0, or -1 with a message in err (errlen bytes) naming the word and the problem. */
int config_parse_cmdline(struct config *c, const char *line, char *err, unsigned errlen);

/* Parse a configuration file (a multiboot module): one key=value per line, '#' comments,
 * blank lines; the value is the rest of the line (it may hold spaces). Firewall blocks
 * ("*filter" or "*nat" ... "COMMIT") are recorded in c->fw for nf_load(), not parsed here.
 * Errors read "NAME:LINE: problem". Returns 0 or -1. */
int config_parse_text(struct config *c, const char *text, unsigned long len, const char *name,
		      char *err, unsigned errlen);

/* Value of the last `key`, or NULL. */
const char *config_get(const struct config *c, const char *key);
/* Integer value of key within [min, max], def when absent; -1 and a message on bad values. */
int config_get_uint(const struct config *c, const char *key, uint32_t def, uint32_t min,
		    uint32_t max, uint32_t *out, char *err, unsigned errlen);
/* Iterate the values of a repeatable key: start with *pos = 0; NULL when done. */
const char *config_next(const struct config *c, const char *key, unsigned *pos);

/* "10.0.0.2/24" -> address and prefix (host order). Returns 0 or -1. */
int config_parse_cidr(const char *s, uint32_t *addr, uint8_t *prefix);
/* "10.0.0.1" -> host order address. Returns 0 or -1. */
int config_parse_ipv4(const char *s, uint32_t *addr);

#endif
