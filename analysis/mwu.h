/* Mann-Whitney U test (two-sided): exact distribution for small samples
 * without ties, normal approximation with tie and continuity correction
 * otherwise (as scipy.stats.mannwhitneyu does). */
#ifndef TLBVISOR_MWU_H
#define TLBVISOR_MWU_H

#include <stddef.h>

struct mwu {
	double u1;      /* U statistic of the first sample */
	double p;       /* two-sided p-value */
	int exact;      /* 1 when the exact distribution was used */
};

/* Returns -1 when either sample is empty. */
int mwu_test(const double *x, size_t n1, const double *y, size_t n2, struct mwu *out);
/* The smallest p-value the test can give with samples of these sizes (the
 * two samples fully separated): at or above alpha, no difference can ever be
 * significant. 1 when a sample is empty. */
double mwu_min_p(size_t n1, size_t n2);

#endif
