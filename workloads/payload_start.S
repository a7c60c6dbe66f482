/* Payload image start: the header the host reads, the CPL3 entry, and the
 * CPL0 exception stubs the host points the IDT at (SDM Vol. 3A 6.14). */
#define __ASSEMBLY__
#define TV_PARAMS_ADDR 0x1000
#define TV_PORT_FAULT 0x5e1
#define TV_USTACK_TOP 0x1f0000
/* struct tv_params offsets of the fault fields (see tv_abi.h; checked by
 * _Static_assert in payload_layout.c). */
#define OFF_FAULT_VECTOR 104
#define OFF_FAULT_ERROR 112
#define OFF_FAULT_RIP 120
#define OFF_FAULT_CR2 128
#define STUB_SIZE 16

	.section .header, "a"
	.globl payload_header
payload_header:
	.long 0x44504c54        /* TV_PAYLOAD_MAGIC */
	.long 1                 /* TV_ABI_VERSION */
	.quad payload_entry
	.quad fault_stubs
	.quad STUB_SIZE
	.quad 32

	.text
	.globl payload_entry
payload_entry:
	mov $TV_USTACK_TOP, %rsp
	xor %ebp, %ebp
	call payload_main
1:	jmp 1b

/* Vectors with an error code: 8, 10-14, 17, 21, 29, 30 (SDM Vol. 3A table 6-1).
 * Each stub pushes a dummy error code where the CPU pushes none, then the
 * vector, so the common path sees one frame layout. */
	.balign STUB_SIZE
	.globl fault_stubs
fault_stubs:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign STUB_SIZE
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	pushq $\vec
	.else
	pushq $0
	pushq $\vec
	.endif
	jmp fault_common
	.endr

fault_common:
	/* frame: vector, error, RIP, CS, RFLAGS, RSP, SS */
	mov $TV_PARAMS_ADDR, %rbx
	mov 0(%rsp), %rax
	mov %rax, OFF_FAULT_VECTOR(%rbx)
	mov 8(%rsp), %rax
	mov %rax, OFF_FAULT_ERROR(%rbx)
	mov 16(%rsp), %rax
	mov %rax, OFF_FAULT_RIP(%rbx)
	mov %cr2, %rax
	mov %rax, OFF_FAULT_CR2(%rbx)
	mov OFF_FAULT_VECTOR(%rbx), %eax
	mov $TV_PORT_FAULT, %dx
	outl %eax, %dx
2:	hlt
	jmp 2b
	.section .note.GNU-stack, "", @progbits
