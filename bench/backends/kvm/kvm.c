/* The KVM backend: the payload in a minimal CPL3 guest, the working set in
 * its own memory slot backed by the requested host pages. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/backends/backend.h"
#include "bench/backends/backend_common.h"
#include "bench/backends/kvm/kvm_knobs.h"
#include "bench/backends/kvm/kvm_record.h"
#include "bench/backends/kvm/kvm_sys_backing.h"
#include "bench/backends/kvm/kvm_trace.h"
#include "bench/backends/measure_host.h"
#include "bench/backends/round_robin.h"
#include "bench/backends/payload.h"
#include "bench/host/host_caps.h"
#include "bench/host/host_virt.h"
#include "bench/run/run_loop.h"
#include "hv/kvm/kvm_guest.h"
#include "lib/units.h"

/* vCPU stats reported per phase (those present on this kernel). */
static const char *const vcpu_stat_names[] = { "exits", "io_exits", "pf_taken", "pf_fixed",
					       "pf_guest", "insn_emulation", "tlb_flush",
					       "signal_exits", "halt_exits", "irq_exits" };
#define NVCPU_STATS (sizeof vcpu_stat_names / sizeof *vcpu_stat_names)

struct kvm_ctx {
	struct kvm_guest g;
	struct chase_config cfg;
	struct kvm_stats_snapshot before;
	struct rusage ru_before;
	struct cell_result *r;
	struct kvm_trace trace;
	uint64_t phase_exits[MEASURE_PHASES];
	char err[512];
};

static int command(struct kvm_ctx *k, uint32_t cmd)
{
	uint32_t status;
	enum kvm_run_result rr = kvm_guest_command(&k->g, cmd, &status, k->err, sizeof k->err);
	if (rr == KVM_RUN_INTERRUPTED)
		return MEASURE_INTERRUPTED;
	if (rr != KVM_RUN_DONE)
		return MEASURE_FAILED;
	if (status != TV_STATUS_OK) {
		snprintf(k->err, sizeof k->err, "guest payload refused command %u with status %u", cmd, status);
		return MEASURE_FAILED;
	}
	return MEASURE_OK;
}

static int kvm_build(void *ctx)
{
	return command(ctx, TV_CMD_BUILD);
}

static int kvm_run_steps(void *ctx, uint64_t steps, uint64_t *cycles, uint64_t *final_ptr)
{
	struct kvm_ctx *k = ctx;
	k->g.params->steps = steps;
	int rc = command(k, TV_CMD_RUN);
	*cycles = k->g.params->cycles;
	*final_ptr = k->g.params->final_ptr;
	return rc;
}

static int kvm_exit_cost(void *ctx, uint64_t steps, uint64_t *cycles, uint64_t *final_ptr)
{
	struct kvm_ctx *k = ctx;
	k->g.params->steps = steps;
	k->g.params->exit_kind = k->r->cell.workload == WORKLOAD_EXIT_CPUID ? TV_EXIT_CPUID : TV_EXIT_IO;
	int rc = command(k, TV_CMD_EXIT_COST);
	*cycles = k->g.params->cycles;
	*final_ptr = 0;
	return rc;
}

static int kvm_no_build(void *ctx)
{
	(void)ctx;
	return MEASURE_OK;
}

static int kvm_timer(void *ctx, uint64_t *cycles)
{
	struct kvm_ctx *k = ctx;
	int rc = command(k, TV_CMD_TIMER);
	*cycles = k->g.params->cycles;
	return rc;
}

static void kvm_phase_begin(void *ctx, enum measure_phase p)
{
	(void)p;
	struct kvm_ctx *k = ctx;
	if (k->g.have_stats)
		kvm_stats_read(&k->g.vcpu_stats, &k->before);
	getrusage(RUSAGE_THREAD, &k->ru_before);
	kvm_trace_reset(&k->trace);
}

