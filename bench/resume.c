#include "resume.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/escape.h"
#include "analysis/results_check.h"
#include "analysis/results_view.h"
#include "analysis/strmap.h"

/* A context number as unsigned (integers, or decimal strings above 2^63-1). */
static int context_u64(json_t *ctx, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(ctx, key);
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		char *end;
		*out = strtoull(json_string_value(v), &end, 10);
		return *end ? -1 : 0;
	}
	return -1;
}

/* The protocol the file was measured with against this run's. */
static int same_protocol(json_t *ctx, const struct matrix *m, char *what, size_t len)
{
	const struct { const char *key, *option; uint64_t now; } u[] = {
		{ "repetitions", "--repetitions", (uint64_t)m->repetitions },
		{ "stride_bytes", "--stride", m->stride },
		{ "group_bytes", "--group", m->group },
		{ "seed", "--seed", m->seed },
		{ "exit_every", "--exit-every", m->exit_every },
		{ "exit_every_ticks", "--exit-every-ticks", m->exit_ticks },
	};
	for (size_t i = 0; i < sizeof u / sizeof *u; i++) {
		uint64_t then;
		if (!json_object_get(ctx, u[i].key))
			continue;
		if (context_u64(ctx, u[i].key, &then) < 0) {
			snprintf(what, len, "its context key %s is not a whole number", u[i].key);
			return 0;
		}
		if (then != u[i].now) {
			snprintf(what, len, "it was measured with %s %" PRIu64 ", this run asks for %" PRIu64,
				 u[i].option, then, u[i].now);
			return 0;
		}
	}
	json_t *t = json_object_get(ctx, "min_time_s");
	if (json_is_number(t) && fabs(json_number_value(t) - m->min_time) > 1e-9 * fmax(1, m->min_time)) {
		snprintf(what, len, "it was measured with --min-time %g, this run asks for %g", json_number_value(t),
			 m->min_time);
		return 0;
	}
	return 1;
}

static int refuse(const char *path, json_t *ctx, const char *what, char *err, size_t errlen)
{
	char cmd[600];
	escape_message(cmd, sizeof cmd, json_str(ctx, "command_line"));
	snprintf(err, errlen, "cannot resume from %s: %s; fix: give the options of the interrupted run%s%s%s",
		 path, what, cmd[0] ? " (" : "", cmd, cmd[0] ? ")" : "");
	return -1;
}

/* The cells of this matrix by name. */
static int index_cells(struct strmap *by_name, const struct cell_result *results, int n)
{
	for (int i = 0; i < n; i++)
		if (!strmap_find(by_name, results[i].cell.name) &&
		    strmap_put(by_name, results[i].cell.name, (uint32_t)i) < 0)
			return -1;
	return 0;
}

int resume_load(const char *path, const struct matrix *m, const char *payload, struct cell_result *results,
		int n, char *run_id, size_t run_id_len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc) {
		snprintf(err, errlen, "cannot resume from %s: %s; fix: give the results JSON of the interrupted run", path, je.text);
		return -1;
	}
	json_t *ctx = json_object_get(doc, "context"), *list = json_object_get(doc, "benchmarks");
	int rc = -1;
	char what[700];
	struct strmap by_name = { 0 };
	if (!json_is_object(ctx) || !json_is_array(list)) {
		snprintf(err, errlen, "cannot resume from %s: it is not a results file (no 'context' object and 'benchmarks' array)", path);
		goto out;
	}
	if (json_is_string(json_object_get(ctx, "payload")) && strcmp(json_str(ctx, "payload"), payload)) {
		char then[300];
		escape_message(then, sizeof then, json_str(ctx, "payload"));
		snprintf(what, sizeof what, "it was measured with the payload %s, this run uses %s", then, payload);
		refuse(path, ctx, what, err, errlen);
		goto out;
	}
	if (!same_protocol(ctx, m, what, sizeof what)) {
		refuse(path, ctx, what, err, errlen);
		goto out;
	}
	/* Every entry must be sound and belong to a cell of this matrix. */
	if (index_cells(&by_name, results, n) < 0) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	size_t k;
	json_t *e;
	int foreign = 0;
	const char *example = NULL;
	json_array_foreach(list, k, e) {
		if (results_check_entry(e, (long)k, what, sizeof what) < 0) {
			snprintf(err, errlen, "cannot resume from %s: %s", path, what);
			goto out;
		}
		if (!strmap_find(&by_name, json_str(e, "run_name"))) {
			if (!foreign++)
				example = json_str(e, "run_name");
		}
	}
	if (foreign) {
		char name[200];
		escape_message(name, sizeof name, example);
		snprintf(what, sizeof what, "it holds %d entries of cells this matrix does not have (e.g. %s)", foreign, name);
		refuse(path, ctx, what, err, errlen);
		goto out;
	}
	json_array_foreach(list, k, e) {
		struct cell_result *r = &results[strmap_find(&by_name, json_str(e, "run_name"))->value];
		if (!r->carried) {
			const char *status = json_str(e, "status");
			r->carried = json_array();
			r->status = !status[0] || !strcmp(status, "ok") ? CELL_OK
				    : !strcmp(status, "skipped") ? CELL_SKIPPED : CELL_FAILED;
		}
		json_array_append(r->carried, e);
	}
	snprintf(run_id, run_id_len, "%s", json_str(ctx, "run_id"));
	rc = 0;
out:
	strmap_free(&by_name);
	json_decref(doc);
	return rc;
}
