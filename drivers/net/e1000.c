/* Intel e1000 family driver: 82540EM/82545EM ("e1000") and 82574L ("e1000e") with one code
 * path and a per-model table for the differences (EERD layout, TIPG, MSI-X set-up). Legacy
 * descriptors, 256-entry rings, netbufs DMA'd in place, NAPI-style polling (DESIGN.md).
 * Offers e1000_register(); everything else is reached through struct netdev_ops. */
#include "arch/x86_64/io.h"
#include "drivers/net/drivers.h"
#include "drivers/net/e1000_regs.h"
#include "drivers/pci/pci.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/time.h"
#include "net/netbuf.h"
#include "net/netdev.h"

#define RX_RING_SIZE  256        /* at most; x16 bytes = 4 KiB, a multiple of 128 (RDLEN) */
#define RX_RING_MIN   32         /* a smaller pool than 4x this refuses to open the device */
#define TX_RING_SIZE  256
#define RING_ALIGN    128        /* RDLEN/TDLEN: 128-byte multiples, 16-byte base */
#define MAX_FRAME     1522       /* RCTL.LPE off: longer frames are dropped by the MAC */
#define RESET_SETTLE_NS  (1 * NS_PER_MS)
#define RESET_TIMEOUT_NS (50 * NS_PER_MS)
#define EERD_TIMEOUT_NS  (10 * NS_PER_MS)

/* Interrupt moderation. 8254x SDM 13.4.18 ITR counts 256 ns units: 196 -> at most ~20,000
 * interrupts/s; under load NAPI keeps the interrupt masked anyway. the RDTR/RADV registers
 * stay 0 so the first frame after idle interrupts at once (echo latency); ITR alone bounds
 * the rate. TIDV/TADV delay TX write-back interrupts, which we leave masked:
 * finished transmit buffers are reclaimed by xmit() and poll(). */
#define E1000_ITR_INTERVAL  196
#define E1000_RDTR_DELAY    0
#define E1000_RADV_DELAY    0
#define E1000_TIDV_DELAY    8        /* 1.024 us units */
#define E1000_TADV_DELAY    32

/* Causes we unmask: receive timer, ring below threshold, overrun, link change (13.4.20). */
#define E1000_IMS_LEGACY  (E1000_ICR_RXT0 | E1000_ICR_RXDMT0 | E1000_ICR_RXO | E1000_ICR_LSC)
/* 82574 MSI-X: the queue causes are what raise a vector (82574 DS, MSI-X and IVAR). */
#define E1000_IMS_MSIX    (E1000_ICR_RXQ0 | E1000_ICR_OTHER | E1000_ICR_LSC)
#define E1000_MSIX_RX     0          /* MSI-X table entries: see setup_msix() */
#define E1000_MSIX_OTHER  1

struct e1000_model {
	const char *driver;
	uint32_t eerd_done, eerd_addr_shift;
	uint32_t tipg;
	bool pcie;                       /* 82574: MSI-X, IVAR, EITR */
};

static const struct e1000_model model_8254x = {
	.driver = "e1000", .eerd_done = E1000_EERD_DONE_8254X,
	.eerd_addr_shift = E1000_EERD_ADDR_8254X, .tipg = E1000_TIPG_8254X,
};
static const struct e1000_model model_82574 = {
	.driver = "e1000e", .eerd_done = E1000_EERD_DONE_82574,
	.eerd_addr_shift = E1000_EERD_ADDR_82574, .tipg = E1000_TIPG_82574, .pcie = true,
};

struct e1000 {
	struct netdev dev;
	volatile uint8_t *regs;
	const struct e1000_model *model;
	struct pci_dev *pd;
	uint32_t ims;                    /* causes unmasked at open */
	uint32_t napi_bits;              /* the subset irq_disable/irq_enable toggle */
	const char *irq_kind;
	int vector;
	uint32_t link_seen;              /* NETDEV_F_LINK as last logged */

