/* A matrix whose cells would measure something other than what they are
 * named for is refused before anything runs: a value given twice (two cells,
 * one name), a working set smaller than the stride (a one-element loop
 * reported under the working set's name), a working set that is not a whole
 * number of strides, a TLB-locality group that does not divide it. */
#ifndef TLBVISOR_MATRIX_CHECK_H
#define TLBVISOR_MATRIX_CHECK_H

#include <stddef.h>

#include "bench/matrix/matrix.h"
#include "bench/matrix/run_config.h"

/* 0, or -1 with err: what is wrong and how to fix it. */
int matrix_check(const struct matrix *m, const struct run_config *cfg, char *err, size_t errlen);

#endif
