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
/* A whole run at once (import, merge), in one transaction; returns its id
 * or -1. */
int64_t history_store_run(struct history *h, const struct history_run *run, const struct cell_result *cells, int n,
			  int interrupted, char *err, size_t errlen);
/* Import a whole results document as a new run; returns its id or -1. */
int64_t history_import(struct history *h, json_t *doc, const char *source, char *err, size_t errlen);
/* The results document of a stored run (NULL + err when there is none). */
json_t *history_load_run(struct history *h, int64_t run_id, char *err, size_t errlen);
/* The newest run id before 'before' (0: the newest), or -1 when none. */
int64_t history_previous_run(struct history *h, int64_t before);

#endif
