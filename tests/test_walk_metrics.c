/* analysis/walk_metrics: the derived page-walk metrics from per-access PMU
 * counts, as a results file carries them. The counts are recorded values of
 * the shapes each PMU gives (Skylake guest-only counts under kvm, Ice Lake
 * natively, Zen natively, the own hypervisor's architectural dtlb_walks);
 * these machines have no hardware PMU, so they are written down, each chosen
 * so the expected metric is exact. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>

#include "analysis/results_view.h"
#include "analysis/walk_metrics.h"

/* A one-cell results document whose median entry carries counters (a JSON
 * object text of "key": value pairs). */
static void view_of(const char *backend, const char *counters, struct results_view *v)
{
	char text[2048];
	snprintf(text, sizeof text,
		 "{\"context\": {}, \"benchmarks\": [{\"name\": \"chase/random/ws:64M/backend:%s\", "
		 "\"run_name\": \"chase/random/ws:64M/backend:%s\", \"run_type\": \"aggregate\", \"aggregate_name\": \"median\", "
		 "\"status\": \"ok\", \"backend\": \"%s\", \"pattern\": \"random\", \"guest_page\": \"4k\", \"host_page\": \"4k\", "
		 "\"ws\": \"64M\", \"ws_bytes\": 67108864, \"iterations\": 1000, \"real_time\": 1.0, \"cpu_time\": 1.0, "
		 "\"time_unit\": \"ns\", \"cycles_per_access\": 300.0, \"ns_per_access\": 100.0, %s}]}",
		 backend, backend, backend, counters);
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);
	cr_assert(doc, "%s", je.text);
	char err[256];
	cr_assert_eq(results_view_build(doc, v, err, sizeof err), 0, "%s", err);
	json_decref(doc);
	cr_assert_eq(v->n, 1);
}

Test(walk_metrics, intel_skylake_guest_walk_cycles_per_walk_with_ept_part)
{
	struct results_view v;
	/* 0.75 + 0.25 + 0 completed walks per access; 48 pending cycles; 20 in EPT. */
	view_of("kvm", "\"pmu_guest_dtlb_load_misses_walk_completed_4k_per_access\": 0.75, "
		       "\"pmu_guest_dtlb_load_misses_walk_completed_2m_4m_per_access\": 0.25, "
		       "\"pmu_guest_dtlb_load_misses_walk_completed_1g_per_access\": 0.0, "
		       "\"pmu_guest_dtlb_load_misses_walk_pending_per_access\": 48.0, "
		       "\"pmu_guest_ept_walk_pending_per_access\": 20.0, "
		       "\"pmu_host_dtlb_load_misses_walk_pending_per_access\": 999.0", &v);
	struct walk_metrics m;
	cr_assert(walk_metrics_compute(&v.cells[0], &m));
	cr_assert_str_eq(m.scope, "guest", "guest-only counts are preferred under kvm");
	cr_assert_float_eq(m.walk_cycles_per_walk, 48.0, 1e-12);
	cr_assert_float_eq(m.ept_walk_cycles_per_walk, 20.0, 1e-12);
	cr_assert(isnan(m.walk_active_fraction), "no WALK_ACTIVE counted");
	cr_assert(isnan(m.walks_per_access));
	results_view_free(&v);
}

Test(walk_metrics, intel_icelake_native_walk_active_fraction)
{
	struct results_view v;
	/* WALK_COMPLETED total present: used over the per-size sum. */
	view_of("native", "\"pmu_dtlb_load_misses_walk_completed_per_access\": 0.5, "
			  "\"pmu_dtlb_load_misses_walk_completed_4k_per_access\": 0.1, "
			  "\"pmu_dtlb_load_misses_walk_pending_per_access\": 17.5, "
			  "\"pmu_dtlb_load_misses_walk_active_per_access\": 30.0, "
			  "\"pmu_unhalted_core_cycles_per_access\": 120.0", &v);
	struct walk_metrics m;
	cr_assert(walk_metrics_compute(&v.cells[0], &m));
	cr_assert_str_eq(m.scope, "");
	cr_assert_float_eq(m.walk_cycles_per_walk, 35.0, 1e-12);
	cr_assert_float_eq(m.walk_active_fraction, 0.25, 1e-12);
	cr_assert(isnan(m.ept_walk_cycles_per_walk));
	results_view_free(&v);
}

Test(walk_metrics, intel_haswell_walk_duration_stands_for_pending)
{
	struct results_view v;
	view_of("native", "\"pmu_dtlb_load_misses_walk_completed_4k_per_access\": 0.8, "
			  "\"pmu_dtlb_load_misses_walk_duration_per_access\": 24.0", &v);
	struct walk_metrics m;
	cr_assert(walk_metrics_compute(&v.cells[0], &m));
	cr_assert_float_eq(m.walk_cycles_per_walk, 30.0, 1e-12);
	results_view_free(&v);
}

Test(walk_metrics, amd_walks_per_access_sums_the_l2_dtlb_misses)
{
	struct results_view v;
	/* L2 hits are not walks: left out. */
	view_of("native", "\"pmu_l1_dtlb_miss_tlb_reload_4k_l2_miss_per_access\": 0.5, "
			  "\"pmu_l1_dtlb_miss_tlb_reload_2m_l2_miss_per_access\": 0.125, "
			  "\"pmu_l1_dtlb_miss_tlb_reload_1g_l2_miss_per_access\": 0.0, "
			  "\"pmu_l1_dtlb_miss_tlb_reload_4k_l2_hit_per_access\": 0.25", &v);
	struct walk_metrics m;
	cr_assert(walk_metrics_compute(&v.cells[0], &m));
	cr_assert_float_eq(m.walks_per_access, 0.625, 1e-12);
	cr_assert(isnan(m.walk_cycles_per_walk));
	results_view_free(&v);
}

Test(walk_metrics, own_hypervisor_dtlb_walks)
{
	struct results_view v;
	view_of("qemu", "\"pmu_dtlb_walks_per_access\": 0.9, \"pmu_cycles_per_access\": 400.0", &v);
	struct walk_metrics m;
	cr_assert(walk_metrics_compute(&v.cells[0], &m));
	cr_assert_float_eq(m.walks_per_access, 0.9, 1e-12);
	results_view_free(&v);
}

Test(walk_metrics, nothing_counted_nothing_derived)
{
	struct results_view v;
	/* Zero completed walks: no division by zero, no metric. */
	view_of("native", "\"pmu_status\": \"no hardware PMU\", "
			  "\"pmu_dtlb_load_misses_walk_completed_4k_per_access\": 0.0, "
			  "\"pmu_dtlb_load_misses_walk_pending_per_access\": 5.0", &v);
	struct walk_metrics m;
	cr_assert_not(walk_metrics_compute(&v.cells[0], &m));
	cr_assert(isnan(m.walk_cycles_per_walk) && isnan(m.walks_per_access) && isnan(m.walk_active_fraction));
	results_view_free(&v);
}
