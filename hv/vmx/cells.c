/* Cells of the matrix under VMX: EPT and guest tables from hv/paging, the
 * guest system structures from hv/common/guest_layout, the protocol from
 * hv/common/measure, exits handled through the table in exits.c. */
#include "cells.h"

#include <stdbool.h>

#include "console.h"
#include "exits.h"
#include "pmu.h"
#include "hv/common/elf64.h"
#include "hv/common/guest_layout.h"
#include "hv/common/measure.h"
#include "hv/common/textparse.h"
#include "hv/paging/pt_arena.h"
#include "io.h"
#include "vmcs_fields.h"
#include "vmx_insn.h"

/* ---- one cell ------------------------------------------------------- */

struct hv_cell {
	unsigned index;
	uint64_t ws, guest_page, ept_page;
	unsigned levels;
	bool vpid;
	uint32_t pattern;
	bool probe;
	uint32_t exit_kind;   /* exit-cost cells: TV_EXIT_IO or TV_EXIT_CPUID */
	bool exit_cost;
};

static const char *page_name(uint64_t p)
{
	return p == PT_SIZE_1G ? "1g" : p == PT_SIZE_2M ? "2m" : "4k";
}

static void json_cell_head(const struct hv_cell *c, const char *status)
{
	kprintf("{\"cell\":%u,\"status\":\"%s\",\"ws\":%lu,\"pattern\":\"%s\",\"guest_page\":\"%s\","
		"\"ept_page\":\"%s\",\"ept_levels\":%u,\"vpid\":\"%s\",\"probe\":%s,\"workload\":\"%s\"",
		c->index, status, c->ws, c->pattern == CHASE_SEQ ? "seq" : "random",
		page_name(c->guest_page), page_name(c->ept_page), c->levels, c->vpid ? "on" : "off",
		c->probe ? "\"ept_violation\"" : "null",
		!c->exit_cost ? "chase" : c->exit_kind == TV_EXIT_CPUID ? "exit_cpuid" : "exit_io");
}

static void report_skip(const struct hv_cell *c, const char *reason)
{
	json_cell_head(c, "skipped");
	kputs(",\"reason\":\"");
	kput_json_string(reason);
	kputs("\"}\n");
}

/* Why this processor cannot realize the cell, or NULL. */
static const char *unsupported(const struct hv_cell *c, const struct hv_matrix *m, const struct vmx_caps *caps)
{
	uint32_t a, b, cx, d;
	if (!caps->usable)
		return caps->why_not;
	if (!caps->ept)
		return "processor has no EPT (secondary control 'enable EPT' not allowed)";
	if (!(caps->ept_vpid & EPT_CAP_WB))
		return "EPT paging structures cannot be write-back (IA32_VMX_EPT_VPID_CAP bit 14 = 0)";
	if (c->levels == 5 && !(caps->ept_vpid & EPT_CAP_WALK5))
		return "5-level EPT not offered: IA32_VMX_EPT_VPID_CAP bit 7 (page-walk length 5) is 0 on this processor";
	if (c->levels == 4 && !(caps->ept_vpid & EPT_CAP_WALK4))
		return "4-level EPT not offered: IA32_VMX_EPT_VPID_CAP bit 6 is 0";
	if (c->ept_page == PT_SIZE_2M && !(caps->ept_vpid & EPT_CAP_2M))
		return "2M EPT pages not offered: IA32_VMX_EPT_VPID_CAP bit 16 is 0";
	if (c->ept_page == PT_SIZE_1G && !(caps->ept_vpid & EPT_CAP_1G))
		return "1G EPT pages not offered: IA32_VMX_EPT_VPID_CAP bit 17 is 0";
	if (c->vpid && !caps->vpid)
		return "VPID not offered: secondary control 'enable VPID' not allowed";
	if (m->exit_ticks && !caps->preemption_timer)
		return "exit_ticks needs the VMX-preemption timer, which this processor does not offer (pin-based control bit 6)";
	/* The EPT memory is reused by every cell: stale translations must be
	 * invalidated (SDM 29.4.3.4), and so must the VPID's. */
	if (!(caps->ept_vpid & EPT_CAP_INVEPT) ||
	    !(caps->ept_vpid & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL)))
		return "INVEPT (single- or all-context) not offered: stale EPT translations could not be flushed between cells";
	if (c->vpid && (!(caps->ept_vpid & VPID_CAP_INVVPID) ||
			!(caps->ept_vpid & (VPID_CAP_SINGLE | VPID_CAP_ALL))))
		return "INVVPID (single- or all-context) not offered: VPID-tagged translations could not be flushed between cells";
	cpuid(0x80000001, 0, &a, &b, &cx, &d);
	if (c->guest_page == PT_SIZE_1G && !(d & (1u << 26)))
		return "guest 1G pages need CPUID.80000001H:EDX.Page1GB, which this processor lacks";
	return 0;
}

