/* PCI through configuration mechanism #1 (ports 0xCF8/0xCFC): bus scan following PCI-PCI
 * bridges, BAR sizing, capability walk, one lspci-style log line per function, driver
 * matching, and interrupt set-up (MSI-X, MSI, shared INTx through the I/O APIC). */
#include <stdio.h>
#include <string.h>
#include "arch/x86_64/io.h"
#include "arch/x86_64/irq.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "drivers/pci/pci.h"

/* PCI Local Bus 3.0 §3.2.2.3.2: CONFIG_ADDRESS / CONFIG_DATA. */
#define PCI_CONFIG_ADDR  0xCF8
#define PCI_CONFIG_DATA  0xCFC
#define PCI_ENABLE_BIT   0x80000000u

/* Configuration header offsets (PCI 3.0 §6.1) */
#define PCI_VENDOR_ID     0x00
#define PCI_DEVICE_ID     0x02
#define PCI_COMMAND       0x04
#define PCI_STATUS        0x06
#define PCI_REVISION      0x08
#define PCI_PROG_IF       0x09
#define PCI_SUBCLASS      0x0A
#define PCI_CLASS         0x0B
#define PCI_HEADER_TYPE   0x0E
#define PCI_BAR0          0x10
#define PCI_SECONDARY_BUS 0x19   /* type 1 header */
#define PCI_SUBSYS_VENDOR 0x2C
#define PCI_SUBSYS_ID     0x2E
#define PCI_CAP_PTR       0x34
#define PCI_INTR_LINE     0x3C
#define PCI_INTR_PIN      0x3D

#define PCI_CMD_IO          0x0001
#define PCI_CMD_MEM         0x0002
#define PCI_CMD_MASTER      0x0004
#define PCI_CMD_INTX_DIS    0x0400
#define PCI_STATUS_CAPLIST  0x0010
#define PCI_HDR_MULTIFN     0x80
#define PCI_HDR_TYPE_MASK   0x7F
#define PCI_HDR_BRIDGE      0x01

#define PCI_BAR_IO          0x1
#define PCI_BAR_MEM_TYPE    0x6
#define PCI_BAR_MEM_64      0x4
#define PCI_BAR_PREFETCH    0x8

/* MSI capability (PCI 3.0 §6.8.1) */
#define MSI_CTRL            0x02
#define MSI_CTRL_ENABLE     0x0001
#define MSI_CTRL_MME_MASK   0x0070
#define MSI_CTRL_64BIT      0x0080
#define MSI_ADDR_LO         0x04
#define MSI_ADDR_HI         0x08
#define MSI_DATA_32         0x08
#define MSI_DATA_64         0x0C

/* MSI-X capability (PCI 3.0 §6.8.2) */
#define MSIX_CTRL           0x02
#define MSIX_CTRL_SIZE      0x07FF   /* table size - 1 */
#define MSIX_CTRL_FMASK     0x4000
#define MSIX_CTRL_ENABLE    0x8000
#define MSIX_TABLE          0x04     /* BIR in bits 2:0, offset in 31:3 */
#define MSIX_ENTRY_SIZE     16
#define MSIX_ENTRY_ADDR_LO  0
#define MSIX_ENTRY_ADDR_HI  4
#define MSIX_ENTRY_DATA     8
#define MSIX_ENTRY_VCTRL    12
#define MSIX_VCTRL_MASK     0x1

#define PCI_MAX_BUS         256
#define PCI_MAX_DRIVERS     8
#define PCI_MAX_INTX        32
#define CAP_WALK_LIMIT      48       /* (256 - 64) / 4: a looped list cannot hang the boot */

struct pci_priv {
	volatile uint8_t *msix_table;    /* mapped on first pci_enable_msix() */
	uint16_t msix_entries;
};

static struct pci_dev devices[PCI_MAX_DEVICES];
static struct pci_priv priv[PCI_MAX_DEVICES];
static int ndevices;
static const struct pci_driver *drivers[PCI_MAX_DRIVERS];
static int ndrivers;
static uint8_t bus_seen[PCI_MAX_BUS / 8];

/* One INTx line (GSI) and the vector all devices on it share. */
static struct { uint32_t gsi; int vector; } intx_lines[PCI_MAX_INTX];
static int nintx;

/* ---- configuration space -------------------------------------------------------------- */

static uint32_t cfg_addr(uint8_t bus, uint8_t slot, uint8_t func, uint8_t off)
{
	return PCI_ENABLE_BIT | (uint32_t)bus << 16 | (uint32_t)(slot & 31) << 11 |
	       (uint32_t)(func & 7) << 8 | (off & 0xFC);
}

