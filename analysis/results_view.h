/* A results document (Google Benchmark JSON from any backend) seen as cells:
 * the entries of each run_name gathered, with the repetition values and the
 * median. Reads results only. */
#ifndef TLBVISOR_RESULTS_VIEW_H
#define TLBVISOR_RESULTS_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "lib/json_util.h"

#define VIEW_MAX_REPS 64

struct cell_view {
	const char *name, *status, *reason;
	const char *backend, *pattern, *guest_page, *host_page, *ws, *effective_page, *note;
	uint64_t ws_bytes;
	bool flagged;
	json_t *first;                 /* the first entry (iteration 0, or the skip entry) */
	double reps[VIEW_MAX_REPS];    /* cycles_per_access per repetition */
	int nreps;
	double median, cv;             /* from the aggregates (median cycles, cv fraction) */
	double ns_median;
};

struct results_view {
	struct cell_view *cells;
	int n;
	json_t *context;
};

/* Borrowing: the view points into doc, which must outlive it. */
int results_view_build(json_t *doc, struct results_view *v, char *err, size_t errlen);
void results_view_free(struct results_view *v);
const struct cell_view *results_view_find(const struct results_view *v, const char *name);
double view_counter(const struct cell_view *c, const char *key); /* NAN when absent */
/* Median of the native 4K cell of c's pattern and working set (NAN: none). */
double view_native4k_median(const struct results_view *v, const struct cell_view *c);

#endif
