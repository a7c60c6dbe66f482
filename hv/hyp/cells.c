/* Cells of the matrix, vendor-neutral: guest memory and system structures
 * (hv/common/guest_layout), the second-level table from the one paging
 * engine (hv/paging; EPT or NPT format as the vendor says), the measurement
 * protocol (hv/common/measure), and the vendor's control block and run loop
 * through struct hv_vendor. */
#include "cells.h"

#include "hv/common/elf64.h"
#include "hv/common/guest_layout.h"
#include "hv/common/measure.h"
#include "hv/paging/pt_arena.h"
#include "x86.h"

struct cell_run {
	const struct hv_cell *cell;
	const struct hv_vendor *v;
	volatile struct tv_params *params;
	struct exit_ctx x;
	uint64_t phase_exits[MEASURE_PHASES];
	uint64_t phase_start;
	struct hv_pmu pmu;
};

static int command(struct cell_run *r, uint32_t cmd)
{
	r->params->cmd = cmd;
	r->params->status = ~0u;
	r->x.io_commands++;
	if (r->v->run(&r->x) != EXIT_DONE)
		return MEASURE_FAILED;
	if (r->x.done_status != TV_STATUS_OK) {
		exit_fail(&r->x, "guest payload refused a command:", "status", r->x.done_status, 0, 0, 0, 0);
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

static void zero_pages(uint8_t *p, uint64_t n)
{
	uint64_t *q = (uint64_t *)p;
	for (uint64_t i = 0; i < n / 8; i++)
		q[i] = 0;
}

/* Why the machine cannot give cell c its memory, or NULL. */
static const char *no_memory(const struct hv_cell *c, const struct hv_memory *mem, uint64_t ws_mem,
			     uint64_t sys_need)
{
	if (!mem->sys_size)
		return "not enough free RAM for the guest's system memory and the nested page tables; fix: give the machine more RAM";
	if (c->nested_page > mem->ws_align || c->guest_page > mem->ws_align)
		return "no guest memory at a 1 GiB boundary for 1G leaves (the machine's RAM has no free 1 GiB-aligned block large enough); fix: give the machine more RAM";
	if (ws_mem > mem->ws_size && c->guest_page == PT_SIZE_1G)
		return "guest 1G pages need a whole 1 GiB of guest memory from 1 GiB up, more than the RAM the hypervisor has there; fix: give the machine more RAM (Bochs stops at 2 GiB)";
	if (ws_mem > mem->ws_size || sys_need > mem->sys_size)
		return "working set larger than the hypervisor's guest memory; fix: give the machine more RAM or use a smaller ws";
	return 0;
}

static uint64_t round_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

/* The nested leaf of the sys region: the cell's where the region's host
 * address and size allow (1G: the 16 MiB region takes 2M), 4K under pt_split. */
static uint64_t sys_leaf(const struct hv_cell *c, const struct hv_matrix *m, const struct hv_memory *mem,
			 uint64_t sys_need)
{
	if (m->pt_split)
		return PT_SIZE_4K;
	for (uint64_t leaf = c->nested_page; leaf > PT_SIZE_4K; leaf = leaf == PT_SIZE_1G ? PT_SIZE_2M : PT_SIZE_4K)
		if ((uint64_t)(uintptr_t)mem->sys % leaf == 0 && round_up(sys_need, leaf) <= mem->sys_size)
			return leaf;
	return PT_SIZE_4K;
}

static void run_cell(const struct hv_cell *c, const struct hv_matrix *m, const struct hv_vendor *v,
		     const struct hv_memory *mem)
{
	const char *no = v->unsupported(c, m);
	uint32_t a, b, cx, d;
	cpuid(0x80000001, 0, &a, &b, &cx, &d);
	if (!no && c->guest_page == PT_SIZE_1G && !(d & (1u << 26)))
		no = "guest 1G pages need CPUID.80000001H:EDX.Page1GB, which this processor lacks";
	/* The guest maps (and touches) the working set rounded to its page; the
	 * nested table maps it rounded to its leaf. A 1G leaf may cover host
	 * addresses beyond RAM, which the guest's own tables never reach. */
	uint64_t ws_mem = round_up(c->ws, c->guest_page);
	uint64_t align = c->guest_page > c->nested_page ? c->guest_page : c->nested_page;
	uint64_t nested_mapped = round_up(c->ws, align);
	uint64_t sys_need = guest_layout_sys_size(ws_mem + PT_SIZE_2M, c->guest_page);
	if (!no)
		no = no_memory(c, mem, ws_mem, sys_need);
	if (no) {
		report_skip(c, no);
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
	/* The probe cell maps 2M more in the guest than the nested table provides. */
	uint64_t guest_mapped = c->probe ? nested_mapped + PT_SIZE_2M : ws_mem;
	enum pt_status ps = guest_layout_build(mem->sys, sys_need, hdr, guest_mapped, c->guest_page, &layout);
	if (ps != PT_OK) {
		report_skip(c, pt_status_str(ps));
		return;
	}

	/* The second-level table: the sys region (the guest's page tables) and
	 * the working set with the cell's leaf, as a real guest's RAM would be
	 * (the sys region with 4K leaves under pt_split), nothing else (EPT:
	 * SDM Vol. 3C 29.3; NPT: APM Vol. 2 15.25). */
	struct pt_arena arena;
	pt_arena_init(&arena, mem->nested_pool, (uint64_t)(uintptr_t)mem->nested_pool, mem->nested_pool_size);
	struct pt_table nested;
	uint64_t sys_page = sys_leaf(c, m, mem, sys_need);
	ps = pt_init(&nested, v->nested_format, c->levels, pt_arena_mem(&arena));
	if (ps == PT_OK)
		ps = pt_map(&nested, 0, (uint64_t)(uintptr_t)mem->sys, round_up(sys_need, sys_page), sys_page,
			    PT_R | PT_W | PT_X);
	if (ps == PT_OK)
		ps = pt_map(&nested, TV_WS_ADDR, (uint64_t)(uintptr_t)mem->ws, nested_mapped, c->nested_page,
			    PT_R | PT_W | PT_X);
	if (ps != PT_OK) {
		report_skip(c, pt_status_str(ps));
		return;
	}
	struct pt_walk nested_walk, pt_pool_walk;
	pt_walk(&nested, TV_WS_ADDR, &nested_walk);
	pt_walk(&nested, layout.cr3 & ~0xfffull, &pt_pool_walk); /* where the guest's top table sits */

	struct cell_run r = { .cell = c, .v = v, .params = (volatile struct tv_params *)(mem->sys + TV_PARAMS_ADDR) };
	r.params->magic = TV_PARAMS_MAGIC;
	r.params->abi_version = TV_ABI_VERSION;
	r.x.params = r.params;
	r.x.table = v->exits;
	struct hv_guest g = { .cell = c, .nested = &nested, .cr3 = layout.cr3, .rip = entry, .rsp = TV_USTACK_TOP,
			      .watchdog_tsc = m->watchdog_ticks, .exit_ticks = m->exit_ticks };
	const char *err = v->prepare(&g, &r.x);
	if (err) {
		report_skip(c, err);
		v->finish();
		return;
	}
	v->pmu_probe(&r.pmu, m->pmu_raw, m->npmu_raw);

	struct measure_result mr = { .step = "start" };
	struct cell_outcome out = { .cell = c, .x = &r.x, .mr = &mr, .nested_walk = &nested_walk, .pt_walk = &pt_pool_walk, .pmu = &r.pmu };
	if (c->probe) {
		/* Touch the guest-mapped page the nested table does not map. */
		r.params->touch_addr = TV_WS_ADDR + nested_mapped + 0x40;
		int rc = command(&r, TV_CMD_TOUCH);
		mr.step = "touch beyond the nested table";
		out.rc = rc == MEASURE_OK ? MEASURE_FAILED : rc;
	} else {
		struct chase_config cfg = {
			.base = TV_WS_ADDR, .bytes = c->ws, .stride = m->stride < c->ws ? m->stride : c->ws,
			.group = m->group, .seed = m->seed, .pattern = c->pattern,
		};
		if (!c->exit_cost && chase_validate(&cfg) != CHASE_OK) {
			report_skip(c, chase_check_str(chase_validate(&cfg)));
			v->finish();
			return;
		}
		r.params->chase = cfg;
		r.params->exit_every = m->exit_every;
		struct measure_ops ops = { &r, op_timer, c->exit_cost ? op_no_build : op_build,
					   c->exit_cost ? op_exit_cost : op_run, op_phase_begin, op_phase_end };
		struct measure_params mp = { .min_cycles = m->min_cycles, .repetitions = m->reps,
					     .max_warmup_passes = m->max_warmup,
					     .warmup_steps = c->exit_cost ? 256 : 0 };
		out.rc = measure_cell(&ops, c->exit_cost ? 0 : &cfg, &mp, &mr);
	}
	for (unsigned p = 0; p < MEASURE_PHASES; p++)
		out.phase_exits[p] = r.phase_exits[p];
	v->finish();
	report_outcome(&out);
}

struct matrix_run {
	const struct hv_matrix *m;
	const struct hv_vendor *v;
	const char *why_not;
	const struct hv_memory *mem;
	unsigned index;
};

static void next_cell(struct matrix_run *mr, struct hv_cell c)
{
	c.index = mr->index++;
	if (mr->why_not)
		report_skip(&c, mr->why_not);
	else
		run_cell(&c, mr->m, mr->v, mr->mem);
}

void hv_run_matrix(const struct hv_matrix *m, const struct hv_vendor *v, const char *why_not,
		   const struct hv_memory *mem)
{
	struct matrix_run mr = { m, v, why_not, mem, 0 };
	if (m->probe_ept_violation)
		next_cell(&mr, (struct hv_cell){ .ws = 2u << 20, .guest_page = PT_SIZE_4K, .nested_page = PT_SIZE_4K,
						 .levels = 4, .tagged = true, .pattern = CHASE_RANDOM, .probe = true });
	for (unsigned p = 0; p < m->npatterns; p++)
		for (unsigned g = 0; g < m->nguest; g++)
			for (unsigned e = 0; e < m->nept; e++)
				for (unsigned t = 0; t < m->nvpid; t++)
					for (unsigned l = 0; l < m->nlevels; l++)
						for (unsigned w = 0; w < m->nws; w++)
							next_cell(&mr, (struct hv_cell){
								.ws = m->ws[w], .guest_page = m->guest_pages[g],
								.nested_page = m->ept_pages[e], .levels = m->levels[l],
								.tagged = m->vpid[t], .pattern = m->patterns[p] });
	for (unsigned k = 0; m->exit_cost && k < 2; k++)
		next_cell(&mr, (struct hv_cell){ .ws = 16u << 10, .guest_page = PT_SIZE_4K, .nested_page = PT_SIZE_4K,
						 .levels = 4, .tagged = true, .pattern = CHASE_RANDOM, .exit_cost = true,
						 .exit_kind = k ? TV_EXIT_CPUID : TV_EXIT_IO });
}
