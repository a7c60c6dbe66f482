/* How far a cell's median moves from run to run on one host, from the
 * medians of its earlier runs (the history). The repetitions of one run
 * cannot show it, and on a shared machine it dominates: compare takes its
 * margin from it, and a run gives each cell the interval its next run's
 * median should fall in. */
#ifndef TLBVISOR_RUN_SPREAD_H
#define TLBVISOR_RUN_SPREAD_H

#define RUN_SPREAD_MAX_RUNS 10  /* the newest earlier runs that count */
#define RUN_SPREAD_MIN_RUNS 3   /* fewer: the spread is unknown */

/* The median of x[0..n), sorting x in place (insertion sort: n is small). */
double run_spread_median(double *x, int n);

/* The standard deviation of the logs of n earlier medians (reordered), the
 * larger of two estimates: 1.4826 x the median absolute deviation (robust to
 * one odd run) and the range over its expected value for n normal samples
 * (the MAD of 3 to 5 runs is often near 0 by chance). NAN when n is outside
 * RUN_SPREAD_MIN_RUNS..RUN_SPREAD_MAX_RUNS. */
double run_spread_sigma(double *medians, int n);

/* The interval, around a run's median with its own 95% interval [lo, hi],
 * that the next run's median falls in with 95% probability when runs differ
 * by sigma (of the logs) as estimated from runs earlier medians:
 * median x exp(+-sqrt(2) x sqrt(w^2 + (t x sigma)^2)), w the wider half of
 * [lo, hi] in logs, t Student's 97.5% quantile for runs - 1 degrees of
 * freedom (a spread from 3 runs is itself uncertain: 4.30 there, 2.26 at 10). */
void run_spread_next(double median, double lo, double hi, double sigma, int runs, double *next_lo, double *next_hi);

#endif
