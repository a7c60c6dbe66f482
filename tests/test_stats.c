/* Uncertainty of a cell's median and the drift test, against values
 * computed with scipy (scipy.stats.kendalltau, theilslopes, binom) and
 * recorded here, so the test needs no scipy at run time. */
#include <criterion/criterion.h>
#include <math.h>

#include "bench/run/stats.h"

#define CLOSE(a, b, rel) (fabs((a) - (b)) <= (rel) * fabs(b))

/* scipy.stats.binom: coverage 1 - 2 P(B <= k-1) of [x(k), x(n+1-k)]. */
Test(stats, median_interval_ranks)
{
	double x7[] = { 5, 3, 8, 9, 12, 11, 15 };
	struct median_interval ci;
	cr_assert_eq(median_interval(x7, 7, 0.95, &ci), 0);
	cr_assert(ci.low == 3 && ci.high == 15 && ci.reached);
	cr_assert(CLOSE(ci.confidence, 0.984375, 1e-9));

	double x10[] = { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3 }; /* sorted: 1 1 2 3 3 4 5 5 6 9 */
	cr_assert_eq(median_interval(x10, 10, 0.95, &ci), 0);
	cr_assert(ci.low == 1 && ci.high == 6, "[%g, %g]", ci.low, ci.high);
	cr_assert(CLOSE(ci.confidence, 0.978515625, 1e-9));

	double x40[40];
	for (int i = 0; i < 40; i++)
		x40[i] = 40 - i;
	cr_assert_eq(median_interval(x40, 40, 0.95, &ci), 0);
	cr_assert(ci.low == 14 && ci.high == 27, "[%g, %g]", ci.low, ci.high);
	cr_assert(CLOSE(ci.confidence, 0.9615226917157997, 1e-9));
	/* at 90% the interval narrows to ranks 15..26 (coverage 0.919) */
	cr_assert_eq(median_interval(x40, 40, 0.90, &ci), 0);
	cr_assert(ci.low == 15 && ci.high == 26 && CLOSE(ci.confidence, 0.9193095322480076, 1e-9));

	/* 5 samples cannot give 95%: [min, max] with its real coverage. */
	cr_assert_eq(median_interval(x7, 5, 0.95, &ci), 0);
	cr_assert(ci.low == 3 && ci.high == 12 && !ci.reached && CLOSE(ci.confidence, 0.9375, 1e-9));
	cr_assert_eq(median_interval(x7, 0, 0.95, &ci), -1);
}

/* scipy.stats.kendalltau(range(n), x) p-values (exact without ties,
 * asymptotic with them) and theilslopes(x).slope * (n-1) / median(x). */
Test(stats, drift_against_scipy)
{
	struct {
		double x[40];
		size_t n;
		long s;
		double p, relative;
	} v[] = {
		{ { 5, 3, 8, 9, 12, 11, 15 }, 7, 17, 0.010714285714285714, 1.1666666666666667 },
		{ { 3, 1, 4, 1, 5, 9, 2, 6, 5, 3 }, 10, 12, 0.2772892580884726, 0.8571428571428571 },
		{ { 2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9 }, 13, 22, 0.1685759869263701, 0.4581818181818182 },
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		struct drift d;
		cr_assert_eq(drift_test(v[i].x, v[i].n, &d), 0);
		cr_assert_eq(d.s, v[i].s, "vector %zu: S %ld", i, d.s);
		cr_assert(CLOSE(d.p, v[i].p, 1e-6), "vector %zu: p %.10g, scipy %.10g", i, d.p, v[i].p);
		cr_assert(CLOSE(d.relative, v[i].relative, 1e-9), "vector %zu: drift %.10g", i, d.relative);
	}
	double up[40];
	for (int i = 0; i < 40; i++)
		up[i] = i + 1;
	struct drift d;
	cr_assert_eq(drift_test(up, 40, &d), 0);
	cr_assert(CLOSE(d.p, 2.451234878256772e-48, 1e-6) && d.s == 780);
}

/* Steady noise is not drift; a slow climb of 10% over the run is, and the
 * verdict needs both a significant trend and a material size. */
Test(stats, drift_verdict)
{
	double steady[] = { 100.2, 99.1, 100.9, 99.6, 100.4, 99.8, 100.1, 99.3, 100.6 };
	struct drift d;
	cr_assert_eq(drift_test(steady, 9, &d), 0);
	cr_assert(!d.unstable, "p %.3g drift %.3g", d.p, d.relative);

	double climb[9];
	for (int i = 0; i < 9; i++)
		climb[i] = 100.0 * (1.0 + 0.0125 * i) + (i % 2 ? 0.3 : -0.3);
	cr_assert_eq(drift_test(climb, 9, &d), 0);
	cr_assert(d.unstable && d.relative > 0.08 && d.relative < 0.12, "p %.3g drift %.3g", d.p, d.relative);

	/* significant but tiny (0.5% over the run): not unstable */
	double tiny[9];
	for (int i = 0; i < 9; i++)
		tiny[i] = 100.0 + 0.0625 * i;
	cr_assert_eq(drift_test(tiny, 9, &d), 0);
	cr_assert(d.p < DRIFT_ALPHA && !d.unstable);
	cr_assert_eq(drift_test(tiny, 2, &d), -1);
}

#include "workloads/refclock.h"

/* The reference chain does the work it claims (its sum proves every add
 * ran) and gives a ratio; its value depends on the machine, so only its
 * sign is a property. */
Test(refclock, chain_runs)
{
	uint64_t sum = 0;
	refclock_run(100, 3, &sum);
	cr_assert_eq(sum, 100ull * REFCLOCK_CHAIN * 3);
	cr_assert(refclock_ratio_ppm() > 0);
}
