/* Huge-page strategies ranked: at each working set, every guest/host page
 * configuration by its cost relative to native 4K pages and to the best
 * native configuration, with splintering named where it happens. */
#ifndef TLBVISOR_STRATEGIES_H
#define TLBVISOR_STRATEGIES_H

#include <stdio.h>

#include "results_view.h"

/* One table per working set, in Markdown and/or HTML (either FILE may be
 * NULL). Returns the number of tables, or -1 when out of memory. */
int strategies_write(const struct results_view *v, FILE *md, FILE *html);
/* The tables in Markdown, or a sentence saying there is nothing to rank. */
int strategies_markdown(const struct results_view *v, FILE *out, char *err, size_t errlen);

/* "native, thp pages" or "kvm, guest 2m / host 2m". */
void strategy_name(const struct cell_view *c, char *buf, size_t len);

#endif
