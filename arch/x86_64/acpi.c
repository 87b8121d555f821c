/* ACPI, only as far as interrupts need it: find the RSDP (from the boot loader or by scanning
 * the EBDA and the BIOS area), walk the XSDT/RSDT with every checksum verified, and parse the
 * MADT into `madt`: the local APIC address, the I/O APICs and the ISA interrupt overrides.
 * Firmware tables are input too: every length is checked before it is used. */
#include <stdio.h>
#include <string.h>
#include "kernel/log.h"
#include "kernel/mem.h"
#include "arch_priv.h"

struct madt_info madt;

#define SDT_HDR_LEN  36        /* ACPI 6.5 §5.2.6 table 5.4 */
#define SDT_MAX_LEN  (1u << 20)

static bool checksum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;
	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* ACPI 6.5 §5.2.5.3: "RSD PTR " on a 16-byte boundary, 20-byte checksum for revision 0,
 * 36-byte extended checksum from revision 2. */
static const uint8_t *rsdp_check(uint64_t pa)
{
	const uint8_t *p = phys_to_virt(pa);
	if (memcmp(p, "RSD PTR ", 8) || !checksum_ok(p, 20))
		return NULL;
	if (p[15] >= 2) {
		uint32_t len = rd32(p + 20);
		if (len < 36 || len > 4096 || !checksum_ok(p, len))
			return NULL;
	}
	return p;
}

static const uint8_t *rsdp_scan(uint64_t from, uint64_t to)
{
	for (uint64_t a = from & ~15ull; a + 36 <= to; a += 16) {
		const uint8_t *p = rsdp_check(a);
		if (p)
			return p;
	}
	return NULL;
}

static const uint8_t *rsdp_find(uint64_t hint)
{
	const uint8_t *p = hint ? rsdp_check(hint) : NULL;
	if (p)
		return p;
	/* BIOS data area word 0x40E holds the EBDA segment; search its first KiB, then the
	 * read-only BIOS space 0xE0000-0xFFFFF. */
	uintptr_t bda = 0x40E;
	__asm__("" : "+r"(bda));        /* a real address, not a null-page bug to warn about */
	uint64_t ebda = (uint64_t)(*(volatile uint16_t *)bda) << 4;
	if (ebda >= 0x80000 && ebda < 0xA0000)
		p = rsdp_scan(ebda, ebda + 1024);
	return p ? p : rsdp_scan(0xE0000, 0x100000);
}

/* A system description table at pa, or NULL when its length or checksum is wrong. */
static const uint8_t *sdt_map(uint64_t pa, uint32_t *len)
{
	if (!pa)
		return NULL;
	const uint8_t *h = mmio_map(pa, SDT_HDR_LEN);
	uint32_t l = rd32(h + 4);
	if (l < SDT_HDR_LEN || l > SDT_MAX_LEN)
		return NULL;
	h = mmio_map(pa, l);
	if (!checksum_ok(h, l))
		return NULL;
	*len = l;
	return h;
}

static void madt_add_ioapic(struct madt_info *m, const uint8_t *e)
{
	if (m->n_ioapics >= MAX_IOAPICS)
		return;
	struct ioapic_info *io = &m->ioapic[m->n_ioapics++];
	io->id = e[2];
	io->addr = rd32(e + 4);
	io->gsi_base = rd32(e + 8);
}

static void madt_add_override(struct madt_info *m, const uint8_t *e)
{
	if (e[2] != 0 || m->n_overrides >= MAX_OVERRIDES)   /* bus 0 = ISA, the only one defined */
		return;
	struct iso_info *o = &m->iso[m->n_overrides++];
	o->isa_irq = e[3];
	o->gsi = rd32(e + 4);
	o->flags = rd16(e + 8);
}

