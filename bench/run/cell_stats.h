/* What every timed cell says of its repetitions, computed once from the
 * cell_result for every writer (JSON, CSV, history): the summary, the 95%
 * confidence interval of the median, the drift test, the core clock. */
#ifndef TLBVISOR_CELL_STATS_H
#define TLBVISOR_CELL_STATS_H

#include <stdbool.h>

#include "bench/run/cell_result.h"
#include "bench/run/stats.h"

#define CELL_CI_LEVEL 0.95

struct cell_stats {
	struct summary s;
	struct median_interval ci;
	bool have_drift;           /* at least 3 repetitions */
	struct drift drift;
	double core_per_tsc;       /* median over the repetitions that read it; 0: none did */
	int clock_moved_reps;
	/* Where the next run's median should fall (95%), from the interval and
	 * the cell's run-to-run spread; only when the history knew the spread. */
	bool have_next;
	double next_low, next_high;
};

/* -1 when the cell has no repetitions (not timed). */
int cell_stats(const struct cell_result *r, struct cell_stats *st);
/* "stable" or "unstable"; NULL when there are too few repetitions to tell. */
const char *cell_stability(const struct cell_stats *st);

#endif
