/*
 * svm_run(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_save_pa):
 * run the guest of the VMCB until its next #VMEXIT (APM Vol. 2 15.5-15.6).
 *
 * VMRUN loads only part of the guest state and #VMEXIT restores only part of
 * the host's; TR, LDTR, FS, GS and the SYSCALL MSRs move with VMLOAD and
 * VMSAVE (15.5.2), so the guest's are loaded from its VMCB before VMRUN and
 * the hypervisor's from host_save_pa after the exit. RAX and RSP live in the
 * VMCB; the other general registers are loaded from and saved to *regs
 * (offsets: struct guest_regs in hv/hyp/exits.h).
 *
 * Interrupts: with GIF clear (CLGI) the host sets RFLAGS.IF, so that with
 * V_INTR_MASKING a physical interrupt arriving while the guest runs exits
 * it (INTR intercept, 15.13.1, 15.21.1). #VMEXIT clears GIF again; STGI then
 * delivers a pending timer interrupt to the hypervisor's own IDT (host_idt.S
 * acknowledges and counts it) before CLI.
 */

	.text
	.globl svm_run
svm_run:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdx                       /* host_save_pa */
	push %rdi                       /* regs, found again after the exit */
	mov %rsi, %rax                  /* VMRUN, VMLOAD, VMSAVE take the VMCB in RAX */
	clgi
	sti
	vmload %rax
	mov 8(%rdi), %rcx
	mov 16(%rdi), %rdx
	mov 24(%rdi), %rbx
	mov 32(%rdi), %rbp
	mov 40(%rdi), %rsi
	mov 56(%rdi), %r8
	mov 64(%rdi), %r9
	mov 72(%rdi), %r10
	mov 80(%rdi), %r11
	mov 88(%rdi), %r12
	mov 96(%rdi), %r13
	mov 104(%rdi), %r14
	mov 112(%rdi), %r15
	mov 48(%rdi), %rdi
	vmrun %rax
	/* #VMEXIT: RSP and RAX are the host's again, the rest the guest's. */
	push %rdi                       /* guest rdi */
	mov 8(%rsp), %rdi               /* regs */
	mov %rcx, 8(%rdi)
	mov %rdx, 16(%rdi)
	mov %rbx, 24(%rdi)
	mov %rbp, 32(%rdi)
	mov %rsi, 40(%rdi)
	mov %r8, 56(%rdi)
	mov %r9, 64(%rdi)
	mov %r10, 72(%rdi)
	mov %r11, 80(%rdi)
	mov %r12, 88(%rdi)
	mov %r13, 96(%rdi)
	mov %r14, 104(%rdi)
	mov %r15, 112(%rdi)
	pop %rax
	mov %rax, 48(%rdi)
	pop %rdi                        /* regs */
	pop %rax                        /* host_save_pa */
	vmload %rax
	stgi
	cli
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

	.section .note.GNU-stack, "", @progbits
