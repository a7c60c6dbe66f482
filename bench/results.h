/* The one results writer: Google Benchmark JSON (a superset: tlbvisor keys
 * beside the standard ones) and CSV. Files are replaced atomically, so a
 * crash or Ctrl-C leaves the previous complete file, never a torn one. */
#ifndef TLBVISOR_RESULTS_H
#define TLBVISOR_RESULTS_H

#include <jansson.h>

#include "host_caps.h"
#include "matrix.h"
#include "result.h"

struct run_info {
	const char *version;
	const char *command_line;
	const char *run_id;       /* random, the same across --resume of one run; may be NULL */
	const char *preset;       /* NULL when the matrix came from options */
	const struct payload *payload;
	char date[40];            /* ISO 8601, local time with offset */
	bool interrupted;
	int cells_total;
	json_t *extra_context;    /* merged into "context" (e.g. the VMX backends'), may be NULL */
};

/* A fresh random run id (32 hex digits). */
void results_new_run_id(char *buf, size_t len);

/* The context object, and one cell's entries (iterations + aggregates, or
 * the skipped/failed entry), as they appear in the results JSON. */
json_t *results_context_json(const struct run_info *run, const struct host_caps *h, const struct matrix *m);
json_t *results_cell_entries(const struct cell_result *r);

json_t *results_json(const struct run_info *run, const struct host_caps *h, const struct matrix *m,
		     const struct cell_result *results, int n);
int results_write_json(const char *path, const struct run_info *run, const struct host_caps *h,
		       const struct matrix *m, const struct cell_result *results, int n,
		       char *err, size_t errlen);
int results_write_csv(const char *path, const struct cell_result *results, int n, char *err,
		      size_t errlen);

#endif
