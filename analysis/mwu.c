#include "mwu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct obs {
	double v;
	int group;
};

static int cmp_obs(const void *a, const void *b)
{
	double x = ((const struct obs *)a)->v, y = ((const struct obs *)b)->v;
	return (x > y) - (x < y);
}

#define EXACT_MAX 20

/* Number of arrangements of n1 x's and n2 y's whose U (for x) is <= u. */
static double count_le(int n1, int n2, int u, double memo[EXACT_MAX + 1][EXACT_MAX + 1][EXACT_MAX * EXACT_MAX + 1])
{
	if (u < 0)
		return 0;
	if (n1 == 0 || n2 == 0)
		return 1;
	if (u > n1 * n2)
		u = n1 * n2;
	if (memo[n1][n2][u] >= 0)
		return memo[n1][n2][u];
	/* The largest observation is an x (adds n2 to U) or a y (adds 0). */
	double c = count_le(n1 - 1, n2, u - n2, memo) + count_le(n1, n2 - 1, u, memo);
	memo[n1][n2][u] = c;
	return c;
}

int mwu_test(const double *x, size_t n1, const double *y, size_t n2, struct mwu *out)
{
	memset(out, 0, sizeof *out);
	if (!n1 || !n2)
		return -1;
	size_t n = n1 + n2;
	struct obs *o = malloc(n * sizeof *o);
	if (!o)
		return -1;
	for (size_t i = 0; i < n1; i++)
		o[i] = (struct obs){ x[i], 0 };
	for (size_t i = 0; i < n2; i++)
		o[n1 + i] = (struct obs){ y[i], 1 };
	qsort(o, n, sizeof *o, cmp_obs);
	/* Mid-ranks for ties; the tie term for the variance. */
	double r1 = 0, tie_term = 0;
	int ties = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j + 1 < n && o[j + 1].v == o[i].v)
			j++;
		double rank = (double)(i + j) / 2.0 + 1.0;
		double t = (double)(j - i + 1);
		if (t > 1) {
			ties = 1;
			tie_term += t * t * t - t;
		}
		for (size_t k = i; k <= j; k++)
			if (o[k].group == 0)
				r1 += rank;
		i = j + 1;
	}
	free(o);
	double a = (double)n1, b = (double)n2;
	out->u1 = r1 - a * (a + 1) / 2.0;
	double u_min = fmin(out->u1, a * b - out->u1);
	if (!ties && n1 <= EXACT_MAX && n2 <= EXACT_MAX) {
		/* count_le(i, j, u) depends on nothing else: filled once, shared by
		 * every test (comparing many cells stays linear). */
		static double memo[EXACT_MAX + 1][EXACT_MAX + 1][EXACT_MAX * EXACT_MAX + 1];
		static int memo_ready;
		if (!memo_ready) {
			for (size_t i = 0; i <= EXACT_MAX; i++)
				for (size_t j = 0; j <= EXACT_MAX; j++)
					for (size_t u = 0; u <= EXACT_MAX * EXACT_MAX; u++)
						memo[i][j][u] = -1;
			memo_ready = 1;
		}
		double total = 1;
		for (size_t i = 1; i <= n1; i++)
			total = total * (double)(n2 + i) / (double)i; /* C(n1+n2, n1) */
		double p = 2.0 * count_le((int)n1, (int)n2, (int)floor(u_min), memo) / total;
		out->p = p > 1 ? 1 : p;
		out->exact = 1;
		return 0;
	}
	double mu = a * b / 2.0;
	double sigma = sqrt(a * b / 12.0 * ((double)n + 1.0 - tie_term / ((double)n * ((double)n - 1.0))));
	if (sigma == 0) {
		out->p = 1.0;
		return 0;
	}
	double z = (fabs(out->u1 - mu) - 0.5) / sigma;
	if (z < 0)
		z = 0;
	out->p = erfc(z / sqrt(2.0));
	return 0;
}

double mwu_min_p(size_t n1, size_t n2)
{
	if (!n1 || !n2)
		return 1;
	if (n1 > 64 || n2 > 64)
		return 0; /* far below any sensible alpha */
	static double cache[65][65];
	if (cache[n1][n2] == 0) {
		double x[64], y[64];
		for (size_t i = 0; i < n1; i++)
			x[i] = (double)i;
		for (size_t i = 0; i < n2; i++)
			y[i] = (double)(n1 + i);
		struct mwu t;
		mwu_test(x, n1, y, n2, &t);
		cache[n1][n2] = t.p;
	}
	return cache[n1][n2];
}
