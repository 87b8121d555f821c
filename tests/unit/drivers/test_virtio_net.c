/* Unit tests for the virtio-net driver (drivers/net/virtio_net.c) against a fake virtio device:
 * the transport (vp_*) and PCI calls are fakes, the rings are real, and the test plays the
 * device by filling used rings. Covers feature negotiation (virtio 1.2 §3.1.1), receive with
 * malformed and multi-buffer frames, pool exhaustion, budget, transmit, interrupts, link. */
#define net_rx vt_net_rx                 /* capture what the driver passes up */
#define netdev_register vt_netdev_register
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "drivers/net/virtio_net.c"

/* ---- fakes --------------------------------------------------------------------------- */

static struct fake_virtio {
	bool modern, msix, refuse_features;
	uint64_t offered, accepted;
	uint8_t status, isr;
	uint16_t net_status;
	uint16_t qmax[2];
	unsigned kicks[2];
	uint16_t last_avail[2];          /* device's next avail entry per queue */
	struct virtq *q[2];
} fv;
static struct netdev *registered;
static struct netbuf *rxd[16];
static unsigned nrxd;
static char last_log[200];
static void *allocs[16];
static unsigned nallocs;
static const struct pci_driver *reg_driver;

void vt_net_rx(struct netdev *dev, struct netbuf *nb)
{
	CU_ASSERT_PTR_EQUAL(dev, registered);
	if (nrxd < ARRAY_SIZE(rxd))
		rxd[nrxd++] = nb;
	else
		nb_free(nb);
}

int vt_netdev_register(struct netdev *dev)
{
	strcpy(dev->name, "eth0");
	registered = dev;
	return 0;
}

void klog(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

void *dma_alloc(size_t size, size_t align)
{
	size = (size + align - 1) & ~(align - 1);
	void *p = aligned_alloc(align < 64 ? 64 : align, size);
	memset(p, 0, size);
	allocs[nallocs++] = p;
	return p;
}

int pci_enable_msix(struct pci_dev *pd, int entry, void (*fn)(void *), void *arg)
{
	return fv.msix ? 0x40 + entry : -1;
}
int pci_enable_intx(struct pci_dev *pd, void (*fn)(void *), void *arg) { return 0x50; }
void pci_enable(struct pci_dev *pd, bool io) {}
void pci_register_driver(const struct pci_driver *drv) { reg_driver = drv; }

int vp_modern_probe(struct virtio_pci *vp, struct pci_dev *pd)
{
	*vp = (struct virtio_pci){ .pd = pd, .modern = true };
	return fv.modern ? 0 : -1;
}
int vp_legacy_probe(struct virtio_pci *vp, struct pci_dev *pd)
{
	*vp = (struct virtio_pci){ .pd = pd, .modern = false };
	return fv.modern ? -1 : 0;
}
int vp_reset(struct virtio_pci *vp) { fv.status = 0; return 0; }
uint8_t vp_get_status(struct virtio_pci *vp) { return fv.status; }
void vp_add_status(struct virtio_pci *vp, uint8_t bits)
{
	fv.status |= bits;
	if (fv.refuse_features)
		fv.status &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
}
uint64_t vp_get_features(struct virtio_pci *vp) { return fv.modern ? fv.offered : (uint32_t)fv.offered; }
void vp_set_features(struct virtio_pci *vp, uint64_t f) { fv.accepted = f; }
uint8_t vp_config8(struct virtio_pci *vp, unsigned off)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	return off < 6 ? mac[off] : 0;
}
uint16_t vp_config16(struct virtio_pci *vp, unsigned off) { return off == 6 ? fv.net_status : 0; }
uint8_t vp_config_gen(struct virtio_pci *vp) { return 0; }
uint8_t vp_read_isr(struct virtio_pci *vp) { uint8_t v = fv.isr; fv.isr = 0; return v; }
bool vp_set_config_vector(struct virtio_pci *vp, uint16_t entry) { return true; }
uint16_t vp_queue_max(struct virtio_pci *vp, uint16_t idx) { return fv.qmax[idx]; }
int vp_setup_queue(struct virtio_pci *vp, uint16_t idx, struct virtq *vq, uint16_t msix_entry)
{
	fv.q[idx] = vq;
	return 0;
}
void vp_notify(struct virtio_pci *vp, struct virtq *vq) { fv.kicks[vq->index]++; }

