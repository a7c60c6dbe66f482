/* analysis/mwu: U statistics and two-sided p-values against scipy's
 * mannwhitneyu, recorded in tests/data/mwu_vectors.json by
 * tests/data/gen_mwu_vectors.py (exact and normal approximation, with and
 * without ties, from 1 to 64 values per sample). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "analysis/mwu.h"

#define MAX_VALUES 128

static size_t values(json_t *a, double *out)
{
	size_t i;
	json_t *v;
	cr_assert_leq(json_array_size(a), MAX_VALUES);
	json_array_foreach(a, i, v)
		out[i] = json_number_value(v);
	return json_array_size(a);
}

Test(mwu, matches_scipy_on_the_recorded_vectors)
{
	json_error_t je;
	json_t *doc = json_load_file(MWU_VECTORS, 0, &je);
	cr_assert_not_null(doc, "%s: %s", MWU_VECTORS, je.text);
	json_t *cases = json_object_get(doc, "cases");
	int exact = 0, approx = 0, tied = 0;
	size_t k;
	json_t *c;
	json_array_foreach(cases, k, c) {
		double x[MAX_VALUES], y[MAX_VALUES];
		size_t n1 = values(json_object_get(c, "x"), x), n2 = values(json_object_get(c, "y"), y);
		const char *kind = json_string_value(json_object_get(c, "kind"));
		bool want_exact = !strcmp(json_string_value(json_object_get(c, "method")), "exact");
		double u1 = json_number_value(json_object_get(c, "u1")), p = json_number_value(json_object_get(c, "p"));
		struct mwu t;
		cr_assert_eq(mwu_test(x, n1, y, n2, &t), 0);
		cr_assert_eq(t.exact, want_exact, "case %zu (%s, %zu vs %zu): exact=%d", k, kind, n1, n2, t.exact);
		cr_assert_float_eq(t.u1, u1, 1e-9, "case %zu (%s, %zu vs %zu): U1 %.3f, scipy %.3f", k, kind, n1, n2, t.u1, u1);
		cr_assert(fabs(t.p - p) <= 1e-9 * p + 1e-15, "case %zu (%s, %zu vs %zu): p %.17g, scipy %.17g",
			  k, kind, n1, n2, t.p, p);
		exact += want_exact;
		approx += !want_exact;
		tied += strstr(kind, "ties") != NULL;
	}
	/* The file holds what it claims: both methods, tied samples. */
	cr_assert_geq(exact, 20);
	cr_assert_geq(approx, 10);
	cr_assert_geq(tied, 5);
	json_decref(doc);
}

Test(mwu, identical_samples_are_no_evidence_and_empty_ones_are_refused)
{
	const double a[] = { 5, 5, 5, 5 }, b[] = { 5, 5, 5 };
	struct mwu t;
	cr_assert_eq(mwu_test(a, 4, b, 3, &t), 0);
	cr_assert_float_eq(t.u1, 6.0, 1e-12); /* every pair a tie: n1 n2 / 2 */
	cr_assert_float_eq(t.p, 1.0, 1e-12);
	cr_assert_eq(mwu_test(a, 0, b, 3, &t), -1);
	cr_assert_eq(mwu_test(a, 4, b, 0, &t), -1);
}