	volatile struct e1000_rx_desc *rx;
	struct netbuf *rx_nb[RX_RING_SIZE];
	uint16_t rx_size;                /* power of two, RX_RING_MIN..RX_RING_SIZE */
	uint16_t rx_next;                /* next descriptor the device completes */
	bool rx_discard;                 /* inside a frame spanning descriptors: drop to EOP */

	volatile struct e1000_tx_desc *tx;
	struct netbuf *tx_nb[TX_RING_SIZE];
	uint16_t tx_tail;                /* next free descriptor (mirrors TDT) */
	uint16_t tx_clean;               /* oldest descriptor not yet reclaimed */
};

/* Counters the netdev_stats table has no slot for. */
struct e1000_drop_stats {
	uint64_t rx_frame_err;           /* descriptor error bits: CRC, symbol, sequence, ... */
	uint64_t rx_span;                /* frame spanning descriptors (longer than a buffer) */
	uint64_t tx_bad_len;
};
static struct e1000_drop_stats e1000_drops;

static inline uint32_t rd32(struct e1000 *e, uint32_t reg)
{
	return mmio_read32(e->regs + reg);
}

static inline void wr32(struct e1000 *e, uint32_t reg, uint32_t v)
{
	mmio_write32(e->regs + reg, v);
}

static void update_link(struct e1000 *e)
{
	if (rd32(e, E1000_STATUS) & E1000_STATUS_LU)
		e->dev.flags |= NETDEV_F_LINK;
	else
		e->dev.flags &= ~NETDEV_F_LINK;
}

/* ---- bring-up --------------------------------------------------------------------------- */

/* Global reset (CTRL.RST, 8254x SDM 13.4.1): bounded wait for RST to self-clear, then mask
 * every interrupt and clear pending causes. */
static int e1000_reset(struct e1000 *e)
{
	wr32(e, E1000_IMC, 0xFFFFFFFFu);
	wr32(e, E1000_CTRL, rd32(e, E1000_CTRL) | E1000_CTRL_RST);
	/* Leave the MAC alone while it resets (the SDM asks for 1 us; 1 ms covers the 82574's
	 * PHY and EEPROM reload) before polling for RST to self-clear. */
	uint64_t t0 = time_now_ns();
	while (time_now_ns() - t0 < RESET_SETTLE_NS)
		cpu_relax();
	while (rd32(e, E1000_CTRL) & E1000_CTRL_RST) {
		if (time_now_ns() - t0 > RESET_TIMEOUT_NS)
			return -1;
		cpu_relax();
	}
	wr32(e, E1000_IMC, 0xFFFFFFFFu);
	(void)rd32(e, E1000_ICR);
	return 0;
}

/* One 16-bit EEPROM word through EERD (8254x SDM 13.4.4). Returns -1 on timeout. */
static int eeprom_read(struct e1000 *e, uint8_t word, uint16_t *out)
{
	const struct e1000_model *m = e->model;
	wr32(e, E1000_EERD, E1000_EERD_START | (uint32_t)word << m->eerd_addr_shift);
	uint64_t t0 = time_now_ns();
	for (;;) {
		uint32_t v = rd32(e, E1000_EERD);
		if (v & m->eerd_done) {
			*out = (uint16_t)(v >> E1000_EERD_DATA_SHIFT);
			return 0;
		}
		if (time_now_ns() - t0 > EERD_TIMEOUT_NS)
			return -1;
		cpu_relax();
	}
}

/* The MAC: RAL0/RAH0 when valid (QEMU and most firmware load them from the EEPROM at reset),
 * else EEPROM words 0-2 (the Ethernet address in the 8254x SDM EEPROM map), written back
 * to RAL0/RAH0 for the receive filter. */
