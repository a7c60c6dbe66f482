/* Fuzz what reads results JSON: the streaming reader that report and
 * compare use (yajl events, on any bytes; parsed in a thread of its own
 * and in this one, which must agree: the same view or the same words of
 * refusal) against the same view built from
 * jansson's tree (the history's way), which must agree on every cell when
 * both accept the file; the view and its checks, compare, strategies, the
 * report's Markdown, and the import into an (in-memory) history. */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/report.h"
#include "analysis/results_stream.h"
#include "analysis/strategies.h"
#include "bench/results/history.h"

static int same_number(double a, double b)
{
	return (isnan(a) && isnan(b)) || a == b;
}

/* The two readers saw the same cells. */
static void check_same(const struct results_view *a, const struct results_view *b)
{
	if (a->n != b->n || a->entries != b->entries)
		abort();
	for (int i = 0; i < a->n; i++) {
		const struct cell_view *x = &a->cells[i], *y = &b->cells[i];
		if (strcmp(x->name, y->name) || strcmp(x->status, y->status) || strcmp(x->backend, y->backend) ||
		    strcmp(x->ws, y->ws) || x->ws_bytes != y->ws_bytes || x->flagged != y->flagged ||
		    x->nreps != y->nreps || x->ncounters != y->ncounters || !same_number(x->median, y->median) ||
		    !same_number(x->cv, y->cv) || !same_number(x->ns_median, y->ns_median))
			abort();
		for (int r = 0; r < x->nreps; r++)
			if (!same_number(x->reps[r], y->reps[r]))
				abort();
		/* The same counters with the same values; their order may differ
		 * where a key is written twice (a value that is not a number, then
		 * one that is: the tree keeps the key's first place, the events
		 * see the number later). */
		for (int c = 0; c < x->ncounters; c++)
			if (!same_number(x->counters[c].value, view_counter(y, x->counters[c].key)))
				abort();
	}
	if (!json_equal(a->context, b->context))
		abort();
}

static int load(const uint8_t *data, size_t size, enum results_parse how, struct results_view *v, char *err,
		size_t errlen)
{
	FILE *in = fmemopen((void *)data, size, "r");
	if (!in)
		abort();
	int rc = results_view_load_stream(in, "fuzz.json", how, v, err, errlen);
	fclose(in);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512] = "", apart_err[512] = "";
	struct results_view streamed, apart, v;
	int streamed_ok = size && load(data, size, RESULTS_PARSE_HERE, &streamed, err, sizeof err) == 0;
	int apart_ok = size && load(data, size, RESULTS_PARSE_APART, &apart, apart_err, sizeof apart_err) == 0;
	if (streamed_ok != apart_ok || strcmp(err, apart_err))
		abort();
	if (apart_ok) {
		check_same(&streamed, &apart);
		results_view_free(&apart);
	}
	json_t *doc = json_loadb((const char *)data, size, 0, NULL);
	if (!doc) {
		if (streamed_ok)
			results_view_free(&streamed);
		return 0;
	}
	FILE *null = fopen("/dev/null", "w");
	if (results_view_build(doc, &v, err, sizeof err) == 0) {
		if (streamed_ok)
			check_same(&streamed, &v);
		struct compare_options o = { .threshold = 0.05, .alpha = 0.05 };
		struct compare_summary s;
		compare_runs(&v, &v, &o, null, &s, err, sizeof err);
		strategies_markdown(&v, null, err, sizeof err);
		report_markdown(&v, null);
		results_view_free(&v);
	}
	if (streamed_ok)
		results_view_free(&streamed);
	fclose(null);
	struct history h;
	if (history_open(&h, ":memory:", err, sizeof err) == 0) {
		int64_t id = history_import(&h, doc, "fuzz", err, sizeof err);
		if (id >= 0 && history_load_view(&h, id, &v, err, sizeof err) == 0)
			results_view_free(&v);
		history_close(&h);
	}
	json_decref(doc);
	return 0;
}