/* ---- the device side ----------------------------------------------------------------- */

/* Write hdr (num_buffers) + frame into the next posted receive buffer and mark it used. */
static void dev_rx(const void *frame, uint32_t flen, uint16_t num_buffers, uint32_t used_len)
{
	struct virtq *q = fv.q[VIRTIO_NET_Q_RX];
	uint16_t id = q->avail->ring[fv.last_avail[0]++ & (q->size - 1)];
	struct virtq_desc *d = &q->desc[id];
	CU_ASSERT_EQUAL(d->flags, VIRTQ_DESC_F_WRITE);
	CU_ASSERT_EQUAL(d->len, NB_BUF_SIZE);
	uint8_t *p = (uint8_t *)(uintptr_t)d->addr;
	struct virtio_net_hdr h = { .num_buffers = num_buffers };
	memcpy(p, &h, 12);
	memcpy(p + 12, frame, MIN(flen, NB_BUF_SIZE - 12));
	q->used->ring[q->used->idx & (q->size - 1)] = (struct virtq_used_elem){ id, used_len };
	q->used->idx++;
}

/* Take the next transmitted buffer: copy it out and complete it. Returns its length. */
static uint32_t dev_tx(uint8_t *out)
{
	struct virtq *q = fv.q[VIRTIO_NET_Q_TX];
	if (fv.last_avail[1] == q->avail->idx)
		return 0;
	uint16_t id = q->avail->ring[fv.last_avail[1]++ & (q->size - 1)];
	struct virtq_desc *d = &q->desc[id];
	CU_ASSERT_EQUAL(d->flags, 0);
	memcpy(out, (void *)(uintptr_t)d->addr, d->len);
	q->used->ring[q->used->idx & (q->size - 1)] = (struct virtq_used_elem){ id, 0 };
	q->used->idx++;
	return d->len;
}

static uint8_t frame60[60];

static struct vnet *probe(uint16_t device, bool modern, uint64_t offered, uint16_t qsize)
{
	struct pci_dev pd = { .vendor = 0x1af4, .device = device, .msix_cap = 0x98 };
	memset(&fv, 0, sizeof(fv));
	fv.modern = modern;
	fv.msix = true;
	fv.offered = offered;
	fv.net_status = VIRTIO_NET_S_LINK_UP;
	fv.qmax[0] = fv.qmax[1] = qsize;
	registered = NULL;
	if (virtio_net_probe(&pd) != 0)
		return NULL;
	return registered ? registered->priv : NULL;
}

static const uint64_t ALL = VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MAC) |
	VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) |
	VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX) | VIRTIO_BIT(VIRTIO_NET_F_CSUM) |
	VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | (1ull << 40);
static const uint64_t NO_EVENT_IDX = ~VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX);

static void setup(void)
{
	for (unsigned i = 0; i < sizeof(frame60); i++)
		frame60[i] = (uint8_t)(i * 7 + 1);
	nrxd = 0;
	last_log[0] = 0;
}

static void teardown(void)
{
	for (unsigned i = 0; i < nrxd; i++)
		nb_free(rxd[i]);
	nrxd = 0;
	for (int qi = 0; qi < 2; qi++) {
		struct virtq *q = fv.q[qi];
		for (unsigned i = 0; q && i < q->size; i++)
			nb_free(q->cookie[i]);
		fv.q[qi] = NULL;
	}
	timers_reset();                  /* open() armed the watchdog inside the vnet freed next */
	for (unsigned i = 0; i < nallocs; i++)
		free(allocs[i]);
	nallocs = 0;
}

/* ---- tests --------------------------------------------------------------------------- */

static void test_register_ids(void)
{
	virtio_net_register();
	CU_ASSERT_PTR_NOT_NULL_FATAL(reg_driver);
	CU_ASSERT_STRING_EQUAL(reg_driver->name, "virtio-net");
	CU_ASSERT_EQUAL(reg_driver->ids[0][0], 0x1af4);
	CU_ASSERT_EQUAL(reg_driver->ids[0][1], 0x1000);
	CU_ASSERT_EQUAL(reg_driver->ids[1][1], 0x1041);
	CU_ASSERT_EQUAL(reg_driver->ids[2][0], 0);
}

