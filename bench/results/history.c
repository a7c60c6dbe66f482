#include "bench/results/history.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/results_view.h"
#include "bench/results/results_json.h"
#include "bench/results/results_read.h"
#include "bench/run/cell_result.h"
#include "bench/run/cell_stats.h"
#include "lib/json_util.h"
#include "lib/units.h"

static const char *const schema =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS runs ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  date TEXT, host TEXT, version TEXT, command_line TEXT, source TEXT,"
	"  finished INTEGER DEFAULT 0, interrupted INTEGER DEFAULT 0, killed INTEGER DEFAULT 0,"
	"  context TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS cells ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  run_id INTEGER NOT NULL REFERENCES runs(id),"
	"  name TEXT NOT NULL, backend TEXT, pattern TEXT, ws_bytes INTEGER,"
	"  guest_page TEXT, host_page TEXT, status TEXT, reason TEXT,"
	"  repetitions INTEGER, median_cycles REAL, mean_cycles REAL, stddev_cycles REAL,"
	"  cv REAL, median_ns REAL, effective_page TEXT, page_size_flagged INTEGER,"
	"  entries TEXT NOT NULL,"
	"  UNIQUE(run_id, name));"
	"CREATE INDEX IF NOT EXISTS cells_by_name ON cells(name, run_id);";

/* Columns added after the first histories were written: added to an older
 * history when it is opened (NULL in its earlier rows). */
static const struct { const char *table, *column, *type; } later_columns[] = {
	{ "runs", "killed", "INTEGER DEFAULT 0" },
	{ "cells", "ci_low", "REAL" }, { "cells", "ci_high", "REAL" }, { "cells", "ci_coverage", "REAL" },
	{ "cells", "stability", "TEXT" }, { "cells", "drift_pct", "REAL" }, { "cells", "drift_p", "REAL" },
	{ "cells", "core_per_tsc", "REAL" }, { "cells", "core_cycles_per_access", "REAL" },
	{ "cells", "clock_moved_reps", "INTEGER" }, { "cells", "steal_ticks", "REAL" }, { "cells", "wall_seconds", "REAL" },
	{ "cells", "next_low", "REAL" }, { "cells", "next_high", "REAL" }, { "cells", "run_spread", "REAL" },
	{ "cells", "next_runs", "INTEGER" },
};

static int add_later_columns(sqlite3 *db)
{
	for (size_t i = 0; i < sizeof later_columns / sizeof *later_columns; i++) {
		char sql[200];
		snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", later_columns[i].column, later_columns[i].table);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK)
			continue;
		snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s %s", later_columns[i].table,
			 later_columns[i].column, later_columns[i].type);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return -1;
	}
	return 0;
}

static int fail(struct history *h, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s: %s", what, h->db ? sqlite3_errmsg(h->db) : "no database");
	return -1;
}

/* Why SQLite could not open or use the file: a healthy history must never be
 * called unusable because of the process (few file descriptors, a full disk). */
static void open_failure(struct history *h, const char *path, const char *what, char *err, size_t errlen)
{
	int code = h->db ? sqlite3_errcode(h->db) : SQLITE_NOMEM;
	int sys = h->db ? sqlite3_system_errno(h->db) : 0;
	const char *msg = h->db ? sqlite3_errmsg(h->db) : "out of memory";
	if (sys == EMFILE || sys == ENFILE)
		snprintf(err, errlen, "cannot %s the history %s: too many open files (%s); the history itself is fine; fix: raise the limit (ulimit -n)",
			 what, path, strerror(sys));
	else if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
		snprintf(err, errlen, "%s is not a usable tlbvisor history: %s; fix: give another --db", path, msg);
	else if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		snprintf(err, errlen, "cannot %s the history %s: %s (another process holds it); fix: try again when it is done",
			 what, path, msg);
	else
		snprintf(err, errlen, "cannot %s the history database %s: %s%s%s; fix: give a writable --db path", what, path, msg,
			 sys ? ": " : "", sys ? strerror(sys) : "");
}

