/* bench/pmu: preset events encode for forced PMU models (no hardware PMU
 * needed), and the counting path works with a software event. */
#include <criterion/criterion.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench/host/perf_counters.h"

/* Criterion runs each test in its own process, so the forced model applies
 * to a fresh libpfm4. */
static void check_preset(const char *pmu_name)
{
	setenv("LIBPFM_FORCE_PMU", pmu_name, 1);
	char err[256], detected[64];
	cr_assert_eq(pmu_init(err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(pmu_detected(detected, sizeof detected), pmu_name);
	const char *names[PMU_MAX_EVENTS];
	for (int p = 0; p < 2; p++) {
		int n = pmu_preset_events(p ? "basic" : "walk", names);
		cr_assert_geq(n, 2, "%s preset for %s", p ? "basic" : "walk", pmu_name);
		for (int i = 0; i < n; i++) {
			struct perf_event_attr attr;
			cr_assert_eq(pmu_encode(names[i], PMU_USER, &attr, err, sizeof err), 0, "%s: %s", pmu_name, err);
			cr_assert_eq(attr.type, PERF_TYPE_RAW, "%s %s is a raw hardware event", pmu_name, names[i]);
			cr_assert_neq(attr.config, 0);
			cr_assert(attr.exclude_kernel, "user mode only");
			/* The page-walk preset is made of TLB events, not generic ones. */
			if (!p)
				cr_assert(strstr(names[i], "TLB"), "%s", names[i]);
		}
	}
}

Test(pmu, skylake_presets_encode) { check_preset("skl"); }
Test(pmu, cascade_lake_presets_encode) { check_preset("clx"); }
Test(pmu, haswell_presets_encode) { check_preset("hsw"); }
Test(pmu, icelake_presets_encode) { check_preset("icl"); }
Test(pmu, sapphire_rapids_presets_encode) { check_preset("spr"); }
Test(pmu, zen2_presets_encode) { check_preset("amd64_fam17h_zen2"); }
Test(pmu, zen3_presets_encode) { check_preset("amd64_fam19h_zen3"); }
Test(pmu, zen4_presets_encode) { check_preset("amd64_fam19h_zen4"); }

Test(pmu, guest_and_host_scopes_set_the_exclude_bits)
{
	setenv("LIBPFM_FORCE_PMU", "skl", 1);
	char err[256];
	cr_assert_eq(pmu_init(err, sizeof err), 0);
	struct perf_event_attr attr;
	cr_assert_eq(pmu_encode("DTLB_LOAD_MISSES:WALK_PENDING", PMU_GUEST, &attr, err, sizeof err), 0);
	cr_assert(attr.exclude_host && !attr.exclude_guest);
	cr_assert_eq(pmu_encode("DTLB_LOAD_MISSES:WALK_PENDING", PMU_HOST, &attr, err, sizeof err), 0);
	cr_assert(attr.exclude_guest && !attr.exclude_host);
	cr_assert_eq(pmu_encode("NO_SUCH_EVENT", PMU_USER, &attr, err, sizeof err), -1);
	cr_assert(strstr(err, "cannot encode 'NO_SUCH_EVENT'"), "%s", err);
}

Test(pmu, software_page_faults_count_the_pages_touched)
{
	const char *events[] = { "perf::PERF_COUNT_SW_PAGE_FAULTS" };
	struct pmu_group g;
	pmu_open(&g, events, 1, PMU_USER);
	if (!g.open)
		cr_skip_test("perf_event_open of a software event failed here: %s", g.why);
	const size_t pages = 300;
	uint8_t *mem = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(mem, MAP_FAILED);
	madvise(mem, pages * 4096, MADV_NOHUGEPAGE);
	struct pmu_values a, b;
	cr_assert_eq(pmu_read(&g, &a), 0);
	for (size_t i = 0; i < pages; i++)
		((volatile uint8_t *)mem)[i * 4096] = 1;
	cr_assert_eq(pmu_read(&g, &b), 0);
	double d[PMU_MAX_EVENTS];
	bool mux;
	pmu_delta(&g, &a, &b, d, &mux);
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's shadow memory faults too: one shadow page per 8 pages touched. */
	cr_assert(d[0] >= pages && d[0] <= pages + pages / 8 + 8, "counted %.0f faults for %zu pages", d[0], pages);
#else
	cr_assert_eq((long)d[0], (long)pages, "counted %.0f faults for %zu pages", d[0], pages);
#endif
	cr_assert_not(mux);
	pmu_close(&g);
	munmap(mem, pages * 4096);
}

Test(pmu, absent_hardware_counters_say_why)
{
	char err[256];
	cr_assert_eq(pmu_init(err, sizeof err), 0);
	const char *names[PMU_MAX_EVENTS];
	int n = pmu_preset_events("basic", names);
	struct pmu_group g;
	pmu_open(&g, names, n, PMU_USER);
	if (g.open) {
		pmu_close(&g);
		cr_skip_test("this machine has a hardware PMU: nothing to report absent");
	}
	cr_assert(strstr(g.why, "perf_event_open") || strstr(g.why, "libpfm4"), "%s", g.why);
	cr_assert_eq(g.n, 0);
}

Test(pmu, counter_names_are_flat_keys)
{
	char out[80];
	pmu_counter_name("DTLB_LOAD_MISSES:WALK_COMPLETED_4K", out, sizeof out);
	cr_assert_str_eq(out, "dtlb_load_misses_walk_completed_4k");
	pmu_counter_name("perf::PERF_COUNT_SW_PAGE_FAULTS", out, sizeof out);
	cr_assert_str_eq(out, "perf_count_sw_page_faults");
}
