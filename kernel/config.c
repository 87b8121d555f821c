/* key=value configuration from the command line. Plain C, tested on the host.
 * Every error names the offending word; kmain stops the boot with it. */
#include <stdio.h>
#include <string.h>
#include "kernel/config.h"

struct config kconfig;

/* Keys a user may set (DESIGN.md "Names users type"); '*' matches an interface number. */
static const char *const known_keys[] = {
	"app", "ip", "eth*.ip", "gw", "route", "log", "config", "test", "echo.port",
	"lb.frontend", "lb.balance", "lb.server", "lb.check", "lb.retries", "lb.timeout.connect",
	"lb.timeout.client", "lb.timeout.server",
	"metrics.port", "tcp.max_conns", "ip.forward", "conntrack.max",
	"router.lan", "router.wan", "router.masquerade", "router.forward", "kaslr",
	NULL,
};
static const char *const repeatable_keys[] = { "route", "lb.server", "router.forward", NULL };

static bool key_matches(const char *pattern, const char *key)
{
	const char *star = strchr(pattern, '*');
	if (!star)
		return strcmp(pattern, key) == 0;
	size_t pre = (size_t)(star - pattern);
	if (strncmp(pattern, key, pre) != 0)
		return false;
	const char *k = key + pre;
	if (*k < '0' || *k > '9')
		return false;
	while (*k >= '0' && *k <= '9')
		k++;
	return strcmp(k, star + 1) == 0;
}

static bool in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (key_matches(*list, key))
			return true;
	return false;
}

/* Set key=val; a repeatable key adds an entry, any other replaces its earlier value. */
static int config_set(struct config *c, const char *key, const char *val, char *err, unsigned errlen)
{
	if (!in_list(known_keys, key)) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -1;
	}
	if (strlen(val) >= CONFIG_VAL_LEN) {
		snprintf(err, errlen, "value of '%s' is longer than %d characters", key, CONFIG_VAL_LEN - 1);
		return -1;
	}
	if (!in_list(repeatable_keys, key))
		for (unsigned i = 0; i < c->n; i++)
			if (strcmp(c->e[i].key, key) == 0) {
				strcpy(c->e[i].val, val);
				return 0;
			}
	if (c->n == CONFIG_MAX_KEYS) {
		snprintf(err, errlen, "more than %d settings", CONFIG_MAX_KEYS);
		return -1;
	}
	strcpy(c->e[c->n].key, key);
	strcpy(c->e[c->n].val, val);
	c->n++;
	return 0;
}

/* One whitespace-separated word; the first word may be the kernel's path (no '='). */
static int parse_word(struct config *c, const char *w, size_t len, bool first, char *err, unsigned errlen)
{
	char key[CONFIG_KEY_LEN];
	const char *eq = memchr(w, '=', len);

	if (!eq) {
		if (first)
			return 0;
		snprintf(err, errlen, "'%.*s': expected key=value", (int)len, w);
		return -1;
	}
	size_t klen = (size_t)(eq - w);
	if (klen == 0 || klen >= sizeof(key)) {
		snprintf(err, errlen, "'%.*s': bad key", (int)len, w);
		return -1;
	}
	memcpy(key, w, klen);
	key[klen] = 0;
	char val[CONFIG_VAL_LEN + 1];
	size_t vlen = len - klen - 1;
	if (vlen > CONFIG_VAL_LEN)
		vlen = CONFIG_VAL_LEN;     /* config_set reports it as too long */
	memcpy(val, eq + 1, vlen);
	val[vlen] = 0;
	return config_set(c, key, val, err, errlen);
}

int config_parse_cmdline(struct config *c, const char *line, char *err, unsigned errlen)
{
	bool first = true;
	while (*line) {
		while (*line == ' ' || *line == '\t' || *line == '\n')
			line++;
		const char *start = line;
		while (*line && *line != ' ' && *line != '\t' && *line != '\n')
			line++;
		if (line > start) {
			if (parse_word(c, start, (size_t)(line - start), first, err, errlen) < 0)
				return -1;
			first = false;
		}
	}
	return 0;
}

/* One line of a file, without its newline. */
static int parse_line(struct config *c, const char *l, size_t n, char *err, unsigned errlen)
{
	char key[CONFIG_KEY_LEN], val[CONFIG_VAL_LEN + 1];

	while (n && (*l == ' ' || *l == '\t'))
		l++, n--;
	while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
		n--;
	if (n == 0 || *l == '#')
		return 0;
	if (*l == ':' || *l == '-' || (n == 6 && !memcmp(l, "COMMIT", 6))) {
		snprintf(err, errlen, "firewall line outside a *filter or *nat block");
		return -1;
	}
	const char *eq = memchr(l, '=', n);
	if (!eq) {
		snprintf(err, errlen, "expected key=value, found '%.*s'", (int)(n > 40 ? 40 : n), l);
		return -1;
	}
	size_t klen = (size_t)(eq - l);
	while (klen && (l[klen - 1] == ' ' || l[klen - 1] == '\t'))
		klen--;
	if (klen == 0 || klen >= sizeof(key)) {
		snprintf(err, errlen, "bad key '%.*s'", (int)(klen > 40 ? 40 : klen), l);
		return -1;
	}
	memcpy(key, l, klen);
	key[klen] = 0;
	const char *v = eq + 1, *end = l + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	size_t vlen = (size_t)(end - v);
	if (vlen > CONFIG_VAL_LEN)
		vlen = CONFIG_VAL_LEN;     /* config_set reports it as too long */
	memcpy(val, v, vlen);
	val[vlen] = 0;
	return config_set(c, key, val, err, errlen);
}

