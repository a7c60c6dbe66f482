/* Comparing two runs cell by cell: change of the median, Mann-Whitney U on
 * the repetitions, geometric mean, and a verdict a CI job can gate on. */
#ifndef TLBVISOR_COMPARE_H
#define TLBVISOR_COMPARE_H

#include <jansson.h>
#include <stdio.h>

struct compare_options {
	double threshold;   /* relative change that matters, e.g. 0.05 */
	double alpha;       /* significance level, e.g. 0.05 */
};

struct compare_summary {
	int cells, regressions, improvements, unchanged, only_base, only_new;
	double geomean;     /* geometric mean of new/base medians over common cells */
};

/* Writes the Markdown comparison to out. Returns 0, -1 with err when a
 * document is not a results file. */
int compare_runs(json_t *base, json_t *new_doc, const struct compare_options *o, FILE *out,
		 struct compare_summary *s, char *err, size_t errlen);

#endif
