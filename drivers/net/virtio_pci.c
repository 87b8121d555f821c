/* Virtio over PCI: the modern transport (virtio 1.2 §4.1.4: vendor capabilities pointing at
 * MMIO structures) and the legacy one (§4.1.4.10: registers in I/O BAR0), behind the vp_*
 * interface of virtio.h. Set-up only, except vp_notify() and vp_read_isr(). */
#include "drivers/net/virtio.h"
#include "drivers/net/virtio_ring.h"
#include "drivers/pci/pci.h"
#include "arch/x86_64/io.h"

#define C(vp, off) ((vp)->common + (off))

/* One virtio_pci_cap (§4.1.4): where a structure lives, checked against its BAR. */
static volatile uint8_t *map_cap(struct pci_dev *pd, uint8_t cap, uint32_t *len_out)
{
	uint8_t bar = pci_read8(pd, cap + VIRTIO_PCI_CAP_BAR);
	uint32_t off = pci_read32(pd, cap + VIRTIO_PCI_CAP_OFFSET);
	uint32_t len = pci_read32(pd, cap + VIRTIO_PCI_CAP_LENGTH);

	if (bar > 5 || pd->bar[bar].io || pd->bar[bar].size == 0)
		return NULL;   /* §4.1.4: bar values 0x6..0xff are reserved: ignore the cap */
	if ((uint64_t)off + len > pd->bar[bar].size)
		return NULL;
	uint8_t *base = pci_map_bar(pd, bar);
	if (!base)
		return NULL;
	*len_out = len;
	return base + off;
}

int vp_modern_probe(struct virtio_pci *vp, struct pci_dev *pd)
{
	uint32_t len, common_len = 0, isr_len = 0;

	*vp = (struct virtio_pci){ .pd = pd, .modern = true };
	/* §4.1.4.1: use the first instance of each structure type the driver supports. */
	for (uint8_t cap = pci_find_cap(pd, PCI_CAP_VENDOR, 0); cap;
	     cap = pci_find_cap(pd, PCI_CAP_VENDOR, cap)) {
		uint8_t type = pci_read8(pd, cap + VIRTIO_PCI_CAP_CFG_TYPE);
		volatile uint8_t *p;
		if (type < VIRTIO_PCI_CAP_COMMON_CFG || type > VIRTIO_PCI_CAP_DEVICE_CFG)
			continue;
		if ((type == VIRTIO_PCI_CAP_COMMON_CFG && vp->common) ||
		    (type == VIRTIO_PCI_CAP_NOTIFY_CFG && vp->notify) ||
		    (type == VIRTIO_PCI_CAP_ISR_CFG && vp->isr) ||
		    (type == VIRTIO_PCI_CAP_DEVICE_CFG && vp->device))
			continue;
		if (!(p = map_cap(pd, cap, &len)))
			continue;
		switch (type) {
		case VIRTIO_PCI_CAP_COMMON_CFG: vp->common = p; common_len = len; break;
		case VIRTIO_PCI_CAP_NOTIFY_CFG:
			vp->notify = p;
			vp->notify_len = len;
			vp->notify_mult = pci_read32(pd, cap + VIRTIO_PCI_CAP_NOTIFY_MULT);
			break;
		case VIRTIO_PCI_CAP_ISR_CFG: vp->isr = p; isr_len = len; break;
		case VIRTIO_PCI_CAP_DEVICE_CFG: vp->device = p; vp->device_len = len; break;
		}
	}
	if (!vp->common || common_len < VIRTIO_COMMON_MIN_LEN || !vp->notify || !vp->isr || !isr_len)
		return -1;
	return 0;
}

int vp_legacy_probe(struct virtio_pci *vp, struct pci_dev *pd)
{
	*vp = (struct virtio_pci){ .pd = pd, .modern = false };
	if (!pd->bar[0].io || pd->bar[0].addr == 0 || pd->bar[0].addr > 0xffff)
		return -1;
	vp->iobase = (uint16_t)pd->bar[0].addr;
	return 0;
}

