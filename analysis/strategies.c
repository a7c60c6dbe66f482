#include "strategies.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

/* Working set first, then the median: one sort puts every table in order. */
static int by_ws_then_median(const void *a, const void *b)
{
	const struct cell_view *x = *(const struct cell_view *const *)a, *y = *(const struct cell_view *const *)b;
	if (x->ws_bytes != y->ws_bytes)
		return (x->ws_bytes > y->ws_bytes) - (x->ws_bytes < y->ws_bytes);
	return (x->median > y->median) - (x->median < y->median);
}

void strategy_name(const struct cell_view *c, char *buf, size_t len)
{
	if (!strcmp(c->backend, "native"))
		snprintf(buf, len, "native, %s pages", c->host_page);
	else
		snprintf(buf, len, "%s, guest %s / host %s", c->backend, c->guest_page, c->host_page);
}

/* Splintering: guest huge pages mapped by smaller second-level leaves. */
static const char *splinter(const struct cell_view *c, char *buf, size_t len)
{
	static const char *const order[] = { "4k", "2m", "1g" };
	int g = -1, e = -1;
	for (int i = 0; i < 3; i++) {
		if (!strcmp(c->guest_page, order[i])) g = i;
		if (!strcmp(c->effective_page, order[i])) e = i;
	}
	if (g > 0 && e >= 0 && e < g) {
		snprintf(buf, len, "splintered: guest %s pages on %s second-level leaves", c->guest_page, c->effective_page);
		return buf;
	}
	if (c->flagged && c->note[0])
		return c->note;
	return "";
}

static void ranked_table(const struct cell_view *const *row, int n, FILE *md, FILE *html)
{
	static const char *const cols[] = { ">rank", "strategy", ">cycles/access", ">vs native 4K", ">vs best native", "note" };
	double native4k = NAN, best_native = NAN;
	for (int r = 0; r < n; r++)
		if (!strcmp(row[r]->backend, "native")) {
			if (!strcmp(row[r]->host_page, "4k"))
				native4k = row[r]->median;
			if (isnan(best_native))
				best_native = row[r]->median; /* sorted: the first native is the best */
		}
	char title[160];
	snprintf(title, sizeof title, "Huge-page strategies at %s", row[0]->ws);
	struct table t;
	table_begin(&t, md, html, title,
		    "Random chase; ranked by median cycles per access, relative to native 4K pages and to the best native configuration.",
		    6, cols);
	for (int r = 0; r < n; r++) {
		char rank[16], name[160], cyc[32], v4k[32], vbest[32], nb[256];
		snprintf(rank, sizeof rank, "%d", r + 1);
		strategy_name(row[r], name, sizeof name);
		snprintf(cyc, sizeof cyc, "%.1f", row[r]->median);
		snprintf(v4k, sizeof v4k, isnan(native4k) ? "-" : "%.3f", row[r]->median / native4k);
		snprintf(vbest, sizeof vbest, isnan(best_native) ? "-" : "%.3f", row[r]->median / best_native);
		const char *vals[] = { rank, name, cyc, v4k, vbest, splinter(row[r], nb, sizeof nb) };
		table_row(&t, vals);
	}
	table_end(&t);
}

int strategies_write(const struct results_view *v, FILE *md, FILE *html)
{
	const struct cell_view **row = malloc(((size_t)v->n + 1) * sizeof *row);
	if (!row)
		return -1;
	int n = 0;
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (c->ws_bytes && !strcmp(c->pattern, "random") && !strcmp(c->status, "ok") && !isnan(c->median) &&
		    !strncmp(c->name, "chase/", 6))
			row[n++] = c;
	}
	qsort(row, (size_t)n, sizeof *row, by_ws_then_median);
	int tables = 0;
	for (int start = 0, end; start < n; start = end) {
		for (end = start; end < n && row[end]->ws_bytes == row[start]->ws_bytes; end++)
			;
		ranked_table(row + start, end - start, md, html);
		tables++;
	}
	free(row);
	return tables;
}

int strategies_markdown(const struct results_view *v, FILE *out, char *err, size_t errlen)
{
	int n = strategies_write(v, out, NULL);
	if (n < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (!n)
		fprintf(out, "No random-chase cells finished in this run: nothing to rank.\n");
	return 0;
}
