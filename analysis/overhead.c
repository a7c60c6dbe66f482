#include "overhead.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "table.h"
#include "lib/strmap.h"

/* A virtualized configuration: everything of a chase cell but its working set. */
void overhead_label(const struct cell_view *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s %s, guest %s / host %s", c->backend, c->pattern, c->guest_page, c->host_page);
	double levels = view_counter(c, "ept_levels");
	if (!isnan(levels) && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", vpid %s, EPT %.0f levels", c->vpid, levels);
}

struct ws_column {
	uint64_t bytes;
	const char *name;
};

static int by_bytes(const void *a, const void *b)
{
	uint64_t x = ((const struct ws_column *)a)->bytes, y = ((const struct ws_column *)b)->bytes;
	return (x > y) - (x < y);
}

static bool chase(const struct cell_view *c)
{
	return !strncmp(c->name, "chase/", 6);
}

static bool virtualized_chase(const struct cell_view *c)
{
	return strcmp(c->backend, "native") && chase(c);
}

/* The working sets of the chase cells, sorted, each once; -1 when out of memory. */
static int ws_columns(const struct results_view *v, struct ws_column **out)
{
	struct ws_column *ws = malloc(((size_t)v->n + 1) * sizeof *ws);
	if (!ws)
		return -1;
	int n = 0;
	for (int i = 0; i < v->n; i++)
		if (v->cells[i].ws_bytes && chase(&v->cells[i]))
			ws[n++] = (struct ws_column){ v->cells[i].ws_bytes, v->cells[i].ws };
	qsort(ws, (size_t)n, sizeof *ws, by_bytes);
	int unique = 0;
	for (int i = 0; i < n; i++)
		if (!unique || ws[unique - 1].bytes != ws[i].bytes)
			ws[unique++] = ws[i];
	*out = ws;
	return unique;
}

/* Each configuration (rows, in order of first appearance) at each working
 * set (columns): its median over the native 4K median of the same pattern
 * and working set. Cells are visited once each; rows are found by label in
 * a hash map, columns by binary search. */
void overhead_write(const struct results_view *v, FILE *md, FILE *html)
{
	struct ws_column *ws = NULL;
	int nws = ws_columns(v, &ws);
	int shown = nws < TABLE_MAX_COLS - 1 ? nws : TABLE_MAX_COLS - 1;
	struct baseline natives = { 0 };
	struct strmap rows = { 0 };
	struct str_arena labels = { 0 };
	const char **row_label = calloc((size_t)v->n + 1, sizeof *row_label);
	double *ratio = malloc(((size_t)v->n * (size_t)(shown > 0 ? shown : 1) + 1) * sizeof *ratio);
	int nrows = 0;
	bool ok = nws >= 0 && row_label && ratio && baseline_build(&natives, v) == 0;
	for (int i = 0; ok && i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (!virtualized_chase(c))
			continue;
		char label[200];
		overhead_label(c, label, sizeof label);
		const struct strmap_slot *s = strmap_find(&rows, label);
		int row = s ? (int)s->value : nrows;
		if (!s) {
			const char *copy = str_arena_copy(&labels, label);
			ok = copy && strmap_put(&rows, copy, (uint32_t)row) == 0;
			row_label[nrows++] = copy;
			for (int k = 0; k < shown; k++)
				ratio[(size_t)row * (size_t)shown + (size_t)k] = NAN;
		}
		struct ws_column key = { c->ws_bytes, NULL };
		const struct ws_column *col = shown ? bsearch(&key, ws, (size_t)shown, sizeof *ws, by_bytes) : NULL;
		const struct cell_view *base = baseline_find(&natives, c->pattern, c->ws_bytes);
		if (!ok || !col || !base || strcmp(c->status, "ok"))
			continue;
		double overhead = c->median / base->median;
		if (!isnan(overhead))
			ratio[(size_t)row * (size_t)shown + (size_t)(col - ws)] = overhead;
	}
	const char *cols[TABLE_MAX_COLS] = { "configuration" };
	char heads[TABLE_MAX_COLS][40];
	for (int k = 0; ok && k < shown; k++) {
		snprintf(heads[k], sizeof heads[k], ">%s", ws[k].name);
		cols[k + 1] = heads[k];
	}
	struct table t;
	table_begin(&t, md, html, "Virtualization overhead",
		    shown < nws ? "Median cycles per access of each virtualized configuration over native 4K pages at the same pattern and working set (1.00: native speed); the smallest working sets only, the Results table has every cell."
				: "Median cycles per access of each virtualized configuration over native 4K pages at the same pattern and working set (1.00: native speed).",
		    ok ? shown + 1 : 1, cols);
	for (int r = 0; ok && r < nrows; r++) {
		const char *row[TABLE_MAX_COLS] = { row_label[r] };
		char vals[TABLE_MAX_COLS][32];
		for (int k = 0; k < shown; k++) {
			double x = ratio[(size_t)r * (size_t)shown + (size_t)k];
			if (isnan(x))
				snprintf(vals[k], sizeof vals[k], "-");
			else
				snprintf(vals[k], sizeof vals[k], "%.2f", x);
			row[k + 1] = vals[k];
		}
		table_row(&t, row);
	}
	table_end(&t);
	baseline_free(&natives);
	strmap_free(&rows);
	str_arena_free(&labels);
	free(row_label);
	free(ratio);
	free(ws);
}
