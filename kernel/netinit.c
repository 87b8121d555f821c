/* Network bring-up at boot: the packet pool sized from memory, the stack, the drivers (PCI
 * discovery order names eth0, eth1, ...), addresses from ip=/ethN.ip=/gw=, then the app. */
#include <stdio.h>
#include <string.h>
#include "kernel/kmain.h"
#include "kernel/config.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/pmm.h"
#include "kernel/arch.h"
#include "arch/x86_64/io.h"
#include "drivers/pci/pci.h"
#include "drivers/net/drivers.h"
#include "net/netbuf.h"
#include "net/netdev.h"
#include "net/net.h"
#include "net/tcp.h"
#include "net/dhcp.h"
#include "net/filter.h"
#include "net/conntrack.h"
#include "net/ipv4.h"
#include "net/route.h"
#include "apps/app.h"

#define POOL_MIN  (512ull * NB_SIZE)
#define POOL_MAX  (32ull << 20)

/* A quarter of free memory for packets, within [1 MiB, 32 MiB]: 512 to 16384 buffers. */
static void pool_init(void)
{
	uint64_t bytes = pmm_free_bytes() / 4;
	bytes = bytes < POOL_MIN ? POOL_MIN : bytes > POOL_MAX ? POOL_MAX : bytes;
	bytes &= ~(uint64_t)(NB_SIZE - 1);
	unsigned n = nb_pool_init(dma_alloc(bytes, NB_SIZE), bytes);
	log_info("netbuf: %u buffers of %u bytes (%llu KiB)", n, NB_SIZE, (unsigned long long)(bytes >> 10));
}

/* RFC 6528 wants a secret key nobody can guess, and so does conntrack's hash (against
 * bucket flooding): RDRAND when the CPU has it, mixed with TSC jitter either way. */
static void seed_tcp_secret(void)
{
	uint8_t key[24];    /* 16 for TCP's SipHash key, 8 for conntrack's hash seed */
	uint32_t r[4];
	bool rdrand;

	cpuid(1, 0, r);
	rdrand = r[2] & (1u << 30);
	for (int i = 0; i < 24; i += 8) {
		uint64_t v = 0;
		if (rdrand)
			__asm__ volatile("1: rdrand %0; jnc 1b" : "=r"(v));
		for (int j = 0; j < 64; j++) {     /* TSC low bits drift with emulation/cache noise */
			uint64_t t = rdtsc();
			v = (v << 5 | v >> 59) ^ t;
		}
		memcpy(key + i, &v, 8);
	}
	tcp_set_secret(key);
	uint64_t ct_seed;
	memcpy(&ct_seed, key + 16, 8);
	ct_set_seed(ct_seed);   /* before firewall_init's ct_init */
	tcp_set_ephemeral_start((uint32_t)(ct_seed >> 32) ^ (uint32_t)key[0] << 8);
}

/* DHCP (net/dhcp.c): interfaces whose ip= says "dhcp"; the client starts once they are
 * open, and the lease sets the address, gateway and DNS. */
static bool dhcp_wanted[NETDEV_MAX];

static void dhcp_log(const char *line)
{
	log_info("%s", line);
}

static void start_dhcp(void)
{
	for (int i = 0; i < netdev_count(); i++) {
		struct netdev *dev = netdev_get(i);
		if (!dhcp_wanted[i] || !(dev->flags & NETDEV_F_UP))
			continue;
		uint32_t seed = (uint32_t)rdtsc() ^ (uint32_t)(rdtsc() >> 32);
		seed ^= (uint32_t)dev->mac[2] << 24 | (uint32_t)dev->mac[3] << 16 | dev->mac[4] << 8 | dev->mac[5];
		if (dhcp_start(dev, seed, dhcp_log) < 0)
			log_err("%s: dhcp client did not start", dev->name);
		else
			log_info("%s: dhcp: discovering", dev->name);
	}
}

