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
	/* The backlog may hold at most an eighth of the pool, so a stuck device cannot starve
	 * the receive rings and the other interfaces. */
	dev->txq_max = MIN(NETDEV_TXQ_MAX, nb_pool_total() / 8);
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

static int hand_over(struct netdev *dev, struct netbuf *nb)
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

static void txq_timer_fire(struct timer *t)
{
	struct netdev *dev = container_of(t, struct netdev, txq_timer);
	if (dev->txq_head)
		dev->scheduled = 1;
}

/* A backlog waits for the device to take frames. Spinning on a full ring would only take
 * the CPU from the device (under TCG the vCPU and QEMU's I/O share the host's cores), so
 * look again after one timer tick (about 1 ms), or earlier when a receive interrupt
 * schedules a poll anyway. */
static void txq_recheck_later(struct netdev *dev)
{
	if (!dev->txq_timer.fn)
		timer_init(&dev->txq_timer, txq_timer_fire);
	if (!timer_pending(&dev->txq_timer))
		timer_arm(&dev->txq_timer, 1);
}

/* Send what waited, oldest first, while the ring has room (poll has just reclaimed it).
 * Returns how many went to the driver. */
static unsigned tx_drain(struct netdev *dev)
{
	unsigned n = 0;
	while (dev->txq_head && dev->ops->tx_ready(dev)) {
		struct netbuf *nb = dev->txq_head;
		dev->txq_head = nb->next;
		if (!dev->txq_head)
			dev->txq_tail = NULL;
		dev->txq_len--;
		nb->next = NULL;
		hand_over(dev, nb);
		n++;
	}
	return n;
}

int netdev_poll_once(struct netdev *dev)
{
	int n = dev->ops->poll(dev, NETDEV_BUDGET);
	dev->stats.polls++;
	dev->stats.poll_hist[hist_bucket(n)]++;
	bool tx_moved = dev->txq_head && tx_drain(dev) > 0;
	if (dev->txq_head && !tx_moved)
		txq_recheck_later(dev);
	if (n >= NETDEV_BUDGET)
		return n;       /* busy: stay scheduled, interrupt stays masked (NAPI) */
	/* Clear first, then unmask: a frame racing in is reported by irq_enable() (the driver
	 * keeps its interrupt masked then) and we simply stay scheduled for another round. */
	dev->scheduled = 0;
	if (dev->ops->irq_enable && dev->ops->irq_enable(dev))
		dev->scheduled = 1;
	if (tx_moved && dev->txq_head)
		dev->scheduled = 1;   /* the device is taking frames: keep feeding it */
	return n;
}

/* The ring is full: keep the frame in order behind the others, bounded by txq_max. */
static int tx_backlog(struct netdev *dev, struct netbuf *nb)
{
	if (dev->txq_len >= dev->txq_max) {
		dev->stats.tx_backlog_full++;
		dev->stats.tx_dropped++;
		nb_free(nb);
		return -1;
	}
	nb->next = NULL;
	if (dev->txq_tail)
		dev->txq_tail->next = nb;
	else
		dev->txq_head = nb;
	dev->txq_tail = nb;
	dev->txq_len++;
	dev->stats.tx_queued++;
	txq_recheck_later(dev);
	return 0;
}

int netdev_xmit(struct netdev *dev, struct netbuf *nb)
{
	if (dev->ops->tx_ready && (dev->txq_head || !dev->ops->tx_ready(dev))) {
		if (!dev->txq_head)
			dev->stats.tx_ring_full++;
		return tx_backlog(dev, nb);
	}
	return hand_over(dev, nb);
}
