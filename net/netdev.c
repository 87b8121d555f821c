/* The interface table (eth0, eth1, ... in registration order), the NAPI poll round and the
 * transmit wrapper that keeps the `ip -s link` counters. Receive counters (rx_packets,
 * rx_bytes) are kept by net_rx() in net/ether.c, the one place every frame passes. */
#include <stdio.h>
#include <string.h>
#include "net/netdev.h"

static struct netdev *devs[NETDEV_MAX];
static int ndevs;

/* Set by kernel/capture.c while a capture runs (net/netdev.h). */
void (*netdev_capture_hook)(struct netdev *dev, const struct netbuf *nb, bool tx);

int netdev_register(struct netdev *dev)
{
	if (ndevs == NETDEV_MAX)
		return -1;
	dev->index = ndevs;
	snprintf(dev->name, sizeof(dev->name), "eth%d", ndevs);
	if (dev->mtu == 0)
		dev->mtu = 1500;
	devs[ndevs++] = dev;
	return 0;
}

int netdev_count(void) { return ndevs; }

struct netdev *netdev_get(int index)
{
	return index >= 0 && index < ndevs ? devs[index] : NULL;
}

struct netdev *netdev_by_name(const char *name)
{
	for (int i = 0; i < ndevs; i++)
		if (strcmp(devs[i]->name, name) == 0)
			return devs[i];
	return NULL;
}

/* Histogram bucket of NETDEV_HIST: 0, 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64 (= budget). */
static unsigned hist_bucket(int n)
{
	if (n <= 0)
		return 0;
	if (n >= NETDEV_BUDGET)
		return NETDEV_HIST - 1;
	unsigned b = 1;
	while (n > 1 && b < NETDEV_HIST - 2) {
		n >>= 1;
		b++;
	}
	return b;
}

int netdev_poll_once(struct netdev *dev)
{
	int n = dev->ops->poll(dev, NETDEV_BUDGET);
	dev->stats.polls++;
	dev->stats.poll_hist[hist_bucket(n)]++;
	if (n >= NETDEV_BUDGET)
		return n;       /* busy: stay scheduled, interrupt stays masked (NAPI) */
	/* Clear first, then unmask: a frame racing in is reported by irq_enable() (the driver
	 * keeps its interrupt masked then) and we simply stay scheduled for another round. */
	dev->scheduled = 0;
	if (dev->ops->irq_enable && dev->ops->irq_enable(dev))
		dev->scheduled = 1;
	return n;
}

int netdev_xmit(struct netdev *dev, struct netbuf *nb)
{
	uint32_t len = nb->len;
	if (unlikely(netdev_capture_hook != NULL))   /* before xmit: the driver owns nb after */
		netdev_capture_hook(dev, nb, true);
	if (dev->ops->xmit(dev, nb) != 0)
		return -1;      /* the driver freed nb and counted tx_ring_full/tx_dropped */
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += len;
	return 0;
}
