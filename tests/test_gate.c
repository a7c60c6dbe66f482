/* The uncertainty a cell carries and the gate that reads it, on synthetic
 * repetitions: a known spread gives an interval that holds the true median,
 * an injected drift makes the cell unstable, and compare never calls a
 * drifting cell a regression; over paired rounds, a slowdown survives the
 * machine's swings that an unchanged build does not. Cells go the program's one way: cell_result ->
 * JSON entries -> results view -> compare. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/compare.h"
#include "analysis/compare_rounds.h"
#include "bench/results/results_json.h"
#include "bench/matrix/matrix.h"

#define NAME "chase/random/ws:64M/backend:native/host:4k"

/* A deterministic spread: x = center x (1 + spread x u), u uniform in
 * [-1, 1] from a fixed LCG, in random order (no trend). */
static void spread_reps(struct cell_result *r, int n, double center, double spread, unsigned seed)
{
	for (int i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		double u = ((seed >> 8) & 0xffff) / 32767.5 - 1;
		r->cycles[i] = center * (1 + spread * u);
	}
	r->reps = n;
}

/* A linear drift over the run from 'from' to 'to', with a small wobble. */
static void drift_reps(struct cell_result *r, int n, double from, double to)
{
	for (int i = 0; i < n; i++)
		r->cycles[i] = from + (to - from) * i / (n - 1) + (i % 2 ? 0.3 : -0.3);
	r->reps = n;
}

static void cell(struct cell_result *r)
{
	struct cell c = { .backend = BACKEND_NATIVE, .pattern = CHASE_RANDOM, .ws = 64ull << 20,
			  .host_page = HOST_PAGE_4K, .workload = WORKLOAD_CHASE };
	snprintf(c.name, sizeof c.name, NAME);
	result_init(r, &c);
	r->status = CELL_OK;
	r->tsc_hz = 2e9;
	r->steps = 1000;
	snprintf(r->effective_page, sizeof r->effective_page, "4k");
}

static void view_of(const struct cell_result *r, struct results_view *v)
{
	json_t *doc = json_pack("{s:{s:s, s:s}, s:o}", "context", "host_name", "h", "run_id", "r",
				"benchmarks", results_cell_entries(r));
	char err[512];
	cr_assert_eq(results_view_build(doc, v, err, sizeof err), 0, "%s", err);
	json_decref(doc);
}

static json_t *first_entry(const struct cell_result *r)
{
	json_t *a = results_cell_entries(r);
	json_t *e = json_incref(json_array_get(a, 0));
	json_decref(a);
	return e;
}

Test(gate, known_spread_interval_holds_the_median)
{
	static struct cell_result r;
	cell(&r);
	spread_reps(&r, 21, 100, 0.04, 7);
	json_t *e = first_entry(&r);
	double lo = json_number_value(json_object_get(e, "ci_low")), hi = json_number_value(json_object_get(e, "ci_high"));
	/* 21 repetitions: ranks 6..16, coverage 0.973 (binomial(21, 1/2)). */
	cr_assert(lo < 100 && hi > 100 && lo >= 96 && hi <= 104, "[%g, %g]", lo, hi);
	cr_assert(fabs(json_number_value(json_object_get(e, "ci_coverage")) - 0.97338) < 1e-4);
	cr_assert_str_eq(json_string_value(json_object_get(e, "stability")), "stable");
	json_decref(e);
}

Test(gate, injected_drift_is_unstable)
{
	static struct cell_result r;
	cell(&r);
	drift_reps(&r, 9, 100, 130);
	json_t *e = first_entry(&r);
	cr_assert_str_eq(json_string_value(json_object_get(e, "stability")), "unstable");
	double pct = json_number_value(json_object_get(e, "drift_pct"));
	cr_assert(pct > 25 && pct < 33, "drift %g%%", pct); /* +30 over a median of ~115 */
	cr_assert(json_number_value(json_object_get(e, "drift_p")) < 0.01);
	json_decref(e);
}

static struct compare_summary compare(const struct cell_result *a, const struct cell_result *b,
				      const struct compare_options *o, char *text, size_t len)
{
	struct results_view va, vb;
	view_of(a, &va);
	view_of(b, &vb);
	struct compare_summary s;
	char err[256];
	FILE *out = fmemopen(text, len, "w");
	cr_assert_eq(compare_runs(&va, &vb, o, out, &s, err, sizeof err), 0, "%s", err);
	fclose(out);
	results_view_free(&va);
	results_view_free(&vb);
	return s;
}

