/* Summary statistics of repetitions. */
#ifndef TLBVISOR_STATS_H
#define TLBVISOR_STATS_H

#include <stddef.h>

struct summary {
	size_t n;
	double min, max, mean, median, stddev, cv; /* stddev: sample (n-1); cv = stddev/mean */
};

/* Returns -1 for n == 0. Does not reorder x. */
int summarize(const double *x, size_t n, struct summary *s);

#endif
