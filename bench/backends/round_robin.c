#include "bench/backends/round_robin.h"

#include <stdio.h>

#include "bench/host/host_mem.h"
#include "lib/clock.h"
#include "lib/units.h"

bool round_robin_fits(const struct cell_result *rs, int n, char *why, size_t len)
{
	uint64_t avail = host_mem_available();
	struct hugetlb_pool p2, p1;
	hugetlb_pool_read(2ull << 20, &p2);
	hugetlb_pool_read(1ull << 30, &p1);
	uint64_t free_2m = p2.free > 0 ? (uint64_t)p2.free : 0, free_1g = p1.free > 0 ? (uint64_t)p1.free : 0;
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

/* Today's order, with the reason on every cell. */
static int one_after_the_other(const struct backend_env *env, struct cell_result *rs, int n,
			       const struct round_robin_ops *ops, const char *why)
{
	for (int i = 0; i < n; i++) {
		snprintf(rs[i].order, sizeof rs[i].order, "one cell after the other: %s", why);
		double start = monotonic_seconds();
		int rc = ops->run_cell(env, &rs[i]);
		rs[i].wall_seconds = monotonic_seconds() - start;
		if (rc == MEASURE_INTERRUPTED)
			return rc;
	}
	return MEASURE_OK;
}

int round_robin_run(const struct backend_env *env, struct cell_result *rs, int n, const struct round_robin_ops *ops)
{
	char why[140];
	if (n > BACKEND_MAX_GROUP)
		n = BACKEND_MAX_GROUP;
	if (!round_robin_fits(rs, n, why, sizeof why))
		return one_after_the_other(env, rs, n, ops, why);
	bool open[BACKEND_MAX_GROUP] = { 0 };
	double own[BACKEND_MAX_GROUP] = { 0 }; /* each cell's own setup and teardown */
	int rc = MEASURE_OK, opened = 0;
	for (int i = 0; i < n && rc != MEASURE_INTERRUPTED; i++) {
		double start = monotonic_seconds();
		snprintf(rs[i].order, sizeof rs[i].order, "round-robin with the %d cells of its working set", n);
		int o = ops->open(env, &rs[i], i);
		open[i] = o == 1;
		if (o == MEASURE_INTERRUPTED || (open[i] && ops->host(i)->rc == MEASURE_INTERRUPTED))
			rc = MEASURE_INTERRUPTED;
		opened += open[i];
		own[i] += monotonic_seconds() - start - rs[i].phase_seconds[CELL_PHASE_FAULT_IN] -
			  rs[i].phase_seconds[CELL_PHASE_WARMUP];
	}
	for (int i = 0; i < n && opened < 2; i++)
		snprintf(rs[i].order, sizeof rs[i].order, "alone: the other cells of its working set could not run");
	/* One repetition of each in turn, as long as any wants more. */
	for (bool more = rc != MEASURE_INTERRUPTED; more;) {
		more = false;
		for (int i = 0; i < n && rc != MEASURE_INTERRUPTED; i++) {
			if (!open[i] || !measure_host_wants_more(ops->host(i)))
				continue;
			if (measure_host_repetition(ops->host(i)) == MEASURE_INTERRUPTED)
				rc = MEASURE_INTERRUPTED;
			more = true;
		}
		more = more && rc != MEASURE_INTERRUPTED;
	}
	for (int i = 0; i < n; i++) {
		if (!open[i])
			continue;
		/* Interrupted: a cell still short of its repetitions stays pending
		 * (one that had them all, or failed, is a result). */
		if (rc == MEASURE_INTERRUPTED && measure_host_wants_more(ops->host(i)))
			ops->host(i)->rc = MEASURE_INTERRUPTED;
		double start = monotonic_seconds();
		if (measure_host_finish(ops->host(i)) == MEASURE_INTERRUPTED)
			rc = MEASURE_INTERRUPTED;
		ops->close(i);
		own[i] += monotonic_seconds() - start;
	}
	for (int i = 0; i < n; i++) {
		rs[i].wall_seconds = own[i];
		for (int p = CELL_PHASE_SETUP + 1; p < CELL_PHASES; p++)
			rs[i].wall_seconds += rs[i].phase_seconds[p];
	}
	return rc;
}