/* Is the line (trimmed) the start of a firewall block ("*filter", "*nat")? */
static bool fw_block_start(const char *l, size_t n)
{
	while (n && (*l == ' ' || *l == '\t'))
		l++, n--;
	return n > 1 && *l == '*';
}

/* Is it COMMIT, the end of a block (iptables-save puts it alone on its line)? */
static bool fw_block_end(const char *l, size_t n)
{
	while (n && (*l == ' ' || *l == '\t'))
		l++, n--;
	while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
		n--;
	return n == 6 && !memcmp(l, "COMMIT", 6);
}

int config_parse_text(struct config *c, const char *text, unsigned long len, const char *name,
		      char *err, unsigned errlen)
{
	char why[128];
	unsigned lineno = 0;
	const char *p = text, *end = text + len;
	struct config_fw *blk = NULL;      /* the block being read, until its COMMIT */

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t n = (size_t)(le - p);
		lineno++;
		if (memchr(p, 0, n)) {
			snprintf(err, errlen, "%s:%u: NUL byte in a text file", name, lineno);
			return -1;
		}
		if (blk) {                 /* rules are checked by nf_load() at bring-up */
			if (fw_block_end(p, n)) {
				blk->len = (unsigned long)(le - blk->text);
				blk = NULL;
			}
		} else if (fw_block_start(p, n)) {
			if (c->nfw == CONFIG_MAX_FW) {
				snprintf(err, errlen, "%s:%u: more than %d firewall blocks", name, lineno, CONFIG_MAX_FW);
				return -1;
			}
			blk = &c->fw[c->nfw++];
			*blk = (struct config_fw){ .text = p, .line = lineno };
			snprintf(blk->name, sizeof(blk->name), "%s", name);
		} else if (parse_line(c, p, n, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, why);
			return -1;
		}
		p = le + 1;
	}
	if (blk) {
		size_t w = 0;       /* the table word, within the text (not NUL-terminated) */
		while (blk->text + w < end && !memchr(" \t\r\n", blk->text[w], 4))
			w++;
		snprintf(err, errlen, "%s:%u: %.*s has no COMMIT", name, blk->line, (int)w, blk->text);
		return -1;
	}
	return 0;
}

const char *config_get(const struct config *c, const char *key)
{
	for (unsigned i = c->n; i-- > 0;)
		if (strcmp(c->e[i].key, key) == 0)
			return c->e[i].val;
	return NULL;
}

const char *config_next(const struct config *c, const char *key, unsigned *pos)
{
	for (; *pos < c->n; (*pos)++)
		if (strcmp(c->e[*pos].key, key) == 0)
			return c->e[(*pos)++].val;
	return NULL;
}

int config_get_uint(const struct config *c, const char *key, uint32_t def, uint32_t min,
		    uint32_t max, uint32_t *out, char *err, unsigned errlen)
{
	const char *v = config_get(c, key);
	uint64_t n = 0;

	*out = def;
	if (!v)
		return 0;
	if (!*v)
		goto bad;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > max)
			goto bad;
	}
	if (n < min)
		goto bad;
	*out = (uint32_t)n;
	return 0;
bad:
	snprintf(err, errlen, "%s=%s: expected a number from %u to %u", key, v, min, max);
	return -1;
}

int config_parse_ipv4(const char *s, uint32_t *addr)
{
	uint32_t a = 0;
	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		while (*s >= '0' && *s <= '9' && digits < 4) {
			v = v * 10 + (unsigned)(*s++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return -1;
		a = a << 8 | v;
		if (part < 3 && *s++ != '.')
			return -1;
	}
	if (*s)
		return -1;
	*addr = a;
	return 0;
}

int config_parse_cidr(const char *s, uint32_t *addr, uint8_t *prefix)
{
	char buf[16];
	const char *slash = strchr(s, '/');
	if (!slash || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = 0;
	unsigned p = 0, digits = 0;
	for (const char *q = slash + 1; *q; q++, digits++) {
		if (*q < '0' || *q > '9' || digits >= 2)
			return -1;
		p = p * 10 + (unsigned)(*q - '0');
	}
	if (digits == 0 || p > 32 || config_parse_ipv4(buf, addr) < 0)
		return -1;
	*prefix = (uint8_t)p;
	return 0;
}
