/* The stack's counters and their netstat -s-like printout (plus `ip -s link` per netdev and
 * the netbuf pool). TCP prints its own section through tcp_stats_print() when linked in. */
#include <stddef.h>
#include <stdio.h>
#include "net/stats.h"
#include "net/netdev.h"
#include "net/netbuf.h"

struct net_stats net_stats;

__attribute__((weak)) void tcp_stats_print(void);
__attribute__((weak)) void tcp_stats_foreach(net_stat_fn fn, void *arg);

struct field {
	const char *name;
	size_t off;
	const char *text;       /* netstat -s wording where Linux has one, else the name */
};

#define F(sec, f) { #f, offsetof(struct sec##_stats, f), NULL }
#define T(sec, f, t) { #f, offsetof(struct sec##_stats, f), t }

static const struct field ether_f[] = {
	F(ether, in_frames), F(ether, short_frame), F(ether, not_ours), F(ether, multicast),
	F(ether, unknown_type), F(ether, out_frames),
};
static const struct field arp_f[] = {
	F(arp, in_pkts), F(arp, requests_in), F(arp, replies_in), F(arp, short_pkt),
	F(arp, bad_htype), F(arp, bad_ptype), F(arp, bad_hlen), F(arp, bad_plen), F(arp, bad_op),
	F(arp, bad_sender), F(arp, not_for_us), F(arp, unsolicited), F(arp, requests_out),
	F(arp, replies_out), F(arp, announces_out), F(arp, learned), F(arp, queued),
	F(arp, queue_full), F(arp, table_full), F(arp, resolve_failed),
	F(arp, dropped_unresolved), F(arp, flushed), F(arp, no_addr),
};
static const struct field ipv4_f[] = {
	F(ipv4, in_receives), F(ipv4, too_short), F(ipv4, bad_version), F(ipv4, bad_ihl),
	F(ipv4, bad_len), F(ipv4, bad_csum), F(ipv4, bad_options), F(ipv4, bad_src),
	F(ipv4, not_for_us), F(ipv4, no_proto), F(ipv4, delivered),
	F(ipv4, out_requests), F(ipv4, no_route), F(ipv4, out_too_big),
	T(ipv4, forwarded, "forwarded"), F(ipv4, fwd_bad_addr), F(ipv4, fwd_ttl_exceeded),
	F(ipv4, fwd_no_route), F(ipv4, fwd_frag_needed), F(ipv4, filtered),
	T(ipv4, reasm_reqds, "reassemblies required"),
	T(ipv4, reasm_oks, "packets reassembled ok"),
	T(ipv4, reasm_fails, "packet reassembles failed"),
	T(ipv4, reasm_timeout, "fragments dropped after timeout"),
	F(ipv4, reasm_evicted), F(ipv4, reasm_overlap), F(ipv4, reasm_dup), F(ipv4, reasm_too_many),
	F(ipv4, reasm_oversize), F(ipv4, reasm_bad_len), F(ipv4, reasm_tiny), F(ipv4, reasm_nobuf),
	T(ipv4, frag_oks, "fragments received ok"),   /* Linux's wording for FragOKs */
	T(ipv4, frag_fails, "fragments failed"),
	T(ipv4, frag_created, "fragments created"),
};
static const struct field icmp_f[] = {
	F(icmp, in_msgs), F(icmp, in_echos), F(icmp, in_echo_reps), F(icmp, in_dest_unreachs),
	F(icmp, in_time_excds), F(icmp, in_other), F(icmp, bad_len), F(icmp, bad_csum),
	F(icmp, bad_code), F(icmp, bcast_echo), F(icmp, out_msgs), F(icmp, out_echo_reps),
	F(icmp, out_errors), F(icmp, rate_limited), F(icmp, err_suppressed), F(icmp, out_drops),
};
static const struct field udp_f[] = {
	F(udp, in_datagrams), F(udp, short_hdr), F(udp, bad_len), F(udp, bad_csum),
	F(udp, no_port), F(udp, bcast_no_port), F(udp, out_datagrams), F(udp, out_drops),
};

