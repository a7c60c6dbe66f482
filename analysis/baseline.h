/* The baseline every virtualized cell is measured against: the native cell
 * on 4K pages with the same pattern and working set, found in O(log n). */
#ifndef TLBVISOR_BASELINE_H
#define TLBVISOR_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#include "results_view.h"

struct baseline {
	const struct cell_view **cells;  /* finished native 4K cells, by pattern and working set */
	size_t n;
};

/* -1 when out of memory. */
int baseline_build(struct baseline *b, const struct results_view *v);
const struct cell_view *baseline_find(const struct baseline *b, const char *pattern, uint64_t ws_bytes);
void baseline_free(struct baseline *b);

#endif
