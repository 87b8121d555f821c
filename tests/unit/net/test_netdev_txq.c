/* The transmit backlog of net/netdev.c: with the driver's ring full, frames wait in order
 * (bounded by txq_max) instead of being dropped; each poll sends what the ring has room for,
 * oldest first; a ring that does not move is looked at again a timer tick later, not spun on. A driver without tx_ready keeps the old
 * behaviour (it drops and counts). */
#include <string.h>
#include "unit.h"
#include "net/netdev.h"
#include "net/netbuf.h"
#include "kernel/timer.h"

#define RING 2

static struct {
	struct netbuf *ring[8];
	unsigned used;              /* frames on the "ring", not yet consumed by the device */
	uint8_t sent[16];           /* first byte of each frame, in the order xmit took them */
	unsigned nsent;
} t;

static int ring_xmit(struct netdev *dev, struct netbuf *nb)
{
	if (t.used == RING) {
		dev->stats.tx_ring_full++;
		dev->stats.tx_dropped++;
		nb_free(nb);
		return -1;
	}
	t.ring[t.used++] = nb;
	t.sent[t.nsent++] = nb->data[0];
	return 0;
}

static bool ring_tx_ready(struct netdev *dev) { return t.used < RING; }
static int ring_poll(struct netdev *dev, int budget) { return 0; }
static bool ring_irq_enable(struct netdev *dev) { return false; }

static const struct netdev_ops ring_ops = {
	.xmit = ring_xmit, .tx_ready = ring_tx_ready, .poll = ring_poll,
	.irq_enable = ring_irq_enable,
};
static const struct netdev_ops plain_ops = {
	.xmit = ring_xmit, .poll = ring_poll, .irq_enable = ring_irq_enable,
};

static struct netdev dev;

static void teardown(void)
{
	timers_reset();
}

static void setup(void)
{
	memset(&t, 0, sizeof(t));
	memset(&dev, 0, sizeof(dev));
	dev.ops = &ring_ops;
	dev.txq_max = 2;
}

/* The device takes everything on its ring. */
static void consume(void)
{
	for (unsigned i = 0; i < t.used; i++)
		nb_free(t.ring[i]);
	t.used = 0;
}

static int send_marked(uint8_t mark)
{
	uint8_t frame[60] = { mark };
	return netdev_xmit(&dev, unit_nb_from(frame, sizeof(frame)));
}

