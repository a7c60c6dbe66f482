/* SVM exit codes, APM Vol. 2 appendix C (table C-1), as one X-macro:
 * X(code, name, handler). The code is the EXITCODE the processor writes to
 * the VMCB, the name is the histogram's key, the handler is svm_exits.c's
 * (0: an exit the hypervisor does not expect, which fails the cell with its
 * name). Codes the table omits (most CR/DR and exception intercepts, which
 * tlbvisor never sets) are counted as "other" and fail the cell. */
#ifndef TLBVISOR_SVM_EXIT_CODES_H
#define TLBVISOR_SVM_EXIT_CODES_H

#define SVM_EXIT_CODES(X) \
	X(0x000, cr0_read, 0) \
	X(0x003, cr3_read, 0) \
	X(0x004, cr4_read, 0) \
	X(0x008, cr8_read, 0) \
	X(0x010, cr0_write, 0) \
	X(0x013, cr3_write, 0) \
	X(0x014, cr4_write, 0) \
	X(0x018, cr8_write, 0) \
	X(0x060, intr, on_intr) \
	X(0x061, nmi, 0) \
	X(0x062, smi, 0) \
	X(0x063, init, 0) \
	X(0x064, vintr, 0) \
	X(0x065, cr0_sel_write, 0) \
	X(0x066, idtr_read, 0) \
	X(0x067, gdtr_read, 0) \
	X(0x068, ldtr_read, 0) \
	X(0x069, tr_read, 0) \
	X(0x06a, idtr_write, 0) \
	X(0x06b, gdtr_write, 0) \
	X(0x06c, ldtr_write, 0) \
	X(0x06d, tr_write, 0) \
	X(0x06e, rdtsc, 0) \
	X(0x06f, rdpmc, 0) \
	X(0x070, pushf, 0) \
	X(0x071, popf, 0) \
	X(0x072, cpuid, on_cpuid) \
	X(0x073, rsm, 0) \
	X(0x074, iret, 0) \
	X(0x075, swint, 0) \
	X(0x076, invd, 0) \
	X(0x077, pause, 0) \
	X(0x078, hlt, on_hlt) \
	X(0x079, invlpg, 0) \
	X(0x07a, invlpga, 0) \
	X(0x07b, ioio, on_ioio) \
	X(0x07c, msr, 0) \
	X(0x07d, task_switch, 0) \
	X(0x07e, ferr_freeze, 0) \
	X(0x07f, shutdown, on_shutdown) \
	X(0x080, vmrun, 0) \
	X(0x081, vmmcall, 0) \
	X(0x082, vmload, 0) \
	X(0x083, vmsave, 0) \
	X(0x084, stgi, 0) \
	X(0x085, clgi, 0) \
	X(0x086, skinit, 0) \
	X(0x087, rdtscp, 0) \
	X(0x088, icebp, 0) \
	X(0x089, wbinvd, 0) \
	X(0x08a, monitor, 0) \
	X(0x08b, mwait, 0) \
	X(0x08c, mwait_conditional, 0) \
	X(0x08d, xsetbv, 0) \
	X(0x08e, rdpru, 0) \
	X(0x08f, efer_write_trap, 0) \
	X(0x0a0, invlpgb, 0) \
	X(0x0a1, invlpgb_illegal, 0) \
	X(0x0a2, invpcid, 0) \
	X(0x0a3, mcommit, 0) \
	X(0x0a4, tlbsync, 0) \
	X(0x400, npf, on_npf) \
	X(0x401, avic_incomplete_ipi, 0) \
	X(0x402, avic_noaccel, 0) \
	X(0x403, vmgexit, 0) \
	X(0xffffffffffffffffull, invalid, on_invalid) \
	X(0xfffffffffffffffeull, busy, 0)

#endif