Test(gate, drifting_run_is_unstable_not_a_regression)
{
	static struct cell_result base, drifted, slower;
	static char text[8192];
	cell(&base);
	cell(&drifted);
	cell(&slower);
	spread_reps(&base, 9, 100, 0.01, 3);
	drift_reps(&drifted, 9, 100, 140); /* median 120: +20%, all in the trend */
	spread_reps(&slower, 9, 120, 0.01, 5);
	struct compare_options o = { .threshold = 0.05, .alpha = 0.05 };
	struct compare_summary s = compare(&base, &drifted, &o, text, sizeof text);
	cr_assert(s.regressions == 0 && s.unstable == 1 && s.verdict == COMPARE_PASS, "%s", text);
	cr_assert(strstr(text, "unstable: not judged: the new run drifted") && !strstr(text, "**regression**"), "%s", text);
	/* The same +20% without the drift is a regression. */
	s = compare(&base, &slower, &o, text, sizeof text);
	cr_assert(s.regressions == 1 && s.verdict == COMPARE_REGRESSION, "%s", text);
}

Test(gate, overlapping_intervals_are_no_regression)
{
	static struct cell_result base, next;
	static char text[8192];
	cell(&base);
	cell(&next);
	/* 9 repetitions each: the interval is ranks 2..8; the new run is 8%
	 * slower with medians far apart but its low tail inside base's range. */
	for (int i = 0; i < 9; i++) {
		base.cycles[i] = 100 + (i % 3);        /* 100..102 */
		next.cycles[i] = 108 + (i % 3);
	}
	base.cycles[4] = 130; /* one slow repetition: base's interval reaches 102 */
	next.cycles[4] = 101; /* one fast: new's interval starts at 108 */
	base.reps = next.reps = 9;
	struct compare_options o = { .threshold = 0.05, .alpha = 0.05 };
	struct compare_summary s = compare(&base, &next, &o, text, sizeof text);
	cr_assert(s.regressions == 1, "%s", text); /* apart: 108 > 102 */
	/* +10% and significant, but the intervals [94, 108] and [107, 113] overlap. */
	const double b[] = { 92, 94, 96, 98, 100, 102, 104, 108, 120 };
	const double n[] = { 105, 107, 108, 109, 110, 111, 112, 113, 114 };
	memcpy(base.cycles, b, sizeof b);
	memcpy(next.cycles, n, sizeof n);
	s = compare(&base, &next, &o, text, sizeof text);
	cr_assert(s.regressions == 0 && strstr(text, "+10.0%") && strstr(text, "the 95% intervals overlap"), "%s", text);
}

/* Earlier medians with a 10% run-to-run spread: 1.4826 x MAD of the logs. */
static int noisy_history(void *ctx, const char *name, double *out, int max)
{
	(void)ctx;
	cr_assert_str_eq(name, NAME);
	const double m[] = { 100, 110, 90, 105, 95, 100, 112, 88 };
	int n = max < 8 ? max : 8;
	memcpy(out, m, (size_t)n * sizeof *m);
	return n;
}

static int short_history(void *ctx, const char *name, double *out, int max)
{
	(void)ctx, (void)name, (void)max;
	out[0] = 100;
	out[1] = 101;
	return 2;
}

Test(gate, run_to_run_spread_from_the_history)
{
	static struct cell_result base, next;
	static char text[8192];
	cell(&base);
	cell(&next);
	spread_reps(&base, 9, 100, 0.01, 3);
	spread_reps(&next, 9, 125, 0.01, 5);
	/* +25% is beyond 5% and the test, but within 3 x sqrt(2) x ~7.4%. */
	struct compare_options o = { .threshold = 0.05, .alpha = 0.05, .earlier_medians = noisy_history };
	struct compare_summary s = compare(&base, &next, &o, text, sizeof text);
	cr_assert(s.regressions == 0 && s.within_noise == 1 && s.verdict == COMPARE_PASS, "%s", text);
	cr_assert(strstr(text, "within the run-to-run margin"), "%s", text);
	/* Twice as slow is beyond it. */
	spread_reps(&next, 9, 200, 0.01, 5);
	s = compare(&base, &next, &o, text, sizeof text);
	cr_assert(s.regressions == 1 && strstr(text, "beyond the run-to-run margin"), "%s", text);
	/* Two earlier runs are too few: the spread is unknown and said so. */
	spread_reps(&next, 9, 125, 0.01, 5);
	o.earlier_medians = short_history;
	s = compare(&base, &next, &o, text, sizeof text);
	cr_assert(s.regressions == 1 && s.without_history == 1 && strstr(text, "spread is unknown"), "%s", text);
}

Test(gate, sign_flip_p_is_exact)
{
	const double all_up[] = { 0.1, 0.2, 0.05, 0.3, 0.1 };
	cr_assert_float_eq(compare_sign_flip_p(all_up, 5), 1.0 / 32, 1e-12);
	/* +-1 +-2 +-3 with sum 2: only 1+2+3, -1+2+3 and 1-2+3 reach it. */
	const double mixed[] = { 1, -2, 3 };
	cr_assert_float_eq(compare_sign_flip_p(mixed, 3), 3.0 / 8, 1e-12);
	cr_assert_eq(compare_rounds_needed(0.05), 5);
	cr_assert_eq(compare_rounds_needed(0.01), 7);
}

