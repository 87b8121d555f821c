/* Kernel page tables. arch_protect_kernel() replaces the boot identity map (boot/boot.S) with
 * one that enforces W^X: text RX, rodata/.ksyms/IDT R+NX, data/bss/heap/DMA RW+NX, device memory
 * RW+NX+uncached, page 0 and the stack guard pages unmapped. mmio_map() adds device memory
 * above 4 GiB to whichever tables are live. Intel SDM vol 3 ch. 4 (4-level paging). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "kernel/arch.h"
#include "kernel/bootinfo.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/panic.h"
#include "arch/x86_64/io.h"
#include "arch_priv.h"
#include "protect.h"

/* Page-table entry bits, Intel SDM vol 3 §4.5 tables 4-14..4-20. */
#define PTE_P    0x1ull
#define PTE_W    0x2ull
#define PTE_PWT  0x8ull
#define PTE_PCD  0x10ull
#define PTE_PS   0x80ull
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull
#define PTE_UC   (PTE_PCD | PTE_PWT)   /* PAT entry 3 = UC with the power-on PAT (§11.12.4) */
#define LARGE    0x200000ull
#define BOOT_MAP_LIMIT 0x100000000ull
#define MAX_GUARDS 8

#define MSR_EFER 0xC0000080u
#define EFER_NXE (1ull << 11)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)
#define CPUID_EBX 1              /* cpu_has() register index; CPUID.7.0:EBX: SMEP 7, SMAP 20 */

extern uint64_t boot_pml4[512], boot_pdpt[512], boot_pd[4 * 512];
extern char _kernel_start[], _etext[], _rodata_start[], _data_start[], _ksyms_start[];
extern char _bss_start[], _kernel_end[], boot_stack_guard[];

static uint64_t *live_pml4 = boot_pml4;     /* the tables mmio_map() edits */
static uint64_t nx;                         /* PTE_NX when EFER.NXE is on, else 0 (reserved) */
static uint64_t guards[MAX_GUARDS];
static uint64_t idt_page;                   /* read-only after arch_init_early() */
static unsigned n_guards, n_tables, n_small, n_large, n_uc;

static uint64_t *table_alloc(void)
{
	void *t = page_alloc(1);
	if (!t)
		panic("paging: out of memory for page tables");
	memset(t, 0, PAGE_SIZE);
	n_tables++;
	return t;
}

static uint64_t *next_table(uint64_t *entry)
{
	if (!(*entry & PTE_P))
		*entry = virt_to_phys(table_alloc()) | PTE_P | PTE_W;
	return phys_to_virt(*entry & PTE_ADDR);
}

void *mmio_map(uint64_t phys, size_t size)
{
	if (phys + size <= BOOT_MAP_LIMIT)
		return phys_to_virt(phys);   /* already mapped, uncached where it is not RAM */
	for (uint64_t a = phys & ~(LARGE - 1); a < phys + size; a += LARGE) {
		uint64_t *pdpt = next_table(&live_pml4[(a >> 39) & 511]);
		uint64_t *pd = next_table(&pdpt[(a >> 30) & 511]);
		uint64_t *pde = &pd[(a >> 21) & 511];
		if (!(*pde & PTE_P))
			*pde = a | PTE_P | PTE_W | PTE_PS | PTE_UC | nx;
		__asm__ volatile("invlpg (%0)" :: "r"(a) : "memory");
	}
	return phys_to_virt(phys);
}

/* The copy's tables, written through the copy's addresses (still identity-mapped by the live
 * boot tables): PML4[0] -> PDPT, PDPT[0..3] -> four directories of 2 MiB pages, as boot.S. */
void arch_boot_map_copy(int64_t delta)
{
	uint64_t *pml4 = (uint64_t *)((uintptr_t)boot_pml4 + delta);
	uint64_t *pdpt = (uint64_t *)((uintptr_t)boot_pdpt + delta);
	uint64_t *pd = (uint64_t *)((uintptr_t)boot_pd + delta);
	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	pml4[0] = (uint64_t)(uintptr_t)pdpt | PTE_P | PTE_W;
	for (unsigned g = 0; g < 4; g++)
		pdpt[g] = (uint64_t)(uintptr_t)(pd + g * 512) | PTE_P | PTE_W;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = i * LARGE | PTE_P | PTE_W | PTE_PS;
}

/* Does [base, base+len) overlap memory the firmware calls RAM (usable, ACPI, NVS)? Those
 * stay write-back; everything else in 0..4 GiB is a device hole and gets PCD|PWT. */
static bool overlaps_ram(const struct boot_info *bi, uint64_t base, uint64_t len)
{
	for (unsigned i = 0; i < bi->mmap_count; i++) {
		const struct boot_mmap *m = &bi->mmap[i];
		if (m->type != MMAP_USABLE && m->type != MMAP_ACPI && m->type != MMAP_NVS)
			continue;
		if (m->base < base + len && base < m->base + m->len)
			return true;
	}
	return false;
}

static bool is_guard(uint64_t a)
{
	for (unsigned i = 0; i < n_guards; i++)
		if (guards[i] == a)
			return true;
	return false;
}