static void kvm_phase_end(void *ctx, enum measure_phase p)
{
	struct kvm_ctx *k = ctx;
	struct rusage ru;
	getrusage(RUSAGE_THREAD, &ru);
	/* Guest-caused faults on guest memory are host faults of this thread. */
	phase_counter(k->r, p, "host_faults", (double)((ru.ru_minflt - k->ru_before.ru_minflt) +
						       (ru.ru_majflt - k->ru_before.ru_majflt)));
	struct kvm_stats_snapshot after;
	if (!k->g.have_stats || kvm_stats_read(&k->g.vcpu_stats, &after) < 0)
		return;
	for (size_t i = 0; i < NVCPU_STATS; i++) {
		int idx = kvm_stats_find(&k->g.vcpu_stats, vcpu_stat_names[i]);
		if (idx < 0 || !kvm_stats_is_cumulative(&k->g.vcpu_stats, idx))
			continue;
		phase_counter(k->r, p, vcpu_stat_names[i], (double)(after.value[idx] - k->before.value[idx]));
		if (!strcmp(vcpu_stat_names[i], "exits"))
			k->phase_exits[p] += after.value[idx] - k->before.value[idx];
	}
	/* Exit reasons from the tracepoint, next to the stats' total. */
	if (k->trace.fd >= 0) {
		kvm_trace_drain(&k->trace);
		phase_counter(k->r, p, "tp_exits", (double)k->trace.total);
		if (k->trace.lost)
			phase_counter(k->r, p, "tp_lost", (double)k->trace.lost);
		for (int i = 0; i < k->trace.nslots; i++) {
			char name[24], what[40];
			snprintf(what, sizeof what, "tp_exit_%s",
				 kvm_trace_reason_name(&k->trace, k->trace.counts[i].reason, name, sizeof name));
			phase_counter(k->r, p, what, (double)k->trace.counts[i].n);
		}
		if (k->trace.other)
			phase_counter(k->r, p, "tp_exit_other", (double)k->trace.other);
	}
}

/* One cell: its VM, its working set's memory, its counters, its protocol. */
struct kvm_cell {
	struct kvm_ctx k;
	struct host_mem mem, sys_mem; /* the working set; the guest's tables, payload, stacks */
	struct measure_ops ops;
	struct pmu_session pmu;
	struct measure_host m;
	struct kvm_stats_snapshot base;
	bool stats, exits;
	uint64_t granule;
	const struct host_caps *h;
	const struct run_config *cfg;
};

/* Sets the module knobs, maps the working set, creates and starts the VM,
 * opens the counters and prepares the protocol (measure_host_prepare).
 * Returns 1 when the cell is open (kvm_cell_close it), 0 when it is done already
 * (skipped or failed, r says why), MEASURE_INTERRUPTED when a signal cut it
 * short before. */
