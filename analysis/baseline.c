#include "baseline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int by_pattern_then_ws(const void *a, const void *b)
{
	const struct cell_view *x = *(const struct cell_view *const *)a, *y = *(const struct cell_view *const *)b;
	int p = strcmp(x->pattern, y->pattern);
	if (p)
		return p;
	return (x->ws_bytes > y->ws_bytes) - (x->ws_bytes < y->ws_bytes);
}

int baseline_build(struct baseline *b, const struct results_view *v)
{
	b->n = 0;
	b->cells = malloc(((size_t)v->n + 1) * sizeof *b->cells);
	if (!b->cells)
		return -1;
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (!strcmp(c->backend, "native") && !strcmp(c->host_page, "4k") && !strcmp(c->status, "ok") &&
		    !isnan(c->median))
			b->cells[b->n++] = c;
	}
	qsort(b->cells, b->n, sizeof *b->cells, by_pattern_then_ws);
	return 0;
}

const struct cell_view *baseline_find(const struct baseline *b, const char *pattern, uint64_t ws_bytes)
{
	struct cell_view key = { .pattern = pattern, .ws_bytes = ws_bytes };
	const struct cell_view *k = &key;
	const struct cell_view **hit = b->n ? bsearch(&k, b->cells, b->n, sizeof *b->cells, by_pattern_then_ws) : NULL;
	return hit ? *hit : NULL;
}

void baseline_free(struct baseline *b)
{
	free(b->cells);
	b->cells = NULL;
	b->n = 0;
}
