/*
 * vmx_run(struct guest_regs *regs, int launched, uint64_t host_rsp_field):
 * load the guest's general registers and enter it (VMLAUNCH the first time,
 * VMRESUME after). Returns 0 after a VM exit (the guest registers saved back
 * into *regs) or 1 when the VM-entry instruction itself failed (SDM Vol. 3C
 * 28.x: VMfail continues with the next instruction). The host RSP is written
 * here (host_rsp_field: VMCS_HOST_RSP's encoding, named in vmcs_fields.h) so
 * that the exit path finds the regs pointer and the callee-saved registers on
 * the stack.
 */
#include "hv/hyp/guest_regs.h"

	.text
	.globl vmx_run
vmx_run:
	PUSH_CALLEE_SAVED
	push %rdi                       /* regs pointer, found again at exit */
	vmwrite %rsp, %rdx
	test %esi, %esi                 /* flags survive the moves below */
	mov GR_RAX(%rdi), %rax
	GUEST_REGS_LOAD
	mov GR_RDI(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* VM entry failed: back to the caller with 1 */
	pop %rdi
	POP_CALLEE_SAVED
	mov $1, %eax
	ret

	.globl vmx_exit_entry
vmx_exit_entry:
	push %rdi                       /* guest rdi */
	mov 8(%rsp), %rdi               /* regs pointer */
	mov %rax, GR_RAX(%rdi)
	GUEST_REGS_SAVE
	pop %rax
	mov %rax, GR_RDI(%rdi)
	pop %rdi
	POP_CALLEE_SAVED
	xor %eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
