/* Intel 8254x (82540EM/82545EM) and 82574L register map, bits and legacy descriptor layouts
 * used by drivers/net/e1000.c. Names follow the datasheets: "8254x SDM" = PCI/PCI-X Family
 * of GbE Controllers Software Developer's Manual (317453), "82574 DS" = 82574 GbE Controller
 * Datasheet (317694). Section numbers cite those documents. */
#ifndef DRIVERS_NET_E1000_REGS_H
#define DRIVERS_NET_E1000_REGS_H

#include <stdint.h>

#define E1000_VENDOR_INTEL    0x8086
#define E1000_DEV_82540EM     0x100E   /* QEMU -device e1000 */
#define E1000_DEV_82545EM     0x100F   /* QEMU -device e1000-82545em */
#define E1000_DEV_82574L      0x10D3   /* QEMU -device e1000e */

/* ---- register offsets (8254x SDM ch. 13; 82574 DS register chapter) ---- */
#define E1000_CTRL      0x00000
#define E1000_STATUS    0x00008
#define E1000_EERD      0x00014
#define E1000_CTRL_EXT  0x00018
#define E1000_ICR       0x000C0
#define E1000_ITR       0x000C4
#define E1000_ICS       0x000C8
#define E1000_IMS       0x000D0
#define E1000_IMC       0x000D8
#define E1000_EIAC      0x000DC   /* 82574 only: MSI-X auto-clear */
#define E1000_IAM       0x000E0   /* 82574 only */
#define E1000_IVAR      0x000E4   /* 82574 only: cause -> MSI-X vector */
#define E1000_EITR(n)   (0x000E8 + 4 * (n))   /* 82574 only: per-vector throttling */
#define E1000_RCTL      0x00100
#define E1000_TCTL      0x00400
#define E1000_TIPG      0x00410
#define E1000_RDBAL     0x02800
#define E1000_RDBAH     0x02804
#define E1000_RDLEN     0x02808
#define E1000_RDH       0x02810
#define E1000_RDT       0x02818
#define E1000_RDTR      0x02820
#define E1000_RADV      0x0282C
#define E1000_TDBAL     0x03800
#define E1000_TDBAH     0x03804
#define E1000_TDLEN     0x03808
#define E1000_TDH       0x03810
#define E1000_TDT       0x03818
#define E1000_TIDV      0x03820
#define E1000_TADV      0x0382C
#define E1000_MTA       0x05200   /* 128 x 32-bit multicast table */
#define E1000_MTA_N     128
#define E1000_RAL0      0x05400
#define E1000_RAH0      0x05404

/* CTRL (8254x SDM 13.4.1) */
#define E1000_CTRL_FD       (1u << 0)
#define E1000_CTRL_LRST     (1u << 3)
#define E1000_CTRL_ASDE     (1u << 5)
#define E1000_CTRL_SLU      (1u << 6)
#define E1000_CTRL_ILOS     (1u << 7)
#define E1000_CTRL_RST      (1u << 26)
#define E1000_CTRL_VME      (1u << 30)
#define E1000_CTRL_PHY_RST  (1u << 31)

/* STATUS (8254x SDM 13.4.2) */
#define E1000_STATUS_FD     (1u << 0)
#define E1000_STATUS_LU     (1u << 1)

/* EERD (8254x SDM 13.4.4; the 82574 moves DONE and ADDR) */
#define E1000_EERD_START        (1u << 0)
#define E1000_EERD_DONE_8254X   (1u << 4)
#define E1000_EERD_ADDR_8254X   8
#define E1000_EERD_DONE_82574   (1u << 1)
#define E1000_EERD_ADDR_82574   2
#define E1000_EERD_DATA_SHIFT   16

/* CTRL_EXT (82574 DS) */
#define E1000_CTRL_EXT_EIAME    (1u << 24)
#define E1000_CTRL_EXT_IAME     (1u << 27)
#define E1000_CTRL_EXT_DRV_LOAD (1u << 28)
#define E1000_CTRL_EXT_PBA_CLR  (1u << 31)   /* required in MSI-X mode */

