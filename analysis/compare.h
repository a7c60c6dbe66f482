/* Comparing two runs cell by cell: change of the median, Mann-Whitney U on
 * the repetitions, geometric mean, and a verdict a CI job can gate on. A
 * verdict is only given where the data can support one: too few repetitions
 * for the test to reach alpha, or no cell to compare, is "insufficient data",
 * never a pass. */
#ifndef TLBVISOR_COMPARE_H
#define TLBVISOR_COMPARE_H

#include <stdio.h>

#include "results_view.h"

struct compare_options {
	double threshold;   /* relative change that matters, e.g. 0.05 */
	double alpha;       /* significance level, e.g. 0.05 */
};

enum compare_verdict {
	COMPARE_PASS = 0,         /* no significant regression */
	COMPARE_REGRESSION,       /* at least one cell regressed significantly */
	COMPARE_INSUFFICIENT,     /* no cell to compare, or cells the test cannot judge */
};

struct compare_summary {
	int cells, regressions, improvements, unchanged, insufficient, only_base, only_new;
	double geomean;     /* geometric mean of new/base medians over common cells */
	enum compare_verdict verdict;
};

/* -1 with err when an option cannot give a verdict (alpha outside (0, 1),
 * a threshold that is not a finite number >= 0). */
int compare_options_check(const struct compare_options *o, char *err, size_t errlen);

/* Writes the Markdown comparison to out and fills s. -1 with err when the
 * options are invalid. */
int compare_runs(const struct results_view *base, const struct results_view *new_run,
		 const struct compare_options *o, FILE *out, struct compare_summary *s, char *err, size_t errlen);

#endif
