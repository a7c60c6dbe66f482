/*
 * svm_run(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_save_pa):
 * run the guest of the VMCB until its next #VMEXIT (APM Vol. 2 15.5-15.6).
 *
 * VMRUN loads only part of the guest state and #VMEXIT restores only part of
 * the host's; TR, LDTR, FS, GS and the SYSCALL MSRs move with VMLOAD and
 * VMSAVE (15.5.2), so the guest's are loaded from its VMCB before VMRUN and
 * the hypervisor's from host_save_pa after the exit. RAX and RSP live in the
 * VMCB; the other general registers are loaded from and saved to *regs
 * (hv/hyp/guest_regs.h).
 *
 * Interrupts: with GIF clear (CLGI) the host sets RFLAGS.IF, so that with
 * V_INTR_MASKING a physical interrupt arriving while the guest runs exits
 * it (INTR intercept, 15.13.1, 15.21.1). #VMEXIT clears GIF again; STGI then
 * delivers a pending timer interrupt to the hypervisor's own IDT (host_idt.S
 * acknowledges and counts it) before CLI.
 */

#include "hv/hyp/guest_regs.h"

	.text
	.globl svm_run
svm_run:
	PUSH_CALLEE_SAVED
	push %rdx                       /* host_save_pa */
	push %rdi                       /* regs, found again after the exit */
	mov %rsi, %rax                  /* VMRUN, VMLOAD, VMSAVE take the VMCB in RAX */
	clgi
	sti
	vmload %rax
	GUEST_REGS_LOAD
	mov GR_RDI(%rdi), %rdi
	vmrun %rax
	/* #VMEXIT: RSP and RAX are the host's again, the rest the guest's. */
	push %rdi                       /* guest rdi */
	mov 8(%rsp), %rdi               /* regs */
	GUEST_REGS_SAVE
	pop %rax
	mov %rax, GR_RDI(%rdi)
	pop %rdi                        /* regs */
	pop %rax                        /* host_save_pa */
	vmload %rax
	stgi
	cli
	POP_CALLEE_SAVED
	ret

	.section .note.GNU-stack, "", @progbits
