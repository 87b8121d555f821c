/* The router appliance (app=router): a LAN and a WAN interface, IPv4 forwarding, source NAT
 * (masquerade) towards the WAN and port forwards (DNAT) from it. The stack does the work: this
 * file checks the interfaces, turns router.* keys into nat rules with nf_add_rule() and offers
 * the console command "router" (the one-line summary it logs at start). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apps/app.h"
#include "kernel/config.h"
#include "kernel/log.h"
#include "net/conntrack.h"
#include "net/filter.h"
#include "net/ipv4.h"
#include "net/netdev.h"

#define ROUTER_SUMMARY_LEN 160
#define ROUTER_RULE_LEN    200     /* one generated iptables line */

static char summary[ROUTER_SUMMARY_LEN];
static struct {                    /* what start() set up, for /metrics */
	char lan[8], wan[8];
	bool masq;
	int forwards;
} state;

struct fwd {                       /* one router.forward value, parsed */
	char proto[4];                 /* "tcp" or "udp" */
	uint16_t wan_port, lan_port;   /* lan_port = wan_port when the value names none */
	uint32_t lan_addr;             /* host order */
};

static void ip_str(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
}

/* A decimal port 1..65535, the whole string. */
static int parse_port(const char *s, uint16_t *out)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/* "PROTO WANPORT ADDR[:PORT]" (exactly three words) into f. Returns 0 or -1. */
static int parse_forward(const char *val, struct fwd *f)
{
	char buf[CONFIG_VAL_LEN], *w[4], *save = NULL, *colon;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", val);
	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 3)
			return -1;
		w[n++] = t;
	}
	if (n != 3 || (strcmp(w[0], "tcp") && strcmp(w[0], "udp")))
		return -1;
	strcpy(f->proto, w[0]);
	if (parse_port(w[1], &f->wan_port) < 0)
		return -1;
	f->lan_port = f->wan_port;
	if ((colon = strchr(w[2], ':'))) {
		*colon = '\0';
		if (parse_port(colon + 1, &f->lan_port) < 0)
			return -1;
	}
	return config_parse_ipv4(w[2], &f->lan_addr);
}

static int add_rule(const char *line)
{
	char err[200];
	if (nf_add_rule(line, err, sizeof(err)) == 0)
		return 0;
	log_err("router: rule '%s': %s", line, err);
	return -1;
}

/* The named interface, which must exist and (unless it is configured for DHCP and waits for
 * its lease) have an address. role is "lan" or "wan", for messages. */
static struct netdev *router_if(const struct config *cfg, const char *role, const char *def,
				bool *dhcp)
{
	char key[24];
	snprintf(key, sizeof(key), "router.%s", role);
	const char *name = config_get(cfg, key);
	if (!name)
		name = def;
	struct netdev *dev = netdev_by_name(name);
	if (!dev) {
		log_err("router: %s=%s: no such interface (this machine has %d; add a NIC to QEMU "
			"with -device e1000 or virtio-net-pci)", key, name, netdev_count());
		return NULL;
	}
	snprintf(key, sizeof(key), "%s.ip", dev->name);
	const char *ipv = config_get(cfg, key);
	if (!ipv && dev->index == 0)
		ipv = config_get(cfg, "ip");
	*dhcp = ipv && !strcmp(ipv, "dhcp");
	if (!dev->ip.addr && !*dhcp) {
		log_err("router: %s interface %s has no IPv4 address: set %s.ip=ADDR/PREFIX",
			role, dev->name, dev->name);
		return NULL;
	}
	return dev;
}

static void if_desc(const struct netdev *dev, bool dhcp, char *buf, size_t len)
{
	char a[16];
	if (!dev->ip.addr && dhcp) {
		snprintf(buf, len, "%s dhcp", dev->name);
		return;
	}
	ip_str(dev->ip.addr, a, sizeof(a));
	snprintf(buf, len, "%s %s/%u", dev->name, a, dev->ip.prefix);
}

/* router.masquerade=on|off (default on). Returns 1, 0, or -1 after logging why. */
static int masquerade_wanted(const struct config *cfg)
{
	const char *v = config_get(cfg, "router.masquerade");
	if (!v || !strcmp(v, "on"))
		return 1;
	if (!strcmp(v, "off"))
		return 0;
	log_err("router.masquerade: expected on or off, got '%s'", v);
	return -1;
}

/* Every router.forward value must parse before any rule is added, so a typo in the last one
 * leaves no half-built rule set behind. Returns the count, or -1 after logging the bad one. */
static int check_forwards(const struct config *cfg)
{
	unsigned pos = 0;
	int count = 0;
	const char *v;
	struct fwd f;

	while ((v = config_next(cfg, "router.forward", &pos))) {
		if (parse_forward(v, &f) < 0) {
			log_err("router.forward: expected PROTO WANPORT ADDR[:PORT], got '%s'", v);
			return -1;
		}
		count++;
	}
	return count;
}

