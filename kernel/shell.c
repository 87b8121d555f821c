/* Console shell: reads COM1 from the loop's idle hook, runs commands on Enter. Input is
 * bounded (SHELL_LINE_MAX; longer lines are cut and said so). */
#include <stdio.h>
#include <string.h>
#include "kernel/shell.h"
#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/loop.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/irq.h"
#include "net/netdev.h"
#include "net/stats.h"
#include "net/arp.h"
#include "net/route.h"
#include "net/tcp.h"
#include "net/dhcp.h"
#include "kernel/capture.h"
#include "net/filter.h"
#include "net/conntrack.h"
#include "apps/app.h"

#define SHELL_LINE_MAX 256
#define COM1 0x3F8
#define COM1_ISA_IRQ 4

static char line[SHELL_LINE_MAX];
static unsigned len;
static bool overflow;

static void print_mac(const uint8_t *m)
{
	printf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* "    dhcp bound server 10.0.2.2 lease 86400s" under an interface the client runs on. */
static void cmd_dhcp_line(const struct netdev *d)
{
	enum dhcp_state st = dhcp_state(d);
	const struct dhcp_lease *l = dhcp_lease(d);
	if (st == DHCP_OFF)
		return;
	printf("    dhcp %s", dhcp_state_name(st));
	if (l)
		printf(" server %u.%u.%u.%u lease %lus", l->server >> 24, l->server >> 16 & 255,
		       l->server >> 8 & 255, l->server & 255, (unsigned long)l->lease_s);
	printf("\n");
}

/* the DHCP client's counters (struct dhcp_stats), drops included. */
static void cmd_dhcp(void)
{
	const struct dhcp_stats *s = &dhcp_stats;
	for (int i = 0; i < netdev_count(); i++)
		if (dhcp_state(netdev_get(i)) != DHCP_OFF) {
			printf("%s:\n", netdev_get(i)->name);
			cmd_dhcp_line(netdev_get(i));
		}
	printf("dhcp: tx discover %llu request %llu retransmits %llu; rx offer %llu ack %llu nak %llu\n",
	       (unsigned long long)s->tx_discover, (unsigned long long)s->tx_request,
	       (unsigned long long)s->retransmits, (unsigned long long)s->rx_offer,
	       (unsigned long long)s->rx_ack, (unsigned long long)s->rx_nak);
	printf("dhcp: leases %llu renewed %llu expired %llu restarts %llu\n",
	       (unsigned long long)s->leases, (unsigned long long)s->renewed,
	       (unsigned long long)s->expired, (unsigned long long)s->restarts);
	printf("dhcp drops: short %llu bad_op %llu bad_htype %llu bad_cookie %llu bad_option %llu "
	       "no_end %llu no_msg_type %llu bad_port %llu wrong_xid %llu wrong_chaddr %llu "
	       "no_client %llu unexpected %llu bad_offer %llu\n",
	       (unsigned long long)s->short_msg, (unsigned long long)s->bad_op,
	       (unsigned long long)s->bad_htype, (unsigned long long)s->bad_cookie,
	       (unsigned long long)s->bad_option, (unsigned long long)s->no_end,
	       (unsigned long long)s->no_msg_type, (unsigned long long)s->bad_port,
	       (unsigned long long)s->wrong_xid, (unsigned long long)s->wrong_chaddr,
	       (unsigned long long)s->no_client, (unsigned long long)s->unexpected,
	       (unsigned long long)s->bad_offer);
}

/* capture on [IFACE] [arp|ip|icmp|udp|tcp] | capture off: pcap stream on COM2. */
static void cmd_capture(const char *arg)
{
	char buf[64], *w, *save = NULL;
	struct netdev *dev = NULL;
	enum capture_filter f = CAP_ALL;

	snprintf(buf, sizeof(buf), "%s", arg);
	w = strtok_r(buf, " ", &save);
	if (w && !strcmp(w, "off") && !strtok_r(NULL, " ", &save)) {
		capture_stop();
		printf("capture off: %llu frames %llu bytes, %llu dropped\n",
		       (unsigned long long)capture_stats.frames, (unsigned long long)capture_stats.bytes,
		       (unsigned long long)capture_stats.dropped);
		return;
	}
	if (!w || strcmp(w, "on"))
		goto usage;
	while ((w = strtok_r(NULL, " ", &save))) {
		if (!dev && netdev_by_name(w))
			dev = netdev_by_name(w);
		else if (capture_parse_filter(w, &f) < 0)
			goto usage;
	}
	if (capture_start(dev, f) < 0) {
		printf("capture: no second serial port (COM2): add -serial file:capture.pcap after the console\n");
		return;
	}
	printf("capture on %s: pcap to COM2\n", dev ? dev->name : "all interfaces");
	return;
usage:
	printf("usage: capture on [IFACE] [arp|ip|icmp|udp|tcp] | capture off\n");
}

static void cmd_ip_addr(void)
{
	for (int i = 0; i < netdev_count(); i++) {
		struct netdev *d = netdev_get(i);
		printf("%d: %s: <BROADCAST%s%s> mtu %u driver %s\n", i + 1, d->name,
		       d->flags & NETDEV_F_UP ? ",UP" : "", d->flags & NETDEV_F_LINK ? ",LOWER_UP" : "",
		       d->mtu, d->driver ? d->driver : "?");
		printf("    link/ether ");
		print_mac(d->mac);
		printf("\n");
		if (d->ip.addr) {
			uint32_t a = d->ip.addr;
			printf("    inet %u.%u.%u.%u/%u scope global %s\n", a >> 24, a >> 16 & 255,
			       a >> 8 & 255, a & 255, d->ip.prefix, d->name);
		}
		cmd_dhcp_line(d);
	}
}

static void cmd_ip_s_link(void)
{
	static const char *const hist[NETDEV_HIST] = { "0", "1", "2-3", "4-7", "8-15", "16-31", "32-63", "64" };
	for (int i = 0; i < netdev_count(); i++) {
		struct netdev *d = netdev_get(i);
		const struct netdev_stats *s = &d->stats;
		printf("%d: %s: <BROADCAST%s%s> mtu %u driver %s\n    link/ether ", i + 1, d->name,
		       d->flags & NETDEV_F_UP ? ",UP" : "", d->flags & NETDEV_F_LINK ? ",LOWER_UP" : "",
		       d->mtu, d->driver ? d->driver : "?");
		print_mac(d->mac);
		printf("\n    RX: %12s %10s %8s %8s\n", "bytes", "packets", "errors", "dropped");
		printf("        %12llu %10llu %8llu %8llu\n", (unsigned long long)s->rx_bytes,
		       (unsigned long long)s->rx_packets, (unsigned long long)s->rx_errors,
		       (unsigned long long)s->rx_dropped);
		printf("    TX: %12s %10s %8s %8s\n", "bytes", "packets", "errors", "dropped");
		printf("        %12llu %10llu %8llu %8llu\n", (unsigned long long)s->tx_bytes,
		       (unsigned long long)s->tx_packets, (unsigned long long)s->tx_errors,
		       (unsigned long long)s->tx_dropped);
		printf("    irqs %llu polls %llu rx_nobuf %llu tx_ring_full %llu rx_bad_len %llu "
		       "watchdog %llu tx_queued %llu tx_backlog_full %llu\n",
		       (unsigned long long)s->irqs, (unsigned long long)s->polls,
		       (unsigned long long)s->rx_nobuf, (unsigned long long)s->tx_ring_full,
		       (unsigned long long)s->rx_bad_len, (unsigned long long)s->wd_repairs,
		       (unsigned long long)s->tx_queued, (unsigned long long)s->tx_backlog_full);
		printf("    frames/poll:");
		for (int h = 0; h < NETDEV_HIST; h++)
			printf(" %s:%llu", hist[h], (unsigned long long)s->poll_hist[h]);
		printf("\n");
	}
}

static void cmd_interrupts(void)
{
	printf("%5s %12s\n", "", "CPU0");
	for (int v = 0; v < 256; v++)
		if (irq_count(v))
			printf("%4d: %12llu\n", v, (unsigned long long)irq_count(v));
	for (int i = 0; i < netdev_count(); i++) {
		struct netdev *d = netdev_get(i);
		printf("%5s %12llu  %s (%s)\n", "", (unsigned long long)d->stats.irqs, d->name, d->driver);
	}
	printf("loop: %llu iterations, %llu halts, %llu polls\n", (unsigned long long)loop_stats.iterations,
	       (unsigned long long)loop_stats.halts, (unsigned long long)loop_stats.polls);
}

static void cmd_mem(void)
{
	struct mem_info mi;
	mem_get_info(&mi);
	printf("%-10s %10s\n", "", "KiB");
	printf("%-10s %10llu\n%-10s %10llu\n%-10s %10llu\n%-10s %10llu\n%-10s %10llu\n",
	       "total:", (unsigned long long)(mi.total >> 10), "kernel:", (unsigned long long)(mi.kernel >> 10),
	       "heap:", (unsigned long long)(mi.heap_used >> 10), "dma:", (unsigned long long)(mi.dma_used >> 10),
	       "free:", (unsigned long long)(mi.free >> 10));
	printf("netbufs: %u of %u free, %llu allocation failures\n", nb_pool_free(), nb_pool_total(),
	       (unsigned long long)nb_stats.alloc_fail);
}

static void cmd_log(const char *arg)
{
	static const char *const names[] = { "debug", "info", "warn" };
	for (int i = 0; i < 3; i++)
		if (arg && !strcmp(arg, names[i])) {
			log_threshold = (enum log_level)i;
			printf("log level %s\n", names[i]);
			return;
		}
	printf("usage: log level debug|info|warn\n");
}

/* ip route add CIDR via GW | ip route del CIDR */
static void cmd_ip_route_change(bool add, const char *arg)
{
	uint32_t dst, gw;
	uint8_t plen;
	char word[24];

	if (add ? route_parse(arg, &dst, &plen, &gw) < 0 :
		  sscanf(arg, "%23s", word) != 1 || config_parse_cidr(word, &dst, &plen) < 0) {
		printf("usage: ip route add CIDR via GATEWAY | ip route del CIDR\n");
		return;
	}
	if (add && route_add(dst, plen, gw) < 0)
		printf("RTNETLINK answers: No buffer space available (%u routes, limit %d)\n", route_count(), ROUTE_MAX);
	else if (!add && route_del(dst, plen) < 0)
		printf("RTNETLINK answers: No such process\n");
}

/* Split cmd into at most max words (in buf). Returns the count. */
static int split_words(const char *cmd, char *buf, size_t buflen, char **argv, int max)
{
	int argc = 0;
	snprintf(buf, buflen, "%s", cmd);
	for (char *p = buf; *p && argc < max;) {
		while (*p == ' ')
			*p++ = 0;
		if (!*p)
			break;
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
	}
	return argc;
}

/* iptables [-t TABLE] -L [-v] [-n] [-x]: short flags may be combined ("-nvL"). Numeric
 * output is the only kind (there is no resolver), so -n is accepted and implied. */
static void cmd_iptables(int argc, char **argv)
{
	const char *table = "filter";
	bool list = false, verbose = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			table = argv[++i];
			continue;
		}
		if (argv[i][0] != '-' || !argv[i][1] || argv[i][1] == '-')
			goto usage;
		for (const char *f = argv[i] + 1; *f; f++) {
			if (*f == 'L')
				list = true;
			else if (*f == 'v')
				verbose = true;
			else if (*f != 'n' && *f != 'x')
				goto usage;
		}
	}
	if (!list)
		goto usage;
	if (nf_print(table, verbose) < 0)
		printf("iptables: can't initialize iptables table `%s': Table does not exist\n", table);
	return;
