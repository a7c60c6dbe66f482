#include "bench/results/recorder.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/run_spread.h"
#include "bench/host/host_caps.h"
#include "bench/results/results_csv.h"

static int complain(const struct recorder *rec, const char *err)
{
	fprintf(stderr, "tlbvisor %s: %s\n", rec->command, err);
	return 1;
}

/* Both files from the texts the cells were serialized to. */
static int write_files(struct recorder *rec)
{
	char err[512];
	if (results_json_write(rec->json_path, rec->context, rec->json, rec->n, err, sizeof err) < 0 ||
	    (rec->csv_path && results_csv_write(rec->csv_path, rec->csv, rec->n, err, sizeof err) < 0))
		return complain(rec, err);
	return 0;
}

static void serialize(struct recorder *rec, const struct cell_result *r)
{
	int i = r->cell.index;
	free(rec->json[i]);
	rec->json[i] = results_cell_text(r);
	if (rec->csv_path) {
		free(rec->csv[i]);
		rec->csv[i] = results_csv_row(r);
	}
}

static void release(struct recorder *rec)
{
	history_close(&rec->hist);
	for (int i = 0; i < rec->n; i++) {
		free(rec->json[i]);
		free(rec->csv[i]);
	}
	free(rec->json);
	free(rec->csv);
	free(rec->context);
	memset(rec, 0, sizeof *rec);
}

/* The run row (the resumed run's, continued, when the history has its
 * run_id) and the kept cells in one transaction: the newest run in the
 * history always holds every cell of the results file, each once. Runs that
 * a killed process left unfinished are marked killed first (the caller
 * holds the history's run lock: no other run is in progress). */
static int open_history(struct recorder *rec, const struct run_info *run, const char *db_path, const char *source,
			const struct cell_result *results, const bool *kept)
{
	char err[512];
	const struct history_run row = { .date = run->date, .host = run->host ? run->host->hostname : "",
					 .version = run->version, .command_line = run->command_line,
					 .source = source, .context = rec->context };
	int rc = history_open(&rec->hist, db_path, err, sizeof err);
	if (rc == 0)
		rc = history_transaction(&rec->hist, 0, err, sizeof err);
	if (rc == 0 && history_mark_killed(&rec->hist, err, sizeof err) < 0)
		rc = -1;
	int continued = rc == 0 ? history_continue_run(&rec->hist, run->run_id, &row, err, sizeof err) : 0;
	if (continued < 0)
		rc = -1;
	if (rc == 0 && !continued)
		rc = history_begin_run(&rec->hist, &row, err, sizeof err);
	for (int i = 0; rc == 0 && i < rec->n; i++)
		if (kept[i])
			rc = history_add_cell(&rec->hist, &results[i], rec->json[i], err, sizeof err);
	if (rc == 0)
		rc = history_transaction(&rec->hist, 1, err, sizeof err);
	if (rc < 0)
		complain(rec, err);
	return rc;
}

int recorder_open(struct recorder *rec, const char *command, const struct run_info *run, const char *json_path,
		  const char *csv_path, const char *db_path, const char *source, const struct cell_result *results,
		  const bool *kept, int n)
{
	*rec = (struct recorder){ .command = command, .json_path = json_path, .csv_path = csv_path, .n = n,
				  .host = run->host ? run->host->hostname : "", .run_id = run->run_id,
				  .context = results_context_text(run), .json = calloc((size_t)n + 1, sizeof *rec->json),
				  .csv = calloc((size_t)n + 1, sizeof *rec->csv) };
	if (!rec->json || !rec->csv) {
		complain(rec, "out of memory for the results");
		release(rec);
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (kept[i])
			serialize(rec, &results[i]);
	if (write_files(rec) || (db_path && open_history(rec, run, db_path, source, results, kept) < 0)) {
		release(rec);
		return -1;
	}
	return 0;
}

void recorder_set_context(struct recorder *rec, const struct run_info *run)
{
	free(rec->context);
	rec->context = results_context_text(run);
}

/* The medians of the cell's earlier runs on this host, not this run's (a
 * resumed run is in the history already). */
static void learn_spread(struct recorder *rec, struct cell_result *r)
{
	double m[RUN_SPREAD_MAX_RUNS];
	if (!rec->hist.db || r->status != CELL_OK || r->run_spread_runs)
		return;
	int n = history_cell_medians(&rec->hist, r->cell.name, rec->host, NULL, rec->run_id, m, RUN_SPREAD_MAX_RUNS);
	double sigma = run_spread_sigma(m, n);
	if (isnan(sigma))
		return;
	r->run_spread = sigma;
	r->run_spread_runs = n;
}

int recorder_add(struct recorder *rec, struct cell_result *r)
{
	learn_spread(rec, r);
	serialize(rec, r);
	int failed = write_files(rec);
	char err[512];
	if (rec->hist.db && history_add_cell(&rec->hist, r, rec->json[r->cell.index], err, sizeof err) < 0)
		failed += complain(rec, err);
	return failed;
}

int recorder_finish(struct recorder *rec, const struct run_info *run)
{
	int failed = 0;
	char err[512];
	if (rec->hist.db && history_end_run(&rec->hist, run->interrupted, err, sizeof err) < 0)
		failed += complain(rec, err);
	history_close(&rec->hist);
	if (run->interrupted) {
		recorder_set_context(rec, run);
		failed += write_files(rec);
	}
	release(rec);
	return failed;
}