static int kvm_cell_open(const struct backend_env *env, struct cell_result *r, struct kvm_cell *kc)
{
	const struct run_config *cfg = env->cfg;
	const struct host_caps *h = env->host;
	const struct payload *p = env->payload;
	const struct cell *c = &r->cell;
	char err[512];
	memset(kc, 0, sizeof *kc);
	kc->h = h;
	kc->cfg = cfg;
	if (!h->kvm_ok) {
		result_skip(r, "%s", h->kvm_reason);
		return 0;
	}
	if (c->guest_page == (1ull << 30) && !h->guest_1g) {
		result_skip(r, "guest 1G pages unavailable: %s", h->guest_1g_reason);
		return 0;
	}
	/* Module knobs first: they decide whether this cell can run here. */
	struct kvm_knobs knobs;
	kvm_knobs_probe(&knobs, h);
	unsigned phys_bits = 0;
	if (c->vpid_set) {
		const char *no = kvm_knobs_vpid_blocker(&knobs, c->vpid, cfg->allow_module_reload, err, sizeof err);
		if (no) {
			result_skip(r, "VPID %s not realizable: %s", c->vpid ? "on" : "off", no);
			return 0;
		}
		char why[256];
		if (kvm_knobs_set_vpid(&knobs, c->vpid, why, sizeof why) < 0) {
			result_fail(r, "%s", why);
			return 0;
		}
	}
	if (c->ept_levels) {
		const char *no = kvm_knobs_levels_blocker(&knobs, c->ept_levels, err, sizeof err);
		if (no) {
			result_skip(r, "EPT depth %u not realizable: %s", c->ept_levels, no);
			return 0;
		}
		phys_bits = kvm_knobs_phys_bits(c->ept_levels);
	}
	kc->granule = host_page_granule(c->host_page);
	uint64_t align = kc->granule > c->guest_page ? kc->granule : c->guest_page;
	uint64_t mem_size = (c->ws + align - 1) / align * align;
	if (cfg->guest_mem && mem_size > cfg->guest_mem) {
		char need[32], have[32];
		format_size(mem_size, need, sizeof need);
		format_size(cfg->guest_mem, have, sizeof have);
		result_skip(r, "working set needs %s of guest memory but --guest-mem is %s; fix: raise --guest-mem or use a smaller --ws",
			    need, have);
		return 0;
	}
	if (check_memory(r, h, mem_size) < 0)
		return 0;
	if (host_mem_alloc(&kc->mem, c->host_page, mem_size, err, sizeof err) < 0) {
		result_skip(r, "%s", err);
		return 0;
	}
	struct kvm_ctx *k = &kc->k;
	k->r = r;
	unsigned guest_levels = c->guest_levels ? c->guest_levels : 4;
	struct kvm_guest_config gc = { .payload = p->image, .payload_size = p->size,
				       .ws_host = kc->mem.addr, .ws_mem_size = mem_size,
				       .guest_page = c->guest_page, .phys_bits = phys_bits,
				       .guest_levels = guest_levels };
	if (kvm_sys_backing_alloc(&kc->sys_mem, r, cfg->pt_split, kvm_guest_sys_size(&gc), err, sizeof err) < 0) {
		host_mem_free(&kc->mem);
		result_skip(r, "%s", err);
		return 0;
	}
	gc.sys_host = kc->sys_mem.addr;
	gc.sys_host_size = kc->sys_mem.size;
	int created = kvm_guest_create(&k->g, &gc, err, sizeof err);
	if (created < 0) {
		host_mem_free(&kc->mem);
		host_mem_free(&kc->sys_mem);
		/* A signal (EINTR) cut the VM's creation short: the cell is not a
		 * result, it stays pending for --resume. */
		if (run_interrupted)
			return MEASURE_INTERRUPTED;
		if (created == KVM_GUEST_UNSUPPORTED && guest_levels == 5)
			result_skip(r, "%s: %s; KVM here: %s", err,
				    h->cpu_la57 ? "the CPU has LA57 but this KVM does not pass it on"
						: "this host's CPU has no LA57 (5-level paging)",
				    kvm_kind_words(h->kvm_kind));
		else if (created == KVM_GUEST_UNSUPPORTED)
			result_skip(r, "%s; KVM here: %s", err, kvm_kind_words(h->kvm_kind));
		else
			result_fail(r, "%s", err);
		return 0;
	}
	kvm_record_translation(r, h, &knobs, phys_bits, guest_levels);
	k->g.watchdog_s = cfg->guest_timeout;
	k->cfg = cell_chase_config(c, cfg, TV_WS_ADDR);
	if (c->workload != WORKLOAD_CHASE)
		k->cfg.group = 0; /* exit cells only need a valid, unused chase */
	enum chase_check chk = chase_validate(&k->cfg);
	int res = MEASURE_OK;
	if (chk != CHASE_OK) {
		result_fail(r, "%s", chase_check_str(chk));
		goto gone;
	}
	k->g.params->chase = k->cfg;
	k->g.params->exit_every = cfg->exit_every;
	/* Baseline of mapped pages before the working set is touched. */
	res = command(k, TV_CMD_NOP);
	if (res != MEASURE_OK) {
		if (res == MEASURE_FAILED)
			result_fail(r, "guest start: %s", k->err);
		goto gone;
	}
	kc->stats = k->g.have_stats && kvm_stats_read(&k->g.vm_stats, &kc->base) == 0;
	kc->exits = c->workload != WORKLOAD_CHASE;
	kc->ops = (struct measure_ops){ .ctx = k, .timer_overhead = kvm_timer,
					.build = kc->exits ? kvm_no_build : kvm_build,
					.run = kc->exits ? kvm_exit_cost : kvm_run_steps,
					.phase_begin = kvm_phase_begin, .phase_end = kvm_phase_end };
	/* The vCPU is this thread: guest-only and host-only groups. */
	const enum pmu_scope scopes[] = { PMU_GUEST, PMU_HOST };
	const char *const prefixes[] = { "guest_", "host_" };
	pmu_session_open(&kc->pmu, cfg, scopes, prefixes, 2, r);
	kvm_trace_open(&k->trace);
	/* Exit cells: warm-up passes of 256 exits, no chain to check. */
	measure_host_prepare(&kc->m, &kc->ops, kc->exits ? NULL : &k->cfg, cfg, h->tsc_hz, k->err, r, &kc->pmu,
			     kc->exits ? 256 : 0, false);
	return 1;
gone:
	kvm_guest_destroy(&k->g);
	host_mem_free(&kc->mem);
	host_mem_free(&kc->sys_mem);
	return res == MEASURE_INTERRUPTED ? MEASURE_INTERRUPTED : 0;
}