static void test_backlog_holds_in_order(void)
{
	unsigned free0 = nb_pool_free();
	for (uint8_t i = 1; i <= 4; i++)
		CU_ASSERT_EQUAL(send_marked(i), 0);        /* 2 on the ring, 2 waiting */
	CU_ASSERT_EQUAL(send_marked(5), -1);           /* backlog full: dropped */
	CU_ASSERT_EQUAL(t.nsent, 2);
	CU_ASSERT_EQUAL(dev.txq_len, 2);
	CU_ASSERT_EQUAL(dev.stats.tx_ring_full, 1);     /* counted once, when it filled */
	CU_ASSERT_EQUAL(dev.stats.tx_queued, 2);
	CU_ASSERT_EQUAL(dev.stats.tx_backlog_full, 1);
	CU_ASSERT_EQUAL(dev.stats.tx_dropped, 1);
	CU_ASSERT_EQUAL(dev.stats.tx_packets, 2);
	CU_ASSERT_EQUAL(dev.scheduled, 0);              /* no spinning on a full ring... */
	CU_ASSERT_TRUE(timer_pending(&dev.txq_timer));
	fake_advance(2000000);
	CU_ASSERT_EQUAL(dev.scheduled, 1);              /* ...a look one tick later */
	netdev_poll_once(&dev);                         /* still full: nothing moves */
	CU_ASSERT_EQUAL(t.nsent, 2);
	CU_ASSERT_EQUAL(dev.scheduled, 0);
	CU_ASSERT_TRUE(timer_pending(&dev.txq_timer));
	CU_ASSERT_EQUAL(nb_pool_free(), free0 - 4);     /* the dropped one is back */

	/* a slot frees, but nothing overtakes the frames waiting: 6 finds the backlog full */
	nb_free(t.ring[--t.used]);
	CU_ASSERT_EQUAL(send_marked(6), -1);           /* backlog still holds 3 and 4 */
	CU_ASSERT_EQUAL(t.nsent, 2);
	netdev_poll_once(&dev);                         /* drains into the free slot: 3 */
	CU_ASSERT_EQUAL(t.nsent, 3);
	CU_ASSERT_EQUAL(t.sent[2], 3);
	CU_ASSERT_EQUAL(dev.txq_len, 1);
	CU_ASSERT_EQUAL(dev.scheduled, 1);              /* it moved, more waiting: poll on */
	CU_ASSERT_EQUAL(send_marked(7), 0);            /* room in the backlog again */

	consume();
	netdev_poll_once(&dev);
	CU_ASSERT_EQUAL(t.nsent, 5);
	CU_ASSERT_EQUAL(t.sent[3], 4);
	CU_ASSERT_EQUAL(t.sent[4], 7);
	CU_ASSERT_EQUAL(dev.txq_len, 0);
	CU_ASSERT_PTR_NULL(dev.txq_head);
	CU_ASSERT_PTR_NULL(dev.txq_tail);
	CU_ASSERT_EQUAL(dev.scheduled, 0);              /* all out: back to interrupts */
	fake_advance(2000000);
	CU_ASSERT_EQUAL(dev.scheduled, 0);              /* the timer finds nothing waiting */
	CU_ASSERT_EQUAL(dev.stats.tx_packets, 5);
	CU_ASSERT_EQUAL(dev.stats.tx_bytes, 5 * 60);
	consume();
	CU_ASSERT_EQUAL(nb_pool_free(), free0);
}

/* With the ring free, frames go straight to the driver: no backlog, nothing scheduled. */
static void test_free_ring_direct(void)
{
	CU_ASSERT_EQUAL(send_marked(1), 0);
	CU_ASSERT_EQUAL(t.nsent, 1);
	CU_ASSERT_EQUAL(dev.txq_len, 0);
	CU_ASSERT_EQUAL(dev.stats.tx_queued, 0);
	CU_ASSERT_EQUAL(dev.scheduled, 0);
	consume();
}

/* A driver without tx_ready: the frame that finds the ring full is dropped and counted. */
static void test_without_tx_ready_drops(void)
{
	dev.ops = &plain_ops;
	CU_ASSERT_EQUAL(send_marked(1), 0);
	CU_ASSERT_EQUAL(send_marked(2), 0);
	CU_ASSERT_EQUAL(send_marked(3), -1);
	CU_ASSERT_EQUAL(dev.stats.tx_ring_full, 1);
	CU_ASSERT_EQUAL(dev.stats.tx_dropped, 1);
	CU_ASSERT_EQUAL(dev.stats.tx_queued, 0);
	CU_ASSERT_EQUAL(dev.txq_len, 0);
	consume();
}

/* The backlog's bound follows the pool: an eighth of it, at most NETDEV_TXQ_MAX. */
static void test_backlog_bound(void)
{
	struct netdev *d = fake_netdev();
	CU_ASSERT_EQUAL(d->txq_max, UNIT_POOL_BUFS / 8 < NETDEV_TXQ_MAX ?
				    UNIT_POOL_BUFS / 8 : NETDEV_TXQ_MAX);
}

static CU_TestInfo tests[] = {
	{ "backlog holds frames in order while the ring is full", test_backlog_holds_in_order },
	{ "free ring: straight to the driver", test_free_ring_direct },
	{ "driver without tx_ready drops", test_without_tx_ready_drops },
	{ "backlog bound", test_backlog_bound },
	CU_TEST_INFO_NULL,
};

UNIT_SUITE("net/netdev_txq", setup, teardown, tests);
