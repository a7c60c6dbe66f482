/*
 * VM-exit reasons by name, each architecture's numbers written once: VMX basic
 * exit reasons (SDM Vol. 3C appendix C, "VMX Basic Exit Reasons") and SVM exit
 * codes (APM Vol. 2 appendix C, "SVM Intercept Exit Codes"). X(number, name)
 * tables for handler tables and histograms; the lookups return NULL for a
 * number the table does not hold. Freestanding.
 */
#ifndef TLBVISOR_EXIT_REASONS_H
#define TLBVISOR_EXIT_REASONS_H

#define VMX_EXIT_REASONS(X) \
	X(0, exception_nmi) X(1, external_interrupt) X(2, triple_fault) X(3, init) X(4, sipi) \
	X(5, io_smi) X(6, other_smi) X(7, interrupt_window) X(8, nmi_window) X(9, task_switch) \
	X(10, cpuid) X(11, getsec) X(12, hlt) X(13, invd) X(14, invlpg) X(15, rdpmc) X(16, rdtsc) \
	X(17, rsm) X(18, vmcall) X(19, vmclear) X(20, vmlaunch) X(21, vmptrld) X(22, vmptrst) \
	X(23, vmread) X(24, vmresume) X(25, vmwrite) X(26, vmxoff) X(27, vmxon) X(28, cr_access) \
	X(29, dr_access) X(30, io_instruction) X(31, rdmsr) X(32, wrmsr) \
	X(33, entry_fail_guest_state) X(34, entry_fail_msr_loading) X(36, mwait) \
	X(37, monitor_trap_flag) X(39, monitor) X(40, pause) X(41, entry_fail_machine_check) \
	X(43, tpr_below_threshold) X(44, apic_access) X(45, virtualized_eoi) \
	X(46, gdtr_idtr_access) X(47, ldtr_tr_access) X(48, ept_violation) X(49, ept_misconfig) \
	X(50, invept) X(51, rdtscp) X(52, preemption_timer) X(53, invvpid) X(54, wbinvd) \
	X(55, xsetbv) X(56, apic_write) X(57, rdrand) X(58, invpcid) X(59, vmfunc) X(60, encls) \
	X(61, rdseed) X(62, pml_full) X(63, xsaves) X(64, xrstors) X(66, spp_event) \
	X(67, umwait) X(68, tpause) X(69, loadiwkey) X(74, bus_lock) X(75, notify)

#define SVM_EXIT_CODES(X) \
	X(0x000, CR0_READ) X(0x002, CR2_READ) X(0x003, CR3_READ) X(0x004, CR4_READ) \
	X(0x008, CR8_READ) X(0x010, CR0_WRITE) X(0x012, CR2_WRITE) X(0x013, CR3_WRITE) \
	X(0x014, CR4_WRITE) X(0x018, CR8_WRITE) \
	X(0x020, DR0_READ) X(0x021, DR1_READ) X(0x022, DR2_READ) X(0x023, DR3_READ) \
	X(0x026, DR6_READ) X(0x027, DR7_READ) X(0x030, DR0_WRITE) X(0x031, DR1_WRITE) \
	X(0x032, DR2_WRITE) X(0x033, DR3_WRITE) X(0x036, DR6_WRITE) X(0x037, DR7_WRITE) \
	X(0x040, EXCP0) X(0x041, EXCP1) X(0x042, EXCP2) X(0x043, EXCP3) X(0x044, EXCP4) \
	X(0x045, EXCP5) X(0x046, EXCP6) X(0x047, EXCP7) X(0x048, EXCP8) X(0x049, EXCP9) \
	X(0x04a, EXCP10) X(0x04b, EXCP11) X(0x04c, EXCP12) X(0x04d, EXCP13) X(0x04e, EXCP14) \
	X(0x04f, EXCP15) X(0x050, EXCP16) X(0x051, EXCP17) X(0x052, EXCP18) X(0x053, EXCP19) \
	X(0x054, EXCP20) X(0x055, EXCP21) X(0x056, EXCP22) X(0x057, EXCP23) X(0x058, EXCP24) \
	X(0x059, EXCP25) X(0x05a, EXCP26) X(0x05b, EXCP27) X(0x05c, EXCP28) X(0x05d, EXCP29) \
	X(0x05e, EXCP30) X(0x05f, EXCP31) \
	X(0x060, INTR) X(0x061, NMI) X(0x062, SMI) X(0x063, INIT) X(0x064, VINTR) \
	X(0x065, CR0_SEL_WRITE) X(0x066, IDTR_READ) X(0x067, GDTR_READ) X(0x068, LDTR_READ) \
	X(0x069, TR_READ) X(0x06a, IDTR_WRITE) X(0x06b, GDTR_WRITE) X(0x06c, LDTR_WRITE) \
	X(0x06d, TR_WRITE) X(0x06e, RDTSC) X(0x06f, RDPMC) X(0x070, PUSHF) X(0x071, POPF) \
	X(0x072, CPUID) X(0x073, RSM) X(0x074, IRET) X(0x075, SWINT) X(0x076, INVD) \
	X(0x077, PAUSE) X(0x078, HLT) X(0x079, INVLPG) X(0x07a, INVLPGA) X(0x07b, IOIO) \
	X(0x07c, MSR) X(0x07d, TASK_SWITCH) X(0x07e, FERR_FREEZE) X(0x07f, SHUTDOWN) \
	X(0x080, VMRUN) X(0x081, VMMCALL) X(0x082, VMLOAD) X(0x083, VMSAVE) X(0x084, STGI) \
	X(0x085, CLGI) X(0x086, SKINIT) X(0x087, RDTSCP) X(0x088, ICEBP) X(0x089, WBINVD) \
	X(0x08a, MONITOR) X(0x08b, MWAIT) X(0x08c, MWAIT_CONDITIONAL) X(0x08d, XSETBV) \
	X(0x08e, RDPRU) X(0x08f, EFER_WRITE_TRAP) X(0x090, CR0_WRITE_TRAP) \
	X(0x094, CR4_WRITE_TRAP) X(0x098, CR8_WRITE_TRAP) X(0x0a0, INVLPGB) \
	X(0x0a1, INVLPGB_ILLEGAL) X(0x0a2, INVPCID) X(0x0a3, MCOMMIT) X(0x0a4, TLBSYNC) \
	X(0x400, NPF) X(0x401, AVIC_INCOMPLETE_IPI) X(0x402, AVIC_NOACCEL) X(0x403, VMGEXIT)

#define EXIT_REASON_CASE(number, name) case number: return #name;

static inline const char *vmx_exit_name(unsigned reason)
{
	switch (reason) {
	VMX_EXIT_REASONS(EXIT_REASON_CASE)
	default: return 0;
	}
}

static inline const char *svm_exit_name(unsigned code)
{
	switch (code) {
	SVM_EXIT_CODES(EXIT_REASON_CASE)
	default: return 0;
	}
}

#undef EXIT_REASON_CASE

#endif
