/* Host exception stubs: any exception in the hypervisor itself panics with
 * its vector, error code and RIP (host_fault in main.c). */
	.text
	.globl host_fault_stubs
	.balign 16
host_fault_stubs:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign 16
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	pushq $\vec
	.else
	pushq $0
	pushq $\vec
	.endif
	jmp host_fault_common
	.endr
host_fault_common:
	mov 0(%rsp), %rdi               /* vector */
	mov 8(%rsp), %rsi               /* error code */
	mov 16(%rsp), %rdx              /* rip */
	and $-16, %rsp
	call host_fault
1:	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits
