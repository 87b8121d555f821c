/* Virtio constants and the PCI transport interface used by the virtio-net driver.
 * Register names follow the virtio 1.2 specification (OASIS, 2022); "legacy" is its §4.1.4.10
 * / §4.1.5 legacy interface (virtio 0.9.5 I/O BAR0). The transport (virtio_pci.c) hides which
 * of the two a device speaks: struct virtio_pci + vp_* functions. */
#ifndef DRIVERS_NET_VIRTIO_H
#define DRIVERS_NET_VIRTIO_H

#include <stdint.h>
#include <stdbool.h>

#define VIRTIO_PCI_VENDOR          0x1af4
#define VIRTIO_PCI_DEV_NET_LEGACY  0x1000   /* transitional: legacy I/O BAR0 (+ modern caps) */
#define VIRTIO_PCI_DEV_NET_MODERN  0x1041   /* 0x1040 + device type 1 (§4.1.2) */

/* §2.1 Device Status Field */
#define VIRTIO_STATUS_ACKNOWLEDGE        1
#define VIRTIO_STATUS_DRIVER             2
#define VIRTIO_STATUS_DRIVER_OK          4
#define VIRTIO_STATUS_FEATURES_OK        8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED             128

/* §6 reserved feature bits and §5.1.3 network device feature bits */
#define VIRTIO_NET_F_CSUM         0
#define VIRTIO_NET_F_GUEST_CSUM   1
#define VIRTIO_NET_F_MTU          3
#define VIRTIO_NET_F_MAC          5
#define VIRTIO_NET_F_MRG_RXBUF    15
#define VIRTIO_NET_F_STATUS       16
#define VIRTIO_NET_F_CTRL_VQ      17
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX   29
#define VIRTIO_F_VERSION_1        32
#define VIRTIO_F_ACCESS_PLATFORM  33
#define VIRTIO_F_RING_PACKED      34
#define VIRTIO_BIT(b) (1ull << (b))

/* §4.1.4 virtio_pci_cap: a vendor-specific PCI capability (cap_vndr 0x09) */
#define VIRTIO_PCI_CAP_CFG_TYPE   3    /* u8 cfg_type */
#define VIRTIO_PCI_CAP_BAR        4    /* u8 bar (0..5, others reserved) */
#define VIRTIO_PCI_CAP_OFFSET     8    /* le32 offset within the BAR */
#define VIRTIO_PCI_CAP_LENGTH     12   /* le32 length of the structure */
#define VIRTIO_PCI_CAP_NOTIFY_MULT 16  /* le32 notify_off_multiplier (notify cap only, §4.1.4.4) */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG    3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4
#define VIRTIO_PCI_CAP_PCI_CFG    5

/* §4.1.4.3 struct virtio_pci_common_cfg, byte offsets */
#define VIRTIO_COMMON_DFSELECT    0    /* le32 device_feature_select */
#define VIRTIO_COMMON_DF          4    /* le32 device_feature */
#define VIRTIO_COMMON_GFSELECT    8    /* le32 driver_feature_select */
#define VIRTIO_COMMON_GF          12   /* le32 driver_feature */
#define VIRTIO_COMMON_MSIX        16   /* le16 config_msix_vector */
#define VIRTIO_COMMON_NUMQ        18   /* le16 num_queues */
#define VIRTIO_COMMON_STATUS      20   /* u8 device_status */
#define VIRTIO_COMMON_CFGGEN      21   /* u8 config_generation */
#define VIRTIO_COMMON_Q_SELECT    22   /* le16 queue_select */
#define VIRTIO_COMMON_Q_SIZE      24   /* le16 queue_size */
#define VIRTIO_COMMON_Q_MSIX      26   /* le16 queue_msix_vector */
#define VIRTIO_COMMON_Q_ENABLE    28   /* le16 queue_enable */
#define VIRTIO_COMMON_Q_NOFF      30   /* le16 queue_notify_off */
#define VIRTIO_COMMON_Q_DESC      32   /* le64 queue_desc */
#define VIRTIO_COMMON_Q_AVAIL     40   /* le64 queue_driver */
#define VIRTIO_COMMON_Q_USED      48   /* le64 queue_device */
#define VIRTIO_COMMON_MIN_LEN     56

