/* struct netdev: one network interface as drivers present it to the stack.
 * Drivers fill in mac/mtu/ops and call netdev_register(); their IRQ handler only calls
 * irq_disable-equivalent masking and netdev_schedule(); kernel/loop.c polls scheduled devices
 * (NAPI-style, DESIGN.md) and every received frame goes to net_rx(). */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include "net/compiler.h"
#include "net/netbuf.h"
#include "kernel/timer.h"

#define NETDEV_MAX       8
#define NETDEV_BUDGET    64   /* frames per poll before yielding to other devices/timers */
#define NETDEV_HIST      8    /* frames-per-poll histogram: 0,1,2-3,4-7,8-15,16-31,32-63,64 */
#define NETDEV_TXQ_MAX   256  /* frames held while the ring is full (txqueuelen), see txq_max */

struct netdev_stats {
	/* ip -s link */
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_errors;
	/* ethtool -S / /proc/interrupts */
	uint64_t irqs;             /* interrupts taken */
	uint64_t polls;            /* poll() calls */
	uint64_t rx_nobuf;         /* rx refill failed: pool empty */
	uint64_t tx_ring_full;     /* xmit found no free descriptor */
	uint64_t rx_bad_len;       /* frame shorter than Ethernet header or over buffer */
	uint64_t wd_repairs;       /* driver watchdog: a lost interrupt or a stalled queue mended */
	uint64_t tx_queued;        /* frames that waited in the backlog for a descriptor */
	uint64_t tx_backlog_full;  /* frames dropped because the backlog was full too */
	uint64_t poll_hist[NETDEV_HIST];
};

struct netdev;

struct netdev_ops {
	int (*open)(struct netdev *dev);                    /* start rings, enable irq; 0 or <0 */
	/* Transmit one frame (nb->data at the Ethernet header). Always takes ownership:
	 * on a full ring the frame is freed and counted in tx_ring_full/tx_dropped. Returns 0/-1. */
	int (*xmit)(struct netdev *dev, struct netbuf *nb);
	/* Optional: reclaim finished transmits and say whether xmit() would find a descriptor
	 * now. With it netdev_xmit() holds frames in a bounded backlog while the ring is full,
	 * as a qdisc does, instead of dropping them. */
	bool (*tx_ready)(struct netdev *dev);
	/* Receive up to budget frames, passing each to net_rx(); reclaim finished tx.
	 * Returns frames received. */
	int (*poll)(struct netdev *dev, int budget);
	/* Unmask the device interrupt. Returns true if work is already pending (a frame arrived
	 * between the last poll and the unmask): the driver then keeps the interrupt masked and
	 * the caller keeps polling, so no frame waits for the next interrupt. */
	bool (*irq_enable)(struct netdev *dev);
	void (*irq_disable)(struct netdev *dev);
};

#define NETDEV_F_UP    0x1
#define NETDEV_F_LINK  0x2

struct netdev_ipv4 {
	uint32_t addr;     /* host byte order; 0 = unconfigured */
	uint32_t mask;     /* host byte order */
	uint8_t prefix;
};

struct netdev {
	char name[8];                 /* eth0, eth1, ... in registration (PCI discovery) order */
	int index;
	uint8_t mac[6];
	uint16_t mtu;                 /* IP MTU, 1500 by default */
	uint32_t flags;
	volatile int scheduled;       /* set by the IRQ handler, cleared by the loop */
	const struct netdev_ops *ops;
	void *priv;                   /* driver state */
	const char *driver;           /* "e1000", "virtio-net", ... */
	struct netdev_ipv4 ip;
	struct netdev_stats stats;
	/* transmit backlog (FIFO through nb->next), drained by netdev_poll_once() */
	struct netbuf *txq_head, *txq_tail;
	unsigned txq_len;
	unsigned txq_max;             /* NETDEV_TXQ_MAX, or less in a small pool (register) */
	struct timer txq_timer;       /* polls again while the ring stays full */
};

/* Add dev to the interface table and name it ethN. Returns 0, or -1 when NETDEV_MAX is reached. */
int netdev_register(struct netdev *dev);
int netdev_count(void);
struct netdev *netdev_get(int index);
struct netdev *netdev_by_name(const char *name);

/* From interrupt context: mark dev for polling. The driver has already masked its interrupt. */
static inline void netdev_schedule(struct netdev *dev)
{
	dev->stats.irqs++;
	dev->scheduled = 1;
}

/* Run one NAPI round for dev: poll with NETDEV_BUDGET, record the histogram, and when the
 * budget was not used re-enable the interrupt (keeping the device scheduled if work raced in).
 * Returns frames received. */
int netdev_poll_once(struct netdev *dev);

/* Send a frame on dev (nb->data at the Ethernet header). Takes ownership. Counts tx stats.
 * With the ring full the frame waits in the backlog (0 is returned) and the device stays
 * scheduled until it drains; -1 when it was dropped (backlog full, or the driver refused). */
int netdev_xmit(struct netdev *dev, struct netbuf *nb);

/* The receive entry of the stack (net/ether.c): takes ownership of nb. */
void net_rx(struct netdev *dev, struct netbuf *nb);

/* Packet capture tap, added for kernel/capture.c (which sets it): net_rx() calls it for every
 * received frame and netdev_xmit() for every frame handed to a driver, nb->data at the
 * Ethernet header. It must not keep, free or modify nb. NULL by default: one predictable
 * branch per frame. */
extern void (*netdev_capture_hook)(struct netdev *dev, const struct netbuf *nb, bool tx);

#endif