/* ACPI 6.5 §5.2.12: header, LAPIC address (+36), flags (+40), then entries {type, length}. */
int madt_parse(const uint8_t *t, uint32_t len, struct madt_info *m)
{
	/* Minimum lengths of the entries we read, ACPI 6.5 §5.2.12.2-§5.2.12.8. */
	static const uint8_t min_len[6] = { 8, 12, 10, 0, 6, 12 };
	if (len < 44 || memcmp(t, "APIC", 4))
		return -1;
	memset(m, 0, sizeof(*m));
	m->found = true;
	m->lapic_addr = rd32(t + 36);
	for (uint32_t off = 44; off + 2 <= len;) {
		const uint8_t *e = t + off;
		uint8_t type = e[0], elen = e[1];
		if (elen < 2 || off + elen > len || (type < 6 && elen < min_len[type]))
			break;          /* a broken entry ends the walk; keep what came before */
		if (type == 0 && (rd32(e + 4) & 1))       /* processor local APIC, enabled */
			m->n_cpus++;
		else if (type == 1)
			madt_add_ioapic(m, e);
		else if (type == 2)
			madt_add_override(m, e);
		else if (type == 5)                       /* 64-bit local APIC address override */
			m->lapic_addr = rd64(e + 4);
		off += elen;
	}
	return 0;
}

static const uint8_t *find_madt(const uint8_t *rsdp, uint32_t *len)
{
	bool x = rsdp[15] >= 2 && rd64(rsdp + 24);
	uint32_t rlen;
	const uint8_t *root = x ? sdt_map(rd64(rsdp + 24), &rlen) : sdt_map(rd32(rsdp + 16), &rlen);
	if (!root) {
		log_warn("acpi: %s bad length or checksum", x ? "XSDT" : "RSDT");
		return NULL;
	}
	unsigned esz = x ? 8 : 4;
	for (uint32_t off = SDT_HDR_LEN; off + esz <= rlen; off += esz) {
		uint64_t pa = x ? rd64(root + off) : rd32(root + off);
		const uint8_t *h = pa ? mmio_map(pa, SDT_HDR_LEN) : NULL;
		if (!h || memcmp(h, "APIC", 4))
			continue;
		const uint8_t *t = sdt_map(pa, len);
		if (!t)
			log_warn("acpi: MADT at 0x%llx bad length or checksum", (unsigned long long)pa);
		return t;
	}
	return NULL;
}

/* Without a usable MADT: the PC defaults (LAPIC and one I/O APIC at their reset addresses). */
static void madt_defaults(void)
{
	memset(&madt, 0, sizeof(madt));
	madt.lapic_addr = 0xFEE00000;
	madt.n_cpus = 1;
	madt.n_ioapics = 1;
	madt.ioapic[0].addr = 0xFEC00000;
}

void acpi_init(uint64_t rsdp_hint)
{
	const uint8_t *rsdp = rsdp_find(rsdp_hint);
	uint32_t len = 0;
	const uint8_t *t = rsdp ? find_madt(rsdp, &len) : NULL;
	if (!rsdp)
		log_warn("acpi: no RSDP found; assuming PC default APIC addresses");
	if (!t || madt_parse(t, len, &madt) < 0 || madt.n_ioapics == 0) {
		if (rsdp)
			log_warn("acpi: no usable MADT; assuming PC default APIC addresses");
		madt_defaults();
		return;
	}
	char ov[160];
	int n = 0;
	ov[0] = 0;
	for (unsigned i = 0; i < madt.n_overrides && n < (int)sizeof(ov) - 24; i++)
		n += snprintf(ov + n, sizeof(ov) - (size_t)n, " %u->%u", madt.iso[i].isa_irq,
			      (unsigned)madt.iso[i].gsi);
	log_info("acpi: RSDP rev %u at 0x%llx, MADT: %u cpu(s), lapic 0x%llx, %u ioapic(s), "
		 "ioapic0 id %u at 0x%x gsi %u, irq overrides:%s", rsdp[15],
		 (unsigned long long)(uintptr_t)rsdp, madt.n_cpus,
		 (unsigned long long)madt.lapic_addr, madt.n_ioapics, madt.ioapic[0].id,
		 (unsigned)madt.ioapic[0].addr, (unsigned)madt.ioapic[0].gsi_base,
		 madt.n_overrides ? ov : " none");
}
