/* --resume FILE: continue an interrupted run. The cells FILE already holds
 * are kept (not run again) and written out as they are. A file measured with
 * another protocol (repetitions, min-time, stride, group, seed, exit rate,
 * guest payload) or
 * holding cells this matrix does not have is refused, saying what differs:
 * resuming it would mix two experiments or drop finished cells. */
#ifndef TLBVISOR_RESUME_H
#define TLBVISOR_RESUME_H

#include <stddef.h>

#include "matrix.h"
#include "result.h"

/* Marks the kept cells of results[0..n) (their 'carried' entries) and copies
 * the run's id into run_id (empty when the file has none). 0, or -1 with err. */
int resume_load(const char *path, const struct matrix *m, const char *payload, struct cell_result *results,
		int n, char *run_id, size_t run_id_len, char *err, size_t errlen);

#endif
