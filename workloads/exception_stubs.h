/* Assembler macro shared by the guest payload and the hypervisor: 32
 * exception entry stubs, each stub_size bytes apart. Vectors 8, 10-14, 17,
 * 21, 29 and 30 push an error code (SDM Vol. 3A table 6-1); the others get a
 * dummy one, so the common path always sees: vector, error code, RIP, CS,
 * RFLAGS, RSP, SS. */
#ifndef TLBVISOR_EXCEPTION_STUBS_H
#define TLBVISOR_EXCEPTION_STUBS_H

.macro EXCEPTION_STUBS stub_size, common
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign \stub_size
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	pushq $\vec
	.else
	pushq $0
	pushq $\vec
	.endif
	jmp \common
	.endr
.endm

#endif
