/* The results as CSV: one row per finished cell, from its struct. */
#ifndef TLBVISOR_RESULTS_CSV_H
#define TLBVISOR_RESULTS_CSV_H

#include <stddef.h>

#include "bench/run/cell_result.h"

extern const char results_csv_header[];

/* A finished cell's row, with its newline; malloc'd. */
char *results_csv_row(const struct cell_result *r);
/* Replace path with the header and these rows (NULL: not finished). */
int results_csv_write(const char *path, char *const *rows, int n, char *err, size_t errlen);
/* All at once, for a writer that has every cell (ingest). */
int results_write_csv(const char *path, const struct cell_result *results, int n, char *err, size_t errlen);

#endif
