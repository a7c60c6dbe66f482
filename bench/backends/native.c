/* The native backend: the same chase code in this process. The cells of one
 * working set can be kept resident together and measured round-robin, one
 * repetition of each in turn, so that the cells compared see the same
 * machine (run_group). */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/backends/backend.h"
#include "bench/backends/backend_common.h"
#include "bench/backends/measure_host.h"
#include "bench/backends/round_robin.h"
#include "bench/host/host_caps.h"
#include "workloads/chase.h"

struct native_cell {
	struct chase_config chase;
	struct rusage before;
	struct cell_result *r;
	struct host_mem mem;
	struct measure_ops ops;
	struct pmu_session pmu;
	struct measure_host m;
};

static int native_build(void *ctx)
{
	struct native_cell *n = ctx;
	chase_build(&n->chase);
	return MEASURE_OK;
}

static int native_run(void *ctx, uint64_t steps, uint64_t *cycles, uint64_t *final_ptr)
{
	struct native_cell *n = ctx;
	*final_ptr = chase_timed(chase_start(&n->chase), steps, cycles);
	return MEASURE_OK;
}

static int native_timer(void *ctx, uint64_t *cycles)
{
	(void)ctx;
	*cycles = chase_timer_overhead();
	return MEASURE_OK;
}

static void native_phase_begin(void *ctx, enum measure_phase p)
{
	(void)p;
	struct native_cell *n = ctx;
	getrusage(RUSAGE_THREAD, &n->before);
}

static void native_phase_end(void *ctx, enum measure_phase p)
{
	struct native_cell *n = ctx;
	struct rusage after;
	getrusage(RUSAGE_THREAD, &after);
	long minflt = after.ru_minflt - n->before.ru_minflt;
	long majflt = after.ru_majflt - n->before.ru_majflt;
	phase_counter(n->r, p, "faults", (double)(minflt + majflt));
	phase_counter(n->r, p, "major_faults", (double)majflt);
}

/* Maps the working set and opens the PMU; false when the cell cannot run
 * (then it is skipped or failed with the reason). */
static bool native_open(const struct backend_env *env, struct cell_result *r, struct native_cell *n)
{
	const struct cell *c = &r->cell;
	memset(n, 0, sizeof *n);
	n->r = r;
	if (check_memory(r, env->host, c->ws) < 0)
		return false;
	char err[512];
	if (host_mem_alloc(&n->mem, c->host_page, c->ws, err, sizeof err) < 0) {
		result_skip(r, "%s", err);
		return false;
	}
	n->chase = cell_chase_config(c, env->cfg, (uint64_t)(uintptr_t)n->mem.addr);
	enum chase_check chk = chase_validate(&n->chase);
	if (chk != CHASE_OK) {
		result_fail(r, "%s", chase_check_str(chk));
		host_mem_free(&n->mem);
		return false;
	}
	n->ops = (struct measure_ops){ .ctx = n, .timer_overhead = native_timer, .build = native_build,
				       .run = native_run, .phase_begin = native_phase_begin,
				       .phase_end = native_phase_end };
	/* The runner thread, user mode only. */
	const enum pmu_scope scopes[] = { PMU_USER };
	const char *const prefixes[] = { "" };
	pmu_session_open(&n->pmu, env->cfg, scopes, prefixes, 1, r);
	return true;
}

/* The effective page sizes (smaps), then the mapping and the PMU let go. */
static void native_close(struct native_cell *n)
{
	struct cell_result *r = n->r;
	const struct cell *c = &r->cell;
	pmu_session_close(&n->pmu);
	if (r->status == CELL_OK) {
		struct host_mem_effective e;
		if (host_mem_effective(&n->mem, &e) == 0)
			record_effective(r, e.bytes_4k, e.bytes_2m, e.bytes_1g, host_page_granule(c->host_page),
					 c->host_page == HOST_PAGE_THP ? "THP did not back all of it (fragmented memory or khugepaged not done)" : NULL);
	}
	host_mem_free(&n->mem);
}

static int native_run_cell(const struct backend_env *env, struct cell_result *r)
{
	static struct native_cell n; /* one cell at a time */
	if (!native_open(env, r, &n))
		return MEASURE_OK;
	int rc = measure_host_run_in_process(&n.ops, &n.chase, env->cfg, env->host->tsc_hz, "", r, &n.pmu, 0);
	native_close(&n);
	return rc;
}

/* Round-robin: the group's cells, each kept mapped until the end. */
static struct native_cell group[BACKEND_MAX_GROUP];

static int group_open(const struct backend_env *env, struct cell_result *r, int i)
{
	if (!native_open(env, r, &group[i]))
		return 0;
	measure_host_prepare(&group[i].m, &group[i].ops, &group[i].chase, env->cfg, env->host->tsc_hz, "", r,
			     &group[i].pmu, 0, true);
	return 1;
}

static struct measure_host *group_host(int i)
{
	return &group[i].m;
}

static void group_close(int i)
{
	native_close(&group[i]);
}

static int native_run_group(const struct backend_env *env, struct cell_result *rs, int n)
{
	static const struct round_robin_ops ops = { group_open, group_host, group_close, native_run_cell };
	return round_robin_run(env, rs, n, &ops);
}

const struct backend_ops backend_native = {
	.label = "native",
	.about = "the chase runs in this process",
	.run_cell = native_run_cell,
	.run_group = native_run_group,
};
