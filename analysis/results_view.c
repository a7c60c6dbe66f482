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

/* The one stored copy of a string value of e ("" when absent). */
static const char *value(struct results_view *v, json_t *e, const char *key)
{
	return strmap_intern(&v->interned, &v->strings, json_str(e, key));
}

/* Numbers every entry has, kept elsewhere in the view or not per cell. */
static int standard_key(const char *k)
{
	static const char *const keys[] = { "family_index", "per_family_instance_index", "threads", "repetitions",
					    "repetition_index", "iterations", "real_time", "cpu_time", "ws_bytes",
					    "cycles_per_access", "ns_per_access" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if (!strcmp(k, keys[i]))
			return 1;
	return 0;
}

/* The counters of the first entry: what the report's counter columns show. */
static int keep_counters(struct results_view *v, struct cell_view *c, json_t *e)
{
	const char *k;
	json_t *x;
	int n = 0;
	json_object_foreach(e, k, x)
		n += json_is_number(x) && !standard_key(k);
	c->counters = n ? calloc((size_t)n, sizeof *c->counters) : NULL;
	if (n && !c->counters)
		return -1;
	json_object_foreach(e, k, x) {
		if (!json_is_number(x) || standard_key(k))
			continue;
		const char *key = strmap_intern(&v->interned, &v->strings, k);
		if (!key)
			return -1;
		c->counters[c->ncounters++] = (struct view_counter){ key, json_number_value(x) };
	}
	return 0;
}

static struct cell_view *new_cell(struct results_view *v, const char *name, json_t *e)
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
	c->status = json_str(e, "status")[0] ? value(v, e, "status")
		    : json_is_true(json_object_get(e, "error_occurred")) ? "failed" : "ok";
	c->reason = value(v, e, "error_message");
	c->backend = value(v, e, "backend");
	c->pattern = value(v, e, "pattern");
	c->guest_page = value(v, e, "guest_page");
	c->host_page = value(v, e, "host_page");
	c->ws = value(v, e, "ws");
	c->effective_page = value(v, e, "effective_page");
	c->note = value(v, e, "page_size_note");
	c->pmu_status = value(v, e, "pmu_status");
	c->exit_reasons_status = value(v, e, "exit_reasons_status");
	c->vpid = value(v, e, "vpid");
	c->machine = value(v, e, "machine");
	c->stability = value(v, e, "stability");
	c->ws_bytes = (uint64_t)json_integer_value(json_object_get(e, "ws_bytes"));
	c->flagged = json_is_true(json_object_get(e, "page_size_flagged"));
	c->median = c->cv = c->ns_median = c->ci_low = c->ci_high = NAN;
	if (!c->status || !c->reason || !c->backend || !c->pattern || !c->guest_page || !c->host_page ||
	    !c->ws || !c->effective_page || !c->note || !c->pmu_status || !c->exit_reasons_status || !c->vpid || !c->machine || !c->stability ||
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

int results_view_add(struct results_view *v, json_t *e, char *err, size_t errlen)
{
	long index = v->entries++;
	if (results_check_entry(e, index, err, errlen) < 0)
		return -1;
	const char *name = json_str(e, "run_name")[0] ? json_str(e, "run_name") : json_str(e, "name");
	struct cell_view *c = (struct cell_view *)results_view_find(v, name);
	if (!c && !(c = new_cell(v, name, e)))
		return oom(err, errlen);
	/* The interval and the stability verdict: from whichever entry has them. */
	json_t *lo = json_object_get(e, "ci_low"), *hi = json_object_get(e, "ci_high");
	if (json_is_number(lo) && json_is_number(hi) && isnan(c->ci_low)) {
		c->ci_low = json_number_value(lo);
		c->ci_high = json_number_value(hi);
	}
	if (!c->stability[0] && json_str(e, "stability")[0] && !(c->stability = value(v, e, "stability")))
		return oom(err, errlen);
	const char *run_type = json_str(e, "run_type"), *agg = json_str(e, "aggregate_name");
	double cycles = json_number_value(json_object_get(e, "cycles_per_access"));
	if (!strcmp(run_type, "iteration") && !strcmp(c->status, "ok")) {
		if (add_rep(c, cycles) < 0)
			return oom(err, errlen);
	} else if (!strcmp(agg, "median")) {
		c->median = cycles;
		json_t *ns = json_object_get(e, "ns_per_access");
		c->ns_median = ns ? json_number_value(ns) : NAN;
	} else if (!strcmp(agg, "cv"))
		c->cv = json_number_value(json_object_get(e, "real_time"));
	return 0;
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
		if (results_view_add(v, e, err, errlen) < 0) {
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
