/* Reading a results JSON file entry by entry into a results view: jansson
 * decodes the context and each entry of 'benchmarks' on its own, so memory
 * stays that of the view, not of the whole document (a fleet's merged file
 * holds hundreds of thousands of cells). */
#ifndef TLBVISOR_RESULTS_STREAM_H
#define TLBVISOR_RESULTS_STREAM_H

#include <stddef.h>

#include "results_view.h"

/* 0, or -1 with err (the view is then empty). */
int results_view_load_file(const char *path, struct results_view *v, char *err, size_t errlen);

#endif