static void test_probe_modern(void)
{
	struct vnet *vn = probe(0x1041, true, ALL, 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vn);
	/* only what the driver handles: no CSUM, GUEST_CSUM, CTRL_VQ, nor unknown bit 40 */
	CU_ASSERT_EQUAL(fv.accepted, 0x120018020ull);
	CU_ASSERT_EQUAL(fv.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				   VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	CU_ASSERT_EQUAL(vn->hdr_len, 12);
	CU_ASSERT_EQUAL(vn->rxq.size, 256);               /* modern: we choose <= 256 */
	CU_ASSERT_TRUE(vn->rxq.event_idx);
	CU_ASSERT_EQUAL(vn->dev.mtu, 1500);
	CU_ASSERT_STRING_EQUAL(vn->dev.driver, "virtio-net");
	CU_ASSERT_EQUAL(vn->dev.flags & NETDEV_F_LINK, NETDEV_F_LINK);
	CU_ASSERT_STRING_EQUAL(last_log, "virtio-net eth0: modern, mac 52:54:00:12:34:56, "
			       "features 0x120018020, queues rx=256 tx=256, irq msix");
	teardown();
}

static void test_probe_modern_needs_version1(void)
{
	CU_ASSERT_PTR_NULL(probe(0x1041, true, ALL & ~VIRTIO_BIT(VIRTIO_F_VERSION_1), 256));
	CU_ASSERT_EQUAL(fv.status & VIRTIO_STATUS_FAILED, VIRTIO_STATUS_FAILED);
	CU_ASSERT_EQUAL(fv.status & VIRTIO_STATUS_DRIVER_OK, 0);
	CU_ASSERT_PTR_NULL(registered);
	teardown();
}

static void test_probe_features_refused(void)
{
	struct pci_dev pd = { .vendor = 0x1af4, .device = 0x1041 };
	memset(&fv, 0, sizeof(fv));
	fv.modern = true;
	fv.refuse_features = true;                        /* §3.1.1 step 6: FEATURES_OK not kept */
	fv.offered = ALL;
	fv.qmax[0] = fv.qmax[1] = 256;
	registered = NULL;
	CU_ASSERT_EQUAL(virtio_net_probe(&pd), -1);
	CU_ASSERT_PTR_NULL(registered);
	CU_ASSERT_STRING_EQUAL(last_log, "virtio-net 00:00.0: feature negotiation failed");
	teardown();
}

static void test_probe_legacy(void)
{
	struct vnet *vn = probe(0x1000, false, ALL, 1024);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vn);
	CU_ASSERT_EQUAL(fv.accepted, 0x20018020ull);       /* 32 bits, no VERSION_1 */
	CU_ASSERT_EQUAL(fv.status, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
				   VIRTIO_STATUS_DRIVER_OK);   /* no FEATURES_OK in legacy */
	CU_ASSERT_EQUAL(vn->hdr_len, 12);                 /* MRG_RXBUF: num_buffers present */
	CU_ASSERT_EQUAL(vn->rxq.size, 1024);              /* legacy: the device's size */
	teardown();

	vn = probe(0x1000, false, ALL & ~VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF), 256);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vn);
	CU_ASSERT_EQUAL(vn->hdr_len, 10);                 /* §5.1.6.1 legacy header */
	teardown();

	CU_ASSERT_PTR_NULL(probe(0x1000, false, ALL, 300)); /* not a power of two */
	teardown();
	CU_ASSERT_PTR_NULL(probe(0x1041, false, ALL, 256)); /* modern id without capabilities */
	teardown();
}

