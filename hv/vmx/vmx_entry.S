/*
 * vmx_run(struct guest_regs *regs, int launched, uint64_t host_rsp_field):
 * load the guest's general registers and enter it (VMLAUNCH the first time,
 * VMRESUME after). Returns 0 after a VM exit (the guest registers saved back
 * into *regs) or 1 when the VM-entry instruction itself failed (SDM Vol. 3C
 * 28.x: VMfail continues with the next instruction). The host RSP is written
 * here (host_rsp_field: VMCS_HOST_RSP's encoding, named in vmcs_fields.h) so
 * that the exit path finds the regs pointer and the callee-saved registers on
 * the stack. Register offsets follow struct guest_regs (hv/hyp/exits.h).
 */

	.text
	.globl vmx_run
vmx_run:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	push %rdi                       /* regs pointer, found again at exit */
	vmwrite %rsp, %rdx
	test %esi, %esi                 /* flags survive the moves below */
	mov 0(%rdi), %rax
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
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* VM entry failed: back to the caller with 1 */
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	mov $1, %eax
	ret

	.globl vmx_exit_entry
vmx_exit_entry:
	push %rdi                       /* guest rdi */
	mov 8(%rsp), %rdi               /* regs pointer */
	mov %rax, 0(%rdi)
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
	pop %rdi
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	xor %eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
