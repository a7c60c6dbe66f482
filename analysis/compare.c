#include "compare.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "escape.h"
#include "mwu.h"
#include "run_spread.h"

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

/* The relative change that run-to-run variation alone can make between two
 * runs of the cell: K x sqrt(2) x the spread of its earlier medians
 * (run_spread_sigma). NAN when the history has too few runs of it. */
static double noise_margin(const struct compare_options *o, const char *name, int *nearlier)
{
	double m[COMPARE_MAX_EARLIER];
	int n = o->earlier_medians ? o->earlier_medians(o->earlier_ctx, name, m, COMPARE_MAX_EARLIER) : 0;
	*nearlier = n > 0 ? n : 0;
	double sigma = run_spread_sigma(m, n);
	return isnan(sigma) ? NAN : expm1(COMPARE_NOISE_K * sqrt(2.0) * sigma);
}

/* Do the cells' intervals leave a gap in the direction of the change? (True
 * when a file has no intervals: written before they existed.) */
static bool intervals_apart(const struct cell_view *bc, const struct cell_view *nc, double change)
{
	double bl = view_counter(bc, "ci_low"), bh = view_counter(bc, "ci_high");
	double nl = view_counter(nc, "ci_low"), nh = view_counter(nc, "ci_high");
	if (isnan(bl) || isnan(bh) || isnan(nl) || isnan(nh))
		return true;
	return change > 0 ? nl > bh : nh < bl;
}

struct cell_outcome {
	const char *verdict;
	char why[160];
	double p;
};

/* One cell: its verdict, why, and the counts it adds to. */
static void cell_verdict(const struct cell_view *bc, const struct cell_view *nc, double change,
			 const struct compare_options *o, struct compare_summary *s, struct cell_outcome *out)
{
	struct mwu t;
	mwu_test(bc->reps, (size_t)bc->nreps, nc->reps, (size_t)nc->nreps, &t);
	out->p = t.p;
	out->why[0] = 0;
	int nearlier;
	double noise = noise_margin(o, nc->name, &nearlier);
	double margin = !isnan(noise) && noise > o->threshold ? noise : o->threshold;
	if (isnan(noise))
		s->without_history++;
	bool beyond = fabs(change) > margin && t.p < o->alpha && intervals_apart(bc, nc, change);
	const char *drifted = !strcmp(bc->stability, "unstable") ? "base" : !strcmp(nc->stability, "unstable") ? "new" : NULL;
	if (beyond && drifted) {
		s->unstable++;
		out->verdict = "unstable: not judged";
		snprintf(out->why, sizeof out->why, "the %s run drifted during its repetitions (drift %+.1f%%, p %.3g); rerun it",
			 drifted, view_counter(!strcmp(drifted, "base") ? bc : nc, "drift_pct"),
			 view_counter(!strcmp(drifted, "base") ? bc : nc, "drift_p"));
		return;
	}
	if (beyond) {
		if (change > 0)
			s->regressions++;
		else
			s->improvements++;
		out->verdict = change > 0 ? "**regression**" : "improvement";
		if (!isnan(noise)) /* without it, the summary says the spread was unknown */
			snprintf(out->why, sizeof out->why, "beyond the run-to-run margin %.1f%% (%d earlier runs)",
				 margin * 100, nearlier);
		return;
	}
	/* Not significant: a verdict only when significance was reachable. */
	if (mwu_min_p((size_t)bc->nreps, (size_t)nc->nreps) >= o->alpha) {
		s->insufficient++;
		out->verdict = "insufficient data";
		return;
	}
	s->unchanged++;
	out->verdict = "no change";
	if (fabs(change) > o->threshold && !isnan(noise) && fabs(change) <= noise) {
		s->within_noise++;
		snprintf(out->why, sizeof out->why, "within the run-to-run margin %.1f%% (%d earlier runs)", noise * 100,
			 nearlier);
	} else if (fabs(change) > o->threshold && t.p < o->alpha && !intervals_apart(bc, nc, change)) {
		snprintf(out->why, sizeof out->why, "the 95%% intervals overlap");
	}
}

