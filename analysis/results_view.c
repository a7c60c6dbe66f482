#include "results_view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int results_view_build(json_t *doc, struct results_view *v, char *err, size_t errlen)
{
	memset(v, 0, sizeof *v);
	v->context = json_object_get(doc, "context");
	json_t *list = json_object_get(doc, "benchmarks");
	if (!json_is_object(v->context) || !json_is_array(list)) {
		snprintf(err, errlen, "not a results file: it needs a 'context' object and a 'benchmarks' array");
		return -1;
	}
	v->cells = calloc(json_array_size(list) + 1, sizeof *v->cells);
	if (!v->cells) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	size_t i;
	json_t *e;
	json_array_foreach(list, i, e) {
		const char *name = json_str(e, "run_name")[0] ? json_str(e, "run_name") : json_str(e, "name");
		struct cell_view *c = (struct cell_view *)results_view_find(v, name);
		if (!c) {
			c = &v->cells[v->n++];
			c->name = name;
			c->first = e;
			c->status = json_str(e, "status")[0] ? json_str(e, "status")
				    : json_is_true(json_object_get(e, "error_occurred")) ? "failed" : "ok";
			c->reason = json_str(e, "error_message");
			c->backend = json_str(e, "backend");
			c->pattern = json_str(e, "pattern");
			c->guest_page = json_str(e, "guest_page");
			c->host_page = json_str(e, "host_page");
			c->ws = json_str(e, "ws");
			c->ws_bytes = (uint64_t)json_integer_value(json_object_get(e, "ws_bytes"));
			c->effective_page = json_str(e, "effective_page");
			c->note = json_str(e, "page_size_note");
			c->flagged = json_is_true(json_object_get(e, "page_size_flagged"));
			c->median = c->cv = c->ns_median = NAN;
		}
		const char *run_type = json_str(e, "run_type"), *agg = json_str(e, "aggregate_name");
		double cycles = json_number_value(json_object_get(e, "cycles_per_access"));
		if (!strcmp(run_type, "iteration") && !strcmp(c->status, "ok") && c->nreps < VIEW_MAX_REPS)
			c->reps[c->nreps++] = cycles;
		else if (!strcmp(agg, "median")) {
			c->median = cycles;
			c->ns_median = json_number_value(json_object_get(e, "ns_per_access"));
		} else if (!strcmp(agg, "cv"))
			c->cv = json_number_value(json_object_get(e, "real_time"));
	}
	return 0;
}

void results_view_free(struct results_view *v)
{
	free(v->cells);
	memset(v, 0, sizeof *v);
}

const struct cell_view *results_view_find(const struct results_view *v, const char *name)
{
	for (int i = 0; i < v->n; i++)
		if (!strcmp(v->cells[i].name, name))
			return &v->cells[i];
	return NULL;
}

double view_counter(const struct cell_view *c, const char *key)
{
	json_t *x = json_object_get(c->first, key);
	return json_is_number(x) ? json_number_value(x) : NAN;
}

double view_native4k_median(const struct results_view *v, const struct cell_view *c)
{
	for (int j = 0; j < v->n; j++) {
		const struct cell_view *n = &v->cells[j];
		if (!strcmp(n->backend, "native") && !strcmp(n->host_page, "4k") && n->ws_bytes == c->ws_bytes &&
		    !strcmp(n->pattern, c->pattern) && !strcmp(n->status, "ok"))
			return n->median;
	}
	return NAN;
}