static void configure_addresses(const struct config *cfg)
{
	for (int i = 0; i < netdev_count(); i++) {
		struct netdev *dev = netdev_get(i);
		char key[24];
		const char *v;
		uint32_t addr;
		uint8_t prefix;

		snprintf(key, sizeof(key), "%s.ip", dev->name);
		v = config_get(cfg, key);
		if (!v && i == 0 && (v = config_get(cfg, "ip")))
			strcpy(key, "ip");
		if (!v)
			continue;
		if (!strcmp(v, "dhcp")) {          /* the DHCP client configures it after open */
			dhcp_wanted[i] = true;
			continue;
		}
		if (config_parse_cidr(v, &addr, &prefix) < 0 || net_if_set_addr(dev, addr, prefix) < 0)
			boot_fail("%s=%s: expected a host ADDRESS/PREFIX like 10.0.0.2/24", key, v);
	}
	const char *v;
	unsigned pos = 0;
	while ((v = config_next(cfg, "route", &pos))) {
		uint32_t dst, via;
		uint8_t plen;
		if (route_parse(v, &dst, &plen, &via) < 0)
			boot_fail("route=%s: expected CIDR,via=ADDR (e.g. 10.9.0.0/16,via=10.1.0.254)", v);
		if (route_add(dst, plen, via) < 0)
			boot_fail("route=%s: routing table full (%u routes, ROUTE_MAX %d)", v, route_count(), ROUTE_MAX);
	}
	const char *gw = config_get(cfg, "gw");
	if (gw) {
		uint32_t a;
		if (config_parse_ipv4(gw, &a) < 0)
			boot_fail("gw=%s: expected an IPv4 address", gw);
		net_set_gateway(a);
	}
}

/* Conntrack (on by default for the router and whenever the file has firewall rules;
 * conntrack.max=0 turns it off) and the rule blocks of the config file, before any
 * interface opens, so no packet crosses an unfiltered box. A bad rule stops the boot with
 * the file and line, like any other config error. */
static void firewall_init(const struct config *cfg, const char *app)
{
	bool want_ct = cfg->nfw > 0 || !strcmp(app, "router");
	uint32_t max;
	char err[200];

	if (config_get_uint(cfg, "conntrack.max", want_ct ? CT_MAX_DEFAULT : 0, 0, 4000000, &max, err, sizeof(err)) < 0)
		boot_fail("%s", err);
	if (max) {
		if (ct_init(max) < 0)
			boot_fail("conntrack.max=%u: not enough memory for the table", max);
		nf_flush();         /* recomputes nf_active: the hooks run once conntrack is on */
		log_info("conntrack: up to %u connections", max);
	}
	uint32_t fwd;
	if (config_get_uint(cfg, "ip.forward", !strcmp(app, "router"), 0, 1, &fwd, err, sizeof(err)) < 0)
		boot_fail("%s", err);
	ipv4_set_forwarding(fwd);       /* net.ipv4.ip_forward: only routers forward by default */
	for (unsigned i = 0; i < cfg->nfw; i++)
		if (nf_load(cfg->fw[i].text, cfg->fw[i].len, cfg->fw[i].name, cfg->fw[i].line, err, sizeof(err)) < 0)
			boot_fail("%s", err);
}

void net_bringup(const struct config *cfg)
{
	pool_init();
	net_init();
	seed_tcp_secret();
	tcp_init();
	uint32_t max_conns;
	char err[128];
	if (config_get_uint(cfg, "tcp.max_conns", TCP_MAX_CONNS_DEFAULT, 1, 1000000, &max_conns, err, sizeof(err)) < 0)
		boot_fail("%s", err);
	tcp_set_max_conns(max_conns);
	e1000_register();
	virtio_net_register();
	pci_init();
	if (netdev_count() == 0)
		log_warn("no network interface found: add -device e1000 or virtio-net-pci to QEMU");
	configure_addresses(cfg);
	const char *name = config_get(cfg, "app");
	if (!name)
		name = "echo";
	firewall_init(cfg, name);
	for (int i = 0; i < netdev_count(); i++) {
		struct netdev *dev = netdev_get(i);
		if (dev->ops->open(dev) < 0) {
			log_err("%s: open failed", dev->name);
			continue;
		}
		dev->flags |= NETDEV_F_UP;
		net_link_up(dev);
	}
	start_dhcp();
	const struct app *app = app_find(name);
	if (!app)
		boot_fail("app=%s: no such appliance (this image has: %s)", name, app_names());
	app_set_current(app);
	if (app->start(cfg) < 0)
		boot_fail("app=%s failed to start", app->name);
	if (metrics_start(cfg) < 0)
		boot_fail("metrics.port: the metrics endpoint failed to start");
	irq_on();
}
