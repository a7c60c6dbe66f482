/* Programming the VMCS for one cell: controls (SDM Vol. 3C 25.6-25.8), host
 * state (25.5, checked by 27.2.2-27.2.4) and the 64-bit CPL3 guest state
 * (25.4, checked by 27.3.1). Every field is written: first all to zero from
 * the field table, then the meaningful values. */
#include "hv/common/guest_layout.h"
#include "hv/hyp/host.h"
#include "hv/hyp/x86.h"
#include "vmcs_fields.h"
#include "vmx.h"
#include "vmx_insn.h"

void vmx_exit_entry(void);

/* Access rights, SDM Vol. 3C table 25-2: type 3:0, S 4, DPL 6:5, P 7, L 13,
 * D/B 14, G 15, unusable 16. */
#define AR_CODE64_DPL3 0xa0fb
#define AR_DATA_DPL3 0xc0f3
#define AR_TSS_BUSY 0x008b
#define AR_UNUSABLE 0x10000

static const char *failed_write;

static void w(uint64_t field, uint64_t value)
{
	if (vmwrite(field, value) != 0 && !failed_write) {
		for (unsigned i = 0; i < vmcs_field_count; i++)
			if (vmcs_field_table[i].encoding == field)
				failed_write = vmcs_field_table[i].name;
		if (!failed_write)
			failed_write = "unknown field";
	}
}

static uint64_t gdtr_base(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) g;
	__asm__ volatile("sgdt %0" : "=m"(g));
	return g.base;
}

static uint64_t idtr_base(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) i;
	__asm__ volatile("sidt %0" : "=m"(i));
	return i.base;
}