static uint32_t cfg_read32(uint8_t bus, uint8_t slot, uint8_t func, uint8_t off)
{
	outl(PCI_CONFIG_ADDR, cfg_addr(bus, slot, func, off));
	return inl(PCI_CONFIG_DATA);
}

uint32_t pci_read32(const struct pci_dev *pd, uint8_t off)
{
	return cfg_read32(pd->bus, pd->slot, pd->func, off);
}

uint16_t pci_read16(const struct pci_dev *pd, uint8_t off)
{
	outl(PCI_CONFIG_ADDR, cfg_addr(pd->bus, pd->slot, pd->func, off));
	return inw(PCI_CONFIG_DATA + (off & 2));
}

uint8_t pci_read8(const struct pci_dev *pd, uint8_t off)
{
	outl(PCI_CONFIG_ADDR, cfg_addr(pd->bus, pd->slot, pd->func, off));
	return inb(PCI_CONFIG_DATA + (off & 3));
}

void pci_write32(const struct pci_dev *pd, uint8_t off, uint32_t v)
{
	outl(PCI_CONFIG_ADDR, cfg_addr(pd->bus, pd->slot, pd->func, off));
	outl(PCI_CONFIG_DATA, v);
}

void pci_write16(const struct pci_dev *pd, uint8_t off, uint16_t v)
{
	outl(PCI_CONFIG_ADDR, cfg_addr(pd->bus, pd->slot, pd->func, off));
	outw(PCI_CONFIG_DATA + (off & 2), v);
}

void pci_write8(const struct pci_dev *pd, uint8_t off, uint8_t v)
{
	outl(PCI_CONFIG_ADDR, cfg_addr(pd->bus, pd->slot, pd->func, off));
	outb(PCI_CONFIG_DATA + (off & 3), v);
}

/* ---- BARs and capabilities ------------------------------------------------------------ */

/* PCI 3.0 §6.2.5.1: write all ones, read back the size mask, restore. Decoding is off
 * meanwhile so the half-written BAR never claims addresses. Returns slots consumed. */
