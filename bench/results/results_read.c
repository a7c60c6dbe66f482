#include "bench/results/results_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/results_check.h"
#include "lib/json_util.h"
#include "lib/strmap.h"
#include "lib/units.h"

/* Numbers of an entry that are not counters of the cell (results_json.c
 * writes them from fields of struct cell and struct cell_result). */
static const char *const entry_numbers[] = {
	"family_index", "per_family_instance_index", "threads", "ws_bytes", "ept_levels", "repetitions",
	"iterations", "real_time", "cpu_time", "cycles_per_access", "ns_per_access", "repetition_index",
	"warmup_passes", "elements", "timer_overhead_cycles", "wall_seconds", "matrix_index", "tsc_hz",
	"second_level_levels", "guest_levels", "host_paging_levels",
	/* computed from the repetitions by the writer (bench/run/cell_stats.h) */
	"ci_low", "ci_high", "ci_coverage", "drift_pct", "drift_p", "core_per_tsc", "core_cycles_per_access",
	"clock_moved_reps", "steal_ticks", "rep_core_per_tsc", "next_low", "next_high",
	/* kept from the history the cell was measured with (restored below) */
	"run_spread", "next_runs",
};

static const char *entry_name(const json_t *e)
{
	return json_str(e, "run_name")[0] ? json_str(e, "run_name") : json_str(e, "name");
}

/* The cell's parameters, from the keys every entry of it has. */
static int read_cell(const json_t *e, struct cell *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	const char *name = entry_name(e), *guest = json_str(e, "guest_page");
	snprintf(c->name, sizeof c->name, "%s", name);
	c->index = (int)json_int(e, "family_index");
	c->matrix_index = json_object_get(e, "matrix_index") ? (int)json_int(e, "matrix_index") : c->index;
	snprintf(c->section_name, sizeof c->section_name, "%s", json_str(e, "section"));
	c->ws = (uint64_t)json_int(e, "ws_bytes");
	c->workload = !strncmp(name, "exit/io/", 8) ? WORKLOAD_EXIT_IO
		      : !strncmp(name, "exit/cpuid/", 11) ? WORKLOAD_EXIT_CPUID : WORKLOAD_CHASE;
	c->vpid_set = json_is_string(json_object_get(e, "vpid"));
	c->vpid = !strcmp(json_str(e, "vpid"), "on");
	c->ept_levels = (unsigned)json_int(e, "ept_levels");
	if (backend_parse(json_str(e, "backend"), &c->backend) < 0 ||
	    pattern_parse(json_str(e, "pattern"), &c->pattern) < 0 ||
	    host_page_parse(json_str(e, "host_page"), &c->host_page) < 0 ||
	    (guest[0] && page_size_parse(guest, &c->guest_page) < 0)) {
		snprintf(err, errlen, "entry '%s' is not a tlbvisor cell (backend '%s', pattern '%s', host page '%s', guest page '%s')",
			 name, json_str(e, "backend"), json_str(e, "pattern"), json_str(e, "host_page"), guest);
		return -1;
	}
	return 0;
}

static enum cell_status read_status(const json_t *e)
{
	const char *s = json_str(e, "status");
	if (!s[0])
		return json_is_true(json_object_get(e, "error_occurred")) ? CELL_FAILED : CELL_OK;
	return !strcmp(s, "ok") ? CELL_OK : !strcmp(s, "skipped") ? CELL_SKIPPED : CELL_FAILED;
}

/* What the first entry says of the outcome: reasons, page sizes, counters. */
static void read_outcome(const json_t *e, struct cell_result *r)
{
	r->status = read_status(e);
	snprintf(r->reason, sizeof r->reason, "%s", json_str(e, "error_message"));
	r->wall_seconds = json_number_value(json_object_get(e, "wall_seconds"));
	json_t *phases = json_object_get(e, "phases");
	for (int p = 0; p < CELL_PHASES; p++)
		r->phase_seconds[p] = json_number_value(json_object_get(phases, cell_phase_key((enum cell_phase)p)));
	snprintf(r->host, sizeof r->host, "%s", json_str(e, "machine"));
	if (r->status != CELL_OK)
		return;
	snprintf(r->effective_page, sizeof r->effective_page, "%s", json_str(e, "effective_page"));
	r->page_mismatch = json_is_true(json_object_get(e, "page_size_flagged"));
	snprintf(r->mismatch_reason, sizeof r->mismatch_reason, "%s", json_str(e, "page_size_note"));
	r->warmup_stable = json_is_true(json_object_get(e, "warmup_stable"));
	snprintf(r->pmu_status, sizeof r->pmu_status, "%s", json_str(e, "pmu_status"));
	snprintf(r->exit_reasons_status, sizeof r->exit_reasons_status, "%s", json_str(e, "exit_reasons_status"));
	r->warmup_passes = (int)json_int(e, "warmup_passes");
	r->elements = (uint64_t)json_int(e, "elements");
	r->timer_overhead = json_number_value(json_object_get(e, "timer_overhead_cycles"));
	r->steps = (uint64_t)json_int(e, "iterations");
	/* The translation a kvm cell had (results_json.c writes it from r->kvm). */
	snprintf(r->kvm.kvm, sizeof r->kvm.kvm, "%s", json_str(e, "kvm"));
	snprintf(r->kvm.second_level, sizeof r->kvm.second_level, "%s", json_str(e, "second_level"));
	snprintf(r->kvm.vpid, sizeof r->kvm.vpid, "%s", json_str(e, "kvm_intel_vpid"));
	r->kvm.second_level_levels = (unsigned)json_int(e, "second_level_levels");
	r->kvm.guest_levels = (unsigned)json_int(e, "guest_levels");
	r->kvm.host_paging_levels = (unsigned)json_int(e, "host_paging_levels");
	/* Where the guest page tables sat (results_json.c writes them from r). */
	snprintf(r->pt_leaf, sizeof r->pt_leaf, "%s", json_str(e, "pt_leaf"));
	snprintf(r->pt_backing_note, sizeof r->pt_backing_note, "%s", json_str(e, "pt_backing_note"));
	json_t *steal = json_object_get(e, "steal_ticks");
	r->steal_ticks = json_is_number(steal) ? json_number_value(steal) : -1;
	snprintf(r->order, sizeof r->order, "%s", json_str(e, "order"));
	snprintf(r->ci_target, sizeof r->ci_target, "%s", json_str(e, "ci_target"));
	r->run_spread = json_number_value(json_object_get(e, "run_spread"));
	r->run_spread_runs = (int)json_int(e, "next_runs");
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)e, key, v) {
		if (!json_is_number(v))
			continue;
		int known = 0;
		for (size_t i = 0; i < sizeof entry_numbers / sizeof *entry_numbers; i++)
			known |= !strcmp(key, entry_numbers[i]);
		if (!known)
			result_counter(r, key, json_number_value(v));
	}
}

