/* Boot entry: the multiboot1 and multiboot2 headers, the 32-bit entry both protocols jump to,
 * the switch to long mode, KASLR's move of the image, and the call into kmain(magic, info).
 * Memory after this file: 0..4 GiB identity-mapped with 2 MiB pages (RAM, boot information,
 * the APICs and the usual PCI hole), NX enabled when the CPU has it, SSE enabled. */

#define MB1_MAGIC      0x1BADB002
#define MB1_FLAGS      0x00000003      /* bit 0: page-align modules, bit 1: memory map */
#define MB2_MAGIC      0xE85250D6
#define MB2_ARCH_I386  0

#define CR0_PE  (1 << 0)
#define CR0_MP  (1 << 1)
#define CR0_EM  (1 << 2)
#define CR0_WP  (1 << 16)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define CR4_OSFXSR     (1 << 9)
#define CR4_OSXMMEXCPT (1 << 10)
#define MSR_EFER 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define PTE_P   0x1
#define PTE_W   0x2
#define PTE_PS  0x80
#define COM1    0x3F8

	.section .multiboot, "a"
	.p2align 2
mb1_header:                             /* Multiboot 0.6.96 §3.1.1 */
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)

	.p2align 3
mb2_header:                             /* Multiboot2 §3.1.1 */
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	.p2align 3
	.word 6, 0                          /* module alignment tag: page-aligned modules */
	.long 8
	.p2align 3
	.word 0, 0                          /* end tag */
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, boot_magic
	movl %ebx, boot_info_ptr
	movl $boot_stack_top, %esp

	/* CPUID present? (EFLAGS.ID toggles) */
	pushfl
	popl %eax
	movl %eax, %ecx
	xorl $(1 << 21), %eax
	pushl %eax
	popfl
	pushfl
	popl %eax
	cmpl %eax, %ecx
	je no_long_mode
	/* Long mode present? CPUID 0x80000001 EDX bit 29 */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $(1 << 29), %edx
	jz no_long_mode
	movl %edx, cpu_ext_edx
	rdtsc                               /* entry time, for the banner's boot time */
	movl %eax, boot_tsc_lo
	movl %edx, boot_tsc_hi

	/* Page tables: PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages. */
	movl $boot_pml4, %edi
	xorl %eax, %eax
	movl $(6 * 4096 / 4), %ecx
	rep stosl
	movl $boot_pdpt, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pml4
	movl $boot_pd, %eax
	orl $(PTE_P | PTE_W), %eax
	movl $boot_pdpt, %edi
	movl $4, %ecx
1:	movl %eax, (%edi)
	addl $4096, %eax
	addl $8, %edi
	loop 1b
	movl $boot_pd, %edi
	movl $(PTE_P | PTE_W | PTE_PS), %eax
	xorl %edx, %edx                     /* high dword of the physical address */
	movl $2048, %ecx
2:	movl %eax, (%edi)
	movl %edx, 4(%edi)
	addl $0x200000, %eax
	adcl $0, %edx
	addl $8, %edi
	loop 2b

	movl %cr4, %eax
	orl $(CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	testl $(1 << 20), cpu_ext_edx       /* NX available: CPUID 0x80000001 EDX bit 20 */
	jz 3f
	orl $EFER_NXE, %eax
3:	wrmsr
	movl %cr0, %eax
	andl $~CR0_EM, %eax
	orl $(CR0_PE | CR0_MP | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0
	lgdt gdt64_ptr
	ljmp $0x08, $long_mode

/* No x86_64: say so on COM1 and on the VGA text screen, then stop. */
no_long_mode:
	movl $msg_no_lm, %esi
	movl $0xB8000, %edi
4:	lodsb
	testb %al, %al
	jz 6f
	movb %al, %bl
	movw $(COM1 + 5), %dx
5:	inb %dx, %al
	testb $0x20, %al
	jz 5b
	movw $COM1, %dx
	movb %bl, %al
	outb %al, %dx
	movb %bl, (%edi)
	movb $0x4F, 1(%edi)
	addl $2, %edi
	jmp 4b
6:	cli
	hlt
	jmp 6b

	.code64
long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	xorq %rbp, %rbp                     /* backtraces stop here */
	fninit
	/* KASLR (kernel/relocate.c): parse the boot information, copy the image to a random
	 * address and relocate the copy. A non-zero distance in RAX means: continue in the copy,
	 * whose absolute addresses (these immediates among them) now name the copy. */
	movl boot_magic, %edi
	movl boot_info_ptr, %esi
	call kmain_early
	testq %rax, %rax
	jz 8f
	leaq relocated(%rip), %rcx
	addq %rax, %rcx
	jmpq *%rcx
relocated:
	movq $boot_pml4, %rax               /* the copy's tables (arch_boot_map_copy) */
	movq %rax, %cr3
	lgdt gdt64_ptr64
	movq $boot_stack_top, %rsp
	xorq %rbp, %rbp
8:	movl boot_magic, %edi
	movl boot_info_ptr, %esi
	call kmain
7:	cli
	hlt
	jmp 7b

	.section .rodata
msg_no_lm:
	.asciz "Peregrine: this CPU has no 64-bit long mode; Peregrine needs an x86_64 CPU.\r\n"

	.p2align 3
gdt64:
	.quad 0
	.quad 0x00AF9A000000FFFF            /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00CF92000000FFFF            /* 0x10: data */
gdt64_end:
gdt64_ptr:                              /* lgdt in 32-bit mode: 6 bytes */
	.word gdt64_end - gdt64 - 1
	.long gdt64
	.p2align 3
gdt64_ptr64:                            /* lgdt in 64-bit mode: 10 bytes */
	.word gdt64_end - gdt64 - 1
	.quad gdt64

	.section .data
	.globl boot_magic, boot_info_ptr, cpu_ext_edx, boot_tsc_lo, boot_tsc_hi
	.p2align 2
boot_tsc_lo:    .long 0
boot_tsc_hi:    .long 0
boot_magic:     .long 0
boot_info_ptr:  .long 0
cpu_ext_edx:    .long 0

	.section .bss
	.p2align 12
	.globl boot_pml4, boot_pdpt, boot_pd, boot_stack_guard, boot_stack_bottom, boot_stack_top
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4 * 4096
/* One page left unmapped by arch_protect_kernel() (arch/x86_64/paging.c): an overflow of the
 * boot stack faults there (#PF, then #DF on its IST stack) instead of overwriting the tables. */
boot_stack_guard:
	.skip 4096
boot_stack_bottom:
	.skip 65536
boot_stack_top:
