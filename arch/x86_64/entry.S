/* Interrupt and exception entry: one small stub per vector (0..255) that pushes a uniform
 * frame (struct trap_frame in arch_priv.h), then a common path that saves every general
 * register and the x87/SSE state (fxsave, 16-byte aligned) around trap_dispatch(). */

	.text
	.code64

	.altmacro
	.macro ISR_STUB v
	.p2align 4
isr_stub_\v:
	/* No error code pushed by the CPU (Intel SDM vol 3 table 6-1): push a zero. */
	.if !((\v == 8) || (\v == 10) || (\v == 11) || (\v == 12) || (\v == 13) || (\v == 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30))
	pushq $0
	.endif
	pushq $\v
	jmp isr_common
	.endm

	.set vec, 0
	.rept 256
	ISR_STUB %vec
	.set vec, vec + 1
	.endr

/* Stack on arrival (after the stub): vector, error, rip, cs, rflags, rsp, ss. */
	.p2align 4
isr_common:
	cld
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rbx             /* rbx: the trap frame; callee-saved across the C call */
	/* A frame record so backtraces from inside handlers continue into the interrupted code. */
	pushq 136(%rbx)             /* interrupted rip (15 regs + vector + error = 17 * 8) */
	pushq 64(%rbx)              /* interrupted rbp */
	movq %rsp, %rbp
	andq $-16, %rsp
	subq $512, %rsp
	fxsave (%rsp)               /* kernel C code may use SSE (newlib does) */
	movq %rbx, %rdi
	call trap_dispatch
	fxrstor (%rsp)
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp              /* vector and error code */
	iretq

	.section .rodata
	.p2align 3
	.globl isr_stub_table
isr_stub_table:
	.altmacro
	.macro STUB_ADDR v
	.quad isr_stub_\v
	.endm
	.set vec, 0
	.rept 256
	STUB_ADDR %vec
	.set vec, vec + 1
	.endr

	.section .note.GNU-stack, "", @progbits
