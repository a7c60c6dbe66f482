/* The results JSON: Google Benchmark's schema (context + benchmarks, so the
 * tools people already use read it) with tlbvisor's keys beside the
 * standard ones. Written from the structs: a cell's entries are serialized
 * once, when it finishes, one entry per line. */
#ifndef TLBVISOR_RESULTS_JSON_H
#define TLBVISOR_RESULTS_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "bench/run/cell_result.h"

struct host_caps;
struct payload;
struct run_config;

#define RUN_INFO_MAX_SECTIONS 64

/* What the context says about a run. */
struct run_info {
	const char *version;
	const char *command_line;
	const char *run_id;             /* random, the same across --resume of one run; may be NULL */
	char date[40];                  /* ISO 8601, local time with offset */
	bool interrupted;
	int cells_total;
	const struct run_config *cfg;   /* how it measured; NULL for an ingested log */
	const struct host_caps *host;   /* where; NULL when not on this host (an ingested log) */
	const struct payload *payload;  /* may be NULL */
	json_t *extra_context;          /* merged into the context (e.g. the booted hypervisor's), may be NULL */
	/* The matrix: its file (NULL: a preset or the command line), canonical
	 * form and hash, its sections' names, its cells in every shard, and
	 * which shard this run is (count 0: not sharded). */
	const char *matrix_file;
	const char *matrix_canonical;   /* NULL for an ingested log */
	const char *matrix_hash;
	const char *sections[RUN_INFO_MAX_SECTIONS];
	int nsections;
	int matrix_cells;
	int shard_index, shard_count;
};

/* A fresh random run id (32 hex digits). */
void results_new_run_id(char *buf, size_t len);
json_t *results_context_json(const struct run_info *run);
/* A cell's entries: its iterations and aggregates, or its skipped/failed entry. */
json_t *results_cell_entries(const struct cell_result *r);

/* The texts a results file is made of (malloc'd, NULL when out of memory):
 * the context object, and a finished cell's entries, one per line. */
char *results_context_text(const struct run_info *run);
char *results_cell_text(const struct cell_result *r);
/* Replace path with the document of this context and these cells (NULL:
 * not finished). */
int results_json_write(const char *path, const char *context, char *const *cells, int n, char *err, size_t errlen);
/* All at once, for a writer that has every cell (ingest). */
int results_write_json(const char *path, const struct run_info *run, const struct cell_result *results, int n,
		       char *err, size_t errlen);

#endif
