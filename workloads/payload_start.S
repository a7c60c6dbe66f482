/* Payload image start: the header the host reads, the CPL3 entry, and the
 * CPL0 exception stubs the host points the IDT at (SDM Vol. 3A 6.14). */
#define __ASSEMBLY__
#include "workloads/exception_stubs.h"
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

	.balign STUB_SIZE
	.globl fault_stubs
fault_stubs:
	EXCEPTION_STUBS STUB_SIZE, fault_common

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
