/*
 * host_switch_paging(uint64_t cr3, uint64_t cr4): load a new paging depth
 * into the hypervisor. CR4.LA57 can change only while paging is off (SDM
 * Vol. 3A 4.1.1; APM Vol. 2 5.3.1), and paging can be turned off only outside
 * 64-bit mode: so leave to compatibility mode, clear CR0.PG (which leaves
 * long mode, SDM 10.8.5.4), load CR4 and CR3, set CR0.PG (EFER.LME is still
 * 1: long mode again) and jump back to 64-bit code. Runs from the identity
 * map below 4 GiB with interrupts off; cr3 and cr4 fit 32 bits. General
 * registers' upper halves do not survive compatibility mode (SDM Vol. 1
 * 3.4.1.1), so everything the caller keeps is on the stack and RSP itself
 * is reloaded from memory.
 */
#include "guest_regs.h"
#include "host.h"

	.text
	.globl host_switch_paging
host_switch_paging:
	PUSH_CALLEE_SAVED
	mov %rsp, saved_rsp(%rip)
	mov %edi, %edi                  /* cr3 */
	mov %esi, %esi                  /* cr4 */
	pushq $HOST_SEL_CODE32
	lea compat(%rip), %rax
	push %rax
	lretq

	.code32
compat:
	mov %cr0, %eax
	and $0x7fffffff, %eax           /* PG off: long mode inactive */
	mov %eax, %cr0
	mov %esi, %cr4
	mov %edi, %cr3
	or $0x80000000, %eax            /* PG on: long mode active again */
	mov %eax, %cr0
	ljmp $HOST_SEL_CODE, $long64

	.code64
long64:
	mov saved_rsp(%rip), %rsp
	POP_CALLEE_SAVED
	ret

	.data
	.balign 8
saved_rsp: .quad 0

	.section .note.GNU-stack, "", @progbits
