/* bench/pmu/perf_counters: preset events encode for forced PMU models (no hardware PMU
 * needed), and the counting path works with a software event. */
#include <criterion/criterion.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench/backends/hypervisor/serial_log.h"
#include "bench/pmu/perf_counters.h"

/* The presets by value: event names and their raw encodings
 * (EventSel | UMask << 8 | CMask << 24), written from the vendors' event
 * tables (Intel SDM Vol. 3B chapter 20 and Intel's perfmon event lists; AMD
 * PPRs for families 17h and 19h: PMCx045 L1 DTLB miss, PMCx076 cycles,
 * PMCx0C0 instructions), not from libpfm4. */
struct preset_case {
	const char *pmu;
	const char *walk[PMU_MAX_EVENTS];
	uint64_t walk_config[PMU_MAX_EVENTS];
	const char *basic[2];
	uint64_t basic_config[2];
};

#define INTEL_BASIC { "UNHALTED_CORE_CYCLES", "INSTRUCTION_RETIRED" }, { 0x3c, 0xc0 }
#define HSW_WALK { "DTLB_LOAD_MISSES:MISS_CAUSES_A_WALK", "DTLB_LOAD_MISSES:WALK_COMPLETED_4K", \
		   "DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M", "DTLB_LOAD_MISSES:WALK_DURATION", "DTLB_LOAD_MISSES:STLB_HIT" }, \
		 { 0x0108, 0x0208, 0x0408, 0x1008, 0x6008 }
#define SKL_WALK { "DTLB_LOAD_MISSES:MISS_CAUSES_A_WALK", "DTLB_LOAD_MISSES:WALK_COMPLETED_4K", \
		   "DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M", "DTLB_LOAD_MISSES:WALK_COMPLETED_1G", \
		   "DTLB_LOAD_MISSES:WALK_PENDING", "DTLB_LOAD_MISSES:STLB_HIT" }, \
		 { 0x0108, 0x0208, 0x0408, 0x0808, 0x1008, 0x2008 }
#define ICL_WALK { "DTLB_LOAD_MISSES:WALK_COMPLETED_4K", "DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M", \
		   "DTLB_LOAD_MISSES:WALK_ACTIVE", "DTLB_LOAD_MISSES:WALK_PENDING", "DTLB_LOAD_MISSES:STLB_HIT" }, \
		 { 0x0208, 0x0408, 0x01001008, 0x1008, 0x2008 }
/* Golden Cove moved DTLB_LOAD_MISSES to event 12H. */
#define SPR_WALK { "DTLB_LOAD_MISSES:WALK_COMPLETED_4K", "DTLB_LOAD_MISSES:WALK_COMPLETED_2M_4M", \
		   "DTLB_LOAD_MISSES:WALK_COMPLETED_1G", "DTLB_LOAD_MISSES:WALK_PENDING", "DTLB_LOAD_MISSES:STLB_HIT" }, \
		 { 0x0212, 0x0412, 0x0812, 0x1012, 0x2012 }
#define ZEN_WALK { "L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS", "L1_DTLB_MISS:TLB_RELOAD_2M_L2_MISS", \
		   "L1_DTLB_MISS:TLB_RELOAD_1G_L2_MISS", "L1_DTLB_MISS:TLB_RELOAD_4K_L2_HIT", \
		   "L1_DTLB_MISS:TLB_RELOAD_2M_L2_HIT" }, \
		 { 0x1045, 0x4045, 0x8045, 0x0145, 0x0445 }
#define ZEN_BASIC { "CYCLES_NOT_IN_HALT", "RETIRED_INSTRUCTIONS" }, { 0x76, 0xc0 }

static const struct preset_case preset_cases[] = {
	{ "hsw", HSW_WALK, INTEL_BASIC }, { "hsw_ep", HSW_WALK, INTEL_BASIC },
	{ "bdw", HSW_WALK, INTEL_BASIC }, { "bdw_ep", HSW_WALK, INTEL_BASIC },
	{ "skl", SKL_WALK, INTEL_BASIC }, { "skx", SKL_WALK, INTEL_BASIC }, { "clx", SKL_WALK, INTEL_BASIC },
	{ "icl", ICL_WALK, INTEL_BASIC }, { "icx", ICL_WALK, INTEL_BASIC },
	{ "spr", SPR_WALK, INTEL_BASIC },
	{ "amd64_fam17h_zen2", ZEN_WALK, ZEN_BASIC }, { "amd64_fam19h_zen3", ZEN_WALK, ZEN_BASIC },
	{ "amd64_fam19h_zen4", ZEN_WALK, ZEN_BASIC },
};

