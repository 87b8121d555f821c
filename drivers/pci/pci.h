/* PCI: enumeration of every bus through configuration mechanism #1, BAR decoding, the
 * capability list, MSI/MSI-X set-up, and driver matching by vendor/device id. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdint.h>
#include <stdbool.h>

#define PCI_MAX_DEVICES 64

struct pci_bar {
	uint64_t addr;      /* bus address (MMIO) or port (I/O) */
	uint64_t size;
	bool io;            /* I/O space BAR */
	bool is64;          /* 64-bit memory BAR (uses the next slot too) */
	bool prefetch;
};

struct pci_dev {
	uint8_t bus, slot, func;
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint8_t class, subclass, prog_if, revision;
	uint8_t irq_line, irq_pin;   /* legacy INTx */
	struct pci_bar bar[6];
	uint8_t msi_cap, msix_cap;   /* config offsets, 0 when absent */
	const struct pci_driver *driver;
};

struct pci_driver {
	const char *name;
	const uint16_t (*ids)[2];    /* {vendor, device} pairs, terminated by {0, 0} */
	int (*probe)(struct pci_dev *pd);  /* 0 = claimed */
};

uint32_t pci_read32(const struct pci_dev *pd, uint8_t off);
uint16_t pci_read16(const struct pci_dev *pd, uint8_t off);
uint8_t pci_read8(const struct pci_dev *pd, uint8_t off);
void pci_write32(const struct pci_dev *pd, uint8_t off, uint32_t v);
void pci_write16(const struct pci_dev *pd, uint8_t off, uint16_t v);
void pci_write8(const struct pci_dev *pd, uint8_t off, uint8_t v);

/* Scan every bus (following bridges), log one lspci-style line per device, then offer each
 * device to the registered drivers in discovery order. */
void pci_init(void);
void pci_register_driver(const struct pci_driver *drv);

/* Enable memory space (+ I/O space if io) decoding and bus mastering. */
void pci_enable(struct pci_dev *pd, bool io);
/* Offset of the first (or next after `from`, 0 = start) capability with id, or 0. */
uint8_t pci_find_cap(const struct pci_dev *pd, uint8_t id, uint8_t from);
/* Map a memory BAR; returns its virtual address (NULL for an I/O or empty BAR). */
void *pci_map_bar(struct pci_dev *pd, int bar);

/* Interrupts: each returns the vector used, or -1.
 * MSI-X: program nvec table entries with consecutive allocations of fn(args[i]). */
int pci_enable_msix(struct pci_dev *pd, int entry, void (*fn)(void *), void *arg);
int pci_enable_msi(struct pci_dev *pd, void (*fn)(void *), void *arg);
int pci_enable_intx(struct pci_dev *pd, void (*fn)(void *), void *arg);
/* Best available: MSI-X entry 0, else MSI, else INTx. */
int pci_enable_irq(struct pci_dev *pd, void (*fn)(void *), void *arg);

int pci_device_count(void);
struct pci_dev *pci_device(int i);

#define PCI_CAP_MSI     0x05
#define PCI_CAP_VENDOR  0x09
#define PCI_CAP_MSIX    0x11

#endif
