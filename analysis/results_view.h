/* A results document (Google Benchmark JSON from any backend) seen as cells:
 * the entries of each run_name gathered, with the repetition values and the
 * median. Entries are added one at a time (struct results_entry), so a file
 * of a million cells is read entry by entry (results_stream.h) and never
 * held whole; each entry is checked as it comes, and a value that cannot be
 * a measurement is refused with the cell and the field named. Reads results
 * only. */
#ifndef TLBVISOR_RESULTS_VIEW_H
#define TLBVISOR_RESULTS_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "analysis/results_entry.h"
#include "lib/json_util.h"
#include "lib/strmap.h"

struct view_counter {
	const char *key;
	double value;
};

struct cell_view {
	const char *name, *status, *reason;
	const char *backend, *pattern, *guest_page, *host_page, *ws, *effective_page, *note;
	const char *pmu_status, *exit_reasons_status;
	const char *vpid;              /* "on", "off", or "" when the backend has none */
	const char *second_level;      /* kvm: "npt", "ept", "shadow"; "" when not recorded */
	const char *stability;         /* "stable", "unstable", or "" (too few repetitions, older files) */
	const char *machine;           /* the host it ran on ("" in files older than merge) */
	const char *pt_leaf;           /* second-level leaf behind the guest page tables ("" unknown, older files) */
	uint64_t ws_bytes;
	bool flagged;
	double *reps;                  /* cycles_per_access per repetition */
	int nreps, cap_reps;
	double median, cv;             /* from the aggregates (median cycles, cv fraction) */
	double ns_median;
	double ci_low, ci_high;        /* interval of the median (cycles), NAN when absent */
	struct view_counter *counters; /* the counters of the cell's first entry (not the
	                                * Google Benchmark keys every entry has) */
	int ncounters;
};

struct results_view {
	struct cell_view *cells;
	int n, cap;
	json_t *context;               /* owned */
	long entries;                  /* entries added so far */
	struct str_arena strings;      /* names and interned values */
	struct strmap interned, by_name;
};

void results_view_init(struct results_view *v);
/* Keeps a reference to ctx (a JSON object). */
int results_view_set_context(struct results_view *v, json_t *ctx, char *err, size_t errlen);
/* One entry of the 'benchmarks' array; -1 with err when it is not a valid
 * tlbvisor results entry (the cell, the entry and the field named). */
int results_view_add(struct results_view *v, const struct results_entry *e, char *err, size_t errlen);
/* The same for an entry that jansson holds (the history, tests, fuzzing). */
int results_view_add_json(struct results_view *v, json_t *entry, char *err, size_t errlen);
/* Context and every entry of a whole document (tests, fuzzing, the history). */
int results_view_build(json_t *doc, struct results_view *v, char *err, size_t errlen);
void results_view_free(struct results_view *v);
const struct cell_view *results_view_find(const struct results_view *v, const char *name);
double view_counter(const struct cell_view *c, const char *key); /* NAN when absent */
/* A paging depth the cell recorded under key (4 or 5), else 0 (absent, or not a depth). */
unsigned view_recorded_depth(const struct cell_view *c, const char *key);
/* The same, 4 when not recorded. */
unsigned view_depth(const struct cell_view *c, const char *key);

#endif