void compare_print_counts(FILE *out, const struct compare_summary *s, const char *drifted, const char *only)
{
	fprintf(out, "\nGeometric mean of new/base: %.4f (%+.1f%%) over %d cells; %d regressions, %d improvements, %d unchanged",
		s->geomean, (s->geomean - 1) * 100, s->cells, s->regressions, s->improvements, s->unchanged);
	if (s->insufficient)
		fprintf(out, ", %d with insufficient data", s->insufficient);
	if (s->unstable)
		fprintf(out, ", %d unstable (changed, but %s: not judged, rerun them)", s->unstable, drifted);
	if (s->only_base || s->only_new)
		fprintf(out, "; %d cells only in base, %d only in new%s", s->only_base, s->only_new, only);
	fprintf(out, ".\n");
}

void compare_print_verdict(FILE *out, const struct compare_summary *s, const char *nothing, const char *insufficient)
{
	fputc('\n', out);
	if (s->verdict == COMPARE_REGRESSION)
		fprintf(out, "**Verdict: REGRESSION**\n");
	else if (s->verdict == COMPARE_PASS)
		fprintf(out, "**Verdict: no significant regression**\n");
	else if (!s->cells)
		fprintf(out, "**Verdict: insufficient data**: %s, so nothing was compared.\n", nothing);
	else
		fprintf(out, "**Verdict: insufficient data**: %d of %d cells %s\n", s->insufficient, s->cells, insufficient);
}

static void summary(FILE *out, const struct compare_summary *s, const struct compare_options *o)
{
	compare_print_counts(out, s, "a run drifted", "");
	if (s->within_noise)
		fprintf(out, "%d cells changed by more than the threshold but within their run-to-run spread on this host.\n",
			s->within_noise);
	if (s->without_history)
		fprintf(out, "%d cells had fewer than %d earlier runs on this host in the history (--db): their run-to-run spread is unknown and only the threshold, the test and the intervals judged them.\n",
			s->without_history, COMPARE_MIN_EARLIER);
	char why[160];
	snprintf(why, sizeof why, "have too few repetitions for the test to reach alpha %g; fix: run with --repetitions %d or more.",
		 o->alpha, reps_needed(o->alpha));
	compare_print_verdict(out, s, "no cell has finished repetitions in both runs", why);
}

int compare_runs(const struct results_view *a, const struct results_view *b, const struct compare_options *o,
		 FILE *out, struct compare_summary *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	if (compare_options_check(o, err, errlen) < 0)
		return -1;
	fprintf(out, "## tlbvisor compare\n\n");
	fprintf(out, "Threshold %.1f%%, Mann-Whitney U two-sided, alpha %.3g. A cell regressed when its median grew by more than the threshold and by more than %.0f x the run-to-run spread of its earlier runs on this host (when the history has %d or more), the change is significant, the 95%% intervals of the medians do not overlap, and neither run drifted (a drifting cell is reported unstable, not judged).\n\n",
		o->threshold * 100, o->alpha, COMPARE_NOISE_K, COMPARE_MIN_EARLIER);
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
		double change = nm / bm - 1;
		struct cell_outcome v;
		cell_verdict(bc, nc, change, o, s, &v);
		s->cells++;
		log_sum += log(nm / bm);
		fputs("| ", out);
		escape_markdown(out, nc->name);
		fprintf(out, " | %.1f | %.1f | %+.1f%% | %.4f | %s%s%s |\n", bm, nm, change * 100, v.p, v.verdict,
			v.why[0] ? ": " : "", v.why);
	}
	for (int i = 0; i < a->n; i++)
		if (!results_view_find(b, a->cells[i].name))
			s->only_base++;
	s->geomean = s->cells ? exp(log_sum / s->cells) : 1.0;
	s->verdict = s->regressions ? COMPARE_REGRESSION : !s->cells || s->insufficient ? COMPARE_INSUFFICIENT : COMPARE_PASS;
	summary(out, s, o);
	return 0;
}