struct cell_run {
	const struct hv_cell *cell;
	const struct hv_memory *mem;
	volatile struct tv_params *params;
	struct exit_ctx x;
	uint64_t phase_exits[MEASURE_PHASES];
	uint64_t phase_start;
	uint32_t eptp_levels;
	struct hv_pmu pmu;
};

static int command(struct cell_run *r, uint32_t cmd)
{
	r->params->cmd = cmd;
	r->params->status = ~0u;
	r->x.io_commands++;
	int rc = exits_run_guest(&r->x);
	if (rc != EXIT_DONE)
		return MEASURE_FAILED;
	if (r->x.done_status != TV_STATUS_OK) {
		r->x.error = "guest payload refused a command";
		return MEASURE_FAILED;
	}
	return MEASURE_OK;
}

static int op_timer(void *ctx, uint64_t *cycles)
{
	struct cell_run *r = ctx;
	int rc = command(r, TV_CMD_TIMER);
	*cycles = r->params->cycles;
	return rc;
}

static int op_build(void *ctx)
{
	return command(ctx, TV_CMD_BUILD);
}

static int op_run(void *ctx, uint64_t steps, uint64_t *cycles, uint64_t *final_ptr)
{
	struct cell_run *r = ctx;
	r->params->steps = steps;
	int rc = command(r, TV_CMD_RUN);
	*cycles = r->params->cycles;
	*final_ptr = r->params->final_ptr;
	return rc;
}

static int op_exit_cost(void *ctx, uint64_t steps, uint64_t *cycles, uint64_t *final_ptr)
{
	struct cell_run *r = ctx;
	r->params->steps = steps;
	r->params->exit_kind = r->cell->exit_kind;
	int rc = command(r, TV_CMD_EXIT_COST);
	*cycles = r->params->cycles;
	*final_ptr = 0;
	return rc;
}

static int op_no_build(void *ctx)
{
	(void)ctx;
	return MEASURE_OK;
}

static void op_phase_begin(void *ctx, enum measure_phase p)
{
	struct cell_run *r = ctx;
	r->phase_start = r->x.total_exits;
	if (p == MEASURE_MEASURE)
		hv_pmu_begin(&r->pmu);
}

static void op_phase_end(void *ctx, enum measure_phase p)
{
	struct cell_run *r = ctx;
	if (p == MEASURE_MEASURE)
		hv_pmu_end(&r->pmu);
	r->phase_exits[p] = r->x.total_exits - r->phase_start;
}

static uint8_t *zero_pages(uint8_t *p, uint64_t n)
{
	uint64_t *q = (uint64_t *)p;
	for (uint64_t i = 0; i < n / 8; i++)
		q[i] = 0;
	return p;
}

