/* The guest's general registers while the hypervisor runs, shared by the
 * C code (struct guest_regs) and the entry stubs of both vendors
 * (vmx_entry.S, svm_entry.S), which load them before entering the guest and
 * save them after an exit. RSP and RIP live in the VMCS/VMCB; under SVM so
 * does RAX, which the stubs then leave alone. */
#ifndef TLBVISOR_HYP_GUEST_REGS_H
#define TLBVISOR_HYP_GUEST_REGS_H

#ifdef __ASSEMBLER__

/* The callee-saved registers of the SysV ABI, around a stub. */
.macro PUSH_CALLEE_SAVED
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
.endm
.macro POP_CALLEE_SAVED
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
.endm

/* Offsets in struct guest_regs. */
#define GR_RAX 0
#define GR_RDI 48

/* Load (save) every guest register but RAX and RDI from (to) *%rdi; the
 * caller moves those two itself, RDI last when loading. */
.macro GUEST_REGS_LOAD
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
.endm
.macro GUEST_REGS_SAVE
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
.endm

#else

#include <stddef.h>
#include <stdint.h>

struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(offsetof(struct guest_regs, rdi) == 48 && offsetof(struct guest_regs, r15) == 112,
	       "the entry stubs' offsets (GUEST_REGS_LOAD/SAVE)");

#endif
#endif