/* Interrupt causes: ICR/ICS/IMS/IMC (8254x SDM 13.4.17; 82574 DS adds the MSI-X queue causes) */
#define E1000_ICR_TXDW      (1u << 0)
#define E1000_ICR_TXQE      (1u << 1)
#define E1000_ICR_LSC       (1u << 2)
#define E1000_ICR_RXSEQ     (1u << 3)
#define E1000_ICR_RXDMT0    (1u << 4)
#define E1000_ICR_RXO       (1u << 6)
#define E1000_ICR_RXT0      (1u << 7)
#define E1000_ICR_RXQ0      (1u << 20)   /* 82574, MSI-X mode */
#define E1000_ICR_RXQ1      (1u << 21)
#define E1000_ICR_TXQ0      (1u << 22)
#define E1000_ICR_TXQ1      (1u << 23)
#define E1000_ICR_OTHER     (1u << 24)
#define E1000_ICR_ASSERTED  (1u << 31)   /* 82574: INT_ASSERTED */

/* IVAR (82574 DS): 3-bit vector + valid bit per cause */
#define E1000_IVAR_VALID        0x8u
#define E1000_IVAR_RXQ0(v)      (((v) | E1000_IVAR_VALID) << 0)
#define E1000_IVAR_TXQ0(v)      (((v) | E1000_IVAR_VALID) << 8)
#define E1000_IVAR_OTHER(v)     (((v) | E1000_IVAR_VALID) << 16)
#define E1000_IVAR_TX_EVERY_WB  (1u << 31)

/* RCTL (8254x SDM 13.4.22) */
#define E1000_RCTL_EN       (1u << 1)
#define E1000_RCTL_SBP      (1u << 2)
#define E1000_RCTL_UPE      (1u << 3)
#define E1000_RCTL_MPE      (1u << 4)
#define E1000_RCTL_LPE      (1u << 5)
#define E1000_RCTL_RDMTS_HALF (0u << 8)
#define E1000_RCTL_BAM      (1u << 15)
#define E1000_RCTL_BSIZE_2048 (0u << 16)
#define E1000_RCTL_SECRC    (1u << 26)

/* TCTL (8254x SDM) */
#define E1000_TCTL_EN       (1u << 1)
#define E1000_TCTL_PSP      (1u << 3)
#define E1000_TCTL_CT_SHIFT   4
#define E1000_TCTL_COLD_SHIFT 12
#define E1000_TCTL_CT_DEFAULT   0x0F    /* recommended 0Fh */
#define E1000_TCTL_COLD_FD      0x40    /* 512 byte times, full duplex */

/* TIPG (8254x SDM; 82574 DS): IPGT, IPGR1, IPGR2 */
#define E1000_TIPG_IPGR1_SHIFT 10
#define E1000_TIPG_IPGR2_SHIFT 20
#define E1000_TIPG_8254X   (10u | 8u << E1000_TIPG_IPGR1_SHIFT | 6u << E1000_TIPG_IPGR2_SHIFT)
#define E1000_TIPG_82574   (8u | 8u << E1000_TIPG_IPGR1_SHIFT | 6u << E1000_TIPG_IPGR2_SHIFT)

#define E1000_RAH_AV        (1u << 31)

/* Legacy receive descriptor (8254x SDM 3.2.3) */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
} __attribute__((packed));

#define E1000_RXD_STAT_DD   (1u << 0)
#define E1000_RXD_STAT_EOP  (1u << 1)
/* RXD errors (3.2.3): CE, SE, SEQ, CXE, RXE. TCPE/IPE only report checksum results. */
#define E1000_RXD_ERR_FRAME 0x97u

/* Legacy transmit descriptor (8254x SDM 3.3.3) */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
} __attribute__((packed));

#define E1000_TXD_CMD_EOP   (1u << 0)
#define E1000_TXD_CMD_IFCS  (1u << 1)
#define E1000_TXD_CMD_RS    (1u << 3)
#define E1000_TXD_STAT_DD   (1u << 0)
#define E1000_TXD_MAX_LEN   16288u      /* 3.3.3: max length field for one descriptor */

#endif