/* Like netstat -s: a section title, then every non-zero counter ("0" lines are noise). */
static void section(const char *title, const void *base, const struct field *f, size_t n)
{
	printf("%s:\n", title);
	for (size_t i = 0; i < n; i++) {
		uint64_t v = *(const uint64_t *)((const char *)base + f[i].off);
		if (v)
			printf("    %llu %s\n", (unsigned long long)v, f[i].text ? f[i].text : f[i].name);
	}
}

static void print_dev(const struct netdev *d)
{
	const struct netdev_stats *s = &d->stats;
	printf("%s: %s mtu %u\n", d->name, d->driver ? d->driver : "?", d->mtu);
	printf("    RX: packets %llu bytes %llu dropped %llu errors %llu nobuf %llu\n",
	       (unsigned long long)s->rx_packets, (unsigned long long)s->rx_bytes,
	       (unsigned long long)s->rx_dropped, (unsigned long long)s->rx_errors,
	       (unsigned long long)s->rx_nobuf);
	printf("    TX: packets %llu bytes %llu dropped %llu errors %llu ring_full %llu queued %llu "
	       "backlog_full %llu\n",
	       (unsigned long long)s->tx_packets, (unsigned long long)s->tx_bytes,
	       (unsigned long long)s->tx_dropped, (unsigned long long)s->tx_errors,
	       (unsigned long long)s->tx_ring_full, (unsigned long long)s->tx_queued,
	       (unsigned long long)s->tx_backlog_full);
	printf("    irqs %llu polls %llu per-poll 0:%llu 1:%llu 2-3:%llu 4-7:%llu 8-15:%llu "
	       "16-31:%llu 32-63:%llu 64:%llu\n",
	       (unsigned long long)s->irqs, (unsigned long long)s->polls,
	       (unsigned long long)s->poll_hist[0], (unsigned long long)s->poll_hist[1],
	       (unsigned long long)s->poll_hist[2], (unsigned long long)s->poll_hist[3],
	       (unsigned long long)s->poll_hist[4], (unsigned long long)s->poll_hist[5],
	       (unsigned long long)s->poll_hist[6], (unsigned long long)s->poll_hist[7]);
}

static void each(const char *sec, const void *base, const struct field *f, size_t n,
		 net_stat_fn fn, void *arg)
{
	for (size_t i = 0; i < n; i++)
		fn(arg, sec, f[i].name, *(const uint64_t *)((const char *)base + f[i].off));
}

void net_stats_foreach(net_stat_fn fn, void *arg)
{
	each("ether", &net_stats.ether, ether_f, ARRAY_SIZE(ether_f), fn, arg);
	each("arp", &net_stats.arp, arp_f, ARRAY_SIZE(arp_f), fn, arg);
	each("ipv4", &net_stats.ipv4, ipv4_f, ARRAY_SIZE(ipv4_f), fn, arg);
	each("icmp", &net_stats.icmp, icmp_f, ARRAY_SIZE(icmp_f), fn, arg);
	each("udp", &net_stats.udp, udp_f, ARRAY_SIZE(udp_f), fn, arg);
	if (tcp_stats_foreach)
		tcp_stats_foreach(fn, arg);
}

void net_stats_print(void)
{
	for (int i = 0; i < netdev_count(); i++)
		print_dev(netdev_get(i));
	printf("netbuf: %u/%u free, allocs %llu frees %llu alloc_fail %llu\n", nb_pool_free(),
	       nb_pool_total(), (unsigned long long)nb_stats.allocs,
	       (unsigned long long)nb_stats.frees, (unsigned long long)nb_stats.alloc_fail);
	section("Ethernet", &net_stats.ether, ether_f, ARRAY_SIZE(ether_f));
	section("Arp", &net_stats.arp, arp_f, ARRAY_SIZE(arp_f));
	section("Ip", &net_stats.ipv4, ipv4_f, ARRAY_SIZE(ipv4_f));
	section("Icmp", &net_stats.icmp, icmp_f, ARRAY_SIZE(icmp_f));
	section("Udp", &net_stats.udp, udp_f, ARRAY_SIZE(udp_f));
	if (tcp_stats_print)
		tcp_stats_print();
}
