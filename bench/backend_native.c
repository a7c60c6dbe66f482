/* The native backend: the same chase code in this process. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "backend.h"
#include "workloads/chase.h"

struct native_ctx {
	struct chase_config cfg;
	struct rusage before;
};

static int native_build(void *ctx)
{
	struct native_ctx *n = ctx;
	chase_build(&n->cfg);
	return MEASURE_OK;
}

static int native_run(void *ctx, uint64_t steps, uint64_t *cycles, uint64_t *final_ptr)
{
	struct native_ctx *n = ctx;
	*final_ptr = chase_timed(chase_start(&n->cfg), steps, cycles);
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
	struct native_ctx *n = ctx;
	getrusage(RUSAGE_THREAD, &n->before);
}

struct native_cell {
	struct native_ctx n;
	struct cell_result *r;
};

static void native_phase_end(void *ctx, enum measure_phase p)
{
	struct native_cell *c = ctx;
	struct rusage after;
	getrusage(RUSAGE_THREAD, &after);
	long minflt = after.ru_minflt - c->n.before.ru_minflt;
	long majflt = after.ru_majflt - c->n.before.ru_majflt;
	phase_counter(c->r, p, "faults", (double)(minflt + majflt));
	phase_counter(c->r, p, "major_faults", (double)majflt);
}

int backend_native_run(const struct matrix *m, const struct host_caps *h, struct cell_result *r)
{
	const struct cell *c = &r->cell;
	if (check_memory(r, h, c->ws) < 0)
		return MEASURE_OK;
	struct host_mem mem;
	char err[512];
	if (host_mem_alloc(&mem, c->host_page, c->ws, err, sizeof err) < 0) {
		result_skip(r, "%s", err);
		return MEASURE_OK;
	}
	struct native_cell nc = { .n.cfg = cell_chase_config(c, m, (uint64_t)(uintptr_t)mem.addr), .r = r };
	enum chase_check chk = chase_validate(&nc.n.cfg);
	if (chk != CHASE_OK) {
		result_fail(r, "%s", chase_check_str(chk));
		host_mem_free(&mem);
		return MEASURE_OK;
	}
	/* struct native_cell starts with its native_ctx, so one pointer serves both. */
	struct measure_ops ops = { &nc, native_timer, native_build, native_run, native_phase_begin,
				   native_phase_end };
	/* The runner thread, user mode only. */
	struct pmu_session pmu;
	const enum pmu_scope scopes[] = { PMU_USER };
	const char *const prefixes[] = { "" };
	pmu_session_open(&pmu, m, scopes, prefixes, 1, r);
	int rc = protocol_run_in_process(&ops, &nc.n.cfg, m, h->tsc_hz, "", r, &pmu, 0);
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
