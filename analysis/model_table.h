/* The report's "Nested page walks: model beside measurement" table: each
 * virtualized cell's measured cycles beside the references the model counts
 * for the walk the cell really had (depths, leaves, guest tables' leaf). */
#ifndef TLBVISOR_MODEL_TABLE_H
#define TLBVISOR_MODEL_TABLE_H

#include <stdio.h>

#include "results_view.h"

/* To Markdown and HTML at once (either may be NULL). */
void model_table_write(const struct results_view *v, FILE *md, FILE *html);

#endif
