/* Intel VT-x for tlbvisor's hypervisor (hv/hyp/vendor.h): capabilities,
 * bring-up, the VMCS for a cell and the VM-exit loop, following the Intel
 * SDM Vol. 3C. */
#ifndef TLBVISOR_VMX_H
#define TLBVISOR_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hyp/vendor.h"

/* Capability MSRs, SDM Vol. 3C appendix A. */
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED 0x481
#define MSR_VMX_PROCBASED 0x482
#define MSR_VMX_EXIT 0x483
#define MSR_VMX_ENTRY 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROCBASED2 0x48b
#define MSR_VMX_EPT_VPID_CAP 0x48c
#define MSR_VMX_TRUE_PINBASED 0x48d
#define MSR_VMX_TRUE_PROCBASED 0x48e
#define MSR_VMX_TRUE_EXIT 0x48f
#define MSR_VMX_TRUE_ENTRY 0x490

/* IA32_FEATURE_CONTROL bits, SDM Vol. 3C 24.7 (and Vol. 4 table 2-2). */
#define FEATURE_CONTROL_LOCK (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
/* CR4.VMXE enables VMX operation (SDM Vol. 3A 2.5). */
#define CR4_VMXE (1ull << 13)

/* Control bits, SDM Vol. 3C 25.6 and 25.7-25.8. */
#define PIN_PREEMPTION_TIMER (1u << 6)
#define PROC_HLT_EXITING (1u << 7)
#define PROC_UNCOND_IO_EXITING (1u << 24)
#define PROC_SECONDARY (1u << 31)
#define PROC2_EPT (1u << 1)
#define PROC2_VPID (1u << 5)
#define EXIT_HOST_64 (1u << 9)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define ENTRY_IA32E_GUEST (1u << 9)
#define ENTRY_LOAD_EFER (1u << 15)

/* IA32_VMX_EPT_VPID_CAP bits, SDM Vol. 3C A.10. */
#define EPT_CAP_WALK4 (1ull << 6)
#define EPT_CAP_WALK5 (1ull << 7)
#define EPT_CAP_WB (1ull << 14)
#define EPT_CAP_2M (1ull << 16)
#define EPT_CAP_1G (1ull << 17)
#define EPT_CAP_INVEPT (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE (1ull << 25)
#define EPT_CAP_INVEPT_ALL (1ull << 26)
#define VPID_CAP_INVVPID (1ull << 32)
#define VPID_CAP_SINGLE (1ull << 41)
#define VPID_CAP_ALL (1ull << 42)

struct vmx_caps {
	bool usable;            /* VMX on and VMXON succeeded */
	uint64_t basic, misc, ept_vpid;
	uint64_t pin_msr, proc_msr, exit_msr, entry_msr, proc2_msr;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool true_controls, secondary, ept, vpid, preemption_timer;
	unsigned preemption_rate; /* timer ticks = TSC >> rate */
};

/* What bring-up found (vmx.c). */
extern struct vmx_caps vmx_caps;

/* Probe CPUID and the capability MSRs, then enable VMX operation. NULL, or
 * why VMX cannot be used. */
const char *vmx_bringup(void);
/* Allowed setting of a control: SDM Vol. 3C A.3.1. */
uint32_t vmx_adjust(uint64_t cap_msr, uint32_t wanted);

struct vmcs_setup {
	uint8_t *vmcs;
	uint64_t eptp;
	uint16_t vpid;   /* 0 = VPID off */
	uint64_t cr3, rip, rsp;
	bool preemption;
};
/* Clear, load and write every field of the VMCS for a new cell. NULL on
 * success, else the reason. */
const char *vmcs_setup_cell(const struct vmcs_setup *s);

/* Enter the guest until the payload reports a command done (vmx_exits.c). */
int vmx_run_guest(struct exit_ctx *x);
extern const struct exit_table vmx_exit_table;

void vmx_pmu_probe(struct hv_pmu *p, const uint64_t *raw, unsigned nraw);

#endif
