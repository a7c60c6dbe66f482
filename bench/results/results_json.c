#include "bench/results/results_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/backends/backend.h"
#include "bench/run/cell_stats.h"
#include "bench/matrix/run_config.h"
#include "bench/run/stats.h"
#include "lib/files.h"
#include "lib/json_util.h"
#include "lib/units.h"

/* Wall seconds by phase (setup is what the other phases leave of wall_seconds). */
static void phase_keys(json_t *b, const struct cell_result *r)
{
	json_t *ph = json_object();
	for (int p = 0; p < CELL_PHASES; p++)
		json_object_set_new(ph, cell_phase_key((enum cell_phase)p), json_real(r->phase_seconds[p]));
	json_object_set_new(b, "phases", ph);
}

/* The uncertainty of a timed cell and the machine under it: the interval of
 * the median, the drift test, the core clock and stolen time. */
static void uncertainty_keys(json_t *b, const struct cell_result *r)
{
	struct cell_stats st;
	if (cell_stats(r, &st) < 0)
		return;
	json_object_set_new(b, "ci_low", json_real(st.ci.low));
	json_object_set_new(b, "ci_high", json_real(st.ci.high));
	json_object_set_new(b, "ci_coverage", json_real(st.ci.confidence));
	if (cell_stability(&st)) {
		json_object_set_new(b, "stability", json_string(cell_stability(&st)));
		json_object_set_new(b, "drift_pct", json_real(st.drift.relative * 100));
		json_object_set_new(b, "drift_p", json_real(st.drift.p));
	}
	if (st.core_per_tsc > 0) {
		json_object_set_new(b, "core_per_tsc", json_real(st.core_per_tsc));
		json_object_set_new(b, "core_cycles_per_access", json_real(st.s.median * st.core_per_tsc));
		json_object_set_new(b, "clock_moved_reps", json_integer(st.clock_moved_reps));
	}
	if (st.have_next) {
		json_object_set_new(b, "next_low", json_real(st.next_low));
		json_object_set_new(b, "next_high", json_real(st.next_high));
		json_object_set_new(b, "run_spread", json_real(r->run_spread));
		json_object_set_new(b, "next_runs", json_integer(r->run_spread_runs));
	}
	if (r->steal_ticks >= 0)
		json_object_set_new(b, "steal_ticks", json_real(r->steal_ticks));
	if (r->order[0])
		json_object_set_new(b, "order", json_string(r->order));
	if (r->ci_target[0])
		json_object_set_new(b, "ci_target", json_string(r->ci_target));
}

/* The cell's keys. Every entry has its identity (name, parameters, status:
 * what a Google Benchmark tool or a jq filter selects by); only the cell's
 * first entry (full) has its outcome, interval and counters, so a cell of
 * reps + 5 entries writes them once (docs/metrics.md, "Which entry carries
 * what").
 * Readers take a cell's keys from its first entry (results_read.c,
 * analysis/results_view.c), as they did when every entry had them all. */
