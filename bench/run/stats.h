/* Summary statistics of repetitions, the uncertainty of their median, and
 * whether they drift across the run. */
#ifndef TLBVISOR_STATS_H
#define TLBVISOR_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct summary {
	size_t n;
	double min, max, mean, median, stddev, cv; /* stddev: sample (n-1); cv = stddev/mean */
};

/* Returns -1 for n == 0. Does not reorder x. */
int summarize(const double *x, size_t n, struct summary *s);

/* A distribution-free confidence interval of the median from order
 * statistics: [x(k), x(n+1-k)] with the largest k whose binomial(n, 1/2)
 * coverage is still at least the level asked for. With too few samples for
 * that level (fewer than 6 for 95%), the interval is [min, max] and
 * 'confidence' is its real, lower coverage. */
struct median_interval {
	double low, high;
	double confidence;    /* coverage actually achieved, e.g. 0.961 */
	bool reached;         /* confidence >= the level asked for */
};

int median_interval(const double *x, size_t n, double level, struct median_interval *ci);

/* A monotone trend across the repetitions, in the order they ran:
 * Mann-Kendall's S with its two-sided p-value (exact for untied samples,
 * otherwise the normal approximation with the tie correction and without a
 * continuity correction, as scipy.stats.kendalltau computes it), and the
 * Theil-Sen slope as the relative change of the median over the run. */
struct drift {
	long s;               /* Mann-Kendall S: concordant minus discordant pairs */
	double p;             /* two-sided */
	double relative;      /* Theil-Sen slope x (n-1) / median: 0.1 = +10% over the run */
	bool unstable;        /* p < DRIFT_ALPHA and |relative| >= DRIFT_MIN_RELATIVE */
};

#define DRIFT_ALPHA 0.05
#define DRIFT_MIN_RELATIVE 0.03

/* Returns -1 for n < 3 (no trend can be told). */
int drift_test(const double *x, size_t n, struct drift *d);

#endif
