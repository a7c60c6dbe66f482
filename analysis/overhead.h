/* The report's "Virtualization overhead" section: each virtualized
 * configuration at each working set, over native 4K pages. */
#ifndef TLBVISOR_OVERHEAD_H
#define TLBVISOR_OVERHEAD_H

#include <stdio.h>

#include "results_view.h"

/* Written to md and/or html (either may be NULL); linear in the cells but
 * for sorting the working sets. */
void overhead_write(const struct results_view *v, FILE *md, FILE *html);

/* A virtualized configuration: everything of a chase cell but its working
 * set ("kvm random, guest 4k / host 2m", with VPID and EPT depth where the
 * backend has them). */
void overhead_label(const struct cell_view *c, char *buf, size_t len);

#endif