usage:
	printf("usage: iptables [-t filter|nat] -L [-v] [-n]\n");
}

static void cmd_conntrack(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "-L"))
		ct_print();
	else if (argc == 2 && !strcmp(argv[1], "-C"))
		printf("%u\n", ct_count());
	else
		printf("usage: conntrack -L | conntrack -C\n");
}

/* Commands of the running appliance ("lb stats"). Returns false when it has none by that name. */
static bool app_command(const char *cmd)
{
	const struct app *a = app_current();
	char buf[SHELL_LINE_MAX], *argv[16];
	int argc = split_words(cmd, buf, sizeof(buf), argv, 16);
	if (!a || !a->shell || argc == 0)
		return false;
	return a->shell(argc, argv) != 1;
}

static const char help_text[] =
	"ip addr            interfaces and addresses\n"
	"ip route           routing table\n"
	"ip route add CIDR via GW | ip route del CIDR   change static routes\n"
	"ip neigh           ARP cache\n"
	"ip -s link         interface counters\n"
	"netstat -s         device and protocol counters (also: stats)\n"
	"ss -tan            TCP connections\n"
	"interrupts         interrupt counts per vector and device\n"
	"mem                memory and packet buffers\n"
	"log level L        set log level: debug, info, warn\n"
	"dhcp               DHCP client state and counters\n"
	"capture on [IFACE] [arp|ip|icmp|udp|tcp] | capture off   pcap to COM2\n"
	"iptables [-t nat] -L [-v] [-n]   firewall rules and counters\n"
	"conntrack -L | -C  tracked connections | their count\n"
	"lb stats           load balancer servers and counters (app=lb)\n"
	"poweroff           print counters and power off\n"
	"reboot             reset the machine\n";

