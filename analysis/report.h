/* Reports from a results document (any backend): Markdown and one
 * self-contained HTML page with gnuplot SVG plots inlined. Reads results only. */
#ifndef TLBVISOR_REPORT_H
#define TLBVISOR_REPORT_H

#include <jansson.h>
#include <stdio.h>

/* Markdown to out, without plots. */
int report_markdown(json_t *doc, FILE *out, char *err, size_t errlen);
/* DIR/report.md, DIR/report.html and DIR/plots/. */
int report_write(json_t *doc, const char *dir, char *err, size_t errlen);

#endif
