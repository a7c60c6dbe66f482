#include "compare_rounds.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "escape.h"

int compare_rounds_needed(double alpha)
{
	int n = 1;
	while (n < COMPARE_ROUNDS_MAX && ldexp(1.0, -n) >= alpha)
		n++;
	return n;
}

double compare_sign_flip_p(const double *e, int n)
{
	double observed = 0;
	for (int i = 0; i < n; i++)
		observed += e[i];
	/* Ties count as at least as extreme; a tolerance keeps the observed
	 * pattern itself from being lost to rounding. */
	double tol = 1e-12 * (1 + fabs(observed));
	unsigned long hits = 0, patterns = 1ul << n;
	for (unsigned long m = 0; m < patterns; m++) {
		double sum = 0;
		for (int i = 0; i < n; i++)
			sum += (m >> i & 1) ? -fabs(e[i]) : fabs(e[i]);
		hits += sum >= observed - tol;
	}
	return (double)hits / (double)patterns;
}

static const char *rounds_word(int n)
{
	return n == 1 ? "round" : "rounds";
}

static double cell_value(const struct cell_view *c)
{
	return isnan(c->median) ? c->reps[0] : c->median;
}

static bool usable(const struct cell_view *c)
{
	return c && !strcmp(c->status, "ok") && c->nreps > 0;
}

/* One cell over its rounds: what the table row and the counts need. */
struct round_cell {
	int n, drifted;
	double d[COMPARE_ROUNDS_MAX];   /* log(new / base) per round */
	double base[COMPARE_ROUNDS_MAX], next[COMPARE_ROUNDS_MAX];
};

static void gather(const struct results_view *base, const struct results_view *new_run, int rounds, const char *name,
		   struct round_cell *rc)
{
	memset(rc, 0, sizeof *rc);
	for (int i = 0; i < rounds; i++) {
		const struct cell_view *bc = results_view_find(&base[i], name);
		const struct cell_view *nc = results_view_find(&new_run[i], name);
		if (!usable(bc) || !usable(nc))
			continue;
		rc->base[rc->n] = cell_value(bc);
		rc->next[rc->n] = cell_value(nc);
		rc->d[rc->n] = log(rc->next[rc->n] / rc->base[rc->n]);
		rc->drifted += !strcmp(bc->stability, "unstable") || !strcmp(nc->stability, "unstable");
		rc->n++;
	}
}

/* The verdict of one cell: p is the test in the direction of its change. */
static const char *judge(const struct round_cell *rc, double mean, const struct compare_options *o,
			 struct compare_summary *s, double *p, char *why, size_t whylen)
{
	double e[COMPARE_ROUNDS_MAX], margin = log1p(o->threshold), sign = mean >= 0 ? 1 : -1;
	int beyond = 0;
	for (int i = 0; i < rc->n; i++) {
		e[i] = sign * rc->d[i] - margin;
		beyond += e[i] > 0;
	}
	*p = compare_sign_flip_p(e, rc->n);
	why[0] = 0;
	if (rc->n < compare_rounds_needed(o->alpha)) {
		s->insufficient++;
		snprintf(why, whylen, "%d %s; the test needs %d to reach alpha %g", rc->n, rounds_word(rc->n),
			 compare_rounds_needed(o->alpha), o->alpha);
		return "insufficient data";
	}
	if (*p >= o->alpha) {
		s->unchanged++;
		if (fabs(expm1(mean)) > o->threshold) {
			s->within_noise++;
			snprintf(why, whylen, "beyond the threshold in %d of %d %s", beyond, rc->n, rounds_word(rc->n));
		}
		return "no change";
	}
	/* A change most of whose rounds had a drifting run is not judged. */
	if (2 * rc->drifted > rc->n) {
		s->unstable++;
		snprintf(why, whylen, "%d of %d %s had a run that drifted during its repetitions; rerun them",
			 rc->drifted, rc->n, rounds_word(rc->n));
		return "unstable: not judged";
	}
	if (sign > 0)
		s->regressions++;
	else
		s->improvements++;
	snprintf(why, whylen, "beyond the threshold in %d of %d %s%s", beyond, rc->n, rounds_word(rc->n),
		 rc->drifted ? " (some drifted)" : "");
	return sign > 0 ? "**regression**" : "improvement";
}

static void summary(FILE *out, const struct compare_summary *s, const struct compare_options *o, int rounds)
{
	compare_print_counts(out, s, "most rounds drifted", " (first round)");
	if (s->within_noise)
		fprintf(out, "%d cells moved by more than the threshold on average, but not consistently over the rounds.\n",
			s->within_noise);
	char why[160];
	snprintf(why, sizeof why, "have fewer than %d rounds with both runs finished (%d given); fix: run at least %d rounds.",
		 compare_rounds_needed(o->alpha), rounds, compare_rounds_needed(o->alpha));
	compare_print_verdict(out, s, "no cell has finished repetitions in both runs of any round", why);
}

int compare_rounds(const struct results_view *base, const struct results_view *new_run, int rounds,
		   const struct compare_options *o, FILE *out, struct compare_summary *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	if (compare_options_check(o, err, errlen) < 0)
		return -1;
	if (rounds < 1 || rounds > COMPARE_ROUNDS_MAX) {
		snprintf(err, errlen, "%d rounds: give between 1 and %d pairs of BASE and NEW", rounds, COMPARE_ROUNDS_MAX);
		return -1;
	}
	fprintf(out, "## tlbvisor compare: %d paired %s\n\n", rounds, rounds_word(rounds));
	fprintf(out, "Threshold %.1f%%, alpha %.3g. Each round ran BASE and NEW back to back, so the machine's slow swings cancel in their ratio. A cell regressed when log(new/base) over its rounds lies beyond log(1 + threshold) by an exact one-sided sign-flip permutation test (p < alpha; %d rounds are the fewest that can reach it), and most of its rounds did not drift. Cycles are medians over the rounds; the change is the geometric mean of the rounds' ratios.\n\n",
		o->threshold * 100, o->alpha, compare_rounds_needed(o->alpha));
	fprintf(out, "| cell | base cycles | new cycles | change | p-value | verdict |\n|---|---:|---:|---:|---:|---|\n");
	double log_sum = 0;
	for (int i = 0; i < new_run[0].n; i++) {
		const struct cell_view *nc = &new_run[0].cells[i];
		if (!results_view_find(&base[0], nc->name)) {
			s->only_new++;
			continue;
		}
		struct round_cell rc;
		gather(base, new_run, rounds, nc->name, &rc);
		if (!rc.n)
			continue;
		double mean = 0;
		for (int r = 0; r < rc.n; r++)
			mean += rc.d[r] / rc.n;
		double p;
		char why[160];
		const char *verdict = judge(&rc, mean, o, s, &p, why, sizeof why);
		s->cells++;
		log_sum += mean;
		fputs("| ", out);
		escape_markdown(out, nc->name);
		fprintf(out, " | %.1f | %.1f | %+.1f%% | %.4f | %s%s%s |\n", run_spread_median(rc.base, rc.n), run_spread_median(rc.next, rc.n),
			expm1(mean) * 100, p, verdict, why[0] ? ": " : "", why);
	}
	for (int i = 0; i < base[0].n; i++)
		if (!results_view_find(&new_run[0], base[0].cells[i].name))
			s->only_base++;
	s->geomean = s->cells ? exp(log_sum / s->cells) : 1.0;
	s->verdict = s->regressions ? COMPARE_REGRESSION : !s->cells || s->insufficient ? COMPARE_INSUFFICIENT : COMPARE_PASS;
	summary(out, s, o, rounds);
	return 0;
}
