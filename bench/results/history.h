/* The results history in SQLite: one row per run (context, provenance) and
 * one per cell (parameters, aggregates, skip reasons, and the cell's Google
 * Benchmark entries), filled from the structs. Every cell is its own
 * transaction, the database runs in WAL mode with full sync: a crash or
 * Ctrl-C loses at most the cell being written and never corrupts the file. */
#ifndef TLBVISOR_HISTORY_H
#define TLBVISOR_HISTORY_H

#include <jansson.h>
#include <stdint.h>

struct cell_result;
struct sqlite3;

struct history {
	struct sqlite3 *db;
	int64_t run_id;
};

int history_open(struct history *h, const char *path, char *err, size_t errlen);
void history_close(struct history *h);
/* The run row. */
struct history_run {
	const char *date, *host, *version, *command_line;
	const char *source;       /* "run", "run --resume" or the imported file */
	const char *context;      /* the results' context object, as JSON text */
};
/* A new run; sets h->run_id. */
int history_begin_run(struct history *h, const struct history_run *run, char *err, size_t errlen);
/* Store one finished cell; entries: the text of its entries in the results
 * JSON (results_cell_text), stored as one JSON array. */
int history_add_cell(struct history *h, const struct cell_result *r, const char *entries, char *err, size_t errlen);
/* Group several writes into one transaction (all or nothing). */
int history_transaction(struct history *h, int commit, char *err, size_t errlen);
/* Mark the run finished (interrupted or not). */
int history_end_run(struct history *h, int interrupted, char *err, size_t errlen);
/* Runs left unfinished by a process that died (SIGKILL, a crash) are marked
 * finished, interrupted and killed. Only while holding the history's run
 * lock (bench/outputs/run_lock.h: no run is in progress). Returns how many,
 * or -1. */
int history_mark_killed(struct history *h, char *err, size_t errlen);
/* --resume: go on with the stored run whose context has this run_id (its
 * row takes run's source, command line and context; its cells are kept,
 * none is inserted twice); 1 with h->run_id set, 0 when the history does
 * not have it, -1 with err. */
int history_continue_run(struct history *h, const char *run_id, const struct history_run *run, char *err,
			 size_t errlen);
/* A whole run at once (import, merge), in one transaction; returns its id
 * or -1. */
int64_t history_store_run(struct history *h, const struct history_run *run, const struct cell_result *cells, int n,
			  int interrupted, char *err, size_t errlen);
/* Import a whole results document as a new run; returns its id or -1. */
int64_t history_import(struct history *h, json_t *doc, const char *source, char *err, size_t errlen);
/* A stored run as a results view, cell by cell (-1 + err when there is none). */
struct results_view;
int history_load_view(struct history *h, int64_t run_id, struct results_view *v, char *err, size_t errlen);
/* The medians (cycles per access) of cell 'name' in the newest finished
 * runs on 'host', newest first, at most max, leaving out the runs whose
 * context holds run id skip1 or skip2 (the runs being compared; NULL or ""
 * for none) and, when the history holds run skip2 (the new one), every run
 * after it: how much the cell moved from run to run before. Returns how
 * many, or -1. */
int history_cell_medians(struct history *h, const char *name, const char *host, const char *skip1, const char *skip2,
			 double *out, int max);
/* The newest run id before 'before' (0: the newest), or -1 when none. */
int64_t history_previous_run(struct history *h, int64_t before);

#endif