static void report_result(struct cell_run *r, const struct measure_result *mr, int rc,
			  const struct pt_walk *ept_walk)
{
	const struct hv_cell *c = r->cell;
	json_cell_head(c, rc == MEASURE_OK ? "ok" : "failed");
	if (rc != MEASURE_OK) {
		kputs(",\"reason\":\"");
		kput_json_string(mr->step);
		kputs(": ");
		kput_json_string(rc == MEASURE_CORRUPT ? "the chase ended at the wrong element: the working set was corrupted" : r->x.error ? r->x.error : "failed");
		if (r->x.detail[0]) {
			kputs(" ");
			kput_json_string(r->x.detail);
		}
		kputs("\"");
	}
	kprintf(",\"elements\":%lu,\"steps\":%lu,\"timer_overhead\":%lu,\"warmup_passes\":%u,"
		"\"warmup_stable\":%s,\"rep_cycles\":[",
		mr->elements, mr->steps, mr->timer_overhead, mr->warmup_passes,
		mr->warmup_stable ? "true" : "false");
	for (unsigned i = 0; i < mr->reps; i++)
		kprintf("%s%lu", i ? "," : "", mr->rep_cycles[i]);
	kprintf("],\"io_commands\":%lu,\"tick_exits\":%lu,\"timer_exits\":%lu,\"exits\":{",
		r->x.io_commands, r->x.tick_exits, r->x.timer_exits);
	bool first = true;
	for (unsigned i = 0; i < EXIT_REASONS; i++)
		if (r->x.histogram[i]) {
			kprintf("%s\"%s\":%lu", first ? "" : ",", vmx_exit_reason_name(i), r->x.histogram[i]);
			first = false;
		}
	kprintf("},\"build_exits\":%lu,\"warmup_exits\":%lu,\"measure_exits\":%lu",
		r->phase_exits[MEASURE_BUILD], r->phase_exits[MEASURE_WARMUP], r->phase_exits[MEASURE_MEASURE]);
	if (ept_walk && ept_walk->mapped)
		kprintf(",\"ept_leaf\":\"%s\",\"ept_walk_refs\":%u", page_name(ept_walk->page_size), ept_walk->nsteps);
	/* PMU counts of the measured phase, guest only; or why there are none. */
	/* A counter that stays 0 over millions of guest instructions is not
	 * counting (Bochs accepts the MSRs but does not count): say so. */
	bool counting = r->pmu.usable && rc == MEASURE_OK;
	for (unsigned i = 0; counting && i < r->pmu.n; i++)
		if (r->pmu.names[i][0] == 'i' && r->pmu.delta[i] == 0)
			counting = false;
	kputs(",\"pmu_status\":\"");
	kput_json_string(!r->pmu.usable ? r->pmu.why
			 : counting ? "ok"
				    : "counters present but not counting: instructions retired read 0 over the measured phase (an emulator's stub PMU?); counts omitted");
	kputs("\",\"pmu\":{");
	for (unsigned i = 0; counting && i < r->pmu.n; i++)
		kprintf("%s\"%s\":%lu", i ? "," : "", r->pmu.names[i], r->pmu.delta[i]);
	kputs("}");
	kputs("}\n");
}