static int read_mac(struct e1000 *e)
{
	uint8_t *mac = e->dev.mac;
	uint32_t ral = rd32(e, E1000_RAL0), rah = rd32(e, E1000_RAH0);
	if ((rah & E1000_RAH_AV) && (ral || (rah & 0xFFFF))) {
		for (int i = 0; i < 4; i++)
			mac[i] = (uint8_t)(ral >> (8 * i));
		mac[4] = (uint8_t)rah;
		mac[5] = (uint8_t)(rah >> 8);
		return 0;
	}
	for (int w = 0; w < 3; w++) {
		uint16_t v;
		if (eeprom_read(e, (uint8_t)w, &v) < 0)
			return -1;
		mac[2 * w] = (uint8_t)v;
		mac[2 * w + 1] = (uint8_t)(v >> 8);
	}
	wr32(e, E1000_RAL0, mac[0] | mac[1] << 8 | mac[2] << 16 | (uint32_t)mac[3] << 24);
	wr32(e, E1000_RAH0, mac[4] | mac[5] << 8 | E1000_RAH_AV);
	return 0;
}

/* Receive ring size: RX_RING_SIZE, or less when the netbuf pool (sized from the memory map)
 * is small, so the ring holds at most a quarter of the pool and the stack keeps the rest. */
static uint16_t rx_ring_size(void)
{
	uint16_t n = RX_RING_SIZE;
	while (n > RX_RING_MIN && n * 4u > nb_pool_total())
		n /= 2;
	return n;
}

/* Receive set-up, 8254x SDM 14.4: clear MTA, ring base/length, head 0, tail one short of
 * the end (RDH == RDT means empty), then RCTL. Every descriptor carries a netbuf. */
static int rx_init(struct e1000 *e)
{
	for (int i = 0; i < E1000_MTA_N; i++)
		wr32(e, E1000_MTA + 4 * i, 0);
	e->rx_size = rx_ring_size();
	for (int i = 0; i < e->rx_size; i++) {
		struct netbuf *nb = nb_alloc_rx();
		if (!nb) {
			while (i-- > 0) {    /* the ring is not enabled yet: take them back */
				nb_free(e->rx_nb[i]);
				e->rx_nb[i] = NULL;
			}
			return -1;
		}
		e->rx_nb[i] = nb;
		e->rx[i].addr = virt_to_phys(nb->data);
		e->rx[i].status = 0;
	}
	uint64_t pa = virt_to_phys((const void *)e->rx);
	wr32(e, E1000_RDBAL, (uint32_t)pa);
	wr32(e, E1000_RDBAH, (uint32_t)(pa >> 32));
	wr32(e, E1000_RDLEN, e->rx_size * sizeof(struct e1000_rx_desc));
	wr32(e, E1000_RDTR, E1000_RDTR_DELAY);
	wr32(e, E1000_RADV, E1000_RADV_DELAY);
	wr32(e, E1000_RDH, 0);
	wr32(e, E1000_RDT, e->rx_size - 1u);
	e->rx_next = 0;
	/* Broadcast accept, 2048-byte buffers, strip CRC; RDMTS 1/2 raises RXDMT0 early. */
	wr32(e, E1000_RCTL, E1000_RCTL_EN | E1000_RCTL_BAM | E1000_RCTL_BSIZE_2048 |
			    E1000_RCTL_SECRC | E1000_RCTL_RDMTS_HALF);
	return 0;
}

/* Transmit set-up, 8254x SDM 14.5: ring, TDH = TDT = 0, TIPG, then TCTL with pad-short-
 * packets, collision threshold and full-duplex collision distance. */
static void tx_init(struct e1000 *e)
{
	uint64_t pa = virt_to_phys((const void *)e->tx);
	wr32(e, E1000_TDBAL, (uint32_t)pa);
	wr32(e, E1000_TDBAH, (uint32_t)(pa >> 32));
	wr32(e, E1000_TDLEN, TX_RING_SIZE * sizeof(struct e1000_tx_desc));
	wr32(e, E1000_TDH, 0);
	wr32(e, E1000_TDT, 0);
	wr32(e, E1000_TIDV, E1000_TIDV_DELAY);
	wr32(e, E1000_TADV, E1000_TADV_DELAY);
	wr32(e, E1000_TIPG, e->model->tipg);
	wr32(e, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP |
			    E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT |
			    E1000_TCTL_COLD_FD << E1000_TCTL_COLD_SHIFT);
	e->tx_tail = e->tx_clean = 0;
}

