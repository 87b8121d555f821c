/* virtio-net driver (virtio 1.2 §5.1) for PCI devices 1AF4:1041 (modern) and 1AF4:1000
 * (transitional: modern when it has the virtio capabilities, else the legacy I/O interface).
 * One receive and one transmit split virtqueue, one netbuf per descriptor, NAPI-style: the
 * interrupt suppresses further receive interrupts and schedules the netdev; poll() receives.
 * Offers virtio_net_register() (declared in drivers/net/drivers.h). */
#include <string.h>
#include "drivers/net/virtio.h"
#include "drivers/net/virtio_ring.h"
#include "drivers/pci/pci.h"
#include "arch/x86_64/io.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/timer.h"
#include "net/netdev.h"
#include "drivers/net/drivers.h"

#define ETH_HLEN       14
#define VNET_RING_MAX  256        /* modern devices let us choose; bounded pool use */
#define MSIX_ENTRY_RX  0
#define MSIX_ENTRY_CFG 1

/* What we ask for. Checksum offload (CSUM/GUEST_CSUM) is left out: the stack computes and
 * verifies checksums itself, and a half-done offload is worse than none. */
#define VNET_WANTED (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_NET_F_MAC) | \
		     VIRTIO_BIT(VIRTIO_NET_F_STATUS) | VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | \
		     VIRTIO_BIT(VIRTIO_F_RING_EVENT_IDX))

struct vnet {
	struct netdev dev;
	struct virtio_pci vp;
	struct virtq rxq, txq;
	uint64_t features;          /* negotiated */
	uint16_t hdr_len;           /* virtio_net_hdr bytes in front of every frame */
	uint16_t rx_target;         /* receive buffers kept posted */
	uint16_t rx_skip;           /* MRG_RXBUF: buffers still to drop of a multi-buffer frame */
	volatile bool config_changed; /* set by the interrupt, handled by poll */
	bool ready;                 /* queues set up: the interrupt handlers may touch them */
	const char *irq_kind;
	/* driver counters beyond struct netdev_stats (ethtool -S style) */
	uint64_t rx_multibuf;       /* frames spanning more than one buffer: dropped */
	uint64_t rx_bad_hdr;        /* num_buffers == 0 */
	uint64_t tx_moved;          /* frames without headroom for the header: moved in place */
	uint64_t config_irqs;
	uint64_t kicks_rx, kicks_tx;
	uint64_t kicks_tx_stall;    /* extra transmit notifications: see tx_unstall() */
	/* watchdog (see vnet_watchdog): a lost interrupt or notification costs at most one period */
	struct timer watchdog;
	uint16_t wd_rx_used;        /* device's receive used idx at the last tick */
	uint64_t wd_lost_irqs;      /* receive work found with no poll scheduled */
	uint64_t wd_rx_kicks;       /* receive notifications sent because nothing moved */
};

#define VNET_WATCHDOG_NS (100ull * 1000 * 1000)

static bool has(const struct vnet *vn, int bit) { return vn->features & VIRTIO_BIT(bit); }

/* ---- link and interrupts ------------------------------------------------------------- */

/* §5.1.4: status is valid only with VIRTIO_NET_F_STATUS; without it the link is up. */
static void update_link(struct vnet *vn)
{
	bool up = !has(vn, VIRTIO_NET_F_STATUS) ||
		  (vp_config16(&vn->vp, VIRTIO_NET_CFG_STATUS) & VIRTIO_NET_S_LINK_UP);
	if (up)
		vn->dev.flags |= NETDEV_F_LINK;
	else
		vn->dev.flags &= ~NETDEV_F_LINK;
}

static void irq_rx_msix(void *arg)
{
	struct vnet *vn = arg;
	if (!vn->ready)
		return;
	virtq_disable_cb(&vn->rxq);
	netdev_schedule(&vn->dev);
}