/* One nat PREROUTING DNAT rule per (checked) router.forward value. Returns 0 or -1. */
static int add_forwards(const struct config *cfg, const struct netdev *lan,
			const struct netdev *wan)
{
	unsigned pos = 0;
	const char *v;
	char rule[ROUTER_RULE_LEN], a[16];
	struct fwd f;

	while ((v = config_next(cfg, "router.forward", &pos))) {
		if (parse_forward(v, &f) < 0)
			return -1;
		ip_str(f.lan_addr, a, sizeof(a));
		/* Not fatal: the LAN side may route further subnets behind a gateway of its own. */
		if (lan->ip.addr && (f.lan_addr & lan->ip.mask) != (lan->ip.addr & lan->ip.mask))
			log_warn("router.forward: %s is not on %s's subnet", a, lan->name);
		snprintf(rule, sizeof(rule), "-t nat -A PREROUTING -i %s -p %s --dport %u -j DNAT "
			 "--to-destination %s:%u", wan->name, f.proto, f.wan_port, a, f.lan_port);
		if (add_rule(rule) < 0)
			return -1;
	}
	return 0;
}

static int router_start(const struct config *cfg)
{
	bool lan_dhcp, wan_dhcp;
	struct netdev *lan = router_if(cfg, "lan", "eth0", &lan_dhcp);
	struct netdev *wan = router_if(cfg, "wan", "eth1", &wan_dhcp);
	char rule[ROUTER_RULE_LEN], ldesc[48], wdesc[48];

	if (!lan || !wan)
		return -1;
	if (lan == wan) {
		log_err("router: router.lan and router.wan are both %s: need two interfaces", lan->name);
		return -1;
	}
	int masq = masquerade_wanted(cfg);
	int nfwd = check_forwards(cfg);
	if (masq < 0 || nfwd < 0)
		return -1;
	/* ip.forward (default 1 for app=router) is applied by the boot code before any app. */
	if (!ipv4_forwarding())
		log_warn("router: ip.forward=0: nothing is forwarded between %s and %s",
			 lan->name, wan->name);
	/* MASQUERADE takes the WAN address per flow, so a DHCP lease that arrives later works. */
	snprintf(rule, sizeof(rule), "-t nat -A POSTROUTING -o %s -j MASQUERADE", wan->name);
	if (masq && add_rule(rule) < 0)
		return -1;
	if (add_forwards(cfg, lan, wan) < 0)
		return -1;
	if_desc(lan, lan_dhcp, ldesc, sizeof(ldesc));
	if_desc(wan, wan_dhcp, wdesc, sizeof(wdesc));
	snprintf(summary, sizeof(summary), "router: lan %s, wan %s, masquerade %s, %d port forward%s",
		 ldesc, wdesc, masq ? "on" : "off", nfwd, nfwd == 1 ? "" : "s");
	log_info("%s", summary);
	snprintf(state.lan, sizeof(state.lan), "%s", lan->name);
	snprintf(state.wan, sizeof(state.wan), "%s", wan->name);
	state.masq = masq;
	state.forwards = nfwd;
	return 0;
}

/* Console: "router" prints the summary line and the firewall's drop counters, which stay
 * readable on the console when a full conntrack table keeps /metrics clients out. */
static int router_shell(int argc, char **argv)
{
	if (strcmp(argv[0], "router"))
		return 1;
	if (argc != 1) {
		printf("usage: router\n");
		return -1;
	}
	printf("%s\n", summary[0] ? summary : "router: not started");
	printf("filter: drop_policy %llu drop_rule %llu rejects_sent %llu logged %llu invalid %llu\n",
	       (unsigned long long)nf_stats.drop_policy, (unsigned long long)nf_stats.drop_rule,
	       (unsigned long long)nf_stats.rejects_sent, (unsigned long long)nf_stats.logged,
	       (unsigned long long)nf_stats.invalid);
	printf("conntrack: entries %u table_full %llu early_drop %llu nat_no_port %llu\n",
	       ct_count(), (unsigned long long)nf_stats.ct_table_full,
	       (unsigned long long)nf_stats.ct_early_drop, (unsigned long long)nf_stats.nat_no_port);
	return 0;
}

/* The router's own /metrics lines (the filter and conntrack counters are the stack's). */
static size_t router_metrics(char *buf, size_t cap)
{
	int n = snprintf(buf, cap,
		"# HELP peregrine_router_info The router's LAN and WAN interfaces and masquerade setting.\n"
		"# TYPE peregrine_router_info gauge\n"
		"peregrine_router_info{lan=\"%s\",wan=\"%s\",masquerade=\"%s\"} 1\n"
		"# HELP peregrine_router_port_forwards Port forwards (router.forward) installed.\n"
		"# TYPE peregrine_router_port_forwards gauge\n"
		"peregrine_router_port_forwards %d\n"
		"# HELP peregrine_router_forwarding IPv4 forwarding on (1) or off (0).\n"
		"# TYPE peregrine_router_forwarding gauge\n"
		"peregrine_router_forwarding %d\n",
		state.lan, state.wan, state.masq ? "on" : "off", state.forwards,
		ipv4_forwarding() ? 1 : 0);
	return n < 0 ? 0 : (size_t)n;
}

const struct app app_router = {
	.name = "router",
	.start = router_start,
	.shell = router_shell,
	.metrics = router_metrics,
};
