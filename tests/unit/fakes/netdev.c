/* Fake netdev for host tests: eth0 (52:54:00:12:34:56, MTU 1500, 10.0.0.2/24) whose xmit
 * records every frame instead of sending it, and unit_nb_from() to make received frames. */
#include <stdio.h>
#include <string.h>
#include "unit.h"
#include "net/netdev.h"
#include "net/netbuf.h"
#include "net/net.h"
#include "net/proto/ipv4.h"

struct fake_tx fake_tx;

/* Takes ownership like a real driver: recorded, or freed and counted when the record is full. */
static int fake_xmit(struct netdev *dev, struct netbuf *nb)
{
	if (fake_tx.count == FAKE_TX_MAX || fake_tx.refuse) {
		if (fake_tx.refuse)
			fake_tx.refuse--;
		dev->stats.tx_ring_full++;
		dev->stats.tx_dropped++;
		nb_free(nb);
		return -1;
	}
	fake_tx.frames[fake_tx.count++] = nb;
	return 0;
}

static int fake_poll(struct netdev *dev, int budget) { return 0; }
static bool fake_irq_enable(struct netdev *dev) { return false; }
static void fake_irq_disable(struct netdev *dev) { }

static const struct netdev_ops fake_ops = {
	.xmit = fake_xmit,
	.poll = fake_poll,
	.irq_enable = fake_irq_enable,
	.irq_disable = fake_irq_disable,
};

static struct netdev fdev = {
	.mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
	.mtu = 1500,
	.ops = &fake_ops,
	.driver = "fake",
};
static bool registered;

struct netdev *fake_netdev(void)
{
	if (!registered) {
		net_init();
		if (netdev_register(&fdev) != 0)
			CU_FAIL_FATAL("fake_netdev: interface table full");
		net_if_set_addr(&fdev, IPV4_ADDR(10, 0, 0, 2), 24);
		fdev.flags = NETDEV_F_UP | NETDEV_F_LINK;
		registered = true;
	}
	return &fdev;
}

void fake_netdev_reset(void)
{
	for (unsigned i = 0; i < fake_tx.count; i++)
		nb_free(fake_tx.frames[i]);
	fake_tx.count = 0;
	fake_tx.refuse = 0;
}

/* The oldest frame, removed from the record (count goes down by one); caller frees. */
struct netbuf *fake_tx_pop(void)
{
	if (fake_tx.count == 0)
		return NULL;
	struct netbuf *nb = fake_tx.frames[0];
	memmove(&fake_tx.frames[0], &fake_tx.frames[1], (fake_tx.count - 1) * sizeof(nb));
	fake_tx.count--;
	return nb;
}

/* Headroom is kept (nb_alloc) so in-place replies work even when a test starts above L2. */
struct netbuf *unit_nb_from(const void *bytes, size_t len)
{
	struct netbuf *nb = nb_alloc();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	CU_ASSERT_FATAL(len <= nb_tailroom(nb));
	memcpy(nb_put(nb, (uint32_t)len), bytes, len);
	return nb;
}

/* Test helper (declared by the tests that use it): pop the oldest transmitted frame and
 * assert it is exactly want; on a mismatch print both in hex so the diff is readable. */
void unit_expect_tx(const void *want, size_t len, const char *what);
void unit_expect_tx(const void *want, size_t len, const char *what)
{
	struct netbuf *nb = fake_tx_pop();
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	bool same = nb->len == len && memcmp(nb->data, want, len) == 0;
	CU_ASSERT_TRUE(same);
	if (!same) {
		fprintf(stderr, "\n%s: frame differs (got %u bytes, want %zu)\n got:", what, nb->len, len);
		for (uint32_t i = 0; i < nb->len; i++)
			fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", nb->data[i]);
		fprintf(stderr, "\nwant:");
		for (size_t i = 0; i < len; i++)
			fprintf(stderr, "%s%02x", i % 16 ? " " : "\n  ", ((const uint8_t *)want)[i]);
		fprintf(stderr, "\n");
	}
	nb_free(nb);
}