static void run_cell(const struct hv_cell *c, const struct hv_matrix *m, const struct vmx_caps *caps,
		     const struct hv_memory *mem, uint8_t *vmcs)
{
	const char *no = unsupported(c, m, caps);
	if (no) {
		report_skip(c, no);
		return;
	}
	/* The guest maps (and touches) the working set rounded to its page; the
	 * EPT maps it rounded to the EPT leaf. A 1G EPT leaf may cover host
	 * addresses beyond RAM, which the guest's own tables never reach. */
	uint64_t ws_mem = (c->ws + c->guest_page - 1) / c->guest_page * c->guest_page;
	uint64_t align = c->guest_page > c->ept_page ? c->guest_page : c->ept_page;
	uint64_t ept_mapped = (c->ws + align - 1) / align * align;
	uint64_t sys_need = guest_layout_sys_size(ws_mem + PT_SIZE_2M, c->guest_page);
	if (c->ept_page > mem->ws_align || c->guest_page > mem->ws_align) {
		report_skip(c, "no guest memory at a 1 GiB boundary for 1G leaves (the machine's RAM has no free 1 GiB-aligned block large enough)");
		return;
	}
	if (ws_mem > mem->ws_size && c->guest_page == PT_SIZE_1G) {
		report_skip(c, "guest 1G pages need a whole 1 GiB of guest memory from 1 GiB up, more than the RAM the hypervisor has there; fix: give the machine more RAM (Bochs stops at 2 GiB)");
		return;
	}
	if (ws_mem > mem->ws_size || sys_need > mem->sys_size) {
		report_skip(c, "working set larger than the hypervisor's guest memory; fix: give the machine more RAM or use a smaller ws");
		return;
	}

	/* Guest-physical memory: system structures, payload, page tables. */
	zero_pages(mem->sys, sys_need);
	uint64_t entry;
	enum elf64_status es = elf64_load(mem->payload, mem->payload_size, mem->sys + TV_PAYLOAD_ADDR,
					  TV_PAYLOAD_ADDR, TV_PAYLOAD_ADDR + TV_PAYLOAD_MAX, &entry);
	if (es != ELF64_OK) {
		report_skip(c, elf64_status_str(es));
		return;
	}
	const struct tv_payload_header *hdr = (const void *)(mem->sys + TV_PAYLOAD_ADDR);
	if (hdr->magic != TV_PAYLOAD_MAGIC || hdr->abi_version != TV_ABI_VERSION) {
		report_skip(c, "the payload module has no tlbvisor header of this ABI version (wrong module2 file?)");
		return;
	}
	struct guest_layout layout;
	/* The probe cell maps 2M more in the guest than the EPT provides. */
	uint64_t guest_mapped = c->probe ? ept_mapped + PT_SIZE_2M : ws_mem;
	enum pt_status ps = guest_layout_build(mem->sys, sys_need, hdr, guest_mapped, c->guest_page, &layout);
	if (ps != PT_OK) {
		report_skip(c, pt_status_str(ps));
		return;
	}

	/* EPT (SDM Vol. 3C 29.3): sys region with 4K leaves, working set with
	 * the cell's EPT leaf, nothing else. */
	struct pt_arena arena;
	pt_arena_init(&arena, mem->ept_pool, (uint64_t)(uintptr_t)mem->ept_pool, mem->ept_pool_size);
	struct pt_table ept;
	ps = pt_init(&ept, &pt_format_ept, c->levels, pt_arena_mem(&arena));
	if (ps == PT_OK)
		ps = pt_map(&ept, 0, (uint64_t)(uintptr_t)mem->sys, sys_need, PT_SIZE_4K, PT_R | PT_W | PT_X);
	if (ps == PT_OK)
		ps = pt_map(&ept, TV_WS_ADDR, (uint64_t)(uintptr_t)mem->ws, ept_mapped, c->ept_page, PT_R | PT_W | PT_X);
	if (ps != PT_OK) {
		report_skip(c, pt_status_str(ps));
		return;
	}
	struct pt_walk ept_walk;
	pt_walk(&ept, TV_WS_ADDR, &ept_walk);
	/* EPTP: WB (6), page-walk length - 1 in bits 5:3 (SDM 25.6.11). */
	uint64_t eptp = ept.root | ((uint64_t)(c->levels - 1) << 3) | 6;

	struct cell_run r = { .cell = c, .mem = mem,
			      .params = (volatile struct tv_params *)(mem->sys + TV_PARAMS_ADDR) };
	r.params->magic = TV_PARAMS_MAGIC;
	r.params->abi_version = TV_ABI_VERSION;
	r.x.params = r.params;
	/* The watchdog: the preemption timer counts TSC >> rate (SDM 26.5.1). */
	uint64_t wd = m->watchdog_ticks ? m->watchdog_ticks >> caps->preemption_rate : 0xffffffffu;
	r.x.watchdog_ticks = caps->preemption_timer ? (uint32_t)(wd > 0xffffffffu ? 0xffffffffu : wd ? wd : 1) : 0;
	r.x.exit_ticks = m->exit_ticks;
	r.x.watchdog_tsc = m->watchdog_ticks;
	hv_pmu_probe(&r.pmu, m->pmu_raw, m->npmu_raw);

	struct vmcs_setup vs = { .caps = caps, .vmcs = vmcs, .eptp = eptp,
				 .vpid = c->vpid ? (uint16_t)(c->index + 1) : 0, .cr3 = layout.cr3,
				 .rip = entry, .rsp = TV_USTACK_TOP,
				 .preemption = caps->preemption_timer };
	const char *err = vmcs_setup_cell(&vs);
	if (err) {
		report_skip(c, err);
		return;
	}
	/* Stale translations from the previous cell must not survive: the EPT
	 * memory is reused (SDM 29.4.3.4), and so may be the VPID. */
	if (invept(caps->ept_vpid & EPT_CAP_INVEPT_SINGLE ? 1 : 2, eptp) != 0) {
		report_skip(c, "INVEPT failed: stale EPT translations could not be flushed");
		return;
	}
	if (c->vpid && invvpid(caps->ept_vpid & VPID_CAP_SINGLE ? 1 : 2, vs.vpid) != 0) {
		report_skip(c, "INVVPID failed: stale guest translations could not be flushed");
		return;
	}

	struct chase_config cfg = {
		.base = TV_WS_ADDR, .bytes = c->ws, .stride = m->stride < c->ws ? m->stride : c->ws,
		.group = m->group, .seed = m->seed, .pattern = c->pattern,
	};
	struct measure_result mr = { .step = "start" };
	if (c->probe) {
		/* Touch the guest-mapped page the EPT does not map. */
		r.params->touch_addr = TV_WS_ADDR + ept_mapped + 0x40;
		int rc = command(&r, TV_CMD_TOUCH);
		mr.step = "touch beyond the EPT";
		report_result(&r, &mr, rc == MEASURE_OK ? MEASURE_FAILED : rc, &ept_walk);
		return;
	}
	r.params->chase = cfg;
	r.params->exit_every = m->exit_every;
	if (!c->exit_cost && chase_validate(&cfg) != CHASE_OK) {
		report_skip(c, chase_check_str(chase_validate(&cfg)));
		return;
	}
	struct measure_ops ops = { &r, op_timer, c->exit_cost ? op_no_build : op_build,
				   c->exit_cost ? op_exit_cost : op_run, op_phase_begin, op_phase_end };
	struct measure_params mp = { .min_cycles = m->min_cycles, .repetitions = m->reps,
				     .max_warmup_passes = m->max_warmup,
				     .warmup_steps = c->exit_cost ? 256 : 0 };
	int rc = measure_cell(&ops, c->exit_cost ? 0 : &cfg, &mp, &mr);
	report_result(&r, &mr, rc, &ept_walk);
}