static void cell_keys(json_t *b, const struct cell_result *r, bool full)
{
	const struct cell *c = &r->cell;
	char ws[32];
	format_size(c->ws, ws, sizeof ws);
	json_object_set_new(b, "name", json_string(c->name));
	json_object_set_new(b, "family_index", json_integer(c->index));
	json_object_set_new(b, "per_family_instance_index", json_integer(0));
	json_object_set_new(b, "run_name", json_string(c->name));
	json_object_set_new(b, "threads", json_integer(1));
	json_object_set_new(b, "backend", json_string(backend_name(c->backend)));
	json_object_set_new(b, "pattern", json_string(pattern_name(c->pattern)));
	json_object_set_new(b, "ws_bytes", json_u64(c->ws));
	json_object_set_new(b, "ws", json_string(ws));
	json_object_set_new(b, "host_page", json_string(host_page_name(c->host_page)));
	json_object_set_new(b, "guest_page",
			    c->guest_page ? json_string(page_size_name(c->guest_page)) : json_null());
	if (backend_ops(c->backend)->own_hypervisor) {
		json_object_set_new(b, "vpid", json_string(c->vpid ? "on" : "off"));
		json_object_set_new(b, "ept_levels", json_integer(c->ept_levels));
	}
	if (full && r->kvm.kvm[0]) {
		json_object_set_new(b, "kvm", json_string(r->kvm.kvm));
		json_object_set_new(b, "second_level", json_string(r->kvm.second_level));
		json_object_set_new(b, "second_level_levels", json_integer(r->kvm.second_level_levels));
		json_object_set_new(b, "guest_levels", json_integer(r->kvm.guest_levels));
		json_object_set_new(b, "host_paging_levels", json_integer(r->kvm.host_paging_levels));
		if (r->kvm.vpid[0])
			json_object_set_new(b, "kvm_intel_vpid", json_string(r->kvm.vpid));
	}
	if (full && c->matrix_index != c->index) /* one shard of a matrix */
		json_object_set_new(b, "matrix_index", json_integer(c->matrix_index));
	if (c->section_name[0])
		json_object_set_new(b, "section", json_string(c->section_name));
	if (r->host[0])
		json_object_set_new(b, "machine", json_string(r->host));
	json_object_set_new(b, "status", json_string(cell_status_name(r->status)));
	if (!full)
		return;
	if (r->wall_seconds > 0) {
		json_object_set_new(b, "wall_seconds", json_real(r->wall_seconds));
		phase_keys(b, r);
	}
	if (r->status != CELL_OK) {
		json_object_set_new(b, "error_occurred", json_true());
		json_object_set_new(b, "error_message", json_string(r->reason));
		return;
	}
	json_object_set_new(b, "effective_page", json_string(r->effective_page));
	json_object_set_new(b, "page_size_flagged", json_boolean(r->page_mismatch));
	if (r->mismatch_reason[0])
		json_object_set_new(b, "page_size_note", json_string(r->mismatch_reason));
	if (r->pt_leaf[0])
		json_object_set_new(b, "pt_leaf", json_string(r->pt_leaf));
	if (r->pt_backing_note[0])
		json_object_set_new(b, "pt_backing_note", json_string(r->pt_backing_note));
	json_object_set_new(b, "warmup_stable", json_boolean(r->warmup_stable));
	json_object_set_new(b, "tsc_hz", json_real(r->tsc_hz)); /* the cell's own rate (Bochs: not the host's) */
	if (r->pmu_status[0])
		json_object_set_new(b, "pmu_status", json_string(r->pmu_status));
	if (r->exit_reasons_status[0])
		json_object_set_new(b, "exit_reasons_status", json_string(r->exit_reasons_status));
	uncertainty_keys(b, r);
}

static void counters(json_t *b, const struct cell_result *r)
{
	json_object_set_new(b, "warmup_passes", json_integer(r->warmup_passes));
	json_object_set_new(b, "elements", json_u64(r->elements));
	json_object_set_new(b, "timer_overhead_cycles", json_real(r->timer_overhead));
	for (int i = 0; i < r->ncounters; i++)
		json_object_set_new(b, r->counters[i].name, json_real(r->counters[i].value));
}

static json_t *entry(const struct cell_result *r, const char *run_type, double cycles, bool full)
{
	json_t *b = json_object();
	cell_keys(b, r, full);
	double ns = r->tsc_hz > 0 ? cycles / r->tsc_hz * 1e9 : 0;
	json_object_set_new(b, "run_type", json_string(run_type));
	json_object_set_new(b, "repetitions", json_integer(r->reps));
	json_object_set_new(b, "iterations", json_u64(r->steps));
	json_object_set_new(b, "real_time", json_real(ns));
	json_object_set_new(b, "cpu_time", json_real(ns));
	json_object_set_new(b, "time_unit", json_string("ns"));
	json_object_set_new(b, "cycles_per_access", json_real(cycles));
	json_object_set_new(b, "ns_per_access", json_real(ns));
	if (full)
		counters(b, r);
	return b;
}

