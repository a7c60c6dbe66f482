#include "strategies.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results_view.h"

static int by_median(const void *a, const void *b)
{
	double x = (*(const struct cell_view *const *)a)->median, y = (*(const struct cell_view *const *)b)->median;
	return (x > y) - (x < y);
}

static int by_ws(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void strategy_name(const struct cell_view *c, char *buf, size_t len)
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
	if (c->flagged && c->note[0]) {
		snprintf(buf, len, "%s", c->note);
		return buf;
	}
	return "";
}

int strategies_tables(json_t *doc, struct table **tables, int *ntables, char *err, size_t errlen)
{
	struct results_view v;
	if (results_view_build(doc, &v, err, errlen) < 0)
		return -1;
	uint64_t *ws = calloc((size_t)v.n + 1, sizeof *ws);
	const struct cell_view **row = calloc((size_t)v.n + 1, sizeof *row);
	*tables = calloc((size_t)v.n + 1, sizeof **tables);
	*ntables = 0;
	int nws = 0;
	for (int i = 0; i < v.n; i++) {
		int seen = 0;
		for (int k = 0; k < nws; k++)
			seen |= ws[k] == v.cells[i].ws_bytes;
		if (!seen && v.cells[i].ws_bytes)
			ws[nws++] = v.cells[i].ws_bytes;
	}
	qsort(ws, (size_t)nws, sizeof *ws, by_ws);
	static const char *const cols[] = { ">rank", "strategy", ">cycles/access", ">vs native 4K", ">vs best native", "note" };
	for (int w = 0; w < nws; w++) {
		int n = 0;
		double native4k = NAN, best_native = NAN;
		const char *ws_name = "";
		for (int i = 0; i < v.n; i++) {
			const struct cell_view *c = &v.cells[i];
			if (c->ws_bytes != ws[w] || strcmp(c->pattern, "random") || strcmp(c->status, "ok") ||
			    isnan(c->median) || strncmp(c->name, "chase/", 6))
				continue;
			row[n++] = c;
			ws_name = c->ws;
			if (!strcmp(c->backend, "native")) {
				if (!strcmp(c->host_page, "4k"))
					native4k = c->median;
				if (isnan(best_native) || c->median < best_native)
					best_native = c->median;
			}
		}
		if (!n)
			continue;
		qsort(row, (size_t)n, sizeof *row, by_median);
		char title[96];
		snprintf(title, sizeof title, "Huge-page strategies at %s", ws_name);
		struct table *t = &(*tables)[(*ntables)++];
		table_init(t, title, "Random chase; ranked by median cycles per access, relative to native 4K pages and to the best native configuration.", 6, cols);
		for (int r = 0; r < n; r++) {
			char rank[16], name[128], cyc[32], v4k[32], vbest[32], nb[256];
			snprintf(rank, sizeof rank, "%d", r + 1);
			strategy_name(row[r], name, sizeof name);
			snprintf(cyc, sizeof cyc, "%.1f", row[r]->median);
			snprintf(v4k, sizeof v4k, isnan(native4k) ? "-" : "%.3f", row[r]->median / native4k);
			snprintf(vbest, sizeof vbest, isnan(best_native) ? "-" : "%.3f", row[r]->median / best_native);
			const char *note = splinter(row[r], nb, sizeof nb);
			const char *vals[] = { rank, name, cyc, v4k, vbest, note };
			table_row(t, vals);
		}
	}
	free(ws);
	free(row);
	results_view_free(&v);
	return 0;
}

int strategies_markdown(json_t *doc, FILE *out, char *err, size_t errlen)
{
	struct table *t;
	int n;
	if (strategies_tables(doc, &t, &n, err, errlen) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		table_markdown(&t[i], out);
		table_free(&t[i]);
	}
	if (!n)
		fprintf(out, "No random-chase cells finished in this run: nothing to rank.\n");
	free(t);
	return 0;
}
