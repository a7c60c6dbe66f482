/* Huge-page strategies ranked: at each working set, every guest/host page
 * configuration by its cost relative to native 4K pages and to the best
 * native configuration, with splintering named where it happens. */
#ifndef TLBVISOR_STRATEGIES_H
#define TLBVISOR_STRATEGIES_H

#include <jansson.h>
#include <stdio.h>

#include "table.h"

/* One table per working set; *tables is malloc'd (free each, then it). */
int strategies_tables(json_t *doc, struct table **tables, int *n, char *err, size_t errlen);
int strategies_markdown(json_t *doc, FILE *out, char *err, size_t errlen);

#endif
