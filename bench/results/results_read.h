/* Results JSON read back into the structs it was written from: for
 * `run --resume` (the cells an interrupted run finished) and `import` (a
 * results file into the history). Files are read as they were written by
 * an earlier tlbvisor; nothing reads back what this process just wrote. */
#ifndef TLBVISOR_RESULTS_READ_H
#define TLBVISOR_RESULTS_READ_H

#include <jansson.h>
#include <stdbool.h>

#include "bench/run/cell_result.h"

/* The cells of a "benchmarks" array, grouped by run_name in order of first
 * appearance: *cells is malloc'd with *n of them. tsc_hz: the context's,
 * for cells whose timings do not say it. -1 with err for an entry that is
 * not tlbvisor's or holds a value that cannot be a measurement (the cell,
 * the entry and the field named: analysis/results_check.h). */
int results_read_cells(json_t *benchmarks, double tsc_hz, struct cell_result **cells, int *n, char *err,
		       size_t errlen);

/* The cells of the results file of an interrupted run (--resume), read
 * before anything runs, and its context (a new reference; context may be
 * NULL). -1 with err when path cannot be read or an entry is not a sound
 * tlbvisor cell. */
int results_read_file(const char *path, struct cell_result **cells, int *n, json_t **context, char *err,
		      size_t errlen);
/* The cells of results[0..n) that done[] holds get its outcome and kept[i]
 * set; *foreign counts cells of done that are not in this matrix. */
void results_resume(struct cell_result *results, bool *kept, int n, const struct cell_result *done, int ndone,
		    int *nkept, int *foreign);

#endif
