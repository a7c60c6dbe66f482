/* Is one entry of a results file a measurement tlbvisor can use? A results
 * file may come from anywhere (another host, a CI artifact, a person): every
 * value a report or a verdict depends on is checked before it is used, and a
 * bad one is named with its cell, entry and field. */
#ifndef TLBVISOR_RESULTS_CHECK_H
#define TLBVISOR_RESULTS_CHECK_H

#include <jansson.h>
#include <stddef.h>

/* 0, or -1 with err. index: the entry's position in 'benchmarks'. */
int results_check_entry(json_t *e, long index, char *err, size_t errlen);

#endif