static int bar_probe(struct pci_dev *pd, int i)
{
	struct pci_bar *b = &pd->bar[i];
	uint8_t off = PCI_BAR0 + 4 * i;
	uint32_t lo = pci_read32(pd, off);

	pci_write32(pd, off, 0xFFFFFFFFu);
	uint32_t mask_lo = pci_read32(pd, off);
	pci_write32(pd, off, lo);
	if (lo & PCI_BAR_IO) {
		/* 16-bit I/O decoders return zeros in the upper half: treat them as set. */
		uint32_t m = (mask_lo & ~3u) | 0xFFFF0000u;
		b->io = true;
		b->addr = lo & ~3u;
		b->size = (mask_lo & ~3u) ? (uint32_t)(~m + 1) : 0;
		return 1;
	}
	uint64_t m = mask_lo & ~0xFu;
	b->prefetch = lo & PCI_BAR_PREFETCH;
	b->addr = lo & ~0xFu;
	if ((lo & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64 && i < 5) {
		uint32_t hi = pci_read32(pd, off + 4);
		pci_write32(pd, off + 4, 0xFFFFFFFFu);
		uint32_t mask_hi = pci_read32(pd, off + 4);
		pci_write32(pd, off + 4, hi);
		b->is64 = true;
		b->addr |= (uint64_t)hi << 32;
		m |= (uint64_t)mask_hi << 32;
	} else {
		m |= 0xFFFFFFFF00000000ull;   /* 32-bit BAR: sizes above 4 GiB impossible */
	}
	b->size = (mask_lo & ~0xFu) || b->is64 ? ~m + 1 : 0;
	if (m == 0)
		b->size = 0;    /* nothing writable: an unimplemented BAR */
	return b->is64 ? 2 : 1;
}

static void bars_probe(struct pci_dev *pd, int nbars)
{
	uint16_t cmd = pci_read16(pd, PCI_COMMAND);
	pci_write16(pd, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (int i = 0; i < nbars;)
		i += bar_probe(pd, i);
	pci_write16(pd, PCI_COMMAND, cmd);
}

uint8_t pci_find_cap(const struct pci_dev *pd, uint8_t id, uint8_t from)
{
	uint8_t p;
	if (!(pci_read16(pd, PCI_STATUS) & PCI_STATUS_CAPLIST))
		return 0;
	p = from ? pci_read8(pd, from + 1) : pci_read8(pd, PCI_CAP_PTR);
	for (int n = 0; n < CAP_WALK_LIMIT && p >= 0x40; n++) {
		p &= 0xFC;
		if (pci_read8(pd, p) == id)
			return p;
		p = pci_read8(pd, p + 1);
	}
	return 0;
}

/* ---- enumeration ------------------------------------------------------------------------ */

static const struct pci_driver *match_driver(const struct pci_dev *pd)
{
	for (int d = 0; d < ndrivers; d++)
		for (const uint16_t (*id)[2] = drivers[d]->ids; (*id)[0] || (*id)[1]; id++)
			if ((*id)[0] == pd->vendor && (*id)[1] == pd->device)
				return drivers[d];
	return NULL;
}

static void size_str(char *buf, size_t n, uint64_t size)
{
	static const char unit[] = "KMGT";
	int u = -1;
	while (size >= 1024 && !(size & 1023) && u < 3) {
		size >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, "%llu", (unsigned long long)size);
	else
		snprintf(buf, n, "%llu%c", (unsigned long long)size, unit[u]);
}

/* "pci 00:03.0 [0200] 8086:100e e1000 (rev 03) bar0 mem 0xfebc0000/128K irq 11" */
static void log_device(const struct pci_dev *pd)
{
	char line[320], sz[24];
	const struct pci_driver *drv = match_driver(pd);
	int n = snprintf(line, sizeof(line), "pci %02x:%02x.%x [%02x%02x] %04x:%04x%s%s (rev %02x)",
			 pd->bus, pd->slot, pd->func, pd->class, pd->subclass, pd->vendor,
			 pd->device, drv ? " " : "", drv ? drv->name : "", pd->revision);
	for (int i = 0; i < 6 && n < (int)sizeof(line); i++) {
		const struct pci_bar *b = &pd->bar[i];
		if (!b->size)
			continue;
		size_str(sz, sizeof(sz), b->size);
		n += snprintf(line + n, sizeof(line) - n, " bar%d %s 0x%llx/%s", i,
			      b->io ? "io" : b->is64 ? "mem64" : "mem", (unsigned long long)b->addr, sz);
	}
	if (pd->irq_pin && pd->irq_line && pd->irq_line != 0xFF && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, " irq %u", pd->irq_line);
	if (pd->msix_cap && n < (int)sizeof(line))
		snprintf(line + n, sizeof(line) - n, " msix");
	else if (pd->msi_cap && n < (int)sizeof(line))
		snprintf(line + n, sizeof(line) - n, " msi");
	log_info("%s", line);
}

static void scan_bus(uint8_t bus);

static void add_function(uint8_t bus, uint8_t slot, uint8_t func)
{
	struct pci_dev tmp = { .bus = bus, .slot = slot, .func = func };
	struct pci_dev *pd = ndevices < PCI_MAX_DEVICES ? &devices[ndevices] : &tmp;
	uint8_t hdr;

	memset(pd, 0, sizeof(*pd));
	pd->bus = bus, pd->slot = slot, pd->func = func;
	pd->vendor = pci_read16(pd, PCI_VENDOR_ID);
	pd->device = pci_read16(pd, PCI_DEVICE_ID);
	pd->revision = pci_read8(pd, PCI_REVISION);
	pd->prog_if = pci_read8(pd, PCI_PROG_IF);
	pd->subclass = pci_read8(pd, PCI_SUBCLASS);
	pd->class = pci_read8(pd, PCI_CLASS);
	hdr = pci_read8(pd, PCI_HEADER_TYPE) & PCI_HDR_TYPE_MASK;
	pd->irq_line = pci_read8(pd, PCI_INTR_LINE);
	pd->irq_pin = pci_read8(pd, PCI_INTR_PIN);
	if (hdr == 0) {
		pd->subsys_vendor = pci_read16(pd, PCI_SUBSYS_VENDOR);
		pd->subsys_device = pci_read16(pd, PCI_SUBSYS_ID);
	}
	if (hdr <= PCI_HDR_BRIDGE)
		bars_probe(pd, hdr == 0 ? 6 : 2);
	pd->msi_cap = pci_find_cap(pd, PCI_CAP_MSI, 0);
	pd->msix_cap = pci_find_cap(pd, PCI_CAP_MSIX, 0);
	log_device(pd);
	if (pd == &tmp)
		log_warn("pci: more than %d functions, %02x:%02x.%x ignored", PCI_MAX_DEVICES,
			 bus, slot, func);
	else
		ndevices++;
	/* PCI-PCI Bridge 1.2, Secondary Bus Number register: the number firmware assigned. */
	if (hdr == PCI_HDR_BRIDGE) {
		uint8_t sec = pci_read8(pd, PCI_SECONDARY_BUS);
		if (sec)
			scan_bus(sec);
	}
}

static void scan_bus(uint8_t bus)
{
	if (bus_seen[bus / 8] & (1u << (bus % 8)))
		return;          /* misprogrammed bridges must not make us loop */
	bus_seen[bus / 8] |= 1u << (bus % 8);
	for (uint8_t slot = 0; slot < 32; slot++) {
		if ((cfg_read32(bus, slot, 0, PCI_VENDOR_ID) & 0xFFFF) == 0xFFFF)
			continue;
		uint8_t hdr = cfg_read32(bus, slot, 0, PCI_HEADER_TYPE & 0xFC) >> 16 & 0xFF;
		int nfunc = hdr & PCI_HDR_MULTIFN ? 8 : 1;
		for (uint8_t f = 0; f < nfunc; f++)
			if ((cfg_read32(bus, slot, f, PCI_VENDOR_ID) & 0xFFFF) != 0xFFFF)
				add_function(bus, slot, f);
	}
}

void pci_register_driver(const struct pci_driver *drv)
{
	if (ndrivers >= PCI_MAX_DRIVERS) {
		log_err("pci: driver table full, %s not registered", drv->name);
		return;
	}
	drivers[ndrivers++] = drv;
}

void pci_init(void)
{
	scan_bus(0);
	for (int i = 0; i < ndevices; i++) {
		struct pci_dev *pd = &devices[i];
		const struct pci_driver *drv = match_driver(pd);
		if (!drv)
			continue;
		if (drv->probe(pd) == 0)
			pd->driver = drv;
		else
			log_warn("pci %02x:%02x.%x: %s did not claim the device", pd->bus, pd->slot,
				 pd->func, drv->name);
	}
}

int pci_device_count(void)
{
	return ndevices;
}

struct pci_dev *pci_device(int i)
{
	return i >= 0 && i < ndevices ? &devices[i] : NULL;
}

void pci_enable(struct pci_dev *pd, bool io)
{
	uint16_t cmd = pci_read16(pd, PCI_COMMAND);
	cmd |= PCI_CMD_MEM | PCI_CMD_MASTER | (io ? PCI_CMD_IO : 0);
	pci_write16(pd, PCI_COMMAND, cmd);
}

void *pci_map_bar(struct pci_dev *pd, int bar)
{
	if (bar < 0 || bar > 5 || pd->bar[bar].io || !pd->bar[bar].size || !pd->bar[bar].addr)
		return NULL;
	return mmio_map(pd->bar[bar].addr, pd->bar[bar].size);
}

/* ---- interrupts ------------------------------------------------------------------------ */

static struct pci_priv *priv_of(const struct pci_dev *pd)
{
	if (pd >= devices && pd < devices + ndevices)
		return &priv[pd - devices];
	return NULL;
}

static void intx_disable(struct pci_dev *pd, bool off)
{
	uint16_t cmd = pci_read16(pd, PCI_COMMAND);
	cmd = off ? cmd | PCI_CMD_INTX_DIS : cmd & ~PCI_CMD_INTX_DIS;
	pci_write16(pd, PCI_COMMAND, cmd);
}

/* Map the MSI-X table once (PCI 3.0 §6.8.2.4: BIR + offset), all entries masked. */
static volatile uint8_t *msix_table(struct pci_dev *pd, struct pci_priv *pp)
{
	if (pp->msix_table)
		return pp->msix_table;
	uint32_t t = pci_read32(pd, pd->msix_cap + MSIX_TABLE);
	int bir = t & 7;
	uint32_t off = t & ~7u;
	uint16_t n = (pci_read16(pd, pd->msix_cap + MSIX_CTRL) & MSIX_CTRL_SIZE) + 1;
	if (bir > 5 || pd->bar[bir].io || (uint64_t)off + n * MSIX_ENTRY_SIZE > pd->bar[bir].size)
		return NULL;
	uint8_t *base = pci_map_bar(pd, bir);
	if (!base)
		return NULL;
	pp->msix_table = base + off;
	pp->msix_entries = n;
	for (uint16_t i = 0; i < n; i++)
		mmio_write32(pp->msix_table + i * MSIX_ENTRY_SIZE + MSIX_ENTRY_VCTRL, MSIX_VCTRL_MASK);
	return pp->msix_table;
}

int pci_enable_msix(struct pci_dev *pd, int entry, void (*fn)(void *), void *arg)
{
	struct pci_priv *pp = priv_of(pd);
	uint64_t addr;
	uint32_t data;

	if (!pd->msix_cap || !pp)
		return -1;
	/* The table lives in memory space: it must decode before we touch it. */
	uint16_t cmd = pci_read16(pd, PCI_COMMAND);
	if (!(cmd & PCI_CMD_MEM))
		pci_write16(pd, PCI_COMMAND, cmd | PCI_CMD_MEM);
	uint16_t ctrl = pci_read16(pd, pd->msix_cap + MSIX_CTRL);
	/* §6.8.2.3: enable with the function masked while entries are written. */
	pci_write16(pd, pd->msix_cap + MSIX_CTRL, ctrl | MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK);
	volatile uint8_t *tab = msix_table(pd, pp);
	if (!tab || entry < 0 || entry >= pp->msix_entries) {
		pci_write16(pd, pd->msix_cap + MSIX_CTRL, ctrl);
		return -1;
	}
	int vec = irq_alloc_vector(fn, arg);
	if (vec < 0) {
		pci_write16(pd, pd->msix_cap + MSIX_CTRL, ctrl);
		return -1;
	}
	msi_compose(vec, &addr, &data);
	volatile uint8_t *e = tab + entry * MSIX_ENTRY_SIZE;
	mmio_write32(e + MSIX_ENTRY_ADDR_LO, (uint32_t)addr);
	mmio_write32(e + MSIX_ENTRY_ADDR_HI, (uint32_t)(addr >> 32));
	mmio_write32(e + MSIX_ENTRY_DATA, data);
	mmio_write32(e + MSIX_ENTRY_VCTRL, 0);
	intx_disable(pd, true);
	pci_write16(pd, pd->msix_cap + MSIX_CTRL, (ctrl | MSIX_CTRL_ENABLE) & ~MSIX_CTRL_FMASK);
	return vec;
}

int pci_enable_msi(struct pci_dev *pd, void (*fn)(void *), void *arg)
{
	uint64_t addr;
	uint32_t data;
	uint8_t c = pd->msi_cap;

	if (!c)
		return -1;
	int vec = irq_alloc_vector(fn, arg);
	if (vec < 0)
		return -1;
	msi_compose(vec, &addr, &data);
	uint16_t ctrl = pci_read16(pd, c + MSI_CTRL);
	pci_write16(pd, c + MSI_CTRL, ctrl & ~MSI_CTRL_ENABLE);
	pci_write32(pd, c + MSI_ADDR_LO, (uint32_t)addr);
	if (ctrl & MSI_CTRL_64BIT) {
		pci_write32(pd, c + MSI_ADDR_HI, (uint32_t)(addr >> 32));
		pci_write16(pd, c + MSI_DATA_64, (uint16_t)data);
	} else {
		pci_write16(pd, c + MSI_DATA_32, (uint16_t)data);
	}
	intx_disable(pd, true);
	/* One message only: Multiple Message Enable = 0. */
	pci_write16(pd, c + MSI_CTRL, (ctrl & ~MSI_CTRL_MME_MASK) | MSI_CTRL_ENABLE);
	return vec;
}

/* PCI INTx is level-triggered, active low (PCI 3.0 §2.2.6). Devices on one line share the
 * vector: each handler must check its own device's cause register and return if idle. */
int pci_enable_intx(struct pci_dev *pd, void (*fn)(void *), void *arg)
{
	if (!pd->irq_pin || !pd->irq_line || pd->irq_line == 0xFF)
		return -1;
	uint32_t gsi = pd->irq_line;
	for (int i = 0; i < nintx; i++) {
		if (intx_lines[i].gsi != gsi)
			continue;
		if (irq_share_vector(intx_lines[i].vector, fn, arg) < 0)
			return -1;
		intx_disable(pd, false);
		return intx_lines[i].vector;
	}
	if (nintx >= PCI_MAX_INTX)
		return -1;
	int vec = irq_alloc_vector(fn, arg);
	if (vec < 0)
		return -1;
	intx_lines[nintx].gsi = gsi;
	intx_lines[nintx].vector = vec;
	nintx++;
	intx_disable(pd, false);
	ioapic_route(gsi, vec, true, true);
	return vec;
}

int pci_enable_irq(struct pci_dev *pd, void (*fn)(void *), void *arg)
{
	int v = pci_enable_msix(pd, 0, fn, arg);
	if (v < 0)
		v = pci_enable_msi(pd, fn, arg);
	if (v < 0)
		v = pci_enable_intx(pd, fn, arg);
	return v;
}