static void add_cell(json_t *list, const struct cell_result *r)
{
	if (r->status != CELL_OK) {
		json_t *b = json_object();
		cell_keys(b, r, true);
		json_object_set_new(b, "run_type", json_string("iteration"));
		json_object_set_new(b, "repetitions", json_integer(0));
		json_object_set_new(b, "iterations", json_integer(0));
		json_object_set_new(b, "real_time", json_real(0));
		json_object_set_new(b, "cpu_time", json_real(0));
		json_object_set_new(b, "time_unit", json_string("ns"));
		json_array_append_new(list, b);
		return;
	}
	for (int i = 0; i < r->reps; i++) {
		json_t *b = entry(r, "iteration", r->cycles[i], i == 0);
		json_object_set_new(b, "repetition_index", json_integer(i));
		if (r->core_per_tsc[i] > 0) {
			json_object_set_new(b, "rep_core_per_tsc", json_real(r->core_per_tsc[i]));
			json_object_set_new(b, "rep_clock_moved", json_boolean(r->clock_moved[i]));
		}
		json_array_append_new(list, b);
	}
	struct summary s;
	if (summarize(r->cycles, (size_t)r->reps, &s) < 0)
		return;
	const struct { const char *name; double v; } aggs[] = {
		{ "mean", s.mean }, { "median", s.median }, { "stddev", s.stddev }, { "min", s.min },
	};
	for (size_t i = 0; i < sizeof aggs / sizeof *aggs; i++) {
		json_t *b = entry(r, "aggregate", aggs[i].v, false);
		char name[200];
		snprintf(name, sizeof name, "%s_%s", r->cell.name, aggs[i].name);
		json_object_set_new(b, "name", json_string(name));
		json_object_set_new(b, "aggregate_name", json_string(aggs[i].name));
		json_object_set_new(b, "aggregate_unit", json_string("time"));
		json_array_append_new(list, b);
	}
	/* Google Benchmark reports cv as a fraction with unit "percentage". */
	json_t *b = entry(r, "aggregate", s.cv, false);
	char name[200];
	snprintf(name, sizeof name, "%s_cv", r->cell.name);
	json_object_set_new(b, "name", json_string(name));
	json_object_set_new(b, "aggregate_name", json_string("cv"));
	json_object_set_new(b, "aggregate_unit", json_string("percentage"));
	json_object_set_new(b, "real_time", json_real(s.cv));
	json_object_set_new(b, "cpu_time", json_real(s.cv));
	json_object_set_new(b, "cycles_per_access", json_real(s.cv));
	json_object_set_new(b, "ns_per_access", json_real(s.cv));
	json_array_append_new(list, b);
}

json_t *results_cell_entries(const struct cell_result *r)
{
	json_t *a = json_array();
	if (r->status != CELL_PENDING)
		add_cell(a, r);
	return a;
}

/* The document is written as text: the context indented, one entry a line. */
/* 17 significant digits: a double written and read back is the same double,
 * so cells kept by --resume or merged are written out exactly as they were. */
#define JSON_FLAGS JSON_REAL_PRECISION(17)

char *results_context_text(const struct run_info *run)
{
	json_t *ctx = results_context_json(run);
	char *text = json_dumps(ctx, JSON_INDENT(2) | JSON_FLAGS);
	json_decref(ctx);
	char *out = NULL;
	size_t size;
	FILE *m = text ? open_memstream(&out, &size) : NULL;
	/* Nested one level deeper in the document: two more spaces a line. */
	for (const char *p = text; m && *p; p++) {
		fputc(*p, m);
		if (*p == '\n')
			fputs("  ", m);
	}
	if (m)
		fclose(m);
	free(text);
	return out;
}

char *results_cell_text(const struct cell_result *r)
{
	json_t *entries = results_cell_entries(r);
	char *out = NULL;
	size_t size;
	FILE *m = open_memstream(&out, &size);
	size_t i;
	json_t *e;
	json_array_foreach(entries, i, e) {
		char *line = json_dumps(e, JSON_COMPACT | JSON_FLAGS);
		if (m && line)
			fprintf(m, "%s    %s", i ? ",\n" : "", line);
		free(line);
	}
	if (m)
		fclose(m);
	json_decref(entries);
	return out;
}

int results_json_write(const char *path, const char *context, char *const *cells, int n, char *err, size_t errlen)
{
	if (!context) {
		snprintf(err, errlen, "cannot serialize the results context for %s", path);
		return -1;
	}
	size_t len = strlen(context) + 64;
	char *head = malloc(len);
	if (!head) {
		snprintf(err, errlen, "out of memory writing %s", path);
		return -1;
	}
	snprintf(head, len, "{\n  \"context\": %s,\n  \"benchmarks\": [\n", context);
	int rc = atomic_write_parts(path, head, cells, n, ",\n", "\n  ]\n}\n", err, errlen);
	free(head);
	return rc;
}

int results_write_json(const char *path, const struct run_info *run, const struct cell_result *results, int n,
		       char *err, size_t errlen)
{
	char *context = results_context_text(run);
	char **cells = calloc((size_t)n + 1, sizeof *cells);
	for (int i = 0; cells && i < n; i++)
		cells[i] = results[i].status != CELL_PENDING ? results_cell_text(&results[i]) : NULL;
	int rc = cells ? results_json_write(path, context, cells, n, err, errlen) : -1;
	if (!cells)
		snprintf(err, errlen, "out of memory writing %s", path);
	for (int i = 0; cells && i < n; i++)
		free(cells[i]);
	free(cells);
	free(context);
	return rc;
}
