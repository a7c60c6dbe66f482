/* Intel VT-x as tlbvisor's hypervisor sees it (hv/hyp/vendor.h): what a cell
 * needs of the processor, the EPT pointer, VPID and invalidations, and the
 * VMX-preemption timer as watchdog. */
#include "vmx.h"

#include "hv/hyp/serial.h"
#include "vmx_insn.h"

static void vmx_hello(void)
{
	const struct vmx_caps *c = &vmx_caps;
	kprintf(",\"vmx_basic\":\"0x%lx\",\"ept_vpid_cap\":\"0x%lx\",\"proc2\":\"0x%lx\",\"true_controls\":%s,"
		"\"preemption_timer\":%s,\"preemption_rate\":%u",
		c->basic, c->ept_vpid, c->proc2_msr, c->true_controls ? "true" : "false",
		c->preemption_timer ? "true" : "false", c->preemption_rate);
}

static const char *vmx_unsupported(const struct hv_cell *cell, const struct hv_matrix *m)
{
	const struct vmx_caps *c = &vmx_caps;
	if (!c->ept)
		return "processor has no EPT (secondary control 'enable EPT' not allowed)";
	if (!(c->ept_vpid & EPT_CAP_WB))
		return "EPT paging structures cannot be write-back (IA32_VMX_EPT_VPID_CAP bit 14 = 0)";
	if (cell->levels == 5 && !(c->ept_vpid & EPT_CAP_WALK5))
		return "5-level EPT not offered: IA32_VMX_EPT_VPID_CAP bit 7 (page-walk length 5) is 0 on this processor";
	if (cell->levels == 4 && !(c->ept_vpid & EPT_CAP_WALK4))
		return "4-level EPT not offered: IA32_VMX_EPT_VPID_CAP bit 6 is 0";
	if (cell->nested_page == PT_SIZE_2M && !(c->ept_vpid & EPT_CAP_2M))
		return "2M EPT pages not offered: IA32_VMX_EPT_VPID_CAP bit 16 is 0";
	if (cell->nested_page == PT_SIZE_1G && !(c->ept_vpid & EPT_CAP_1G))
		return "1G EPT pages not offered: IA32_VMX_EPT_VPID_CAP bit 17 is 0";
	if (cell->tagged && !c->vpid)
		return "VPID not offered: secondary control 'enable VPID' not allowed";
	if (m->exit_ticks && !c->preemption_timer)
		return "exit_ticks needs the VMX-preemption timer, which this processor does not offer (pin-based control bit 6)";
	/* The EPT memory is reused by every cell: stale translations must be
	 * invalidated (SDM 29.4.3.4), and so must the VPID's. */
	if (!(c->ept_vpid & EPT_CAP_INVEPT) || !(c->ept_vpid & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)))
		return "INVEPT (single- or all-context) not offered: stale EPT translations could not be flushed between cells";
	if (cell->tagged && (!(c->ept_vpid & VPID_CAP_INVVPID) || !(c->ept_vpid & (VPID_CAP_SINGLE | VPID_CAP_ALL))))
		return "INVVPID (single- or all-context) not offered: VPID-tagged translations could not be flushed between cells";
	return 0;
}

static const char *vmx_prepare(const struct hv_guest *g, struct exit_ctx *x)
{
	const struct vmx_caps *c = &vmx_caps;
	static uint8_t vmcs[4096] __attribute__((aligned(4096)));
	/* EPTP: memory type WB (6) in bits 2:0, page-walk length - 1 in bits
	 * 5:3 (SDM 25.6.11). */
	uint64_t eptp = g->nested->root | ((uint64_t)(g->cell->levels - 1) << 3) | 6;
	struct vmcs_setup vs = { .vmcs = vmcs, .eptp = eptp,
				 .vpid = g->cell->tagged ? (uint16_t)(g->cell->index + 1) : 0, .cr3 = g->cr3,
				 .rip = g->rip, .rsp = g->rsp, .preemption = c->preemption_timer };
	const char *err = vmcs_setup_cell(&vs);
	if (err)
		return err;
	/* Stale translations from the previous cell must not survive: the EPT
	 * memory is reused (SDM 29.4.3.4), and so may be the VPID. */
	if (invept(c->ept_vpid & EPT_CAP_INVEPT_SINGLE ? 1 : 2, eptp) != 0)
		return "INVEPT failed: stale EPT translations could not be flushed";
	if (vs.vpid && invvpid(c->ept_vpid & VPID_CAP_SINGLE ? 1 : 2, vs.vpid) != 0)
		return "INVVPID failed: stale guest translations could not be flushed";
	/* The watchdog: the preemption timer counts TSC >> rate (SDM 26.5.1);
	 * its value is 32 bits. */
	uint64_t wd = g->watchdog_tsc ? g->watchdog_tsc >> c->preemption_rate : 0xffffffffu;
	x->watchdog_ticks = c->preemption_timer ? (wd > 0xffffffffu ? 0xffffffffu : wd ? wd : 1) : 0;
	x->exit_ticks = g->exit_ticks;
	x->command_tsc = g->watchdog_tsc;
	x->launched = false;
	return 0;
}

static void vmx_finish(void)
{
}

const struct hv_vendor hv_vendor_vmx = {
	.name = "vmx",
	.tlb_tag = "vpid",
	.nested = "EPT",
	.nested_format = &pt_format_ept,
	.bringup = vmx_bringup,
	.hello = vmx_hello,
	.unsupported = vmx_unsupported,
	.prepare = vmx_prepare,
	.run = vmx_run_guest,
	.finish = vmx_finish,
	.exits = &vmx_exit_table,
	.pmu_probe = vmx_pmu_probe,
};
