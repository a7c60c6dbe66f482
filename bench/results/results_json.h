/* The one results writer: Google Benchmark JSON (a superset: tlbvisor keys
 * beside the standard ones) and CSV. Files are replaced atomically, so a
 * crash or Ctrl-C leaves the previous complete file, never a torn one. */
#ifndef TLBVISOR_RESULTS_JSON_H
#define TLBVISOR_RESULTS_JSON_H

#include <jansson.h>

#include "bench/host/host_caps.h"
#include "bench/run/matrix.h"
#include "bench/run/run_config.h"
#include "bench/run/cell_result.h"

struct run_info {
	const char *version;
	const char *command_line;
	const char *preset;       /* NULL when the matrix came from options */
	const struct payload *payload;
	char date[40];            /* ISO 8601, local time with offset */
	bool interrupted;
	int cells_total;
	json_t *extra_context;    /* merged into "context" (e.g. the VMX backends'), may be NULL */
};

/* The context object, and one cell's entries (iterations + aggregates, or
 * the skipped/failed entry), as they appear in the results JSON. */
json_t *results_context_json(const struct run_info *run, const struct host_caps *h, const struct run_config *cfg);
json_t *results_cell_entries(const struct cell_result *r);

json_t *results_json(const struct run_info *run, const struct host_caps *h, const struct run_config *cfg,
		     const struct cell_result *results, int n);
int results_write_json(const char *path, const struct run_info *run, const struct host_caps *h,
		       const struct run_config *cfg, const struct cell_result *results, int n,
		       char *err, size_t errlen);
int results_write_csv(const char *path, const struct cell_result *results, int n, char *err,
		      size_t errlen);

#endif