int history_open(struct history *h, const char *path, char *err, size_t errlen)
{
	memset(h, 0, sizeof *h);
	if (sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		open_failure(h, path, "open", err, errlen);
		sqlite3_close(h->db);
		h->db = NULL;
		return -1;
	}
	sqlite3_busy_timeout(h->db, 5000);
	if (sqlite3_exec(h->db, schema, NULL, NULL, NULL) != SQLITE_OK || add_later_columns(h->db) < 0) {
		open_failure(h, path, "use", err, errlen);
		sqlite3_close(h->db);
		h->db = NULL;
		return -1;
	}
	return 0;
}

void history_close(struct history *h)
{
	if (h->db)
		sqlite3_close(h->db);
	h->db = NULL;
}

int history_begin_run(struct history *h, const struct history_run *run, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db,
			       "INSERT INTO runs(date, host, version, command_line, source, context) VALUES(?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(h, err, errlen, "preparing the run row");
	const char *const values[] = { run->date, run->host, run->version, run->command_line, run->source,
				       run->context ? run->context : "{}" };
	for (int i = 0; i < 6; i++)
		sqlite3_bind_text(st, i + 1, values[i] ? values[i] : "", -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(h, err, errlen, "storing the run");
	h->run_id = sqlite3_last_insert_rowid(h->db);
	return 0;
}

int history_add_cell(struct history *h, const struct cell_result *r, const char *entries, char *err, size_t errlen)
{
	const struct cell *c = &r->cell;
	bool ok = r->status == CELL_OK;
	struct cell_stats cs;
	bool stats = ok && cell_stats(r, &cs) == 0;
	const struct summary s = cs.s;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db,
			       "INSERT OR REPLACE INTO cells(run_id, name, backend, pattern, ws_bytes, guest_page,"
			       " host_page, status, reason, repetitions, median_cycles, mean_cycles, stddev_cycles,"
			       " cv, median_ns, effective_page, page_size_flagged, entries, ci_low, ci_high,"
			       " ci_coverage, stability, drift_pct, drift_p, core_per_tsc, core_cycles_per_access,"
			       " clock_moved_reps, steal_ticks, wall_seconds, next_low, next_high, run_spread, next_runs)"
			       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(h, err, errlen, "preparing the cell row");
	int k = 1;
	sqlite3_bind_int64(st, k++, h->run_id);
	sqlite3_bind_text(st, k++, c->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, k++, backend_name(c->backend), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, pattern_name(c->pattern), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, k++, (sqlite3_int64)c->ws);
	sqlite3_bind_text(st, k++, c->guest_page ? page_size_name(c->guest_page) : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, host_page_name(c->host_page), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, cell_status_name(r->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, k++, ok ? "" : r->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, k++, ok ? r->reps : 0);
	/* median, mean, stddev and cv of the cycles, median ns: NULL for a
	 * cell without timings. */
	if (stats) {
		const double aggregates[] = { s.median, s.mean, s.stddev, s.cv,
					      r->tsc_hz > 0 ? s.median / r->tsc_hz * 1e9 : 0 };
		for (size_t i = 0; i < sizeof aggregates / sizeof *aggregates; i++)
			sqlite3_bind_double(st, k + (int)i, aggregates[i]);
	}
	k += 5;
	sqlite3_bind_text(st, k++, ok ? r->effective_page : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, k++, ok && r->page_mismatch);
	/* The entries column holds them as one JSON array. */
	size_t len = strlen(entries ? entries : "") + 8;
	char *array = malloc(len);
	if (array)
		snprintf(array, len, "[\n%s\n]", entries ? entries : "");
	sqlite3_bind_text(st, k++, array ? array : "[]", -1, SQLITE_TRANSIENT);
	/* The uncertainty: NULL where the cell has no such figure. */
	if (stats) {
		sqlite3_bind_double(st, k, cs.ci.low);
		sqlite3_bind_double(st, k + 1, cs.ci.high);
		sqlite3_bind_double(st, k + 2, cs.ci.confidence);
	}
	k += 3;
	if (stats && cell_stability(&cs)) {
		sqlite3_bind_text(st, k, cell_stability(&cs), -1, SQLITE_STATIC);
		sqlite3_bind_double(st, k + 1, cs.drift.relative * 100);
		sqlite3_bind_double(st, k + 2, cs.drift.p);
	}
	k += 3;
	if (stats && cs.core_per_tsc > 0) {
		sqlite3_bind_double(st, k, cs.core_per_tsc);
		sqlite3_bind_double(st, k + 1, s.median * cs.core_per_tsc);
		sqlite3_bind_int(st, k + 2, cs.clock_moved_reps);
	}
	k += 3;
	if (r->steal_ticks >= 0)
		sqlite3_bind_double(st, k, r->steal_ticks);
	k++;
	if (r->wall_seconds > 0)
		sqlite3_bind_double(st, k, r->wall_seconds);
	k++;
	if (stats && cs.have_next) {
		sqlite3_bind_double(st, k, cs.next_low);
		sqlite3_bind_double(st, k + 1, cs.next_high);
		sqlite3_bind_double(st, k + 2, r->run_spread);
		sqlite3_bind_int(st, k + 3, r->run_spread_runs);
	}
	int rc = sqlite3_step(st); /* one statement: its own transaction */
	sqlite3_finalize(st);
	free(array);
	return rc == SQLITE_DONE ? 0 : fail(h, err, errlen, "storing a cell");
}

int history_transaction(struct history *h, int commit, char *err, size_t errlen)
{
	if (sqlite3_exec(h->db, commit ? "COMMIT" : "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(h, err, errlen, commit ? "committing" : "starting a transaction");
	return 0;
}

int history_end_run(struct history *h, int interrupted, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db, "UPDATE runs SET finished=1, interrupted=? WHERE id=?", -1, &st, NULL) != SQLITE_OK)
		return fail(h, err, errlen, "preparing the run update");
	sqlite3_bind_int(st, 1, interrupted);
	sqlite3_bind_int64(st, 2, h->run_id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : fail(h, err, errlen, "finishing the run");
}

int history_mark_killed(struct history *h, char *err, size_t errlen)
{
	if (sqlite3_exec(h->db, "UPDATE runs SET finished=1, interrupted=1, killed=1 WHERE finished=0", NULL, NULL, NULL) != SQLITE_OK)
		return fail(h, err, errlen, "marking killed runs");
	return sqlite3_changes(h->db);
}

int history_continue_run(struct history *h, const char *run_id, const struct history_run *run, char *err,
			 size_t errlen)
{
	sqlite3_stmt *st;
	if (!run_id || !run_id[0])
		return 0;
	if (sqlite3_prepare_v2(h->db,
			       "SELECT id FROM runs WHERE json_extract(context, '$.run_id')=? AND source LIKE 'run%'"
			       " ORDER BY id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return fail(h, err, errlen, "looking up the resumed run");
	sqlite3_bind_text(st, 1, run_id, -1, SQLITE_TRANSIENT);
	int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_finalize(st);
	if (id < 0)
		return 0;
	if (sqlite3_prepare_v2(h->db, "UPDATE runs SET finished=0, interrupted=0, source=?, command_line=?, context=? WHERE id=?",
			       -1, &st, NULL) != SQLITE_OK)
		return fail(h, err, errlen, "preparing the resumed run");
	sqlite3_bind_text(st, 1, run->source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, run->command_line ? run->command_line : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, run->context ? run->context : "{}", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, id);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return fail(h, err, errlen, "continuing the resumed run");
	h->run_id = id;
	return 1;
}

int64_t history_store_run(struct history *h, const struct history_run *run, const struct cell_result *cells, int n,
			  int interrupted, char *err, size_t errlen)
{
	/* One transaction for the whole run: all of it or nothing. */
	int rc = history_transaction(h, 0, err, errlen);
	if (rc == 0)
		rc = history_begin_run(h, run, err, errlen);
	for (int i = 0; rc == 0 && i < n; i++) {
		char *entries = results_cell_text(&cells[i]);
		rc = entries ? history_add_cell(h, &cells[i], entries, err, errlen) : -1;
		if (!entries)
			snprintf(err, errlen, "out of memory for the entries of %s", cells[i].cell.name);
		free(entries);
	}
	if (rc == 0)
		rc = history_end_run(h, interrupted, err, errlen);
	if (rc == 0)
		rc = history_transaction(h, 1, err, errlen);
	if (rc < 0)
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return rc < 0 ? -1 : h->run_id;
}

int64_t history_import(struct history *h, json_t *doc, const char *source, char *err, size_t errlen)
{
	json_t *ctx = json_object_get(doc, "context"), *list = json_object_get(doc, "benchmarks");
	if (!json_is_object(ctx) || !json_is_array(list)) {
		snprintf(err, errlen, "not a results file: it needs a 'context' object and a 'benchmarks' array");
		return -1;
	}
	struct cell_result *cells;
	int n;
	if (results_read_cells(list, json_number_value(json_object_get(ctx, "tsc_hz")), &cells, &n, err, errlen) < 0)
		return -1;
	char *context = json_dumps(ctx, JSON_COMPACT);
	struct history_run run = { .date = json_str(ctx, "date"), .host = json_str(ctx, "host_name"),
				   .version = json_str(ctx, "tlbvisor_version"),
				   .command_line = json_str(ctx, "command_line"), .source = source, .context = context };
	int64_t id = history_store_run(h, &run, cells, n, json_is_true(json_object_get(ctx, "interrupted")), err, errlen);
	free(context);
	free(cells);
	return id;
}

int history_load_view(struct history *h, int64_t run_id, struct results_view *v, char *err, size_t errlen)
{
	results_view_init(v);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db, "SELECT context FROM runs WHERE id=?", -1, &st, NULL) != SQLITE_OK)
		return fail(h, err, errlen, "reading the run");
	sqlite3_bind_int64(st, 1, run_id);
	json_t *ctx = NULL;
	if (sqlite3_step(st) == SQLITE_ROW)
		ctx = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	sqlite3_finalize(st);
	if (!ctx) {
		snprintf(err, errlen, "run %lld is not in the history; see the runs with sqlite3 FILE 'SELECT id, date, command_line FROM runs'",
			 (long long)run_id);
		return -1;
	}
	int rc = results_view_set_context(v, ctx, err, errlen);
	json_decref(ctx);
	/* Cell by cell: a run of any size is never held whole. */
	if (rc == 0 && sqlite3_prepare_v2(h->db, "SELECT entries FROM cells WHERE run_id=? ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		rc = fail(h, err, errlen, "reading the cells");
	else if (rc == 0) {
		sqlite3_bind_int64(st, 1, run_id);
		while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
			json_t *entries = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
			size_t i;
			json_t *e;
			json_array_foreach(entries, i, e)
				if (rc == 0)
					rc = results_view_add_json(v, e, err, errlen);
			json_decref(entries);
		}
		sqlite3_finalize(st);
	}
	if (rc < 0)
		results_view_free(v);
	return rc;
}

int64_t history_previous_run(struct history *h, int64_t before)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db,
			       before ? "SELECT max(id) FROM runs WHERE id < ? AND finished=1"
				      : "SELECT max(id) FROM runs WHERE finished=1",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (before)
		sqlite3_bind_int64(st, 1, before);
	int64_t id = -1;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

int history_cell_medians(struct history *h, const char *name, const char *host, const char *skip1, const char *skip2,
			 double *out, int max)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h->db,
			       "SELECT c.median_cycles FROM cells c JOIN runs r ON r.id = c.run_id"
			       " WHERE c.name = ?1 AND r.host = ?2 AND r.finished = 1 AND c.status = 'ok'"
			       " AND c.median_cycles > 0 AND instr(r.context, ?3) = 0 AND instr(r.context, ?4) = 0"
			       /* earlier than the new run (?4) when the history holds it */
			       " AND r.id < coalesce((SELECT min(id) FROM runs WHERE instr(context, ?4) > 0), 9e18)"
			       " ORDER BY r.id DESC LIMIT ?5",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	/* An empty run id would match every context: bind one that matches none. */
	const char *none = "\x01no run\x01";
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, host, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, skip1 && skip1[0] ? skip1 : none, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, skip2 && skip2[0] ? skip2 : none, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 5, max);
	int n = 0;
	while (n < max && sqlite3_step(st) == SQLITE_ROW)
		out[n++] = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return n;
}
