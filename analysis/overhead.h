/* The report's "Virtualization overhead" section: each virtualized
 * configuration at each working set, over native 4K pages. */
#ifndef TLBVISOR_OVERHEAD_H
#define TLBVISOR_OVERHEAD_H

#include <stdio.h>

#include "results_view.h"

/* Written to md and/or html (either may be NULL); linear in the cells but
 * for sorting the working sets. */
void overhead_write(const struct results_view *v, FILE *md, FILE *html);

#endif
