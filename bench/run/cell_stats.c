#include "bench/run/cell_stats.h"

#include <string.h>

#include "analysis/run_spread.h"

int cell_stats(const struct cell_result *r, struct cell_stats *st)
{
	memset(st, 0, sizeof *st);
	size_t n = r->reps > 0 ? (size_t)r->reps : 0;
	if (summarize(r->cycles, n, &st->s) < 0 || median_interval(r->cycles, n, CELL_CI_LEVEL, &st->ci) < 0)
		return -1;
	st->have_drift = drift_test(r->cycles, n, &st->drift) == 0;
	double clocks[RESULT_MAX_REPS];
	size_t nclocks = 0;
	for (size_t i = 0; i < n; i++) {
		if (r->core_per_tsc[i] > 0)
			clocks[nclocks++] = r->core_per_tsc[i];
		st->clock_moved_reps += r->clock_moved[i];
	}
	struct summary c;
	if (summarize(clocks, nclocks, &c) == 0)
		st->core_per_tsc = c.median;
	st->have_next = r->run_spread_runs >= RUN_SPREAD_MIN_RUNS && st->ci.low > 0;
	if (st->have_next)
		run_spread_next(st->s.median, st->ci.low, st->ci.high, r->run_spread, r->run_spread_runs, &st->next_low,
				&st->next_high);
	return 0;
}

const char *cell_stability(const struct cell_stats *st)
{
	if (!st->have_drift)
		return NULL;
	return st->drift.unstable ? "unstable" : "stable";
}