static void check_list(const char *pmu, const char *preset, const char *const *want, const uint64_t *config)
{
	const char *names[PMU_MAX_EVENTS];
	int want_n = 0;
	while (want_n < PMU_MAX_EVENTS && want[want_n])
		want_n++;
	int n = pmu_preset_events(preset, names);
	cr_assert_eq(n, want_n, "%s %s preset: %d events, want %d", pmu, preset, n, want_n);
	for (int i = 0; i < n; i++) {
		cr_assert_str_eq(names[i], want[i], "%s %s preset, event %d", pmu, preset, i);
		struct perf_event_attr attr;
		char err[256];
		cr_assert_eq(pmu_encode(names[i], PMU_USER, &attr, err, sizeof err), 0, "%s: %s", pmu, err);
		cr_assert_eq(attr.type, PERF_TYPE_RAW, "%s %s", pmu, names[i]);
		cr_assert_eq(attr.config, config[i], "%s %s: config 0x%llx, want 0x%llx", pmu, names[i],
			     (unsigned long long)attr.config, (unsigned long long)config[i]);
		cr_assert(attr.exclude_kernel && !attr.exclude_user, "%s %s: user mode only", pmu, names[i]);
	}
}

/* Criterion runs each test in its own process, so the forced model applies
 * to a fresh libpfm4. */