void shell_exec(const char *cmd)
{
	while (*cmd == ' ')
		cmd++;
	if (!*cmd)
		return;
	if (!strcmp(cmd, "help"))
		printf("%s", help_text);
	else if (!strcmp(cmd, "ip addr") || !strcmp(cmd, "ip a"))
		cmd_ip_addr();
	else if (!strcmp(cmd, "ip route") || !strcmp(cmd, "ip r"))
		route_print();
	else if (!strncmp(cmd, "ip route add ", 13) || !strncmp(cmd, "ip route del ", 13))
		cmd_ip_route_change(cmd[9] == 'a', cmd + 13);
	else if (!strcmp(cmd, "ip neigh") || !strcmp(cmd, "ip n"))
		arp_print();
	else if (!strcmp(cmd, "ip -s link"))
		cmd_ip_s_link();
	else if (!strcmp(cmd, "netstat -s") || !strcmp(cmd, "stats"))
		net_stats_print();
	else if (!strcmp(cmd, "ss -tan") || !strcmp(cmd, "ss"))
		tcp_conns_print();
	else if (!strcmp(cmd, "interrupts"))
		cmd_interrupts();
	else if (!strcmp(cmd, "mem"))
		cmd_mem();
	else if (!strcmp(cmd, "dhcp"))
		cmd_dhcp();
	else if (!strncmp(cmd, "capture", 7) && (cmd[7] == ' ' || !cmd[7]))
		cmd_capture(cmd + 7);
	else if (!strncmp(cmd, "iptables", 8) && (cmd[8] == ' ' || !cmd[8])) {
		char buf[SHELL_LINE_MAX], *argv[16];
		cmd_iptables(split_words(cmd, buf, sizeof(buf), argv, 16), argv);
	} else if (!strncmp(cmd, "conntrack", 9) && (cmd[9] == ' ' || !cmd[9])) {
		char buf[SHELL_LINE_MAX], *argv[16];
		cmd_conntrack(split_words(cmd, buf, sizeof(buf), argv, 16), argv);
	}
	else if (!strncmp(cmd, "log level", 9))
		cmd_log(cmd[9] == ' ' ? cmd + 10 : NULL);
	else if (!strcmp(cmd, "poweroff")) {
		cmd_ip_s_link();
		net_stats_print();
		printf("power off\n");
		machine_exit(0);
	} else if (!strcmp(cmd, "reboot")) {
		outb(0x64, 0xFE);   /* 8042 pulse reset line */
		machine_exit(0);
	} else if (!app_command(cmd))
		printf("%s: unknown command (try help)\n", cmd);
}