/* Configuration change (§2.5): link status or DEVICE_NEEDS_RESET. Handled in poll. */
static void irq_config(void *arg)
{
	struct vnet *vn = arg;
	vn->config_irqs++;
	vn->config_changed = true;
	netdev_schedule(&vn->dev);
}

static void config_change(struct vnet *vn)
{
	uint32_t was = vn->dev.flags & NETDEV_F_LINK;
	vn->config_changed = false;
	update_link(vn);
	if ((vn->dev.flags & NETDEV_F_LINK) != was)
		log_info("virtio-net %s: link %s", vn->dev.name, was ? "down" : "up");
	if (vp_get_status(&vn->vp) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		log_err("virtio-net %s: device needs reset (§2.1.2); not supported", vn->dev.name);
}

/* INTx may be shared: reading the ISR acknowledges it (§4.1.4.5) and 0 means not ours. */
static void irq_intx(void *arg)
{
	struct vnet *vn = arg;
	uint8_t isr = vp_read_isr(&vn->vp);
	if (!isr)
		return;
	if (isr & VIRTIO_ISR_CONFIG)
		irq_config(vn);
	if ((isr & VIRTIO_ISR_QUEUE) && vn->ready) {
		virtq_disable_cb(&vn->rxq);
		netdev_schedule(&vn->dev);
	}
}

/* MSI-X entry 0 for receive, entry 1 for configuration changes; else INTx (§4.1.5.1.2). */
static int setup_irq(struct vnet *vn, struct pci_dev *pd)
{
	if (pd->msix_cap && pci_enable_msix(pd, MSIX_ENTRY_RX, irq_rx_msix, vn) >= 0) {
		vn->vp.msix = true;
		vn->irq_kind = "msix";
		if (pci_enable_msix(pd, MSIX_ENTRY_CFG, irq_config, vn) < 0 ||
		    !vp_set_config_vector(&vn->vp, MSIX_ENTRY_CFG))
			vp_set_config_vector(&vn->vp, VIRTIO_MSI_NO_VECTOR);
		return 0;
	}
	vn->irq_kind = "intx";
	return pci_enable_intx(pd, irq_intx, vn) >= 0 ? 0 : -1;
}

/* ---- receive ------------------------------------------------------------------------- */

/* Give a buffer (back) to the device: the whole buffer, header and frame (§5.1.6.3). */
static void rx_post(struct vnet *vn, struct netbuf *nb)
{
	nb->data = nb->buf;
	nb->len = 0;
	bool ok = virtq_add(&vn->rxq, virt_to_phys(nb->data), NB_BUF_SIZE, true, nb);
	ASSERT(ok);   /* a slot was freed by taking this or another buffer off the ring */
}

/* Top the ring up to rx_target buffers (open, or after an earlier shortage). */
static void rx_fill(struct vnet *vn)
{
	while (vn->rxq.size - vn->rxq.num_free < vn->rx_target) {
		struct netbuf *nb = nb_alloc_rx();
		if (!nb) {
			vn->dev.stats.rx_nobuf++;
			break;
		}
		rx_post(vn, nb);
	}
}

/* One used receive buffer of len bytes (from the device: untrusted). Takes nb: passes it to
 * net_rx() (which counts rx_packets/rx_bytes) and posts a fresh buffer, or, for a malformed
 * frame or an empty pool, drops the frame and posts nb again so the ring never shrinks. */
static void rx_one(struct vnet *vn, struct netbuf *nb, uint32_t len)
{
	struct netdev *dev = &vn->dev;
	struct netbuf *fresh;

	if (vn->rx_skip) {          /* tail of a multi-buffer frame, already counted */
		vn->rx_skip--;
		rx_post(vn, nb);
		return;
	}
	if (len < (uint32_t)vn->hdr_len + ETH_HLEN || len > NB_BUF_SIZE) {
		dev->stats.rx_bad_len++;
		goto drop;
	}
	if (has(vn, VIRTIO_NET_F_MRG_RXBUF)) {
		/* §5.1.6.4: num_buffers counts this and the following buffers of the frame. */
		uint16_t nbufs = ((const struct virtio_net_hdr *)nb->data)->num_buffers;
		if (nbufs == 0) {
			vn->rx_bad_hdr++;
			goto drop;
		}
		if (nbufs > 1) {
			vn->rx_skip = (uint16_t)MIN(nbufs - 1u, vn->rxq.size);
			vn->rx_multibuf++;
			goto drop;
		}
	}
	if (!(fresh = nb_alloc_rx())) {
		dev->stats.rx_nobuf++;
		goto drop;
	}
	nb->len = len;
	nb_pull(nb, vn->hdr_len);
	rx_post(vn, fresh);
	net_rx(dev, nb);
	return;
drop:
	dev->stats.rx_dropped++;
	rx_post(vn, nb);
}

/* ---- transmit ------------------------------------------------------------------------ */

/* Returns how many transmitted buffers came back (and were freed). */
static unsigned tx_reclaim(struct vnet *vn)
{
	struct netbuf *nb;
	uint32_t len;
	unsigned n = 0;
	while ((nb = virtq_get(&vn->txq, &len))) {
		nb_free(nb);
		n++;
	}
	if (n && vn->txq.event_idx)
		virtq_disable_cb(&vn->txq);   /* keep used_event trailing: no tx interrupts */
	return n;
}

/* Notify the device about the transmit queue although virtq_publish() said it need not.
 * With EVENT_IDX the device's avail_event decides (§2.7.10): it asks to be notified when
 * avail idx passes it. QEMU (hw/net/virtio-net.c, 7.x) can leave avail_event at an index we
 * already passed while buffers are still pending: when the tap backend is busy a send
 * completes asynchronously, the completion re-enables notifications and flushes one burst
 * (tx_burst); every pop moves avail_event to its last_avail_idx, so after a full burst it
 * points behind our avail idx and nothing reschedules the rest. need_event() then never
 * fires again: the device stops consuming the ring, tx_ring_full climbs and flows die
 * (event_idx=off hides it because flag-based re-enabling clears NO_NOTIFY). A notification
 * the device did not ask for is harmless (§2.7.10 suppression is only an optimisation;
 * QEMU ignores a kick while its flush is pending), so we kick whenever buffers are in
 * flight and none came back since the last look: bounded to one per poll or full-ring xmit. */
static void tx_unstall(struct vnet *vn)
{
	vn->kicks_tx_stall++;
	vp_notify(&vn->vp, &vn->txq);
}

/* netdev_xmit() asks before each frame, so a full ring holds frames in its backlog. */
static bool vnet_tx_ready(struct netdev *dev)
{
	struct vnet *vn = dev->priv;
	tx_reclaim(vn);
	return vn->txq.num_free > 0;
}

/* Takes nb in every case: queued for the device (freed when it is done) or freed here. */
static int vnet_xmit(struct netdev *dev, struct netbuf *nb)
{
	struct vnet *vn = dev->priv;
	uint16_t hl = vn->hdr_len;

	tx_reclaim(vn);
	if (vn->txq.num_free == 0) {
		dev->stats.tx_ring_full++;
		tx_unstall(vn);           /* nothing came back with the ring full: see above */
		goto drop;
	}
	if (nb->len < ETH_HLEN || nb->len > dev->mtu + ETH_HLEN + 4u) {
		dev->stats.tx_errors++;
		goto drop;
	}
	if (nb_headroom(nb) < hl) {
		if (nb_tailroom(nb) < hl) {
			dev->stats.tx_errors++;
			goto drop;
		}
		memmove(nb->data + hl, nb->data, nb->len);
		nb->data += hl;
		vn->tx_moved++;
	}
	/* §5.1.6.2: no offloads requested: flags 0, gso_type NONE, the rest ignored. */
	memset(nb_push(nb, hl), 0, hl);
	virtq_add(&vn->txq, virt_to_phys(nb->data), nb->len, false, nb);
	if (virtq_publish(&vn->txq)) {
		vn->kicks_tx++;
		vp_notify(&vn->vp, &vn->txq);
	}
	return 0;
drop:
	dev->stats.tx_dropped++;
	nb_free(nb);
	return -1;
}

/* ---- NAPI ops ------------------------------------------------------------------------ */

static int vnet_poll(struct netdev *dev, int budget)
{
	struct vnet *vn = dev->priv;
	struct netbuf *nb;
	uint32_t len;
	int n = 0;

	if (unlikely(vn->config_changed))
		config_change(vn);
	if (!tx_reclaim(vn) && vn->txq.num_free < vn->txq.size)
		tx_unstall(vn);           /* in flight and no progress: see tx_unstall() */
	while (n < budget && (nb = virtq_get(&vn->rxq, &len))) {
		rx_one(vn, nb, len);
		n++;
	}
	if (unlikely(vn->rxq.size - vn->rxq.num_free < vn->rx_target))
		rx_fill(vn);
	if (virtq_publish(&vn->rxq)) {   /* one notification per batch, if the device wants it */
		vn->kicks_rx++;
		vp_notify(&vn->vp, &vn->rxq);
	}
	return n;
}

static bool vnet_irq_enable(struct netdev *dev)
{
	struct vnet *vn = dev->priv;
	return virtq_enable_cb(&vn->rxq);
}

static void vnet_irq_disable(struct netdev *dev)
{
	struct vnet *vn = dev->priv;
	virtq_disable_cb(&vn->rxq);
}

/* Safety net, not the data path. Under a ping flood QEMU's virtio-net (legacy, EVENT_IDX)
 * was seen to stop delivering: the guest idle with its interrupt enabled, frames held in the
 * tap backend, nothing moving until a link change. Whether an interrupt or a notification
 * went missing, both are cheap to repair from here: used entries with no poll scheduled are
 * a lost interrupt (schedule the poll, as the handler would); an unmoved used idx with
 * buffers posted may be a lost notification, and a notification the device did not ask for
 * is harmless (§2.7.10 suppression is only an optimisation), so kick the receive queue; the
 * transmit queue gets the same look as in poll. At most one kick per queue per 100 ms. */
static void vnet_watchdog(struct timer *t)
{
	struct vnet *vn = container_of(t, struct vnet, watchdog);
	uint16_t used = *(volatile uint16_t *)&vn->rxq.used->idx;

	if (vn->dev.scheduled)
		return;                   /* the loop is on it */
	if (virtq_has_used(&vn->rxq)) {
		vn->wd_lost_irqs++;
		vn->dev.stats.wd_repairs++;
		virtq_disable_cb(&vn->rxq);
		vn->dev.scheduled = 1;
	} else if (used == vn->wd_rx_used && vn->rxq.num_free < vn->rxq.size) {
		vn->wd_rx_kicks++;
		vn->dev.stats.wd_repairs++;
		vp_notify(&vn->vp, &vn->rxq);
	}
	vn->wd_rx_used = used;
	if (!tx_reclaim(vn) && vn->txq.num_free < vn->txq.size)
		tx_unstall(vn);
}

static int vnet_open(struct netdev *dev)
{
	struct vnet *vn = dev->priv;

	/* A legacy device may dictate a 1024-entry ring: filling it could empty the pool and
	 * leave the stack (and later interfaces) nothing. Post at most half of what is free. */
	vn->rx_target = (uint16_t)MIN(MIN(vn->rxq.size, VNET_RING_MAX), nb_pool_free() / 2);
	rx_fill(vn);
	if (vn->rxq.num_free == vn->rxq.size) {
		log_err("virtio-net %s: no receive buffers", dev->name);
		return -1;
	}
	if (virtq_publish(&vn->rxq))
		vp_notify(&vn->vp, &vn->rxq);
	update_link(vn);
	dev->flags |= NETDEV_F_UP;
	if (virtq_enable_cb(&vn->rxq))
		dev->scheduled = 1;
	timer_init(&vn->watchdog, vnet_watchdog);
	timer_arm_periodic(&vn->watchdog, VNET_WATCHDOG_NS);
	return 0;
}

static const struct netdev_ops vnet_ops = {
	.open = vnet_open,
	.xmit = vnet_xmit,
	.tx_ready = vnet_tx_ready,
	.poll = vnet_poll,
	.irq_enable = vnet_irq_enable,
	.irq_disable = vnet_irq_disable,
};

/* ---- initialisation (§3.1.1) --------------------------------------------------------- */

/* §3.1.1 steps 4-6. Modern: VERSION_1 is required; the device must keep FEATURES_OK. */
static int negotiate(struct vnet *vn)
{
	uint64_t offered = vp_get_features(&vn->vp);

	vn->features = offered & VNET_WANTED;
	if (vn->vp.modern && !has(vn, VIRTIO_F_VERSION_1))
		return -1;
	if (!vn->vp.modern)
		vn->features &= 0xffffffffu;      /* legacy: 32 feature bits only */
	vp_set_features(&vn->vp, vn->features);
	if (!vn->vp.modern)
		goto done;                        /* legacy has no FEATURES_OK (§3.1.2) */
	vp_add_status(&vn->vp, VIRTIO_STATUS_FEATURES_OK);
	if (!(vp_get_status(&vn->vp) & VIRTIO_STATUS_FEATURES_OK))
		return -1;
done:
	/* §5.1.6.1: the 12-byte header with num_buffers, except legacy without MRG_RXBUF. */
	vn->hdr_len = (vn->vp.modern || has(vn, VIRTIO_NET_F_MRG_RXBUF)) ?
		      VIRTIO_NET_HDR_LEN : VIRTIO_NET_HDR_LEN_LEGACY;
	return 0;
}

static int setup_queue(struct vnet *vn, struct virtq *vq, uint16_t idx, uint16_t msix_entry)
{
	uint16_t max = vp_queue_max(&vn->vp, idx), size;

	if (max == 0)
		return -1;
	if (vn->vp.modern) {                  /* §4.1.4.3 queue_size: may be reduced */
		size = 1;
		while (size * 2u <= MIN(max, VNET_RING_MAX))
			size *= 2;
	} else {                              /* legacy: the device's size or nothing */
		if (max > VIRTQ_MAX_SIZE || (max & (max - 1)))
			return -1;
		size = max;
	}
	void *mem = dma_alloc(virtq_mem_size(size), VIRTIO_PCI_VRING_ALIGN);
	virtq_init(vq, idx, size, mem, virt_to_phys(mem), has(vn, VIRTIO_F_RING_EVENT_IDX));
	virtq_disable_cb(vq);                 /* rx: until open; tx: for good */
	return vp_setup_queue(&vn->vp, idx, vq, vn->vp.msix ? msix_entry : VIRTIO_MSI_NO_VECTOR);
}

/* §5.1.4: the MAC, read consistently (§2.5.1 config_generation). Without VIRTIO_NET_F_MAC
 * the driver picks one: locally administered (02:...) from the TSC. */
static void read_mac(struct vnet *vn)
{
	if (!has(vn, VIRTIO_NET_F_MAC)) {
		uint64_t r = rdtsc() * 0x9e3779b97f4a7c15ull;
		vn->dev.mac[0] = 0x02;
		for (int i = 1; i < 6; i++)
			vn->dev.mac[i] = (uint8_t)(r >> (8 * i));
		return;
	}
	for (int tries = 0; tries < 100; tries++) {
		uint8_t gen = vp_config_gen(&vn->vp);
		for (int i = 0; i < 6; i++)
			vn->dev.mac[i] = vp_config8(&vn->vp, VIRTIO_NET_CFG_MAC + i);
		if (vp_config_gen(&vn->vp) == gen)
			return;
	}
}

/* §3.1.1 driver initialisation, steps 1-8. */
static const char *init_device(struct vnet *vn, struct pci_dev *pd)
{
	if (vp_reset(&vn->vp) < 0)                              /* 1 */
		return "reset did not complete";
	vp_add_status(&vn->vp, VIRTIO_STATUS_ACKNOWLEDGE);      /* 2 */
	vp_add_status(&vn->vp, VIRTIO_STATUS_DRIVER);           /* 3 */
	if (negotiate(vn) < 0)                                  /* 4, 5, 6 */
		return "feature negotiation failed";
	if (setup_irq(vn, pd) < 0)                              /* 7: device-specific set-up */
		return "no interrupt";
	if (setup_queue(vn, &vn->rxq, VIRTIO_NET_Q_RX, MSIX_ENTRY_RX) < 0)
		return "receive queue refused";
	if (setup_queue(vn, &vn->txq, VIRTIO_NET_Q_TX, VIRTIO_MSI_NO_VECTOR) < 0)
		return "transmit queue refused";
	read_mac(vn);
	vn->ready = true;
	vp_add_status(&vn->vp, VIRTIO_STATUS_DRIVER_OK);        /* 8 */
	if (vp_get_status(&vn->vp) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return "device needs reset";
	return NULL;
}

static int virtio_net_probe(struct pci_dev *pd)
{
	/* Zeroed; devices are never removed, so never freed (a refused device leaks it). */
	struct vnet *vn = dma_alloc(sizeof(*vn), 64);
	const char *err;

	if (vp_modern_probe(&vn->vp, pd) < 0 &&
	    (pd->device != VIRTIO_PCI_DEV_NET_LEGACY || vp_legacy_probe(&vn->vp, pd) < 0)) {
		log_err("virtio-net %02x:%02x.%x: no usable modern or legacy interface",
			pd->bus, pd->slot, pd->func);
		return -1;
	}
	pci_enable(pd, !vn->vp.modern);
	if ((err = init_device(vn, pd))) {
		/* The device may be half set up and own our rings: leave it FAILED, keep vn. */
		vp_add_status(&vn->vp, VIRTIO_STATUS_FAILED);
		log_err("virtio-net %02x:%02x.%x: %s", pd->bus, pd->slot, pd->func, err);
		return -1;
	}
	vn->dev.mtu = 1500;
	vn->dev.ops = &vnet_ops;
	vn->dev.priv = vn;
	vn->dev.driver = "virtio-net";
	update_link(vn);
	if (netdev_register(&vn->dev) < 0) {
		vp_reset(&vn->vp);
		log_err("virtio-net: too many interfaces");
		return -1;
	}
	const uint8_t *m = vn->dev.mac;
	log_info("virtio-net %s: %s, mac %02x:%02x:%02x:%02x:%02x:%02x, features 0x%llx, "
		 "queues rx=%u tx=%u, irq %s", vn->dev.name, vn->vp.modern ? "modern" : "legacy",
		 m[0], m[1], m[2], m[3], m[4], m[5], (unsigned long long)vn->features,
		 vn->rxq.size, vn->txq.size, vn->irq_kind);
	return 0;
}

static const uint16_t virtio_net_ids[][2] = {
	{ VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEV_NET_LEGACY },
	{ VIRTIO_PCI_VENDOR, VIRTIO_PCI_DEV_NET_MODERN },
	{ 0, 0 },
};

static const struct pci_driver virtio_net_driver = {
	.name = "virtio-net",
	.ids = virtio_net_ids,
	.probe = virtio_net_probe,
};

void virtio_net_register(void)
{
	pci_register_driver(&virtio_net_driver);
}
