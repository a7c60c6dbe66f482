#include "compare.h"

#include <math.h>
#include <string.h>

#include "escape.h"
#include "mwu.h"

int compare_options_check(const struct compare_options *o, char *err, size_t errlen)
{
	if (!isfinite(o->alpha) || o->alpha <= 0 || o->alpha >= 1) {
		snprintf(err, errlen, "alpha %g is not a level between 0 and 1", o->alpha);
		return -1;
	}
	if (!isfinite(o->threshold) || o->threshold < 0) {
		snprintf(err, errlen, "threshold %g is not a finite fraction >= 0", o->threshold);
		return -1;
	}
	return 0;
}

/* Repetitions each run needs before the test can reach alpha at all. */
static int reps_needed(double alpha)
{
	for (int n = 2; n <= 64; n++)
		if (mwu_min_p((size_t)n, (size_t)n) < alpha)
			return n;
	return 64;
}

/* One cell: its verdict and the counts it adds to. */
static const char *cell_verdict(const struct cell_view *bc, const struct cell_view *nc, double change,
				const struct compare_options *o, struct compare_summary *s, double *p)
{
	struct mwu t;
	mwu_test(bc->reps, (size_t)bc->nreps, nc->reps, (size_t)nc->nreps, &t);
	*p = t.p;
	if (t.p < o->alpha && change > o->threshold) {
		s->regressions++;
		return "**regression**";
	}
	if (t.p < o->alpha && change < -o->threshold) {
		s->improvements++;
		return "improvement";
	}
	/* Not significant: a verdict only when significance was reachable. */
	if (mwu_min_p((size_t)bc->nreps, (size_t)nc->nreps) >= o->alpha) {
		s->insufficient++;
		return "insufficient data";
	}
	s->unchanged++;
	return "no change";
}

static void summary(FILE *out, const struct compare_summary *s, const struct compare_options *o)
{
	fprintf(out, "\nGeometric mean of new/base: %.4f (%+.1f%%) over %d cells; %d regressions, %d improvements, %d unchanged",
		s->geomean, (s->geomean - 1) * 100, s->cells, s->regressions, s->improvements, s->unchanged);
	if (s->insufficient)
		fprintf(out, ", %d with insufficient data", s->insufficient);
	if (s->only_base || s->only_new)
		fprintf(out, "; %d cells only in base, %d only in new", s->only_base, s->only_new);
	fprintf(out, ".\n\n");
	if (s->verdict == COMPARE_REGRESSION)
		fprintf(out, "**Verdict: REGRESSION**\n");
	else if (s->verdict == COMPARE_PASS)
		fprintf(out, "**Verdict: no significant regression**\n");
	else if (!s->cells)
		fprintf(out, "**Verdict: insufficient data**: no cell has finished repetitions in both runs, so nothing was compared.\n");
	else
		fprintf(out, "**Verdict: insufficient data**: %d of %d cells have too few repetitions for the test to reach alpha %g; fix: run with --repetitions %d or more.\n",
			s->insufficient, s->cells, o->alpha, reps_needed(o->alpha));
}

int compare_runs(const struct results_view *a, const struct results_view *b, const struct compare_options *o,
		 FILE *out, struct compare_summary *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	if (compare_options_check(o, err, errlen) < 0)
		return -1;
	fprintf(out, "## tlbvisor compare\n\n");
	fprintf(out, "Threshold %.1f%%, Mann-Whitney U two-sided, alpha %.3g. A cell regressed when its median grew by more than the threshold and the change is significant.\n\n",
		o->threshold * 100, o->alpha);
	fprintf(out, "| cell | base cycles | new cycles | change | p-value | verdict |\n|---|---:|---:|---:|---:|---|\n");
	double log_sum = 0;
	for (int i = 0; i < b->n; i++) {
		const struct cell_view *nc = &b->cells[i];
		const struct cell_view *bc = results_view_find(a, nc->name);
		if (!bc) {
			s->only_new++;
			continue;
		}
		if (strcmp(bc->status, "ok") || strcmp(nc->status, "ok") || !bc->nreps || !nc->nreps)
			continue;
		/* Imported values are finite and positive (results_check). */
		double bm = isnan(bc->median) ? bc->reps[0] : bc->median;
		double nm = isnan(nc->median) ? nc->reps[0] : nc->median;
		double change = nm / bm - 1, p;
		const char *verdict = cell_verdict(bc, nc, change, o, s, &p);
		s->cells++;
		log_sum += log(nm / bm);
		fputs("| ", out);
		escape_markdown(out, nc->name);
		fprintf(out, " | %.1f | %.1f | %+.1f%% | %.4f | %s |\n", bm, nm, change * 100, p, verdict);
	}
	for (int i = 0; i < a->n; i++)
		if (!results_view_find(b, a->cells[i].name))
			s->only_base++;
	s->geomean = s->cells ? exp(log_sum / s->cells) : 1.0;
	s->verdict = s->regressions ? COMPARE_REGRESSION : !s->cells || s->insufficient ? COMPARE_INSUFFICIENT : COMPARE_PASS;
	summary(out, s, o);
	return 0;
}