/* One repetition: cycles per access; the first also gives the cell's TSC
 * rate, which its ns imply (a cell's rate may not be the host's: Bochs). */
static void read_iteration(const json_t *e, struct cell_result *r)
{
	if (r->reps >= RESULT_MAX_REPS)
		return;
	double cycles = json_number_value(json_object_get(e, "cycles_per_access"));
	double ns = json_number_value(json_object_get(e, "ns_per_access"));
	double hz = json_number_value(json_object_get(e, "tsc_hz"));
	if (r->reps == 0 && hz > 0)
		r->tsc_hz = hz;
	else if (r->reps == 0 && ns > 0 && cycles > 0) /* written before cells said their rate */
		r->tsc_hz = cycles / ns * 1e9;
	r->core_per_tsc[r->reps] = json_number_value(json_object_get(e, "rep_core_per_tsc"));
	r->clock_moved[r->reps] = json_is_true(json_object_get(e, "rep_clock_moved"));
	r->cycles[r->reps++] = cycles;
}

int results_read_cells(json_t *benchmarks, double tsc_hz, struct cell_result **cells, int *n, char *err,
		       size_t errlen)
{
	*n = 0;
	*cells = calloc(json_array_size(benchmarks) + 1, sizeof **cells);
	struct strmap by_name = { 0 }; /* the cells read so far */
	if (!*cells) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t i;
	json_t *e;
	struct results_entry checked = { 0 };
	json_array_foreach(benchmarks, i, e) {
		/* A file may come from anywhere: every value is checked first. */
		if (results_entry_from_json(&checked, e) < 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (results_check_entry(&checked, (long)i, err, errlen) < 0)
			goto fail;
		const struct strmap_slot *s = strmap_find(&by_name, entry_name(e));
		struct cell_result *r = s ? &(*cells)[s->value] : NULL;
		if (!r) {
			struct cell c;
			if (read_cell(e, &c, err, errlen) < 0)
				goto fail;
			r = &(*cells)[*n];
			result_init(r, &c);
			if (strmap_put(&by_name, r->cell.name, (uint32_t)*n) < 0) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			(*n)++;
			r->tsc_hz = tsc_hz;
			read_outcome(e, r);
		}
		if (r->status == CELL_OK && !strcmp(json_str(e, "run_type"), "iteration"))
			read_iteration(e, r);
	}
	strmap_free(&by_name);
	results_entry_free(&checked);
	return 0;
fail:
	strmap_free(&by_name);
	results_entry_free(&checked);
	free(*cells);
	*cells = NULL;
	*n = 0;
	return -1;
}

int results_read_file(const char *path, struct cell_result **cells, int *n, json_t **context, char *err,
		      size_t errlen)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc) {
		snprintf(err, errlen, "cannot resume from %s: %s; fix: give the results JSON of the interrupted run", path,
			 je.text);
		return -1;
	}
	json_t *ctx = json_object_get(doc, "context"), *list = json_object_get(doc, "benchmarks");
	if (!json_is_object(ctx) || !json_is_array(list)) {
		snprintf(err, errlen, "cannot resume from %s: it is not a results file (no 'context' object and 'benchmarks' array)",
			 path);
		json_decref(doc);
		return -1;
	}
	char why[768];
	int rc = results_read_cells(list, json_number_value(json_object_get(ctx, "tsc_hz")), cells, n, why, sizeof why);
	if (rc < 0)
		snprintf(err, errlen, "cannot resume from %s: %s", path, why);
	else if (context)
		*context = json_incref(ctx);
	json_decref(doc);
	return rc;
}

void results_resume(struct cell_result *results, bool *kept, int n, const struct cell_result *done, int ndone,
		    int *nkept, int *foreign)
{
	*nkept = *foreign = 0;
	struct strmap by_name = { 0 }; /* this run's cells */
	for (int i = 0; i < n; i++)
		if (!strmap_find(&by_name, results[i].cell.name))
			strmap_put(&by_name, results[i].cell.name, (uint32_t)i);
	for (int k = 0; k < ndone; k++) {
		const struct strmap_slot *s = strmap_find(&by_name, done[k].cell.name);
		if (!s) {
			(*foreign)++;
			continue;
		}
		int i = (int)s->value;
		/* The matrix's cell, the earlier run's outcome. */
		struct cell c = results[i].cell;
		results[i] = done[k];
		results[i].cell = c;
		kept[i] = true;
		(*nkept)++;
	}
	strmap_free(&by_name);
}