uint8_t vp_get_status(struct virtio_pci *vp)
{
	if (vp->modern)
		return mmio_read8(C(vp, VIRTIO_COMMON_STATUS));
	return inb(vp->iobase + VIRTIO_PCI_STATUS);
}

static void set_status(struct virtio_pci *vp, uint8_t s)
{
	if (vp->modern)
		mmio_write8(C(vp, VIRTIO_COMMON_STATUS), s);
	else
		outb(vp->iobase + VIRTIO_PCI_STATUS, s);
}

void vp_add_status(struct virtio_pci *vp, uint8_t bits)
{
	set_status(vp, vp_get_status(vp) | bits);
}

int vp_reset(struct virtio_pci *vp)
{
	set_status(vp, 0);
	/* §4.1.4.3.2: the driver MUST wait for device_status to read 0 before reinitialising.
	 * Bounded: a device that never finishes its reset is a boot failure, not a hang. */
	for (unsigned i = 0; i < 1000000; i++) {
		if (vp_get_status(vp) == 0)
			return 0;
		cpu_relax();
	}
	return -1;
}

uint64_t vp_get_features(struct virtio_pci *vp)
{
	if (!vp->modern)
		return inl(vp->iobase + VIRTIO_PCI_HOST_FEATURES);
	mmio_write32(C(vp, VIRTIO_COMMON_DFSELECT), 0);
	uint64_t lo = mmio_read32(C(vp, VIRTIO_COMMON_DF));
	mmio_write32(C(vp, VIRTIO_COMMON_DFSELECT), 1);
	uint64_t hi = mmio_read32(C(vp, VIRTIO_COMMON_DF));
	return hi << 32 | lo;
}

void vp_set_features(struct virtio_pci *vp, uint64_t f)
{
	if (!vp->modern) {
		outl(vp->iobase + VIRTIO_PCI_GUEST_FEATURES, (uint32_t)f);
		return;
	}
	mmio_write32(C(vp, VIRTIO_COMMON_GFSELECT), 0);
	mmio_write32(C(vp, VIRTIO_COMMON_GF), (uint32_t)f);
	mmio_write32(C(vp, VIRTIO_COMMON_GFSELECT), 1);
	mmio_write32(C(vp, VIRTIO_COMMON_GF), (uint32_t)(f >> 32));
}

uint8_t vp_config8(struct virtio_pci *vp, unsigned off)
{
	if (!vp->modern)
		return inb(vp->iobase + VIRTIO_PCI_CONFIG_OFF(vp->msix) + off);
	return off < vp->device_len ? mmio_read8(vp->device + off) : 0;
}

uint16_t vp_config16(struct virtio_pci *vp, unsigned off)
{
	if (!vp->modern)
		return inw(vp->iobase + VIRTIO_PCI_CONFIG_OFF(vp->msix) + off);
	return off + 2 <= vp->device_len ? mmio_read16(vp->device + off) : 0;
}

uint8_t vp_config_gen(struct virtio_pci *vp)
{
	return vp->modern ? mmio_read8(C(vp, VIRTIO_COMMON_CFGGEN)) : 0;
}

uint8_t vp_read_isr(struct virtio_pci *vp)
{
	if (vp->modern)
		return mmio_read8(vp->isr);
	return inb(vp->iobase + VIRTIO_PCI_ISR);
}

bool vp_set_config_vector(struct virtio_pci *vp, uint16_t entry)
{
	/* §4.1.5.1.2: write the vector, read it back; NO_VECTOR means the device refused. */
	if (vp->modern) {
		mmio_write16(C(vp, VIRTIO_COMMON_MSIX), entry);
		return mmio_read16(C(vp, VIRTIO_COMMON_MSIX)) == entry;
	}
	outw(vp->iobase + VIRTIO_MSI_CONFIG_VECTOR, entry);
	return inw(vp->iobase + VIRTIO_MSI_CONFIG_VECTOR) == entry;
}

uint16_t vp_queue_max(struct virtio_pci *vp, uint16_t idx)
{
	if (vp->modern) {
		mmio_write16(C(vp, VIRTIO_COMMON_Q_SELECT), idx);
		return mmio_read16(C(vp, VIRTIO_COMMON_Q_SIZE));
	}
	outw(vp->iobase + VIRTIO_PCI_QUEUE_SEL, idx);
	return inw(vp->iobase + VIRTIO_PCI_QUEUE_NUM);
}