#define ROUNDS 6
#define OTHER "chase/random/ws:16K/backend:native/host:4k"

/* A round's view: the gated cell (NAME) and an unchanged one (OTHER), both
 * scaled by the machine's state at that moment. */
static void round_view(double machine, double slowdown, bool drift, struct results_view *v)
{
	static struct cell_result gated, other;
	cell(&gated);
	cell(&other);
	snprintf(other.cell.name, sizeof other.cell.name, OTHER);
	other.cell.ws = 16ull << 10;
	if (drift)
		drift_reps(&gated, 9, 100 * machine * slowdown, 140 * machine * slowdown);
	else
		spread_reps(&gated, 9, 100 * machine * slowdown, 0.02, 11);
	spread_reps(&other, 9, 3 * machine, 0.02, 13);
	json_t *entries = results_cell_entries(&gated);
	json_t *more = results_cell_entries(&other);
	json_array_extend(entries, more);
	json_decref(more);
	json_t *doc = json_pack("{s:{s:s, s:s}, s:o}", "context", "host_name", "h", "run_id", "r", "benchmarks", entries);
	char err[512];
	cr_assert_eq(results_view_build(doc, v, err, sizeof err), 0, "%s", err);
	json_decref(doc);
}

/* Rounds whose machine swings by up to 2x from round to round, far more than
 * the change; within a round both runs see nearly the same machine (order
 * effect: the second run of a round 3% slower, alternating sides). */
static struct compare_summary rounds(int n, double slowdown, int drifting, char *text, size_t len)
{
	static const double machine[ROUNDS] = { 1.0, 1.9, 0.8, 1.4, 2.0, 1.1 };
	struct results_view base[ROUNDS], next[ROUNDS];
	for (int i = 0; i < n; i++) {
		double second = 1.03;
		round_view(machine[i] * (i % 2 ? second : 1), 1, false, &base[i]);
		round_view(machine[i] * (i % 2 ? 1 : second), slowdown, i < drifting, &next[i]);
	}
	struct compare_options o = { .threshold = 0.05, .alpha = 0.05 };
	struct compare_summary s;
	char err[256];
	FILE *out = fmemopen(text, len, "w");
	cr_assert_eq(compare_rounds(base, next, n, &o, out, &s, err, sizeof err), 0, "%s", err);
	fclose(out);
	for (int i = 0; i < n; i++) {
		results_view_free(&base[i]);
		results_view_free(&next[i]);
	}
	return s;
}

Test(gate, paired_rounds_hold_on_unchanged_code)
{
	static char text[8192];
	struct compare_summary s = rounds(ROUNDS, 1.0, 0, text, sizeof text);
	cr_assert(s.cells == 2 && s.regressions == 0 && s.verdict == COMPARE_PASS, "%s", text);
}

Test(gate, paired_rounds_catch_a_slowdown_through_the_swings)
{
	static char text[8192];
	struct compare_summary s = rounds(ROUNDS, 1.2, 0, text, sizeof text);
	cr_assert(s.regressions == 1 && s.verdict == COMPARE_REGRESSION, "%s", text);
	cr_assert(strstr(text, "| " NAME " | ") && strstr(text, "**regression**: beyond the threshold in 6 of 6 rounds"),
		  "%s", text);
	cr_assert(strstr(text, "1 regressions, 0 improvements, 1 unchanged"), "%s", text); /* OTHER did not move */
	/* A +3% change stays below the threshold. */
	s = rounds(ROUNDS, 1.03, 0, text, sizeof text);
	cr_assert(s.regressions == 0 && s.verdict == COMPARE_PASS, "%s", text);
}

Test(gate, too_few_rounds_are_insufficient_data)
{
	static char text[8192];
	struct compare_summary s = rounds(4, 1.5, 0, text, sizeof text);
	cr_assert(s.regressions == 0 && s.insufficient == 2 && s.verdict == COMPARE_INSUFFICIENT, "%s", text);
	cr_assert(strstr(text, "fix: run at least 5 rounds"), "%s", text);
}

Test(gate, paired_rounds_that_drifted_are_unstable_not_a_regression)
{
	static char text[8192];
	/* +30% in every round, but the new runs of 4 of 6 rounds drifted. */
	struct compare_summary s = rounds(ROUNDS, 1.3, 4, text, sizeof text);
	cr_assert(s.regressions == 0 && s.unstable == 1 && s.verdict == COMPARE_PASS, "%s", text);
	cr_assert(strstr(text, "unstable: not judged: 4 of 6 rounds had a run that drifted"), "%s", text);
}
