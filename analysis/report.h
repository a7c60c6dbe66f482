/* Reports from a results view (any backend): Markdown and one
 * self-contained HTML page with gnuplot SVG plots inlined. Reads results only. */
#ifndef TLBVISOR_REPORT_H
#define TLBVISOR_REPORT_H

#include <stdio.h>

#include "results_view.h"

/* Markdown to out, without plots. */
int report_markdown(const struct results_view *v, FILE *out);
/* DIR/report.md, DIR/report.html and DIR/plots/ (each replaced whole). */
int report_write(const struct results_view *v, const char *dir, char *err, size_t errlen);

#endif
