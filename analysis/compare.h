/* Comparing two runs cell by cell: change of the median, Mann-Whitney U on
 * the repetitions, the cells' 95% intervals, the run-to-run spread from the
 * history, geometric mean, and a verdict a CI job can gate on. A cell
 * regressed when its median grew by more than the threshold and more than
 * K x the run-to-run spread, the change is significant (p < alpha), the
 * intervals do not overlap, and neither run drifted; a cell that would have
 * regressed but drifted is reported "unstable", never a regression. A
 * verdict is only given where the data can support one: too few repetitions
 * for the test to reach alpha, or no cell to compare, is "insufficient data",
 * never a pass. */
#ifndef TLBVISOR_COMPARE_H
#define TLBVISOR_COMPARE_H

#include <stdio.h>

#include "results_view.h"
#include "run_spread.h"

/* How far a cell's median moves from run to run on this host, from the
 * medians of its earlier runs (the history): the within-run repetitions
 * cannot show it, and on a shared machine it dominates. */
#define COMPARE_MAX_EARLIER RUN_SPREAD_MAX_RUNS
#define COMPARE_MIN_EARLIER RUN_SPREAD_MIN_RUNS /* fewer earlier runs: the run-to-run spread is unknown */
#define COMPARE_NOISE_K 3.0     /* a change must exceed K x the spread of a difference of two runs */

struct compare_options {
	double threshold;   /* relative change that matters, e.g. 0.05 */
	double alpha;       /* significance level, e.g. 0.05 */
	/* Optional (NULL: no history): the cell's medians in earlier runs on
	 * the same host, not the two compared; returns how many (<= max). */
	int (*earlier_medians)(void *ctx, const char *name, double *out, int max);
	void *earlier_ctx;
};

enum compare_verdict {
	COMPARE_PASS = 0,         /* no significant regression */
	COMPARE_REGRESSION,       /* at least one cell regressed significantly */
	COMPARE_INSUFFICIENT,     /* no cell to compare, or cells the test cannot judge */
};

struct compare_summary {
	int cells, regressions, improvements, unchanged, insufficient, only_base, only_new;
	int unstable;       /* changed beyond the margin, but a side drifted during its run: not judged */
	int within_noise;   /* changed beyond the threshold, within the run-to-run spread (among unchanged) */
	int without_history; /* cells judged with no run-to-run spread known */
	double geomean;     /* geometric mean of new/base medians over common cells */
	enum compare_verdict verdict;
};

/* -1 with err when an option cannot give a verdict (alpha outside (0, 1),
 * a threshold that is not a finite number >= 0). */
int compare_options_check(const struct compare_options *o, char *err, size_t errlen);

/* Writes the Markdown comparison to out and fills s. -1 with err when the
 * options are invalid. */
/* The closing lines both gates print: the counts ('drifted' says why
 * unstable cells were not judged, 'only' qualifies the cells only in one
 * side), then the verdict ('nothing': why no cell was compared;
 * 'insufficient': what the cells the test could not judge lack, and the fix). */
void compare_print_counts(FILE *out, const struct compare_summary *s, const char *drifted, const char *only);
void compare_print_verdict(FILE *out, const struct compare_summary *s, const char *nothing, const char *insufficient);

int compare_runs(const struct results_view *base, const struct results_view *new_run,
		 const struct compare_options *o, FILE *out, struct compare_summary *s, char *err, size_t errlen);

#endif