static void check_preset(const char *pmu_name)
{
	setenv("LIBPFM_FORCE_PMU", pmu_name, 1);
	char err[256], detected[64];
	cr_assert_eq(pmu_init(err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(pmu_detected(detected, sizeof detected), pmu_name);
	const struct preset_case *c = NULL;
	for (size_t i = 0; i < sizeof preset_cases / sizeof *preset_cases; i++)
		if (!strcmp(preset_cases[i].pmu, pmu_name))
			c = &preset_cases[i];
	cr_assert_not_null(c);
	check_list(pmu_name, "walk", c->walk, c->walk_config);
	const char *basic[PMU_MAX_EVENTS] = { c->basic[0], c->basic[1] };
	check_list(pmu_name, "basic", basic, c->basic_config);
	const char *names[PMU_MAX_EVENTS];
	cr_assert_eq(pmu_preset_events("fast", names), -1, "an unknown preset is refused");
}

Test(pmu, haswell_presets_encode) { check_preset("hsw"); }
Test(pmu, haswell_ep_presets_encode) { check_preset("hsw_ep"); }
Test(pmu, broadwell_presets_encode) { check_preset("bdw"); }
Test(pmu, broadwell_ep_presets_encode) { check_preset("bdw_ep"); }
Test(pmu, skylake_presets_encode) { check_preset("skl"); }
Test(pmu, skylake_x_presets_encode) { check_preset("skx"); }
Test(pmu, cascade_lake_presets_encode) { check_preset("clx"); }
Test(pmu, icelake_presets_encode) { check_preset("icl"); }
Test(pmu, icelake_x_presets_encode) { check_preset("icx"); }
Test(pmu, sapphire_rapids_presets_encode) { check_preset("spr"); }
Test(pmu, zen2_presets_encode) { check_preset("amd64_fam17h_zen2"); }
Test(pmu, zen3_presets_encode) { check_preset("amd64_fam19h_zen3"); }
Test(pmu, zen4_presets_encode) { check_preset("amd64_fam19h_zen4"); }

/* A core PMU without a preset (Silvermont) gets perf's generic events. */
Test(pmu, a_model_without_a_preset_gets_the_generic_events)
{
	setenv("LIBPFM_FORCE_PMU", "slm", 1);
	char err[256], detected[64];
	cr_assert_eq(pmu_init(err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(pmu_detected(detected, sizeof detected), "slm");
	const char *names[PMU_MAX_EVENTS];
	cr_assert_eq(pmu_preset_events("walk", names), 2);
	cr_assert_str_eq(names[0], "perf::DTLB-LOAD-MISSES");
	cr_assert_str_eq(names[1], "perf::DTLB-LOADS");
	cr_assert_eq(pmu_preset_events("basic", names), 2);
	cr_assert_str_eq(names[0], "perf::PERF_COUNT_HW_CPU_CYCLES");
	cr_assert_str_eq(names[1], "perf::PERF_COUNT_HW_INSTRUCTIONS");
}

/* The generic events encode as perf's generic types (a forced model hides
 * libpfm4's perf PMU, so this runs unforced): include/uapi/linux/perf_event.h. */
Test(pmu, generic_events_encode_as_perf_generic_types)
{
	unsetenv("LIBPFM_FORCE_PMU");
	char err[256];
	cr_assert_eq(pmu_init(err, sizeof err), 0, "%s", err);
	static const struct { const char *name; uint32_t type; uint64_t config; } want[] = {
		{ "perf::DTLB-LOAD-MISSES", PERF_TYPE_HW_CACHE,
		  PERF_COUNT_HW_CACHE_DTLB | PERF_COUNT_HW_CACHE_OP_READ << 8 | PERF_COUNT_HW_CACHE_RESULT_MISS << 16 },
		{ "perf::DTLB-LOADS", PERF_TYPE_HW_CACHE,
		  PERF_COUNT_HW_CACHE_DTLB | PERF_COUNT_HW_CACHE_OP_READ << 8 | PERF_COUNT_HW_CACHE_RESULT_ACCESS << 16 },
		{ "perf::PERF_COUNT_HW_CPU_CYCLES", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
		{ "perf::PERF_COUNT_HW_INSTRUCTIONS", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		struct perf_event_attr attr;
		cr_assert_eq(pmu_encode(want[i].name, PMU_USER, &attr, err, sizeof err), 0, "%s", err);
		cr_assert_eq(attr.type, want[i].type, "%s", want[i].name);
		cr_assert_eq(attr.config, want[i].config, "%s: 0x%llx", want[i].name, (unsigned long long)attr.config);
	}
}

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
		cr_skip_test("perf_event_open of a software event failed here: %s; fix: run as root or lower /proc/sys/kernel/perf_event_paranoid", g.why);
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
		cr_skip_test("this machine has a hardware PMU, so the message for an absent one cannot be produced; fix: none needed, it runs on machines without a PMU");
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

static double counter(const struct cell_result *r, const char *name)
{
	for (int i = 0; i < r->ncounters; i++)
		if (!strcmp(r->counters[i].name, name))
			return r->counters[i].value;
	cr_assert_fail("no counter %s", name);
	return NAN;
}

/* What the hypervisor recorded (counts over the measured phase) and what is
 * derived from it: per access = count / (accesses per repetition x
 * repetitions); cycles per access = (TSC cycles - timer overhead) / accesses. */
Test(pmu, derived_metrics_from_the_hypervisors_recorded_counts)
{
	json_error_t je;
	json_t *line = json_loads("{\"cell\":3,\"status\":\"ok\",\"ws\":1048576,\"pattern\":\"random\",\"guest_page\":\"4k\","
				  "\"ept_page\":\"2m\",\"ept_levels\":4,\"vpid\":\"on\",\"elements\":256,\"steps\":1000,"
				  "\"timer_overhead\":5,\"warmup_passes\":2,\"warmup_stable\":true,"
				  "\"rep_cycles\":[100005,110005,120005],\"io_commands\":5,\"tick_exits\":0,\"timer_exits\":0,"
				  "\"exits\":{\"io_instruction\":5,\"cpuid\":2},\"build_exits\":1,\"warmup_exits\":2,"
				  "\"measure_exits\":3,\"ept_leaf\":\"2m\",\"ept_walk_refs\":3,\"pmu_status\":\"ok\","
				  "\"pmu\":{\"instructions_retired\":9000,\"dtlb_load_misses_walk_completed_4k\":1500}}",
				  0, &je);
	cr_assert_not_null(line, "%s", je.text);
	struct cell c;
	cr_assert_eq(serial_line_to_cell(line, BACKEND_BOCHS, &c), 0);
	cr_assert_str_eq(c.name, "chase/random/ws:1M/backend:bochs/guest:4k/host:2m/tlb-tag:on/ept-levels:4");
	struct cell_result r;
	result_init(&r, &c);
	serial_line_to_result(line, 2e9, &r);
	cr_assert_eq(r.status, CELL_OK, "%s", r.reason);
	cr_assert_eq(r.reps, 3);
	cr_assert_float_eq(r.cycles[0], 100.0, 1e-12);
	cr_assert_float_eq(r.cycles[2], 120.0, 1e-12);
	cr_assert_float_eq(counter(&r, "pmu_measure_instructions_retired"), 9000, 1e-9);
	cr_assert_float_eq(counter(&r, "pmu_instructions_retired_per_access"), 3.0, 1e-12);
	cr_assert_float_eq(counter(&r, "pmu_dtlb_load_misses_walk_completed_4k_per_access"), 0.5, 1e-12);
	cr_assert_float_eq(counter(&r, "exit_io_instruction"), 5, 1e-12);
	cr_assert_float_eq(counter(&r, "exit_cpuid"), 2, 1e-12);
	cr_assert_float_eq(counter(&r, "measure_exits"), 3, 1e-12);
	cr_assert_float_eq(counter(&r, "ept_walk_refs"), 3, 1e-12);
	cr_assert_str_eq(r.effective_page, "2m");
	cr_assert_not(r.page_mismatch);
	cr_assert_str_eq(r.pmu_status, "ok");
	json_decref(line);
}