/* ---- interrupts ------------------------------------------------------------------------- */

/* Mask the causes NAPI toggles (all of ours for INTx/MSI, the receive queue for MSI-X). */
static void napi_mask(struct e1000 *e)
{
	wr32(e, E1000_IMC, e->napi_bits);
}

/* INTx or MSI. Reading ICR clears it (13.4.17). No cause of ours means the interrupt belongs
 * to another device on a shared line: return without touching anything else. */
static void e1000_irq(void *arg)
{
	struct e1000 *e = arg;
	uint32_t icr = rd32(e, E1000_ICR);
	if (!(icr & e->ims))
		return;
	napi_mask(e);
	if (icr & E1000_ICR_LSC)
		update_link(e);
	netdev_schedule(&e->dev);
}

/* MSI-X entry 0, receive: EIAME/IAM already masked RXQ0 and EIAC cleared it when the
 * message was sent (82574 DS: EIAC, IAM, CTRL_EXT.EIAME): no register to touch here. */
static void e1000_irq_msix_rx(void *arg)
{
	struct e1000 *e = arg;
	netdev_schedule(&e->dev);
}

/* MSI-X entry 1, "other" causes: link status change is the one we enable. In MSI-X mode an
 * ICR read does not clear LSC, and a latched LSC keeps re-raising "other": write 1 to clear
 * it before sampling STATUS, so a change after the sample interrupts again. EIAC auto-masks
 * "other" along with clearing it (unless CTRL_EXT.IAME), so unmask it again. The poll that
 * follows logs the change. */
static void e1000_irq_msix_other(void *arg)
{
	struct e1000 *e = arg;
	wr32(e, E1000_ICR, E1000_ICR_LSC | E1000_ICR_OTHER);
	update_link(e);
	wr32(e, E1000_IMS, E1000_ICR_OTHER | E1000_ICR_LSC);
	netdev_schedule(&e->dev);
}

/* 82574 with MSI-X (82574 DS: MSI-X, IVAR, EIAC, IAM): two vectors. Entry 0 takes the receive
 * (and transmit) queue causes and costs no register access per interrupt; entry 1 takes
 * "other" (link) so the receive path never reads ICR. EIAC auto-clears the causes when their
 * message is sent, CTRL_EXT.EIAME with IAM auto-masks the queue causes (the NAPI mask),
 * PBA_CLR as the CTRL_EXT description requires in MSI-X mode. */
static int setup_msix(struct e1000 *e)
{
	int v = pci_enable_msix(e->pd, E1000_MSIX_RX, e1000_irq_msix_rx, e);
	if (v < 0)
		return -1;
	unsigned other = E1000_MSIX_OTHER;
	if (pci_enable_msix(e->pd, E1000_MSIX_OTHER, e1000_irq_msix_other, e) < 0) {
		log_warn("%s: no second MSI-X vector, link changes are not reported", e->dev.name);
		other = E1000_MSIX_RX;
	}
	wr32(e, E1000_IVAR, E1000_IVAR_RXQ0(E1000_MSIX_RX) | E1000_IVAR_TXQ0(E1000_MSIX_RX) |
			    E1000_IVAR_OTHER(other) | E1000_IVAR_TX_EVERY_WB);
	wr32(e, E1000_EIAC, E1000_ICR_RXQ0 | E1000_ICR_TXQ0 | E1000_ICR_OTHER);
	wr32(e, E1000_IAM, E1000_ICR_RXQ0 | E1000_ICR_TXQ0);
	wr32(e, E1000_CTRL_EXT, rd32(e, E1000_CTRL_EXT) | E1000_CTRL_EXT_PBA_CLR |
				E1000_CTRL_EXT_EIAME);
	wr32(e, E1000_EITR(E1000_MSIX_RX), E1000_ITR_INTERVAL);
	e->ims = E1000_IMS_MSIX;
	e->napi_bits = E1000_ICR_RXQ0;
	e->irq_kind = "msix";
	return v;
}