/* After measure_host_finish: why exit reasons are missing, the effective
 * page sizes from the VM stats; then the VM and its memory let go. */
static void kvm_cell_close(struct kvm_cell *kc)
{
	struct kvm_ctx *k = &kc->k;
	struct cell_result *r = k->r;
	const struct host_caps *h = kc->h;
	struct kvm_stats_snapshot built;
	pmu_session_close(&kc->pmu);
	/* Say why there are no exit reasons, also when the tracepoint was open
	 * but never fired although the vCPU stats counted exits. */
	if (k->trace.fd < 0)
		snprintf(r->exit_reasons_status, sizeof r->exit_reasons_status, "%s", k->trace.why);
	else if (k->phase_exits[MEASURE_MEASURE] && !k->trace.total)
		snprintf(r->exit_reasons_status, sizeof r->exit_reasons_status,
			 "kvm:kvm_exit fired 0 times while the vCPU stats counted %llu exits: this KVM (%s) does not use the tracepoint",
			 (unsigned long long)k->phase_exits[MEASURE_MEASURE], h->kvm_modules);
	else
		snprintf(r->exit_reasons_status, sizeof r->exit_reasons_status, "ok");
	kvm_trace_close(&k->trace);
	result_counter(r, "guest_page_table_pages", (double)k->g.pt_tables);
	result_counter(r, "exit_every", (double)kc->cfg->exit_every);
	result_counter(r, "tick_exits", (double)k->g.tick_exits);
	if (kc->exits && r->status == CELL_OK) {
		/* cycles_per_access is the cycles of one exit round trip here. */
		snprintf(r->effective_page, sizeof r->effective_page, "-");
	} else if (r->status == CELL_OK && kc->stats && kvm_stats_read(&k->g.vm_stats, &built) == 0) {
		kvm_record_effective_pages(r, &k->g, &kc->base, &built, kc->granule);
	} else if (r->status == CELL_OK) {
		snprintf(r->mismatch_reason, sizeof r->mismatch_reason, "KVM VM stats unavailable: effective page size unknown");
	}
	if (r->status == CELL_OK)
		kvm_sys_backing_record(&kc->sys_mem, r, !strcmp(r->kvm.second_level, "shadow"));
	kvm_guest_destroy(&k->g);
	host_mem_free(&kc->mem);
	host_mem_free(&kc->sys_mem);
}

static int kvm_run_cell(const struct backend_env *env, struct cell_result *r)
{
	static struct kvm_cell kc; /* large (stats snapshots); one cell at a time */
	int o = kvm_cell_open(env, r, &kc);
	if (o != 1)
		return o;
	if (!r->order[0])
		snprintf(r->order, sizeof r->order, "one cell after the other");
	while (measure_host_wants_more(&kc.m))
		measure_host_repetition(&kc.m);
	int rc = measure_host_finish(&kc.m);
	kvm_cell_close(&kc);
	return rc;
}

/* Round-robin: the group's cells, each VM alive until the end. */
static struct kvm_cell group[BACKEND_MAX_GROUP];

static int group_open(const struct backend_env *env, struct cell_result *r, int i)
{
	return kvm_cell_open(env, r, &group[i]);
}

static struct measure_host *group_host(int i)
{
	return &group[i].m;
}

static void group_close(int i)
{
	kvm_cell_close(&group[i]);
}

static int kvm_run_group(const struct backend_env *env, struct cell_result *rs, int n)
{
	static const struct round_robin_ops ops = { group_open, group_host, group_close, kvm_run_cell };
	return round_robin_run(env, rs, n, &ops);
}



static bool kvm_available(const struct host_caps *h, char *why, size_t len)
{
	snprintf(why, len, "%s", h->kvm_reason);
	return h->kvm_ok;
}

const struct backend_ops backend_kvm = {
	.label = "kvm",
	.has_guest = true,
	.module_knobs = true,
	.available = kvm_available,
	.run_cell = kvm_run_cell,
	.run_group = kvm_run_group,
	.restore_host = kvm_knobs_restore,
};
