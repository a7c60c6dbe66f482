/* Everything a finished cell is written to: the results JSON, the CSV and
 * the history row. Each cell is serialized once, from its struct, when it
 * finishes; the files are then replaced atomically (a kill leaves the
 * previous complete file) and the history row is committed at once. */
#ifndef TLBVISOR_RECORDER_H
#define TLBVISOR_RECORDER_H

#include <stdbool.h>

#include "bench/results/history.h"
#include "bench/results/results_json.h"

struct recorder {
	const char *command;         /* errors are printed as "tlbvisor COMMAND: ..." */
	const char *json_path, *csv_path; /* csv_path may be NULL */
	int n;                       /* cells of the run */
	char *context;               /* the context object's text */
	char **json;                 /* per cell: its entries' text, NULL until it finishes */
	char **csv;                  /* per cell: its CSV row */
	struct history hist;         /* hist.db NULL: no history */
	const char *host, *run_id;   /* the run's, to find the cells' earlier runs in the history */
};

/* Opens the outputs of a run of n cells and writes them, holding the cells
 * kept[i] from the run being resumed, so that an unwritable output is
 * refused before anything is measured. db_path NULL: no history; source:
 * what the history calls the run. -1 after printing the error. */
int recorder_open(struct recorder *rec, const char *command, const struct run_info *run, const char *json_path,
		  const char *csv_path, const char *db_path, const char *source, const struct cell_result *results,
		  const bool *kept, int n);
/* The context changed (a backend's provenance): files written from now on say so. */
void recorder_set_context(struct recorder *rec, const struct run_info *run);
/* A finished cell into every output, with its run-to-run spread from the
 * history's earlier runs of it on this host when there are enough (r's
 * run_spread); returns how many outputs failed (each failure printed). */
int recorder_add(struct recorder *rec, struct cell_result *r);
/* The end of the run: the history's run row marked finished, and when
 * interrupted the files rewritten to say so. Frees the recorder; returns
 * how many outputs failed. */
int recorder_finish(struct recorder *rec, const struct run_info *run);

#endif