static int setup_irq(struct e1000 *e)
{
	int v = -1;
	e->ims = e->napi_bits = E1000_IMS_LEGACY;
	if (e->model->pcie && e->pd->msix_cap && (v = setup_msix(e)) >= 0)
		return v;
	if (e->pd->msi_cap && (v = pci_enable_msi(e->pd, e1000_irq, e)) >= 0) {
		e->irq_kind = "msi";
		return v;
	}
	e->irq_kind = "intx";
	return pci_enable_intx(e->pd, e1000_irq, e);
}

/* ---- data path -------------------------------------------------------------------------- */

/* Free transmitted frames: descriptors the device marked DD, oldest first. */
static void tx_reclaim(struct e1000 *e)
{
	uint16_t c = e->tx_clean;
	while (c != e->tx_tail && (e->tx[c].status & E1000_TXD_STAT_DD)) {
		nb_free(e->tx_nb[c]);
		e->tx_nb[c] = NULL;
		c = (uint16_t)((c + 1) % TX_RING_SIZE);
	}
	e->tx_clean = c;
}

/* netdev_xmit() asks before each frame, so a full ring holds frames in its backlog. */
static bool e1000_tx_ready(struct netdev *dev)
{
	struct e1000 *e = dev->priv;
	tx_reclaim(e);
	return (uint16_t)((e->tx_tail + 1) % TX_RING_SIZE) != e->tx_clean;
}

/* Takes ownership of nb on every path: queued on the ring, or freed and counted. */
static int e1000_xmit(struct netdev *dev, struct netbuf *nb)
{
	struct e1000 *e = dev->priv;
	uint16_t t = e->tx_tail, next = (uint16_t)((t + 1) % TX_RING_SIZE);

	tx_reclaim(e);       /* a descriptor read, no register access: keeps the pool full */
	if (unlikely(nb->len == 0 || nb->len > E1000_TXD_MAX_LEN)) {
		e1000_drops.tx_bad_len++;
		goto drop;
	}
	if (unlikely(next == e->tx_clean)) {
		dev->stats.tx_ring_full++;
		goto drop;
	}
	volatile struct e1000_tx_desc *d = &e->tx[t];
	d->addr = virt_to_phys(nb->data);
	d->length = (uint16_t)nb->len;
	d->cso = 0;
	d->css = 0;
	d->special = 0;
	d->status = 0;
	/* 8254x SDM 3.3.3: EOP one descriptor per frame, IFCS append the CRC, RS report status (DD). */
	d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	e->tx_nb[t] = nb;
	e->tx_tail = next;
	wmb();
	wr32(e, E1000_TDT, next);
	return 0;
drop:
	dev->stats.tx_dropped++;
	nb_free(nb);
	return -1;
}

/* One completed receive descriptor i. Returns 1 when a frame went up the stack, 0 when it
 * was dropped; either way descriptor i ends holding a buffer, ready to be given back. */
static int rx_one(struct e1000 *e, uint16_t i)
{
	volatile struct e1000_rx_desc *d = &e->rx[i];
	uint8_t status = d->status, errors = d->errors;
	uint16_t len = d->length;
	struct netbuf *nb = e->rx_nb[i], *fresh;

	if (unlikely(e->rx_discard || !(status & E1000_RXD_STAT_EOP))) {
		/* 8254x SDM 3.2.3: a frame continued over several buffers; ours are large enough for
		 * any frame RCTL admits, so this is malformed: drop through its EOP. */
		if (!e->rx_discard)
			e1000_drops.rx_span++;
		e->rx_discard = !(status & E1000_RXD_STAT_EOP);
		e->dev.stats.rx_bad_len++;
		goto drop;
	}
	if (unlikely(errors & E1000_RXD_ERR_FRAME)) {
		e1000_drops.rx_frame_err++;
		e->dev.stats.rx_errors++;
		goto drop;
	}
	if (unlikely(len < 14 || len > NB_BUF_SIZE)) {
		e->dev.stats.rx_bad_len++;
		goto drop;
	}
	fresh = nb_alloc_rx();
	if (unlikely(!fresh)) {
		e->dev.stats.rx_nobuf++;   /* keep the old buffer in the ring */
		goto drop;
	}
	e->rx_nb[i] = fresh;
	d->addr = virt_to_phys(fresh->data);
	d->status = 0;
	nb->len = len;
	nb->dev = &e->dev;
	net_rx(&e->dev, nb);               /* the stack owns nb now */
	return 1;
drop:
	e->dev.stats.rx_dropped++;
	d->status = 0;
	return 0;
}

