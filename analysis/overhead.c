#include "overhead.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A virtualized configuration: everything of a chase cell but its working set. */
static void overhead_label(const struct cell_view *c, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s %s, guest %s / host %s", c->backend, c->pattern, c->guest_page, c->host_page);
	json_t *levels = json_object_get(c->first, "ept_levels");
	if (json_is_integer(levels) && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ", vpid %s, EPT %lld levels", json_str(c->first, "vpid"),
			 (long long)json_integer_value(levels));
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

static bool virtualized_chase(const struct cell_view *c)
{
	return strcmp(c->backend, "native") && !strncmp(c->name, "chase/", 6);
}

/* Each virtualized configuration (rows) at each working set (columns): its
 * median over the native 4K median of the same pattern and working set. */
void overhead_table(const struct results_view *v, struct table *t)
{
	struct ws_column *ws = calloc((size_t)v->n + 1, sizeof *ws);
	int nws = 0;
	for (int i = 0; ws && i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		int seen = !c->ws_bytes || strncmp(c->name, "chase/", 6);
		for (int k = 0; k < nws && !seen; k++)
			seen = ws[k].bytes == c->ws_bytes;
		if (!seen)
			ws[nws++] = (struct ws_column){ c->ws_bytes, c->ws };
	}
	if (ws)
		qsort(ws, (size_t)nws, sizeof *ws, by_bytes);
	int shown = nws < TABLE_MAX_COLS - 1 ? nws : TABLE_MAX_COLS - 1;
	const char *cols[TABLE_MAX_COLS] = { "configuration" };
	char heads[TABLE_MAX_COLS][40];
	for (int k = 0; k < shown; k++) {
		snprintf(heads[k], sizeof heads[k], ">%s", ws[k].name);
		cols[k + 1] = heads[k];
	}
	table_init(t, "Virtualization overhead",
		   shown < nws ? "Median cycles per access of each virtualized configuration over native 4K pages at the same pattern and working set (1.00: native speed); the smallest working sets only, the Results table has every cell."
			       : "Median cycles per access of each virtualized configuration over native 4K pages at the same pattern and working set (1.00: native speed).",
		   shown + 1, cols);
	for (int i = 0; i < v->n; i++) {
		char label[200], other[200], vals[TABLE_MAX_COLS][32];
		if (!virtualized_chase(&v->cells[i]))
			continue;
		overhead_label(&v->cells[i], label, sizeof label);
		int seen = 0; /* one row per configuration, at its first cell */
		for (int j = 0; j < i && !seen; j++)
			if (virtualized_chase(&v->cells[j])) {
				overhead_label(&v->cells[j], other, sizeof other);
				seen = !strcmp(label, other);
			}
		if (seen)
			continue;
		const char *row[TABLE_MAX_COLS] = { label };
		for (int k = 0; k < shown; k++) {
			snprintf(vals[k], sizeof vals[k], "-");
			for (int j = 0; j < v->n; j++) {
				const struct cell_view *d = &v->cells[j];
				if (d->ws_bytes != ws[k].bytes || strcmp(d->status, "ok") || !virtualized_chase(d))
					continue;
				overhead_label(d, other, sizeof other);
				double ratio = d->median / view_native4k_median(v, d);
				if (!strcmp(other, label) && !isnan(ratio))
					snprintf(vals[k], sizeof vals[k], "%.2f", ratio);
			}
			row[k + 1] = vals[k];
		}
		table_row(t, row);
	}
	free(ws);
}

