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
#include "bench/host/host_caps.h"
#include "lib/clock.h"
#include "lib/units.h"
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

/* Can the group be resident at once? Memory: all working sets within 90%
 * of MemAvailable now; hugetlb: each pool holds all its cells' pages now
 * (other users of the machine change both). */
static bool group_fits(const struct cell_result *rs, int n, char *why, size_t len)
{
	uint64_t avail = host_mem_available();
	struct hugetlb_pool p2, p1;
	hugetlb_pool_read(2ull << 20, &p2);
	hugetlb_pool_read(1ull << 30, &p1);
	uint64_t free_2m = p2.free > 0 ? (uint64_t)p2.free : 0, free_1g = p1.free > 0 ? (uint64_t)p1.free : 0;
	/* A cell its pool cannot hold even alone is skipped anyway: not counted. */
	uint64_t bytes = 0, need_2m = 0, need_1g = 0;
	for (int i = 0; i < n; i++) {
		enum host_page hp = rs[i].cell.host_page;
		uint64_t g = host_page_granule(hp);
		uint64_t rounded = (rs[i].cell.ws + g - 1) / g * g;
		if ((hp == HOST_PAGE_2M && rounded >> 21 > free_2m) || (hp == HOST_PAGE_1G && rounded >> 30 > free_1g))
			continue;
		bytes += rounded;
		need_2m += hp == HOST_PAGE_2M ? rounded >> 21 : 0;
		need_1g += hp == HOST_PAGE_1G ? rounded >> 30 : 0;
	}
	char need[32], have[32];
	format_size(bytes, need, sizeof need);
	format_size(avail >> 20 << 20, have, sizeof have);
	if (avail && bytes > avail / 10 * 9)
		snprintf(why, len, "the %d cells need %s at once, %s available", n, need, have);
	else if (need_2m > free_2m)
		snprintf(why, len, "the 2M cells need %llu hugetlb pages at once, %llu free", (unsigned long long)need_2m,
			 (unsigned long long)free_2m);
	else if (need_1g > free_1g)
		snprintf(why, len, "the 1G cells need %llu hugetlb pages at once, %llu free", (unsigned long long)need_1g,
			 (unsigned long long)free_1g);
	else
		return true;
	return false;
}

static int native_run_group(const struct backend_env *env, struct cell_result *rs, int n)
{
	static struct native_cell cells[BACKEND_MAX_GROUP];
	char why[140];
	if (n > BACKEND_MAX_GROUP)
		n = BACKEND_MAX_GROUP;
	if (!group_fits(rs, n, why, sizeof why)) {
		/* Today's order, with the reason on every cell. */
		for (int i = 0; i < n; i++) {
			snprintf(rs[i].order, sizeof rs[i].order, "one cell after the other: %s", why);
			double start = monotonic_seconds();
			int rc = native_run_cell(env, &rs[i]);
			rs[i].wall_seconds = monotonic_seconds() - start;
			if (rc == MEASURE_INTERRUPTED)
				return rc;
		}
		return MEASURE_OK;
	}
	bool open[BACKEND_MAX_GROUP] = { 0 };
	double own[BACKEND_MAX_GROUP] = { 0 }; /* each cell's own setup and teardown */
	int rc = MEASURE_OK;
	for (int i = 0; i < n && rc != MEASURE_INTERRUPTED; i++) {
		double start = monotonic_seconds();
		snprintf(rs[i].order, sizeof rs[i].order, "round-robin with the %d cells of its working set", n);
		open[i] = native_open(env, &rs[i], &cells[i]);
		if (open[i])
			rc = measure_host_prepare(&cells[i].m, &cells[i].ops, &cells[i].chase, env->cfg, env->host->tsc_hz,
						  "", &rs[i], &cells[i].pmu, 0, true);
		own[i] += monotonic_seconds() - start;
	}
	int opened = 0;
	for (int i = 0; i < n; i++)
		opened += open[i];
	for (int i = 0; i < n && opened < 2; i++)
		snprintf(rs[i].order, sizeof rs[i].order, "alone: the other cells of its working set could not run");
	/* One repetition of each in turn, as long as any wants more. */
	for (bool more = rc != MEASURE_INTERRUPTED; more;) {
		more = false;
		for (int i = 0; i < n; i++) {
			if (!open[i] || !measure_host_wants_more(&cells[i].m))
				continue;
			if (measure_host_repetition(&cells[i].m) == MEASURE_INTERRUPTED) {
				rc = MEASURE_INTERRUPTED;
				break;
			}
			more = true;
		}
		more = more && rc != MEASURE_INTERRUPTED;
	}
	for (int i = 0; i < n; i++) {
		if (!open[i])
			continue;
		double start = monotonic_seconds();
		if (measure_host_finish(&cells[i].m) == MEASURE_INTERRUPTED)
			rc = MEASURE_INTERRUPTED;
		native_close(&cells[i]);
		own[i] += monotonic_seconds() - start;
	}
	for (int i = 0; i < n; i++) {
		rs[i].wall_seconds = own[i];
		for (int p = CELL_PHASE_SETUP + 1; p < CELL_PHASES; p++)
			rs[i].wall_seconds += rs[i].phase_seconds[p];
	}
	return rc;
}

const struct backend_ops backend_native = {
	.label = "native",
	.about = "the chase runs in this process",
	.run_cell = native_run_cell,
	.run_group = native_run_group,
};
