/* VMX bring-up, step by step as SDM Vol. 3C 24.6-24.8 describe it. */
#include "vmx.h"

#include "hv/hyp/x86.h"
#include "vmx_insn.h"

struct vmx_caps vmx_caps;

uint32_t vmx_adjust(uint64_t cap_msr, uint32_t wanted)
{
	/* Bits 31:0 = allowed-0 (must be 1), bits 63:32 = allowed-1. */
	return (wanted | (uint32_t)cap_msr) & (uint32_t)(cap_msr >> 32);
}

const char *vmx_bringup(void)
{
	struct vmx_caps *c = &vmx_caps;
	static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
	uint32_t a, b, cx, d;
	c->usable = false;

	/* CPUID.1:ECX.VMX[bit 5] says whether VMX exists at all (SDM 24.6). */
	cpuid(1, 0, &a, &b, &cx, &d);
	if (!(cx & (1u << 5)))
		return "processor has no VMX (CPUID.1:ECX.VMX = 0)";

	/* IA32_FEATURE_CONTROL: VMXON outside SMX needs bit 2 and the lock
	 * (SDM 24.7). Firmware may have locked it already (Bochs does). */
	uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
	if (fc & FEATURE_CONTROL_LOCK) {
		if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
			return "VMX disabled by firmware (IA32_FEATURE_CONTROL locked without VMX outside SMX): enable VT-x in the BIOS";
	} else {
		wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	}

	c->basic = rdmsr(MSR_VMX_BASIC);
	c->misc = rdmsr(MSR_VMX_MISC);
	/* Bit 55: the TRUE_* MSRs say which default-1 controls may be 0 (A.2). */
	c->true_controls = (c->basic >> 55) & 1;
	c->pin_msr = rdmsr(c->true_controls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED);
	c->proc_msr = rdmsr(c->true_controls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
	c->exit_msr = rdmsr(c->true_controls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT);
	c->entry_msr = rdmsr(c->true_controls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY);
	c->secondary = (c->proc_msr >> 32) & PROC_SECONDARY;
	c->proc2_msr = c->secondary ? rdmsr(MSR_VMX_PROCBASED2) : 0;
	c->ept = (c->proc2_msr >> 32) & PROC2_EPT;
	c->vpid = (c->proc2_msr >> 32) & PROC2_VPID;
	c->ept_vpid = (c->ept || c->vpid) ? rdmsr(MSR_VMX_EPT_VPID_CAP) : 0;
	c->preemption_timer = (c->pin_msr >> 32) & PIN_PREEMPTION_TIMER;
	c->preemption_rate = (unsigned)(c->misc & 0x1f); /* IA32_VMX_MISC bits 4:0 (A.6) */
	c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);

	/* CR0/CR4 must respect the FIXED MSRs in VMX operation (A.7, A.8);
	 * GRUB leaves CR0.NE clear, and CR4.VMXE enables VMXON. */
	WRITE_CR(0, (READ_CR(0) | c->cr0_fixed0) & c->cr0_fixed1);
	WRITE_CR(4, ((READ_CR(4) | CR4_VMXE) | c->cr4_fixed0) & c->cr4_fixed1);

	/* VMXON region: revision identifier in the first dword (24.11.5). */
	*(uint32_t *)vmxon_region = (uint32_t)(c->basic & 0x7fffffff);
	int rc = vmxon((uint64_t)(uintptr_t)vmxon_region);
	if (rc != 0)
		return rc == 1 ? "VMXON failed (VMfailInvalid)" : "VMXON failed (VMfailValid)";
	c->usable = true;
	return 0;
}
