/* Markdown report from a results JSON file (any backend). Reads results only. */
#ifndef TLBVISOR_REPORT_H
#define TLBVISOR_REPORT_H

#include <jansson.h>
#include <stdio.h>

/* Writes the report of doc to out; returns 0, or -1 when doc is not a
 * tlbvisor results document (err says why). */
int report_markdown(json_t *doc, FILE *out, char *err, size_t errlen);

#endif
