/* The hypervisor's interrupt and exception entry points (host.c builds the
 * IDT). Any exception in the hypervisor itself panics with its vector, error
 * code and RIP (host_fault in host.c). The local APIC timer interrupt is
 * counted and acknowledged (EOI, SDM Vol. 3A 11.8.5); a spurious interrupt
 * needs no EOI (11.9). */
#include "workloads/exception_stubs.h"

	.text
	.globl host_fault_stubs
	.balign 16
host_fault_stubs:
	EXCEPTION_STUBS 16, host_fault_common
host_fault_common:
	mov 0(%rsp), %rdi               /* vector */
	mov 8(%rsp), %rsi               /* error code */
	mov 16(%rsp), %rdx              /* rip */
	and $-16, %rsp
	call host_fault
1:	hlt
	jmp 1b

	.globl host_timer_stub
host_timer_stub:
	push %rax
	push %rcx
	push %rdx
	lock incq host_timer_interrupts(%rip)
	mov host_apic_eoi(%rip), %rax   /* 0 until apic.c set it up, 1 for x2APIC */
	cmp $1, %rax
	je 2f
	test %rax, %rax
	jz 1f
	movl $0, (%rax)
	jmp 1f
2:	mov $0x80b, %ecx                /* x2APIC EOI (SDM 11.12.1.2) */
	xor %eax, %eax
	xor %edx, %edx
	wrmsr
1:	pop %rdx
	pop %rcx
	pop %rax
	iretq

	.globl host_spurious_stub
host_spurious_stub:
	iretq

	.data
	.balign 8
	.globl host_timer_interrupts, host_apic_eoi
host_timer_interrupts: .quad 0
host_apic_eoi: .quad 0

	.section .note.GNU-stack, "", @progbits
