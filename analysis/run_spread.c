#include "run_spread.h"

#include <math.h>

double run_spread_median(double *x, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && x[j - 1] > x[j]; j--) {
			double t = x[j];
			x[j] = x[j - 1];
			x[j - 1] = t;
		}
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

/* Expected range of n samples of a standard normal (d2 of control
 * charts), for n = 0..RUN_SPREAD_MAX_RUNS. */
static const double normal_range[RUN_SPREAD_MAX_RUNS + 1] = { 0, 0, 1.128, 1.693, 2.059, 2.326,
							      2.534, 2.704, 2.847, 2.970, 3.078 };

double run_spread_sigma(double *m, int n)
{
	if (n < RUN_SPREAD_MIN_RUNS || n > RUN_SPREAD_MAX_RUNS)
		return NAN;
	double dev[RUN_SPREAD_MAX_RUNS];
	for (int i = 0; i < n; i++)
		m[i] = log(m[i]);
	double center = run_spread_median(m, n);
	for (int i = 0; i < n; i++)
		dev[i] = fabs(m[i] - center);
	double sigma = 1.4826 * run_spread_median(dev, n);
	double by_range = (m[n - 1] - m[0]) / normal_range[n]; /* m is sorted by run_spread_median */
	return by_range > sigma ? by_range : sigma;
}

/* Student's t, 97.5% quantile, for 0..RUN_SPREAD_MAX_RUNS - 1 degrees of freedom. */
static const double student_975[RUN_SPREAD_MAX_RUNS] = { 0, 12.706, 4.303, 3.182, 2.776,
							 2.571, 2.447, 2.365, 2.306, 2.262 };

void run_spread_next(double median, double lo, double hi, double sigma, int runs, double *next_lo, double *next_hi)
{
	double w = fmax(log(median / lo), log(hi / median));
	double t = runs >= 2 && runs <= RUN_SPREAD_MAX_RUNS ? student_975[runs - 1] : 1.96;
	double half = sqrt(2.0) * sqrt(w * w + (t * sigma) * (t * sigma));
	*next_lo = median * exp(-half);
	*next_hi = median * exp(half);
}
