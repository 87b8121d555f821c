/* Prometheus exposition of the stack's counters. Names: peregrine_<section>_<counter>_total;
 * device counters carry {dev="eth0",driver="e1000"}; the frames-per-poll histogram is a
 * counter per bucket label. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stddef.h>
#include "net/metrics.h"
#include "net/filter.h"
#include "net/conntrack.h"
#include "net/netbuf.h"
#include "net/netdev.h"
#include "net/stats.h"

struct out {
	char *buf;
	size_t cap, len;
};

__attribute__((format(printf, 2, 3))) static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

struct dev_field {
	const char *name, *help;
	size_t off;
};

#define D(f, h) { #f, h, offsetof(struct netdev_stats, f) }
static const struct dev_field dev_fields[] = {
	D(rx_packets, "Frames received."), D(rx_bytes, "Bytes received."),
	D(rx_dropped, "Received frames dropped."), D(rx_errors, "Receive errors."),
	D(tx_packets, "Frames sent."), D(tx_bytes, "Bytes sent."),
	D(tx_dropped, "Frames dropped on transmit."), D(tx_errors, "Transmit errors."),
	D(irqs, "Interrupts taken."), D(polls, "NAPI poll rounds."),
	D(rx_nobuf, "Receive refills that found the packet pool empty."),
	D(tx_ring_full, "Transmits that found no free descriptor."),
	D(rx_bad_len, "Frames of impossible length."),
	D(wd_repairs, "Lost interrupts and stalled queues the driver watchdog mended."),
	D(tx_queued, "Frames that waited in the transmit backlog for a free descriptor."),
	D(tx_backlog_full, "Frames dropped because the transmit backlog was full."),
};
static const char *const hist_bucket[NETDEV_HIST] = { "0", "1", "2-3", "4-7", "8-15", "16-31", "32-63", "64" };

static void render_devices(struct out *o)
{
	for (size_t f = 0; f < ARRAY_SIZE(dev_fields); f++) {
		emit(o, "# HELP peregrine_netdev_%s_total %s\n# TYPE peregrine_netdev_%s_total counter\n",
		     dev_fields[f].name, dev_fields[f].help, dev_fields[f].name);
		for (int i = 0; i < netdev_count(); i++) {
			const struct netdev *d = netdev_get(i);
			uint64_t v = *(const uint64_t *)((const char *)&d->stats + dev_fields[f].off);
			emit(o, "peregrine_netdev_%s_total{dev=\"%s\",driver=\"%s\"} %llu\n", dev_fields[f].name,
			     d->name, d->driver ? d->driver : "", (unsigned long long)v);
		}
	}
	emit(o, "# HELP peregrine_netdev_poll_frames_total Poll rounds by frames received in the round.\n"
		"# TYPE peregrine_netdev_poll_frames_total counter\n");
	for (int i = 0; i < netdev_count(); i++) {
		const struct netdev *d = netdev_get(i);
		for (int b = 0; b < NETDEV_HIST; b++)
			emit(o, "peregrine_netdev_poll_frames_total{dev=\"%s\",driver=\"%s\",frames=\"%s\"} %llu\n",
			     d->name, d->driver ? d->driver : "", hist_bucket[b],
			     (unsigned long long)d->stats.poll_hist[b]);
	}
	emit(o, "# HELP peregrine_netdev_up Interface administratively up (1) or not.\n"
		"# TYPE peregrine_netdev_up gauge\n");
	for (int i = 0; i < netdev_count(); i++) {
		const struct netdev *d = netdev_get(i);
		emit(o, "peregrine_netdev_up{dev=\"%s\",driver=\"%s\"} %d\n", d->name,
		     d->driver ? d->driver : "", (d->flags & NETDEV_F_UP) ? 1 : 0);
	}
}

static void render_pool(struct out *o)
{
	emit(o, "# HELP peregrine_netbuf_free Packet buffers free in the pool.\n"
		"# TYPE peregrine_netbuf_free gauge\nperegrine_netbuf_free %u\n", nb_pool_free());
	emit(o, "# HELP peregrine_netbuf_total Packet buffers in the pool.\n"
		"# TYPE peregrine_netbuf_total gauge\nperegrine_netbuf_total %u\n", nb_pool_total());
	emit(o, "# HELP peregrine_netbuf_alloc_fail_total Allocations that found the pool empty.\n"
		"# TYPE peregrine_netbuf_alloc_fail_total counter\nperegrine_netbuf_alloc_fail_total %llu\n",
	     (unsigned long long)nb_stats.alloc_fail);
}

static void render_stat(void *arg, const char *section, const char *name, uint64_t v)
{
	struct out *o = arg;
	emit(o, "# TYPE peregrine_%s_%s_total counter\nperegrine_%s_%s_total %llu\n", section, name,
	     section, name, (unsigned long long)v);
}

/* The filter's counters (net/filter.h) and the conntrack table's fill. */
static void render_filter(struct out *o)
{
	static const struct { const char *name; size_t off; } f[] = {
#define NF_FIELD(n) { #n, offsetof(struct nf_stats, n) }
		NF_FIELD(drop_policy), NF_FIELD(drop_rule), NF_FIELD(rejects_sent), NF_FIELD(logged),
		NF_FIELD(log_suppressed), NF_FIELD(invalid), NF_FIELD(nat_no_port),
		NF_FIELD(ct_table_full), NF_FIELD(ct_early_drop), NF_FIELD(fastpath),
#undef NF_FIELD
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		render_stat(o, "nf", f[i].name, *(const uint64_t *)((const char *)&nf_stats + f[i].off));
	emit(o, "# HELP peregrine_conntrack_entries Connections in the conntrack table.\n"
		"# TYPE peregrine_conntrack_entries gauge\nperegrine_conntrack_entries %u\n", ct_count());
}

size_t metrics_render(char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };
	render_devices(&o);
	render_pool(&o);
	net_stats_foreach(render_stat, &o);
	render_filter(&o);
	if (cap)
		buf[o.len < cap ? o.len : cap - 1] = 0;
	return o.len;
}
