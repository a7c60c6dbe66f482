/* --resume FILE: continue an interrupted run. The cells FILE holds are kept
 * (not run again) and written out as they were. A file of another run is
 * refused, saying what differs, before anything runs: another shard, cells
 * this run does not have, another guest payload, or another matrix (its
 * context.matrix.hash: the dimensions and the protocol of every section);
 * resuming it would mix two experiments or drop finished cells. */
#ifndef TLBVISOR_RESUME_H
#define TLBVISOR_RESUME_H

#include <jansson.h>
#include <stddef.h>

#include "bench/run/cell_result.h"

/* What this run is. */
struct resume_run {
	const char *matrix_hash, *matrix_canonical;
	int shard_index, shard_count;   /* count 0: not sharded */
	const char *payload;            /* the payload's source ("embedded" or its path) */
};

/* May the cells done[0..ndone) of the file at path, whose context is ctx,
 * go on in this run of results[0..n)? 0, or -1 with err. */
int resume_check(const char *path, json_t *ctx, const struct resume_run *now, const struct cell_result *done,
		 int ndone, const struct cell_result *results, int n, char *err, size_t errlen);

#endif