const char *vmcs_setup_cell(const struct vmcs_setup *s)
{
	const struct vmx_caps *c = &vmx_caps;
	uint64_t pa = (uint64_t)(uintptr_t)s->vmcs;
	/* Flush the previous cell's VMCS out of the processor first (SDM 25.11.3),
	 * then poison the region: a field missing from the table reads garbage
	 * and the VM entry fails loudly instead of working by luck. */
	vmclear(pa);
	for (unsigned i = 0; i < 4096; i++)
		s->vmcs[i] = 0xa5;
	*(uint32_t *)s->vmcs = (uint32_t)(c->basic & 0x7fffffff); /* revision id */
	if (vmclear(pa) != 0)
		return "VMCLEAR failed";
	if (vmptrld(pa) != 0)
		return "VMPTRLD failed";
	failed_write = 0;
	vmcs_zero_all();

	/* Controls, adjusted to what the (TRUE) capability MSRs allow. */
	uint32_t pin = vmx_adjust(c->pin_msr, s->preemption ? PIN_PREEMPTION_TIMER : 0);
	uint32_t proc = vmx_adjust(c->proc_msr, PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING | PROC_SECONDARY);
	/* 'activate secondary controls' must really be set, or EPT is silently off. */
	if (!(proc & PROC_SECONDARY))
		return "secondary processor-based controls cannot be activated";
	uint32_t proc2 = vmx_adjust(c->proc2_msr, PROC2_EPT | (s->vpid ? PROC2_VPID : 0));
	if (!(proc2 & PROC2_EPT))
		return "EPT cannot be enabled";
	if (s->vpid && !(proc2 & PROC2_VPID))
		return "VPID cannot be enabled";
	if (!s->vpid && (proc2 & PROC2_VPID))
		return "VPID cannot be turned off on this processor";
	uint32_t exit = vmx_adjust(c->exit_msr, EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER);
	uint32_t entry = vmx_adjust(c->entry_msr, ENTRY_IA32E_GUEST | ENTRY_LOAD_EFER);
	if (!(exit & EXIT_LOAD_EFER) || !(entry & ENTRY_LOAD_EFER))
		return "IA32_EFER cannot be loaded on VM entry/exit";
	if (!(exit & EXIT_HOST_64))
		return "VM-exit control 'host address-space size' not allowed: no 64-bit host";
	if (!(entry & ENTRY_IA32E_GUEST))
		return "VM-entry control 'IA-32e mode guest' not allowed: no 64-bit guest";
	w(VMCS_PIN_CONTROLS, pin);
	w(VMCS_PROC_CONTROLS, proc);
	w(VMCS_PROC_CONTROLS2, proc2);
	w(VMCS_EXIT_CONTROLS, exit);
	w(VMCS_ENTRY_CONTROLS, entry);
	w(VMCS_EXCEPTION_BITMAP, 0);      /* guest exceptions go to the guest's IDT */
	w(VMCS_CR3_TARGET_COUNT, 0);
	w(VMCS_EPT_POINTER, s->eptp);
	w(VMCS_VPID, s->vpid);
	w(VMCS_CR0_MASK, 0);
	/* CR4.VMXE is forced on by CR4_FIXED0; hide it from the guest. */
	w(VMCS_CR4_MASK, CR4_VMXE);
	w(VMCS_CR4_SHADOW, GUEST_CR4);
	w(VMCS_VMCS_LINK_POINTER, ~0ull);

	/* Host state: where a VM exit lands. */
	w(VMCS_HOST_CR0, READ_CR(0));
	w(VMCS_HOST_CR3, READ_CR(3));
	w(VMCS_HOST_CR4, READ_CR(4));
	w(VMCS_HOST_CS_SEL, HOST_SEL_CODE);
	w(VMCS_HOST_SS_SEL, HOST_SEL_DATA);
	w(VMCS_HOST_DS_SEL, HOST_SEL_DATA);
	w(VMCS_HOST_ES_SEL, HOST_SEL_DATA);
	w(VMCS_HOST_FS_SEL, 0);
	w(VMCS_HOST_GS_SEL, 0);
	w(VMCS_HOST_TR_SEL, HOST_SEL_TSS);
	w(VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)host_tss);
	w(VMCS_HOST_GDTR_BASE, gdtr_base());
	w(VMCS_HOST_IDTR_BASE, idtr_base());
	w(VMCS_HOST_EFER, rdmsr(MSR_EFER));
	w(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_entry);

	/* Guest state: 64-bit CPL3, entered directly at the payload entry. */
	w(VMCS_GUEST_CR0, (GUEST_CR0 | c->cr0_fixed0) & c->cr0_fixed1);
	w(VMCS_GUEST_CR4, (GUEST_CR4 | c->cr4_fixed0) & c->cr4_fixed1);
	w(VMCS_GUEST_CR3, s->cr3);
	w(VMCS_GUEST_EFER, GUEST_EFER);
	w(VMCS_GUEST_DR7, 0x400);
	w(VMCS_GUEST_RFLAGS, GUEST_RFLAGS);
	w(VMCS_GUEST_RIP, s->rip);
	w(VMCS_GUEST_RSP, s->rsp);
	w(VMCS_GUEST_CS_SEL, TV_SEL_UCODE);
	w(VMCS_GUEST_CS_LIMIT, 0xffffffff);
	w(VMCS_GUEST_CS_AR, AR_CODE64_DPL3);
	static const uint64_t data_sel[] = { VMCS_GUEST_SS_SEL, VMCS_GUEST_DS_SEL, VMCS_GUEST_ES_SEL,
					     VMCS_GUEST_FS_SEL, VMCS_GUEST_GS_SEL };
	static const uint64_t data_limit[] = { VMCS_GUEST_SS_LIMIT, VMCS_GUEST_DS_LIMIT, VMCS_GUEST_ES_LIMIT,
					       VMCS_GUEST_FS_LIMIT, VMCS_GUEST_GS_LIMIT };
	static const uint64_t data_ar[] = { VMCS_GUEST_SS_AR, VMCS_GUEST_DS_AR, VMCS_GUEST_ES_AR,
					    VMCS_GUEST_FS_AR, VMCS_GUEST_GS_AR };
	for (int i = 0; i < 5; i++) {
		w(data_sel[i], TV_SEL_UDATA);
		w(data_limit[i], 0xffffffff);
		w(data_ar[i], AR_DATA_DPL3);
	}
	w(VMCS_GUEST_TR_SEL, TV_SEL_TSS);
	w(VMCS_GUEST_TR_BASE, TV_TSS_ADDR);
	w(VMCS_GUEST_TR_LIMIT, GUEST_TSS_LIMIT);
	w(VMCS_GUEST_TR_AR, AR_TSS_BUSY);
	w(VMCS_GUEST_LDTR_AR, AR_UNUSABLE);
	w(VMCS_GUEST_GDTR_BASE, TV_GDT_ADDR);
	w(VMCS_GUEST_GDTR_LIMIT, GUEST_GDT_LIMIT);
	w(VMCS_GUEST_IDTR_BASE, TV_IDT_ADDR);
	w(VMCS_GUEST_IDTR_LIMIT, GUEST_IDT_LIMIT);
	w(VMCS_GUEST_ACTIVITY_STATE, 0);
	w(VMCS_GUEST_INTERRUPTIBILITY, 0);
	return failed_write ? failed_write : 0;
}
