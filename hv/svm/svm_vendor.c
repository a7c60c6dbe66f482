/* AMD-V as tlbvisor's hypervisor sees it (hv/hyp/vendor.h): what a cell
 * needs of the processor, the VMCB and its ASID, the hypervisor's paging
 * depth for 5-level NPT, and the local APIC timer as watchdog. */
#include "svm.h"

#include "hv/hyp/apic.h"
#include "hv/hyp/host.h"
#include "hv/hyp/serial.h"

static void svm_hello(void)
{
	const struct svm_caps *c = &svm_caps;
	kprintf(",\"svm_revision\":%u,\"asids\":%u,\"svm_features\":\"0x%x\",\"npt\":%s,\"flush_by_asid\":%s,"
		"\"nrips\":%s,\"watchdog\":\"",
		c->revision, c->nasid, c->features, c->features & SVM_FEATURE_NP ? "true" : "false",
		c->features & SVM_FEATURE_FLUSH_BY_ASID ? "true" : "false",
		c->features & SVM_FEATURE_NRIPS ? "true" : "false");
	kput_json_string(c->timer_why ? c->timer_why : "local APIC timer");
	kprintf("\",\"apic_per_tsc_q32\":%lu", apic_timer_rate_q32());
}

static const char *svm_unsupported(const struct hv_cell *cell, const struct hv_matrix *m)
{
	const struct svm_caps *c = &svm_caps;
	if (!(c->features & SVM_FEATURE_NP))
		return "processor has SVM but no nested paging (CPUID.8000000AH:EDX.NP = 0)";
	if (cell->levels == 5 && !c->la57)
		return "5-level NPT not possible: the nested walk is as deep as the hypervisor's own paging (APM 15.25), and this processor has no 5-level paging (CPUID.7.0:ECX.LA57 = 0)";
	if (cell->nested_page == PT_SIZE_1G && !c->page1gb)
		return "1G NPT pages need CPUID.80000001H:EDX.Page1GB, which this processor lacks";
	if (c->nasid < 2)
		return "no ASID for a guest: CPUID.8000000AH:EBX reports fewer than 2";
	if (m->exit_ticks && c->timer_why)
		return "exit_ticks needs the local APIC timer, which is unusable here";
	return 0;
}

static const char *svm_prepare(const struct hv_guest *g, struct exit_ctx *x)
{
	static uint8_t vmcb[4096] __attribute__((aligned(4096)));
	static struct svm_cell cell;
	/* The nested walk takes the host's paging mode at VMRUN (15.25.4): a
	 * 5-level NPT needs the hypervisor itself in 5-level paging. */
	host_set_paging_levels(g->cell->levels);
	cell = (struct svm_cell){ .vmcb = vmcb, .vmcb_pa = (uint64_t)(uintptr_t)vmcb };
	/* ASID 0 is the host's (15.16); a tagged cell gets its own, an
	 * untagged one is flushed on every VMRUN anyway. */
	uint32_t asid = 1 + g->cell->index % (svm_caps.nasid - 1);
	svm_setup_vmcb(&cell, g, asid);
	x->vendor = &cell;
	x->watchdog_ticks = svm_caps.timer_why ? 0 : g->watchdog_tsc;
	x->exit_ticks = g->exit_ticks;
	return 0;
}

static void svm_finish(void)
{
	host_set_paging_levels(4);
}

/* NPT entries are ordinary long-mode entries, every level user-accessible
 * (the nested walk is a user access, APM 15.25.5), indexed by a
 * guest-physical address: the x86 format of hv/paging. */
const struct hv_vendor hv_vendor_svm = {
	.name = "svm",
	.tlb_tag = "asid",
	.nested = "NPT",
	.nested_format = &pt_format_npt,
	.bringup = svm_bringup,
	.hello = svm_hello,
	.unsupported = svm_unsupported,
	.prepare = svm_prepare,
	.run = svm_run_guest,
	.finish = svm_finish,
	.exits = &svm_exit_table,
	.pmu_probe = svm_pmu_probe,
};