/* Reclaim finished transmits, receive up to budget frames, and give the refilled
 * descriptors back with one RDT write: RDT trails our read index by one, the one-slot gap
 * that keeps RDH == RDT meaning "empty" (8254x SDM, RDH/RDT). */
static int e1000_poll(struct netdev *dev, int budget)
{
	struct e1000 *e = dev->priv;
	uint16_t i = e->rx_next;
	int seen = 0, got = 0;

	if (unlikely((dev->flags ^ e->link_seen) & NETDEV_F_LINK)) {
		e->link_seen = dev->flags & NETDEV_F_LINK;   /* interrupt handlers never log */
		log_info("%s: link %s", dev->name, e->link_seen ? "up" : "down");
	}
	tx_reclaim(e);
	while (seen < budget && (e->rx[i].status & E1000_RXD_STAT_DD)) {
		rmb();                     /* read the descriptor only after seeing DD */
		got += rx_one(e, i);
		seen++;
		i = (uint16_t)((i + 1) & (e->rx_size - 1));
	}
	if (seen) {
		e->rx_next = i;
		wmb();
		wr32(e, E1000_RDT, (uint16_t)((i - 1) & (e->rx_size - 1)));
	}
	return got;
}

/* Unmask, then look at the ring: a frame that landed before the unmask raised no interrupt
 * we will see, so report it and stay masked. First clear the causes latched while we polled
 * (frames already taken), or the unmask fires a useless interrupt at once: INTx/MSI read ICR
 * (IMS is 0, the read clears it, 13.4.17); MSI-X writes 1 to clear the queue cause, since
 * with "other" still unmasked an ICR read would not clear it (82574 DS, ICR in MSI-X mode). */
static bool e1000_irq_enable(struct netdev *dev)
{
	struct e1000 *e = dev->priv;
	if (e->napi_bits != e->ims)
		wr32(e, E1000_ICR, e->napi_bits);
	else if (rd32(e, E1000_ICR) & E1000_ICR_LSC)
		update_link(e);
	wr32(e, E1000_IMS, e->napi_bits);
	if (e->rx[e->rx_next].status & E1000_RXD_STAT_DD) {
		napi_mask(e);
		return true;
	}
	return false;
}

static void e1000_irq_disable(struct netdev *dev)
{
	napi_mask(dev->priv);
}

static int e1000_open(struct netdev *dev)
{
	struct e1000 *e = dev->priv;
	if (rx_init(e) < 0) {
		log_err("%s: netbuf pool (%u free) too small for a %u-entry receive ring",
			dev->name, nb_pool_free(), e->rx_size);
		return -1;
	}
	tx_init(e);
	if ((e->vector = setup_irq(e)) < 0) {
		log_err("%s: no interrupt (msix, msi or intx) available", dev->name);
		return -1;
	}
	if (e->model->pcie)
		wr32(e, E1000_CTRL_EXT, rd32(e, E1000_CTRL_EXT) | E1000_CTRL_EXT_DRV_LOAD);
	wr32(e, E1000_ITR, E1000_ITR_INTERVAL);
	update_link(e);
	e->link_seen = dev->flags & NETDEV_F_LINK;
	dev->flags |= NETDEV_F_UP;
	wr32(e, E1000_IMS, e->ims);
	log_info("%s: %s up, rx ring %u, tx ring %u, irq %s vector %d, link %s", dev->name,
		 e->model->driver, e->rx_size, TX_RING_SIZE, e->irq_kind, e->vector,
		 dev->flags & NETDEV_F_LINK ? "up" : "down");
	return 0;
}

