/* Shards: one matrix split deterministically into N parts, so that a fleet
 * (a Slurm job array, say) runs it in parallel and `tlbvisor merge` joins
 * the parts. Every shard computes the same split from the same matrix.
 * The unit of the split is a comparison group: the cells of one pattern and
 * working set (every backend and page size), which the report compares with
 * each other and which therefore run on one host, close together in time.
 * Groups go to shards by their predicted cost, longest first, each to the
 * least loaded shard (LPT scheduling). */
#ifndef TLBVISOR_SHARD_H
#define TLBVISOR_SHARD_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/matrix/matrix.h"

struct run_config;

struct shard_spec {
	int index;       /* 1..count */
	int count;       /* 0: no sharding */
	char how[96];    /* "2/4", or "Slurm array task 7 of 5-8" */
};

/* "I/N" (1 <= I <= N), "slurm" (I and N from SLURM_ARRAY_TASK_ID and the
 * array's bounds) or "slurm/N" (I = SLURM_ARRAY_TASK_ID, for rerunning one
 * task of an array submitted as --array=1-N). -1 with err saying why. */
int shard_parse(const char *s, struct shard_spec *out, char *err, size_t len);

/* Predicted seconds of one cell: fault-in, warm-up and the repetitions,
 * scaled for guests and emulators. Only the ratios between cells matter. */
double cell_cost_model(const struct cell *c, const struct run_config *cfg);

/* shard_of[i] (1..count) for each of n cells, given each cell's cost. */
void shard_assign(const struct cell *cells, const double *cost, int n, int count, int *shard_of);

#endif
