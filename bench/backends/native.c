/* The native backend: the same chase code in this process. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/backends/backend.h"
#include "bench/backends/backend_common.h"
#include "bench/backends/measure_host.h"
#include "bench/host/host_caps.h"
#include "workloads/chase.h"

struct native_cell {
	struct chase_config chase;
	struct rusage before;
	struct cell_result *r;
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

static int native_run_cell(const struct backend_env *env, struct cell_result *r)
{
	const struct cell *c = &r->cell;
	if (check_memory(r, env->host, c->ws) < 0)
		return MEASURE_OK;
	struct host_mem mem;
	char err[512];
	if (host_mem_alloc(&mem, c->host_page, c->ws, err, sizeof err) < 0) {
		result_skip(r, "%s", err);
		return MEASURE_OK;
	}
	struct native_cell n = { .chase = cell_chase_config(c, env->cfg, (uint64_t)(uintptr_t)mem.addr), .r = r };
	enum chase_check chk = chase_validate(&n.chase);
	if (chk != CHASE_OK) {
		result_fail(r, "%s", chase_check_str(chk));
		host_mem_free(&mem);
		return MEASURE_OK;
	}
	struct measure_ops ops = { .ctx = &n, .timer_overhead = native_timer, .build = native_build,
				   .run = native_run, .phase_begin = native_phase_begin,
				   .phase_end = native_phase_end };
	/* The runner thread, user mode only. */
	struct pmu_session pmu;
	const enum pmu_scope scopes[] = { PMU_USER };
	const char *const prefixes[] = { "" };
	pmu_session_open(&pmu, env->cfg, scopes, prefixes, 1, r);
	int rc = measure_host_run_in_process(&ops, &n.chase, env->cfg, env->host->tsc_hz, "", r, &pmu, 0);
	pmu_session_close(&pmu);
	if (r->status == CELL_OK) {
		struct host_mem_effective e;
		if (host_mem_effective(&mem, &e) == 0)
			record_effective(r, e.bytes_4k, e.bytes_2m, e.bytes_1g,
					 host_page_granule(c->host_page),
					 c->host_page == HOST_PAGE_THP ? "THP did not back all of it (fragmented memory or khugepaged not done)" : NULL);
	}
	host_mem_free(&mem);
	return rc;
}

const struct backend_ops backend_native = {
	.label = "native",
	.about = "the chase runs in this process",
	.run_cell = native_run_cell,
};