static const struct netdev_ops e1000_ops = {
	.open = e1000_open,
	.xmit = e1000_xmit,
	.tx_ready = e1000_tx_ready,
	.poll = e1000_poll,
	.irq_enable = e1000_irq_enable,
	.irq_disable = e1000_irq_disable,
};

/* ---- probe ------------------------------------------------------------------------------ */

static int e1000_probe(struct pci_dev *pd)
{
	struct e1000 *e = dma_alloc(sizeof(*e), 64);   /* zeroed; devices are never removed */
	e->pd = pd;
	e->model = pd->device == E1000_DEV_82574L ? &model_82574 : &model_8254x;
	pci_enable(pd, false);
	e->regs = pci_map_bar(pd, 0);
	if (!e->regs || pd->bar[0].size < 0x10000) {
		log_err("%s %02x:%02x.%x: BAR0 is not a register window", e->model->driver,
			pd->bus, pd->slot, pd->func);
		return -1;
	}
	if (e1000_reset(e) < 0) {
		log_err("%s: reset did not complete", e->model->driver);
		return -1;
	}
	/* 8254x SDM 14.3: set link up; the PHY auto-negotiates, ASDE picks the speed (8254x only). */
	uint32_t ctrl = rd32(e, E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE;
	ctrl &= ~(E1000_CTRL_LRST | E1000_CTRL_PHY_RST | E1000_CTRL_ILOS | E1000_CTRL_VME);
	wr32(e, E1000_CTRL, ctrl);
	if (read_mac(e) < 0) {
		log_err("%s: no MAC address (RAL0 empty, EEPROM not answering)", e->model->driver);
		return -1;
	}
	e->rx = dma_alloc(RX_RING_SIZE * sizeof(struct e1000_rx_desc), RING_ALIGN);
	e->tx = dma_alloc(TX_RING_SIZE * sizeof(struct e1000_tx_desc), RING_ALIGN);
	e->dev.mtu = 1500;
	e->dev.ops = &e1000_ops;
	e->dev.priv = e;
	e->dev.driver = e->model->driver;
	if (netdev_register(&e->dev) < 0) {
		log_err("%s: too many interfaces", e->model->driver);
		return -1;
	}
	const uint8_t *m = e->dev.mac;
	log_info("%s %s: %02x:%02x.%x mac %02x:%02x:%02x:%02x:%02x:%02x", e->model->driver,
		 e->dev.name, pd->bus, pd->slot, pd->func, m[0], m[1], m[2], m[3], m[4], m[5]);
	return 0;
}

_Static_assert(NB_BUF_SIZE >= MAX_FRAME, "receive buffers must hold a whole frame");

/* Two driver entries with one probe, so the PCI log names the model ("e1000e"). */
static const uint16_t e1000_ids[][2] = {
	{ E1000_VENDOR_INTEL, E1000_DEV_82540EM },
	{ E1000_VENDOR_INTEL, E1000_DEV_82545EM },
	{ 0, 0 },
};
static const uint16_t e1000e_ids[][2] = {
	{ E1000_VENDOR_INTEL, E1000_DEV_82574L },
	{ 0, 0 },
};

static const struct pci_driver e1000_driver = {
	.name = "e1000",
	.ids = e1000_ids,
	.probe = e1000_probe,
};
static const struct pci_driver e1000e_driver = {
	.name = "e1000e",
	.ids = e1000e_ids,
	.probe = e1000_probe,
};

void e1000_register(void)
{
	pci_register_driver(&e1000_driver);
	pci_register_driver(&e1000e_driver);
}
