/* The report's "Virtualization overhead" section: each virtualized
 * configuration at each working set, over native 4K pages. */
#ifndef TLBVISOR_OVERHEAD_H
#define TLBVISOR_OVERHEAD_H

#include "results_view.h"
#include "table.h"

/* Fills t (not yet initialised) from the view. */
void overhead_table(const struct results_view *v, struct table *t);

#endif
