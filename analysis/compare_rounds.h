/* Comparing two builds over paired rounds: round i holds a run of BASE and a
 * run of NEW made back to back (the runner alternates which goes first), so
 * a slow spell of a shared machine lands on both runs of a round and
 * cancels in their ratio. A cell regressed when, over its rounds, the log of
 * new/base lies beyond log(1 + threshold) by an exact one-sided sign-flip
 * permutation test at alpha: with 5 rounds that needs every round to have
 * slowed by more than the threshold. Too few rounds for the test to reach
 * alpha is "insufficient data", never a pass. */
#ifndef TLBVISOR_COMPARE_ROUNDS_H
#define TLBVISOR_COMPARE_ROUNDS_H

#include <stdio.h>

#include "compare.h"

#define COMPARE_ROUNDS_MAX 16   /* 2^16 sign patterns: an exact test stays instant */

/* Rounds each cell needs before the test can reach alpha (2^-n < alpha). */
int compare_rounds_needed(double alpha);

/* base[i] and new_run[i] are round i, for i < rounds. Writes the Markdown
 * comparison to out and fills s; -1 with err when the options are invalid
 * or rounds is outside 1..COMPARE_ROUNDS_MAX. o's history is not used: the
 * rounds carry their own replication. */
int compare_rounds(const struct results_view *base, const struct results_view *new_run, int rounds,
		   const struct compare_options *o, FILE *out, struct compare_summary *s, char *err, size_t errlen);

/* The exact one-sided p of sum(e) under random signs: the fraction of the
 * 2^n sign patterns whose sum of +-|e_i| is at least sum(e). */
double compare_sign_flip_p(const double *e, int n);

#endif