/* §4.1.5.1.3 virtqueue configuration through the common configuration structure. */
static int setup_modern(struct virtio_pci *vp, uint16_t idx, struct virtq *vq, uint16_t msix_entry)
{
	mmio_write16(C(vp, VIRTIO_COMMON_Q_SELECT), idx);
	if (mmio_read16(C(vp, VIRTIO_COMMON_Q_ENABLE)))
		return -1;    /* enabled before we configured it: the reset did not take */
	mmio_write16(C(vp, VIRTIO_COMMON_Q_SIZE), vq->size);
	if (vp->msix) {
		mmio_write16(C(vp, VIRTIO_COMMON_Q_MSIX), msix_entry);
		if (mmio_read16(C(vp, VIRTIO_COMMON_Q_MSIX)) != msix_entry)
			return -1;
	}
	/* 64-bit fields as two 32-bit writes, low half first (§4.1.3.1 allows it). */
	mmio_write32(C(vp, VIRTIO_COMMON_Q_DESC), (uint32_t)vq->desc_pa);
	mmio_write32(C(vp, VIRTIO_COMMON_Q_DESC + 4), (uint32_t)(vq->desc_pa >> 32));
	mmio_write32(C(vp, VIRTIO_COMMON_Q_AVAIL), (uint32_t)vq->avail_pa);
	mmio_write32(C(vp, VIRTIO_COMMON_Q_AVAIL + 4), (uint32_t)(vq->avail_pa >> 32));
	mmio_write32(C(vp, VIRTIO_COMMON_Q_USED), (uint32_t)vq->used_pa);
	mmio_write32(C(vp, VIRTIO_COMMON_Q_USED + 4), (uint32_t)(vq->used_pa >> 32));
	/* §4.1.4.4: notify address = cap.offset + queue_notify_off * notify_off_multiplier */
	uint64_t noff = (uint64_t)mmio_read16(C(vp, VIRTIO_COMMON_Q_NOFF)) * vp->notify_mult;
	if (noff + 2 > vp->notify_len)
		return -1;
	vq->notify = (volatile uint16_t *)(vp->notify + noff);
	mmio_write16(C(vp, VIRTIO_COMMON_Q_ENABLE), 1);
	return 0;
}

/* Legacy: the device dictates the size; the driver gives one page-aligned region by PFN. */
static int setup_legacy(struct virtio_pci *vp, uint16_t idx, struct virtq *vq, uint16_t msix_entry)
{
	outw(vp->iobase + VIRTIO_PCI_QUEUE_SEL, idx);
	if (inw(vp->iobase + VIRTIO_PCI_QUEUE_NUM) != vq->size)
		return -1;
	if (vq->desc_pa & (VIRTIO_PCI_VRING_ALIGN - 1) ||
	    (vq->desc_pa >> VIRTIO_PCI_QUEUE_ADDR_SHIFT) > UINT32_MAX)
		return -1;
	if (vp->msix) {
		outw(vp->iobase + VIRTIO_MSI_QUEUE_VECTOR, msix_entry);
		if (inw(vp->iobase + VIRTIO_MSI_QUEUE_VECTOR) != msix_entry)
			return -1;
	}
	outl(vp->iobase + VIRTIO_PCI_QUEUE_PFN, (uint32_t)(vq->desc_pa >> VIRTIO_PCI_QUEUE_ADDR_SHIFT));
	return 0;
}

int vp_setup_queue(struct virtio_pci *vp, uint16_t idx, struct virtq *vq, uint16_t msix_entry)
{
	return vp->modern ? setup_modern(vp, idx, vq, msix_entry) : setup_legacy(vp, idx, vq, msix_entry);
}

void vp_notify(struct virtio_pci *vp, struct virtq *vq)
{
	if (vp->modern)
		mmio_write16(vq->notify, vq->index);
	else
		outw(vp->iobase + VIRTIO_PCI_QUEUE_NOTIFY, vq->index);
}
