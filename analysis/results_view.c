#include "results_view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_check.h"

void results_view_init(struct results_view *v)
{
	memset(v, 0, sizeof *v);
}

int results_view_set_context(struct results_view *v, json_t *ctx, char *err, size_t errlen)
{
	if (!json_is_object(ctx)) {
		snprintf(err, errlen, "not a results file: its 'context' is not an object");
		return -1;
	}
	json_decref(v->context);
	v->context = json_incref(ctx);
	return 0;
}

static int oom(char *err, size_t errlen)
{
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* The one stored copy of a string field of e ("" when absent). */
static const char *value(struct results_view *v, const struct results_entry *e, const struct entry_value *field)
{
	return strmap_intern(&v->interned, &v->strings, entry_string(e, field));
}

/* The counters of the first entry: what the report's counter columns show.
 * A key written twice keeps its last value, as a JSON object does. */
static int keep_counters(struct results_view *v, struct cell_view *c, const struct results_entry *e)
{
	c->counters = e->ncounters ? calloc((size_t)e->ncounters, sizeof *c->counters) : NULL;
	if (e->ncounters && !c->counters)
		return -1;
	for (int i = 0; i < e->ncounters; i++) {
		const char *key = strmap_intern(&v->interned, &v->strings, entry_counter_key(e, &e->counters[i]));
		if (!key)
			return -1;
		int k = 0;
		while (k < c->ncounters && c->counters[k].key != key) /* interned: one pointer per key */
			k++;
		c->counters[k] = (struct view_counter){ key, entry_counter_number(e, &e->counters[i]) };
		c->ncounters += k == c->ncounters;
	}
	return 0;
}

static struct cell_view *new_cell(struct results_view *v, const char *name, const struct results_entry *e)
{
	if (v->n == v->cap) {
		int cap = v->cap ? v->cap * 2 : 256;
		struct cell_view *cells = realloc(v->cells, (size_t)cap * sizeof *cells);
		if (!cells)
			return NULL;
		v->cells = cells;
		v->cap = cap;
	}
	struct cell_view *c = &v->cells[v->n];
	memset(c, 0, sizeof *c);
	c->name = str_arena_copy(&v->strings, name);
	if (!c->name || strmap_put(&v->by_name, c->name, (uint32_t)v->n) < 0)
		return NULL;
	v->n++;
	c->status = entry_string(e, &e->status)[0] ? value(v, e, &e->status)
		    : e->error_occurred.kind == ENTRY_TRUE ? "failed" : "ok";
	c->reason = value(v, e, &e->error_message);
	c->backend = value(v, e, &e->backend);
	c->pattern = value(v, e, &e->pattern);
	c->guest_page = value(v, e, &e->guest_page);
	c->host_page = value(v, e, &e->host_page);
	c->ws = value(v, e, &e->ws);
	c->effective_page = value(v, e, &e->effective_page);
	c->note = value(v, e, &e->page_size_note);
	c->pmu_status = value(v, e, &e->pmu_status);
	c->exit_reasons_status = value(v, e, &e->exit_reasons_status);
	c->vpid = value(v, e, &e->vpid);
	c->second_level = value(v, e, &e->second_level);
	c->stability = value(v, e, &e->stability);
	c->machine = value(v, e, &e->machine);
	c->pt_leaf = value(v, e, &e->pt_leaf);
	c->ws_bytes = e->ws_bytes.integer ? (uint64_t)e->ws_bytes.whole : 0;
	c->flagged = e->page_size_flagged.kind == ENTRY_TRUE;
	c->median = c->cv = c->ns_median = c->ci_low = c->ci_high = NAN;
	if (!c->status || !c->reason || !c->backend || !c->pattern || !c->guest_page || !c->host_page ||
	    !c->ws || !c->effective_page || !c->note || !c->pmu_status || !c->exit_reasons_status || !c->vpid ||
	    !c->second_level || !c->stability || !c->machine || !c->pt_leaf ||
	    keep_counters(v, c, e) < 0)
		return NULL;
	return c;
}

static int add_rep(struct cell_view *c, double x)
{
	if (c->nreps == c->cap_reps) {
		int cap = c->cap_reps ? c->cap_reps * 2 : 8;
		double *reps = realloc(c->reps, (size_t)cap * sizeof *reps);
		if (!reps)
			return -1;
		c->reps = reps;
		c->cap_reps = cap;
	}
	c->reps[c->nreps++] = x;
	return 0;
}

int results_view_add(struct results_view *v, const struct results_entry *e, char *err, size_t errlen)
{
	long index = v->entries++;
	if (results_check_entry(e, index, err, errlen) < 0)
		return -1;
	const char *name = entry_cell_name(e);
	/* A cell's entries come one after the other: the newest cell first. */
	struct cell_view *c = v->n && !strcmp(v->cells[v->n - 1].name, name) ? &v->cells[v->n - 1]
			      : (struct cell_view *)results_view_find(v, name);
	if (!c && !(c = new_cell(v, name, e)))
		return oom(err, errlen);
	/* The interval and the stability verdict: from whichever entry has them. */
	if (isnan(c->ci_low) && e->ci_low.kind == ENTRY_NUMBER && e->ci_high.kind == ENTRY_NUMBER) {
		c->ci_low = entry_number(e, &e->ci_low);
		c->ci_high = entry_number(e, &e->ci_high);
	}
	if (!c->stability[0] && entry_string(e, &e->stability)[0] && !(c->stability = value(v, e, &e->stability)))
		return oom(err, errlen);
	const char *run_type = entry_string(e, &e->run_type), *agg = entry_string(e, &e->aggregate_name);
	double cycles = entry_number(e, &e->cycles_per_access);
	if (!strcmp(run_type, "iteration") && !strcmp(c->status, "ok")) {
		if (add_rep(c, cycles) < 0)
			return oom(err, errlen);
	} else if (!strcmp(agg, "median")) {
		c->median = cycles;
		c->ns_median = e->ns_per_access.kind != ENTRY_ABSENT ? entry_number(e, &e->ns_per_access) : NAN;
	} else if (!strcmp(agg, "cv"))
		c->cv = entry_number(e, &e->real_time);
	return 0;
}

int results_view_add_json(struct results_view *v, json_t *entry, char *err, size_t errlen)
{
	struct results_entry e = { 0 };
	int rc = results_entry_from_json(&e, entry) < 0 ? oom(err, errlen) : results_view_add(v, &e, err, errlen);
	results_entry_free(&e);
	return rc;
}

int results_view_build(json_t *doc, struct results_view *v, char *err, size_t errlen)
{
	results_view_init(v);
	json_t *list = json_object_get(doc, "benchmarks");
	if (!json_is_object(json_object_get(doc, "context")) || !json_is_array(list)) {
		snprintf(err, errlen, "not a results file: it needs a 'context' object and a 'benchmarks' array");
		return -1;
	}
	if (results_view_set_context(v, json_object_get(doc, "context"), err, errlen) < 0)
		return -1;
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e)
		if (results_view_add_json(v, e, err, errlen) < 0) {
			results_view_free(v);
			return -1;
		}
	return 0;
}

void results_view_free(struct results_view *v)
{
	for (int i = 0; i < v->n; i++) {
		free(v->cells[i].reps);
		free(v->cells[i].counters);
	}
	free(v->cells);
	json_decref(v->context);
	str_arena_free(&v->strings);
	strmap_free(&v->interned);
	strmap_free(&v->by_name);
	memset(v, 0, sizeof *v);
}

const struct cell_view *results_view_find(const struct results_view *v, const char *name)
{
	const struct strmap_slot *s = strmap_find(&v->by_name, name);
	return s ? &v->cells[s->value] : NULL;
}

double view_counter(const struct cell_view *c, const char *key)
{
	for (int i = 0; i < c->ncounters; i++)
		if (!strcmp(c->counters[i].key, key))
			return c->counters[i].value;
	return NAN;
}

unsigned view_recorded_depth(const struct cell_view *c, const char *key)
{
	double d = view_counter(c, key);
	return d == 4 || d == 5 ? (unsigned)d : 0;
}

unsigned view_depth(const struct cell_view *c, const char *key)
{
	unsigned d = view_recorded_depth(c, key);
	return d ? d : 4;
}