static void test_rx_deliver(void)
{
	struct vnet *vn = probe(0x1041, true, ALL & NO_EVENT_IDX, 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(vn);
	unsigned free0 = nb_pool_free();
	CU_ASSERT_EQUAL(vn->dev.ops->open(&vn->dev), 0);
	CU_ASSERT_EQUAL(vn->rxq.num_free, 0);             /* 8 buffers posted */
	CU_ASSERT_EQUAL(nb_pool_free(), free0 - 8);
	CU_ASSERT_EQUAL(vn->rxq.avail->idx, 8);
	CU_ASSERT_EQUAL(fv.kicks[0], 1);
	CU_ASSERT_EQUAL(vn->dev.flags & NETDEV_F_UP, NETDEV_F_UP);

	dev_rx(frame60, 60, 1, 72);
	CU_ASSERT_EQUAL(vn->dev.ops->poll(&vn->dev, 64), 1);
	CU_ASSERT_EQUAL_FATAL(nrxd, 1);
	CU_ASSERT_EQUAL(rxd[0]->len, 60);
	CU_ASSERT_EQUAL(memcmp(rxd[0]->data, frame60, 60), 0);
	CU_ASSERT_EQUAL(nb_headroom(rxd[0]), 12);         /* the virtio header was pulled */
	CU_ASSERT_EQUAL(vn->rxq.num_free, 0);             /* a fresh buffer took its place */
	CU_ASSERT_EQUAL(vn->rxq.avail->idx, 9);
	CU_ASSERT_EQUAL(fv.kicks[0], 2);
	CU_ASSERT_EQUAL(vn->dev.stats.rx_dropped, 0);
	teardown();
}

static void test_rx_malformed(void)
{
	struct vnet *vn = probe(0x1041, true, ALL, 8);
	vn->dev.ops->open(&vn->dev);
	dev_rx(frame60, 60, 1, 12 + 13);                  /* runt: under header + Ethernet */
	dev_rx(frame60, 60, 1, NB_BUF_SIZE + 1);          /* longer than the buffer */
	dev_rx(frame60, 60, 0, 72);                       /* num_buffers 0 */
	dev_rx(frame60, 60, 3, 72);                       /* spans 3 buffers: all 3 dropped */
	dev_rx(frame60, 60, 1, 72);
	dev_rx(frame60, 60, 1, 72);
	dev_rx(frame60, 60, 1, 72);                       /* the first good frame */
	CU_ASSERT_EQUAL(vn->dev.ops->poll(&vn->dev, 64), 7);
	CU_ASSERT_EQUAL(nrxd, 1);
	CU_ASSERT_EQUAL(vn->dev.stats.rx_bad_len, 2);
	CU_ASSERT_EQUAL(vn->rx_bad_hdr, 1);
	CU_ASSERT_EQUAL(vn->rx_multibuf, 1);
	CU_ASSERT_EQUAL(vn->dev.stats.rx_dropped, 4);
	CU_ASSERT_EQUAL(vn->rx_skip, 0);
	CU_ASSERT_EQUAL(vn->rxq.num_free, 0);             /* every buffer went back */
	teardown();
}

static void test_rx_pool_empty(void)
{
	struct netbuf *hoard = NULL, *nb;
	struct vnet *vn = probe(0x1041, true, ALL, 8);
	vn->dev.ops->open(&vn->dev);
	while ((nb = nb_alloc())) {
		nb->next = hoard;
		hoard = nb;
	}
	dev_rx(frame60, 60, 1, 72);
	CU_ASSERT_EQUAL(vn->dev.ops->poll(&vn->dev, 64), 1);
	CU_ASSERT_EQUAL(nrxd, 0);                         /* dropped ... */
	CU_ASSERT_EQUAL(vn->dev.stats.rx_nobuf, 1);
	CU_ASSERT_EQUAL(vn->rxq.num_free, 0);             /* ... and its buffer kept posted */
	while (hoard) {
		nb = hoard;
		hoard = nb->next;
		nb_free(nb);
	}
	dev_rx(frame60, 60, 1, 72);
	CU_ASSERT_EQUAL(vn->dev.ops->poll(&vn->dev, 64), 1);
	CU_ASSERT_EQUAL(nrxd, 1);
	teardown();
}

static void test_rx_posts_half_of_free(void)
{
	struct netbuf *hoard = NULL, *nb;
	struct vnet *vn = probe(0x1000, false, ALL, 1024);  /* legacy dictates 1024 entries */
	while (nb_pool_free() > 10 && (nb = nb_alloc())) {
		nb->next = hoard;
		hoard = nb;
	}
	CU_ASSERT_EQUAL(vn->dev.ops->open(&vn->dev), 0);
	CU_ASSERT_EQUAL(vn->rx_target, 5);
	CU_ASSERT_EQUAL(vn->rxq.size - vn->rxq.num_free, 5);
	CU_ASSERT_EQUAL(nb_pool_free(), 5);               /* the stack keeps the rest */
	while (hoard) {
		nb = hoard;
		hoard = nb->next;
		nb_free(nb);
	}
	teardown();
}

static void test_rx_budget_and_irq_race(void)
{
	struct vnet *vn = probe(0x1041, true, ALL & NO_EVENT_IDX, 8);
	vn->dev.ops->open(&vn->dev);
	CU_ASSERT_EQUAL(vn->rxq.avail->flags, 0);         /* open enabled the interrupt */
	fv.isr = 0;
	irq_intx(vn);                                     /* shared line, not ours */
	CU_ASSERT_EQUAL(vn->dev.stats.irqs, 0);
	CU_ASSERT_FALSE(vn->dev.scheduled);
	for (int i = 0; i < 6; i++)
		dev_rx(frame60, 60, 1, 72);
	fv.isr = VIRTIO_ISR_QUEUE;
	irq_intx(vn);
	CU_ASSERT_EQUAL(vn->dev.stats.irqs, 1);
	CU_ASSERT_TRUE(vn->dev.scheduled);
	CU_ASSERT_EQUAL(vn->rxq.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	unsigned k = fv.kicks[0];
	CU_ASSERT_EQUAL(vn->dev.ops->poll(&vn->dev, 4), 4);
	CU_ASSERT_EQUAL(fv.kicks[0], k + 1);              /* one notification per batch */
	CU_ASSERT_TRUE(vn->dev.ops->irq_enable(&vn->dev)); /* 2 still there: stay masked */
	CU_ASSERT_EQUAL(vn->rxq.avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
	CU_ASSERT_EQUAL(vn->dev.ops->poll(&vn->dev, 4), 2);
	CU_ASSERT_FALSE(vn->dev.ops->irq_enable(&vn->dev));
	CU_ASSERT_EQUAL(vn->rxq.avail->flags, 0);
	CU_ASSERT_EQUAL(nrxd, 6);
	teardown();
}

static void test_tx(void)
{
	uint8_t out[2048];
	struct vnet *vn = probe(0x1041, true, ALL & NO_EVENT_IDX, 4);
	vn->dev.ops->open(&vn->dev);
	unsigned free0 = nb_pool_free();

	struct netbuf *nb = nb_alloc();
	memset(nb->buf, 0xaa, nb_headroom(nb));           /* stale bytes where the header goes */
	memcpy(nb_put(nb, 60), frame60, 60);
	CU_ASSERT_EQUAL(vn->dev.ops->xmit(&vn->dev, nb), 0);
	CU_ASSERT_EQUAL(fv.kicks[1], 1);
	CU_ASSERT_EQUAL(dev_tx(out), 72);
	static const uint8_t zero[12];
	CU_ASSERT_EQUAL(memcmp(out, zero, 12), 0);        /* §5.1.6.2: no offload requested */
	CU_ASSERT_EQUAL(memcmp(out + 12, frame60, 60), 0);
	CU_ASSERT_EQUAL(nb_pool_free(), free0 - 1);       /* until reclaimed */
	vn->dev.ops->poll(&vn->dev, 64);
	CU_ASSERT_EQUAL(nb_pool_free(), free0);

	/* no headroom (a receive buffer turned around): moved, not dropped */
	nb = nb_alloc_rx();
	memcpy(nb_put(nb, 60), frame60, 60);
	CU_ASSERT_EQUAL(vn->dev.ops->xmit(&vn->dev, nb), 0);
	CU_ASSERT_EQUAL(vn->tx_moved, 1);
	CU_ASSERT_EQUAL(dev_tx(out), 72);
	CU_ASSERT_EQUAL(memcmp(out + 12, frame60, 60), 0);

	/* ring full: 4 in flight, the 5th is freed and counted */
	for (int i = 0; i < 5; i++) {
		nb = nb_alloc();
		memcpy(nb_put(nb, 60), frame60, 60);
		CU_ASSERT_EQUAL(vn->dev.ops->xmit(&vn->dev, nb), i < 4 ? 0 : -1);
	}
	CU_ASSERT_EQUAL(vn->dev.stats.tx_ring_full, 1);
	CU_ASSERT_EQUAL(vn->dev.stats.tx_dropped, 1);
	/* runt and oversized frames are refused */
	while (dev_tx(out))
		;
	nb = nb_alloc();
	nb_put(nb, 10);
	CU_ASSERT_EQUAL(vn->dev.ops->xmit(&vn->dev, nb), -1);
	nb = nb_alloc();
	nb_put(nb, 1600);
	CU_ASSERT_EQUAL(vn->dev.ops->xmit(&vn->dev, nb), -1);
	CU_ASSERT_EQUAL(vn->dev.stats.tx_errors, 2);
	vn->dev.ops->poll(&vn->dev, 64);
	CU_ASSERT_EQUAL(nb_pool_free(), free0);
	teardown();
}

/* Transmit one 60-byte frame; returns xmit's result. */
static int xmit60(struct vnet *vn)
{
	struct netbuf *nb = nb_alloc();
	memcpy(nb_put(nb, 60), frame60, 60);
	return vn->dev.ops->xmit(&vn->dev, nb);
}

/* The device's avail_event (§2.7.8: after used->ring[size]). */
static void set_avail_event(struct virtq *q, uint16_t v)
{
	*(uint16_t *)((uint8_t *)q->used + 4 + sizeof(struct virtq_used_elem) * q->size) = v;
}

/* QEMU's stall under load: with EVENT_IDX the device leaves avail_event at an index the
 * driver already passed while buffers are still pending, and waits for a kick that
 * need_event() never asks for. The driver must notify anyway when nothing comes back. */
static void test_tx_stall_kick(void)
{
	uint8_t out[2048];
	struct vnet *vn = probe(0x1041, true, ALL, 4);
	vn->dev.ops->open(&vn->dev);
	struct virtq *q = fv.q[VIRTIO_NET_Q_TX];
	CU_ASSERT_TRUE(q->event_idx);

	set_avail_event(q, 0);
	CU_ASSERT_EQUAL(xmit60(vn), 0);                   /* avail 0 -> 1 passes event 0 */
	CU_ASSERT_EQUAL(fv.kicks[1], 1);
	CU_ASSERT_EQUAL(xmit60(vn), 0);                   /* 1 -> 2: event 0 already passed */
	CU_ASSERT_EQUAL(xmit60(vn), 0);
	CU_ASSERT_EQUAL(fv.kicks[1], 1);
	/* the device takes one buffer, points avail_event at 1 (behind our 3) and stops */
	CU_ASSERT_EQUAL(dev_tx(out), 72);
	set_avail_event(q, 1);
	vn->dev.ops->poll(&vn->dev, 64);                  /* progress: no extra kick */
	CU_ASSERT_EQUAL(fv.kicks[1], 1);
	CU_ASSERT_EQUAL(vn->kicks_tx_stall, 0);
	CU_ASSERT_EQUAL(xmit60(vn), 0);                   /* 3 -> 4: need_event says no */
	CU_ASSERT_EQUAL(fv.kicks[1], 1);
	vn->dev.ops->poll(&vn->dev, 64);                  /* 3 in flight, none back: kick */
	CU_ASSERT_EQUAL(fv.kicks[1], 2);
	CU_ASSERT_EQUAL(vn->kicks_tx_stall, 1);
	CU_ASSERT_EQUAL(xmit60(vn), 0);                   /* fills the ring (4) */
	CU_ASSERT_EQUAL(xmit60(vn), -1);                  /* full: dropped, and a kick */
	CU_ASSERT_EQUAL(vn->dev.stats.tx_ring_full, 1);
	CU_ASSERT_EQUAL(fv.kicks[1], 3);
	CU_ASSERT_EQUAL(vn->kicks_tx_stall, 2);
	/* the kicked device drains everything: back to no extra notifications */
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(dev_tx(out), 72);
	CU_ASSERT_EQUAL(dev_tx(out), 0);
	vn->dev.ops->poll(&vn->dev, 64);
	vn->dev.ops->poll(&vn->dev, 64);                  /* nothing in flight: no kick */
	CU_ASSERT_EQUAL(fv.kicks[1], 3);
	CU_ASSERT_EQUAL(vn->txq.num_free, 4);
	teardown();
}

/* The watchdog repairs a lost receive interrupt (used entries, nothing scheduled) by
 * scheduling the poll, and a receive queue that did not move by one kick per period;
 * while the loop is polling the device it does nothing. */
static void test_watchdog(void)
{
	struct vnet *vn = probe(0x1041, true, ALL, 8);
	vn->dev.ops->open(&vn->dev);
	CU_ASSERT_FALSE(vn->dev.scheduled);
	unsigned k0 = fv.kicks[0];
	fake_advance(VNET_WATCHDOG_NS);                   /* idle: nothing moved since open */
	CU_ASSERT_EQUAL(vn->wd_rx_kicks, 1);
	CU_ASSERT_EQUAL(fv.kicks[0], k0 + 1);
	CU_ASSERT_EQUAL(vn->wd_lost_irqs, 0);

	dev_rx(frame60, 60, 1, 72);                       /* a frame whose interrupt is lost */
	fake_advance(VNET_WATCHDOG_NS);
	CU_ASSERT_TRUE(vn->dev.scheduled);
	CU_ASSERT_EQUAL(vn->wd_lost_irqs, 1);
	CU_ASSERT_EQUAL(vn->wd_rx_kicks, 1);              /* used idx moved: no kick */
	CU_ASSERT_EQUAL(vn->rxq.avail->ring[vn->rxq.size], (uint16_t)(vn->rxq.last_used - 1));
	fake_advance(VNET_WATCHDOG_NS);                   /* scheduled: left to the loop */
	CU_ASSERT_EQUAL(vn->wd_lost_irqs, 1);
	CU_ASSERT_EQUAL(vn->wd_rx_kicks, 1);
	CU_ASSERT_EQUAL(netdev_poll_once(&vn->dev), 1);
	CU_ASSERT_EQUAL(nrxd, 1);
	CU_ASSERT_FALSE(vn->dev.scheduled);
	fake_advance(VNET_WATCHDOG_NS);                   /* nothing moved this period: kick */
	CU_ASSERT_EQUAL(vn->wd_rx_kicks, 2);
	CU_ASSERT_EQUAL(vn->wd_lost_irqs, 1);
	CU_ASSERT_EQUAL(vn->dev.stats.wd_repairs, 3);     /* both, in ip -s link and /metrics */
	teardown();
}

static void test_link_change(void)
{
	struct vnet *vn = probe(0x1041, true, ALL, 8);
	vn->dev.ops->open(&vn->dev);
	fv.net_status = 0;
	fv.isr = VIRTIO_ISR_CONFIG;
	irq_intx(vn);
	CU_ASSERT_TRUE(vn->dev.scheduled);
	/* a configuration interrupt leaves receive interrupts enabled (used_event current) */
	CU_ASSERT_EQUAL(vn->rxq.avail->ring[vn->rxq.size], vn->rxq.last_used);
	vn->dev.ops->poll(&vn->dev, 64);
	CU_ASSERT_EQUAL(vn->dev.flags & NETDEV_F_LINK, 0);
	CU_ASSERT_STRING_EQUAL(last_log, "virtio-net eth0: link down");
	fv.net_status = VIRTIO_NET_S_LINK_UP;
	irq_config(vn);
	vn->dev.ops->poll(&vn->dev, 64);
	CU_ASSERT_EQUAL(vn->dev.flags & NETDEV_F_LINK, NETDEV_F_LINK);
	CU_ASSERT_STRING_EQUAL(last_log, "virtio-net eth0: link up");
	CU_ASSERT_EQUAL(vn->config_irqs, 2);
	teardown();
}

static CU_TestInfo tests[] = {
	{ "register_ids", test_register_ids },
	{ "probe_modern", test_probe_modern },
	{ "probe_modern_needs_version1", test_probe_modern_needs_version1 },
	{ "probe_features_refused", test_probe_features_refused },
	{ "probe_legacy", test_probe_legacy },
	{ "rx_deliver", test_rx_deliver },
	{ "rx_malformed", test_rx_malformed },
	{ "rx_pool_empty", test_rx_pool_empty },
	{ "rx_posts_half_of_free", test_rx_posts_half_of_free },
	{ "rx_budget_and_irq_race", test_rx_budget_and_irq_race },
	{ "tx", test_tx },
	{ "tx_stall_kick", test_tx_stall_kick },
	{ "watchdog", test_watchdog },
	{ "link_change", test_link_change },
	CU_TEST_INFO_NULL,
};
UNIT_SUITE("drivers/virtio_net", setup, NULL, tests);
