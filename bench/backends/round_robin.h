/* Cells of one working set measured round-robin: every cell opened (mapped
 * or its VM created, built, warmed up, calibrated), then one repetition of
 * each in turn until none wants more, then each finished and closed. The
 * same steps of the protocol (measure_host.h) as one cell after the other;
 * the backend says how to open and close one of its cells. */
#ifndef TLBVISOR_ROUND_ROBIN_H
#define TLBVISOR_ROUND_ROBIN_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/backends/backend.h"
#include "bench/backends/measure_host.h"

struct round_robin_ops {
	/* Open cell i of the group (r) and prepare it with
	 * measure_host_prepare. Returns 1 when it is open (to be finished and
	 * closed, whatever the preparation's status), 0 when it is done
	 * already (skipped, failed: r says why), or MEASURE_INTERRUPTED before
	 * it was open. */
	int (*open)(const struct backend_env *env, struct cell_result *r, int i);
	struct measure_host *(*host)(int i);
	/* After measure_host_finish: what the backend records, then let go. */
	void (*close)(int i);
	/* One cell alone, when the group does not fit. */
	int (*run_cell)(const struct backend_env *env, struct cell_result *r);
};

/* Can n cells be resident at once? Memory: all working sets (rounded to
 * their page granule) within 90% of MemAvailable now; hugetlb: each pool
 * holds all its cells' pages now (a cell its pool cannot hold even alone is
 * skipped anyway and not counted). Otherwise why says what does not fit. */
bool round_robin_fits(const struct cell_result *rs, int n, char *why, size_t len);

/* backend_ops.run_group for a backend that gives these ops. */
int round_robin_run(const struct backend_env *env, struct cell_result *rs, int n, const struct round_robin_ops *ops);

#endif
