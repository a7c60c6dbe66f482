#include "bench/run/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double *sorted_copy(const double *x, size_t n)
{
	double *s = malloc(n * sizeof *s);
	if (!s)
		return NULL;
	memcpy(s, x, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	return s;
}

static double median_of_sorted(const double *s, size_t n)
{
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

int summarize(const double *x, size_t n, struct summary *s)
{
	memset(s, 0, sizeof *s);
	if (n == 0)
		return -1;
	double *sorted = sorted_copy(x, n);
	if (!sorted)
		return -1;
	s->n = n;
	s->min = sorted[0];
	s->max = sorted[n - 1];
	s->median = median_of_sorted(sorted, n);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	s->mean = sum / (double)n;
	double ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - s->mean) * (x[i] - s->mean);
	s->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
	s->cv = s->mean != 0 ? s->stddev / s->mean : 0.0;
	free(sorted);
	return 0;
}

/* P(B <= k) for B ~ binomial(n, 1/2), in logs so n = 64 stays exact enough. */
static double binom_half_cdf(size_t n, size_t k)
{
	double sum = 0;
	for (size_t i = 0; i <= k; i++)
		sum += exp(lgamma((double)n + 1) - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) -
			   (double)n * log(2.0));
	return sum;
}

int median_interval(const double *x, size_t n, double level, struct median_interval *ci)
{
	memset(ci, 0, sizeof *ci);
	if (n == 0)
		return -1;
	double *s = sorted_copy(x, n);
	if (!s)
		return -1;
	/* [x(k), x(n+1-k)] (1-based) covers the median with probability
	 * 1 - 2 P(B <= k-1). Widest first: k = 1 is [min, max]. */
	size_t best = 1;
	for (size_t k = 2; k <= (n + 1) / 2; k++) {
		if (1.0 - 2.0 * binom_half_cdf(n, k - 1) < level)
			break;
		best = k;
	}
	ci->low = s[best - 1];
	ci->high = s[n - best];
	ci->confidence = n == 1 ? 0 : 1.0 - 2.0 * binom_half_cdf(n, best - 1);
	ci->reached = ci->confidence >= level;
	free(s);
	return 0;
}

/* Number of permutations of n items with each count of inversions (the
 * Mahonian numbers), as doubles: S = n(n-1)/2 - 2 * inversions. */
static double *inversion_counts(size_t n, size_t *len)
{
	size_t max = n * (n - 1) / 2;
	double *c = calloc(max + 1, sizeof *c), *next = calloc(max + 1, sizeof *next);
	if (!c || !next) {
		free(c);
		free(next);
		return NULL;
	}
	c[0] = 1;
	for (size_t m = 2; m <= n; m++) {
		size_t top = m * (m - 1) / 2;
		for (size_t k = 0; k <= top; k++) {
			double v = 0;
			for (size_t j = 0; j < m && j <= k; j++)
				v += c[k - j];
			next[k] = v;
		}
		memcpy(c, next, (top + 1) * sizeof *c);
	}
	free(next);
	*len = max + 1;
	return c;
}

static int sign(double v)
{
	return (v > 0) - (v < 0);
}

int drift_test(const double *x, size_t n, struct drift *d)
{
	memset(d, 0, sizeof *d);
	if (n < 3)
		return -1;
	long s = 0;
	size_t npairs = n * (n - 1) / 2, np = 0;
	double *slopes = malloc(npairs * sizeof *slopes);
	if (!slopes)
		return -1;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			s += sign(x[j] - x[i]);
			slopes[np++] = (x[j] - x[i]) / (double)(j - i);
		}
	d->s = s;

	/* Ties: groups of equal values shrink the variance of S. */
	double *sorted = sorted_copy(x, n);
	if (!sorted) {
		free(slopes);
		return -1;
	}
	double tie_term = 0;
	bool ties = false;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && sorted[j] == sorted[i])
			j++;
		double t = (double)(j - i);
		if (t > 1) {
			ties = true;
			tie_term += t * (t - 1) * (2 * t + 5);
		}
		i = j;
	}
	double med = median_of_sorted(sorted, n);
	free(sorted);

	if (!ties && n <= 64) {
		size_t len;
		double *counts = inversion_counts(n, &len);
		if (!counts) {
			free(slopes);
			return -1;
		}
		/* Two-sided: P(|S'| >= |S|); S' = max - 2 inv. */
		double total = 0, tail = 0;
		long max = (long)(n * (n - 1) / 2);
		for (size_t k = 0; k < len; k++) {
			long sk = max - 2 * (long)k;
			total += counts[k];
			if (labs(sk) >= labs(s))
				tail += counts[k];
		}
		d->p = tail / total;
		free(counts);
	} else {
		double var = ((double)n * (double)(n - 1) * (2.0 * (double)n + 5) - tie_term) / 18.0;
		double z = var > 0 ? (double)s / sqrt(var) : 0;
		d->p = var > 0 ? erfc(fabs(z) / sqrt(2.0)) : 1.0;
	}

	qsort(slopes, npairs, sizeof *slopes, cmp_double);
	double slope = median_of_sorted(slopes, npairs);
	free(slopes);
	d->relative = med != 0 ? slope * (double)(n - 1) / med : 0;
	d->unstable = d->p < DRIFT_ALPHA && fabs(d->relative) >= DRIFT_MIN_RELATIVE;
	return 0;
}