/* §4.1.4.10 legacy interface: registers in I/O BAR0 */
#define VIRTIO_PCI_HOST_FEATURES  0    /* le32 device features 0..31 */
#define VIRTIO_PCI_GUEST_FEATURES 4    /* le32 driver features 0..31 */
#define VIRTIO_PCI_QUEUE_PFN      8    /* le32 queue address >> 12 */
#define VIRTIO_PCI_QUEUE_NUM      12   /* le16 queue size (read-only) */
#define VIRTIO_PCI_QUEUE_SEL      14   /* le16 */
#define VIRTIO_PCI_QUEUE_NOTIFY   16   /* le16 */
#define VIRTIO_PCI_STATUS         18   /* u8 */
#define VIRTIO_PCI_ISR            19   /* u8, read clears */
#define VIRTIO_MSI_CONFIG_VECTOR  20   /* le16, only while MSI-X is enabled */
#define VIRTIO_MSI_QUEUE_VECTOR   22   /* le16, only while MSI-X is enabled */
#define VIRTIO_PCI_CONFIG_OFF(msix) ((msix) ? 24 : 20)  /* device-specific config */
#define VIRTIO_PCI_QUEUE_ADDR_SHIFT 12
#define VIRTIO_PCI_VRING_ALIGN    4096

#define VIRTIO_MSI_NO_VECTOR      0xffff

/* §4.1.4.5 ISR status bits */
#define VIRTIO_ISR_QUEUE          0x1
#define VIRTIO_ISR_CONFIG         0x2

/* §5.1.4 struct virtio_net_config, byte offsets */
#define VIRTIO_NET_CFG_MAC        0    /* u8 mac[6] (VIRTIO_NET_F_MAC) */
#define VIRTIO_NET_CFG_STATUS     6    /* le16 status (VIRTIO_NET_F_STATUS) */
#define VIRTIO_NET_S_LINK_UP      1
#define VIRTIO_NET_S_ANNOUNCE     2

/* §5.1.6 struct virtio_net_hdr. num_buffers exists with VIRTIO_F_VERSION_1 or (legacy)
 * VIRTIO_NET_F_MRG_RXBUF: 12 bytes; otherwise the legacy header is 10 bytes (§5.1.6.1). */
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
} __attribute__((packed));
#define VIRTIO_NET_HDR_LEN_LEGACY 10
#define VIRTIO_NET_HDR_LEN        12
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE   0

/* Virtqueue indexes of a single-pair virtio-net device (§5.1.2) */
#define VIRTIO_NET_Q_RX 0
#define VIRTIO_NET_Q_TX 1

/* ---- transport (virtio_pci.c) ---- */
struct pci_dev;
struct virtq;

struct virtio_pci {
	struct pci_dev *pd;
	bool modern;
	bool msix;                  /* MSI-X enabled: legacy config moves to offset 24 */
	uint16_t iobase;            /* legacy: I/O BAR0 */
	volatile uint8_t *common;   /* modern: the four structures of §4.1.4 */
	volatile uint8_t *notify;
	uint32_t notify_mult, notify_len;
	volatile uint8_t *isr;
	volatile uint8_t *device;
	uint32_t device_len;
};

/* Find the modern capabilities and map them (0), or -1 when the device has none usable. */
int vp_modern_probe(struct virtio_pci *vp, struct pci_dev *pd);
/* Use the legacy I/O BAR0 interface (0), or -1 when BAR0 is not an I/O BAR. */
int vp_legacy_probe(struct virtio_pci *vp, struct pci_dev *pd);

/* §2.4 reset: write 0 and (modern) wait, bounded, until the device reads back 0. */
int vp_reset(struct virtio_pci *vp);
uint8_t vp_get_status(struct virtio_pci *vp);
void vp_add_status(struct virtio_pci *vp, uint8_t bits);
uint64_t vp_get_features(struct virtio_pci *vp);
void vp_set_features(struct virtio_pci *vp, uint64_t f);
/* Device-specific configuration (§2.5), each field with its natural width (§4.1.3.1).
 * Out-of-range offsets read as 0. A multi-field read is consistent when vp_config_gen() is
 * the same before and after it (§2.5.1; legacy devices have no generation: always 0). */
uint8_t vp_config8(struct virtio_pci *vp, unsigned off);
uint16_t vp_config16(struct virtio_pci *vp, unsigned off);
uint8_t vp_config_gen(struct virtio_pci *vp);
/* Read and clear the ISR status (§4.1.4.5); INTx only. */
uint8_t vp_read_isr(struct virtio_pci *vp);
/* MSI-X table entry for configuration changes; returns false if the device refused it. */
bool vp_set_config_vector(struct virtio_pci *vp, uint16_t entry);
/* Largest queue size the device offers for queue idx (0 = queue absent). */
uint16_t vp_queue_max(struct virtio_pci *vp, uint16_t idx);
/* Program queue idx with vq's rings (already virtq_init'ed with vq->size entries) and the
 * MSI-X entry (VIRTIO_MSI_NO_VECTOR for none), then enable it. 0, or -1 on refusal. */
int vp_setup_queue(struct virtio_pci *vp, uint16_t idx, struct virtq *vq, uint16_t msix_entry);
/* Tell the device queue idx has new buffers (§4.1.4.4 / legacy QUEUE_NOTIFY). */
void vp_notify(struct virtio_pci *vp, struct virtq *vq);

#endif
