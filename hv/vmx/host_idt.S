/* Host exception stubs: any exception in the hypervisor itself panics with
 * its vector, error code and RIP (host_fault in main.c). */
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

	.section .note.GNU-stack, "", @progbits