static void shell_poll(void)
{
	int c;
	while ((c = console_getc()) >= 0) {
		if (c == '\r' || c == '\n') {
			console_write("\n", 1);
			line[len] = 0;
			if (overflow)
				printf("line longer than %d characters ignored\n", SHELL_LINE_MAX - 1);
			else
				shell_exec(line);
			len = 0;
			overflow = false;
			console_write("> ", 2);
		} else if (c == 0x7F || c == 0x08) {
			if (len) {
				len--;
				console_write("\b \b", 3);
			}
		} else if (c >= 0x20 && c < 0x7F) {
			if (len < SHELL_LINE_MAX - 1) {
				line[len++] = (char)c;
				char ch = (char)c;
				console_write(&ch, 1);
			} else {
				overflow = true;
			}
		}
	}
}

/* The interrupt only wakes the loop; the idle hook reads the bytes. Reading IIR acks it. */
static void com1_irq(void *arg)
{
	(void)inb(COM1 + 2);
}

void shell_init(void)
{
	bool level, low;
	uint32_t gsi = irq_isa_to_gsi(COM1_ISA_IRQ, &level, &low);
	int vec = irq_alloc_vector(com1_irq, NULL);
	if (vec < 0) {
		log_warn("shell: no interrupt vector; console input is read when the loop wakes");
	} else {
		ioapic_route(gsi, vec, level, low);
		outb(COM1 + 1, 0x01);   /* IER: received data available */
	}
	loop_set_idle_hook(shell_poll);
}