/* The 4 KiB entry for page a inside the split region(s) holding the low 1 MiB and the image. */
static uint64_t small_pte(uint64_t a)
{
	if (a == 0 || is_guard(a))
		return 0;                                       /* not present: NULL, stack guards */
	if (a >= (uint64_t)_kernel_start && a < (uint64_t)_rodata_start)
		return a | PTE_P;                               /* text (and _etext's page): RX */
	if (a >= (uint64_t)_rodata_start && a < (uint64_t)_data_start)
		return a | PTE_P | nx;                          /* rodata: R */
	if (a >= (uint64_t)_ksyms_start && a < (uint64_t)_bss_start)
		return a | PTE_P | nx;                          /* symbol table: R */
	if (a == idt_page)
		return a | PTE_P | nx;                          /* IDT: R (the CPU only reads it) */
	return a | PTE_P | PTE_W | nx;                      /* low memory, data, bss, free RAM */
}

/* A 2 MiB region gets 4 KiB pages when it holds page 0, part of the image (wherever KASLR put
 * it), a stack guard or the IDT; all other RAM keeps 2 MiB pages. */
static bool needs_small_pages(uint64_t base)
{
	uint64_t end = base + LARGE;
	if (base == 0 || (base < (uint64_t)_kernel_end && (uint64_t)_kernel_start < end))
		return true;
	if (idt_page >= base && idt_page < end)
		return true;
	for (unsigned i = 0; i < n_guards; i++)
		if (guards[i] >= base && guards[i] < end)
			return true;
	return false;
}

static void map_region(const struct boot_info *bi, uint64_t *pde, uint64_t base)
{
	if (needs_small_pages(base)) {
		uint64_t *pt = table_alloc();
		for (unsigned i = 0; i < 512; i++) {
			pt[i] = small_pte(base + i * PAGE_SIZE);
			n_small += pt[i] != 0;
		}
		*pde = virt_to_phys(pt) | PTE_P | PTE_W;
		return;
	}
	*pde = base | PTE_P | PTE_W | PTE_PS | nx;
	n_large++;
	if (!overlaps_ram(bi, base, LARGE)) {
		*pde |= PTE_UC;
		n_uc++;
	}
}

static void collect_guards(void)
{
	guards[n_guards++] = (uint64_t)boot_stack_guard;
	n_guards += desc_stack_guards(guards + n_guards, MAX_GUARDS - n_guards);
	for (unsigned i = 0; i < n_guards; i++)
		if (guards[i] & (PAGE_SIZE - 1))
			panic("paging: stack guard 0x%llx is not page-aligned",
			      (unsigned long long)guards[i]);
}

static uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }
static void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }

/* SMEP/SMAP (SDM vol 3 §4.6.1) only restrict supervisor access to user (U/S=1) pages; none
 * exist here, so turning them on costs nothing and catches a stray U bit in a future table. */
static const char *enable_smep_smap(void)
{
	uint64_t cr4 = read_cr4();
	bool smep = cpu_has(7, CPUID_EBX, 7), smap = cpu_has(7, CPUID_EBX, 20);
	if (smep)
		cr4 |= CR4_SMEP;
	if (smap)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	return smep && smap ? ", SMEP+SMAP" : smep ? ", SMEP" : smap ? ", SMAP" : "";
}

void arch_protect_kernel(const struct boot_info *bi)
{
	nx = rdmsr(MSR_EFER) & EFER_NXE ? PTE_NX : 0;   /* boot.S sets NXE when CPUID has NX */
	collect_guards();
	idt_page = desc_idt_page();
	uint64_t *pml4 = table_alloc(), *pdpt = table_alloc();
	pml4[0] = virt_to_phys(pdpt) | PTE_P | PTE_W;
	for (unsigned g = 0; g < 4; g++) {              /* 0..4 GiB, as the boot map had it */
		uint64_t *pd = table_alloc();
		pdpt[g] = virt_to_phys(pd) | PTE_P | PTE_W;
		for (unsigned i = 0; i < 512; i++)
			map_region(bi, &pd[i], (uint64_t)g << 30 | (uint64_t)i << 21);
	}
	/* Keep what mmio_map() already added above 4 GiB (those tables were page_alloc'd). */
	for (unsigned i = 4; i < 512; i++)
		pdpt[i] = boot_pdpt[i];
	for (unsigned i = 1; i < 512; i++)
		pml4[i] = boot_pml4[i];
	write_cr3(virt_to_phys(pml4));                  /* CR0.WP is already set by boot.S */
	live_pml4 = pml4;
	const char *extra = enable_smep_smap();
	log_info("paging: W^X map: text %lluK RX, rodata %lluK R, IDT R, %u guard pages, "
		 "page 0 unmapped, %u 4K + %u 2M pages (%u uncached), %u tables%s%s",
		 (unsigned long long)(_rodata_start - _kernel_start) >> 10,
		 (unsigned long long)(_data_start - _rodata_start) >> 10, n_guards, n_small,
		 n_large, n_uc, n_tables, nx ? "" : ", NO NX (CPU lacks it)", extra);
}
