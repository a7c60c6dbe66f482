/* VMX basic exit reasons, SDM Vol. 3C appendix C (table C-1), as one X-macro:
 * X(number, name, handler). The number is the processor's, the name is the
 * histogram's key, the handler is vmx_exits.c's (0: an exit the hypervisor
 * does not expect, which fails the cell with its name). */
#ifndef TLBVISOR_VMX_EXIT_REASONS_H
#define TLBVISOR_VMX_EXIT_REASONS_H

#define VMX_EXIT_REASONS(X) \
	X(0, exception_nmi, 0) \
	X(1, external_interrupt, 0) \
	X(2, triple_fault, on_triple_fault) \
	X(3, init, 0) \
	X(4, sipi, 0) \
	X(5, io_smi, 0) \
	X(6, other_smi, 0) \
	X(7, interrupt_window, 0) \
	X(8, nmi_window, 0) \
	X(9, task_switch, 0) \
	X(10, cpuid, on_cpuid) \
	X(11, getsec, 0) \
	X(12, hlt, on_hlt) \
	X(13, invd, 0) \
	X(14, invlpg, 0) \
	X(15, rdpmc, 0) \
	X(16, rdtsc, 0) \
	X(17, rsm, 0) \
	X(18, vmcall, 0) \
	X(19, vmclear, 0) \
	X(20, vmlaunch, 0) \
	X(21, vmptrld, 0) \
	X(22, vmptrst, 0) \
	X(23, vmread, 0) \
	X(24, vmresume, 0) \
	X(25, vmwrite, 0) \
	X(26, vmxoff, 0) \
	X(27, vmxon, 0) \
	X(28, cr_access, 0) \
	X(29, mov_dr, 0) \
	X(30, io_instruction, on_io) \
	X(31, rdmsr, 0) \
	X(32, wrmsr, 0) \
	X(33, entry_fail_guest_state, 0) \
	X(34, entry_fail_msr_loading, 0) \
	X(36, mwait, 0) \
	X(37, monitor_trap_flag, 0) \
	X(39, monitor, 0) \
	X(40, pause, 0) \
	X(41, entry_fail_machine_check, 0) \
	X(43, tpr_below_threshold, 0) \
	X(44, apic_access, 0) \
	X(45, virtualized_eoi, 0) \
	X(46, gdtr_idtr_access, 0) \
	X(47, ldtr_tr_access, 0) \
	X(48, ept_violation, on_ept_violation) \
	X(49, ept_misconfig, on_ept_misconfig) \
	X(50, invept, 0) \
	X(51, rdtscp, 0) \
	X(52, preemption_timer, on_preemption_timer) \
	X(53, invvpid, 0) \
	X(54, wbinvd, 0) \
	X(55, xsetbv, 0) \
	X(56, apic_write, 0) \
	X(57, rdrand, 0) \
	X(58, invpcid, 0) \
	X(59, vmfunc, 0) \
	X(60, encls, 0) \
	X(61, rdseed, 0) \
	X(62, pml_full, 0) \
	X(63, xsaves, 0) \
	X(64, xrstors, 0) \
	X(65, pconfig, 0) \
	X(66, spp_event, 0) \
	X(67, umwait, 0) \
	X(68, tpause, 0) \
	X(69, loadiwkey, 0) \
	X(70, enclv, 0) \
	X(72, enqcmd_pasid_fail, 0) \
	X(73, enqcmds_pasid_fail, 0) \
	X(74, bus_lock, 0) \
	X(75, instruction_timeout, 0)

#define VMX_EXIT_ENUM(number, name, handler) VMX_EXIT_##name = number,
enum vmx_exit_reason { VMX_EXIT_REASONS(VMX_EXIT_ENUM) };
#undef VMX_EXIT_ENUM

/* Exit-reason field (SDM Vol. 3C 25.9.1): basic reason in bits 15:0, bit 31
 * set when VM entry failed (SDM 27.8). */
#define VMX_EXIT_REASON_BASIC(r) ((r) & 0xffff)
#define VMX_EXIT_REASON_ENTRY_FAILED (1u << 31)

/* Exit qualification for I/O instructions, SDM Vol. 3C table 28-5. */
#define IO_QUAL_SIZE(q) (((q) & 7) + 1)     /* bits 2:0: size - 1 */
#define IO_QUAL_IN (1u << 3)                 /* direction: 1 = IN */
#define IO_QUAL_STRING (1u << 4)
#define IO_QUAL_REP (1u << 5)
#define IO_QUAL_PORT(q) (((q) >> 16) & 0xffff)

#endif