void hv_run_matrix(const struct hv_matrix *m, const struct vmx_caps *caps, const struct hv_memory *mem)
{
	static uint8_t vmcs[4096] __attribute__((aligned(4096)));
	unsigned index = 0;
	if (m->probe_ept_violation) {
		struct hv_cell c = { .index = index++, .ws = 2u << 20, .guest_page = PT_SIZE_4K,
				     .ept_page = PT_SIZE_4K, .levels = 4, .vpid = true,
				     .pattern = CHASE_RANDOM, .probe = true };
		run_cell(&c, m, caps, mem, vmcs);
	}
	for (unsigned p = 0; p < m->npatterns; p++)
		for (unsigned g = 0; g < m->nguest; g++)
			for (unsigned e = 0; e < m->nept; e++)
				for (unsigned v = 0; v < m->nvpid; v++)
					for (unsigned l = 0; l < m->nlevels; l++)
						for (unsigned w = 0; w < m->nws; w++) {
							struct hv_cell c = {
								.index = index++, .ws = m->ws[w],
								.guest_page = m->guest_pages[g],
								.ept_page = m->ept_pages[e], .levels = m->levels[l],
								.vpid = m->vpid[v], .pattern = m->patterns[p],
							};
							run_cell(&c, m, caps, mem, vmcs);
						}
	for (unsigned k = 0; m->exit_cost && k < 2; k++) {
		struct hv_cell c = { .index = index++, .ws = 16u << 10, .guest_page = PT_SIZE_4K,
				     .ept_page = PT_SIZE_4K, .levels = 4, .vpid = true,
				     .pattern = CHASE_RANDOM, .exit_cost = true,
				     .exit_kind = k ? TV_EXIT_CPUID : TV_EXIT_IO };
		run_cell(&c, m, caps, mem, vmcs);
	}
}
