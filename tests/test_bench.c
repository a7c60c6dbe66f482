/* bench/: statistics, value syntax, matrix expansion and the results writer. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/run/matrix.h"
#include "bench/run/run_config.h"
#include "bench/cli/args.h"
#include "lib/units.h"
#include "bench/run/cell_result.h"
#include "bench/host/host_caps.h"
#include "bench/results/results_csv.h"
#include "bench/results/results_json.h"
#include "bench/results/results_read.h"
#include "bench/run/stats.h"

Test(stats, known_values)
{
	const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	struct summary s;
	cr_assert_eq(summarize(x, 8, &s), 0);
	cr_assert_float_eq(s.mean, 5.0, 1e-12);
	cr_assert_float_eq(s.median, 4.5, 1e-12);
	cr_assert_float_eq(s.min, 2.0, 1e-12);
	cr_assert_float_eq(s.max, 9.0, 1e-12);
	cr_assert_float_eq(s.stddev, sqrt(32.0 / 7.0), 1e-12); /* sample stddev */
	cr_assert_float_eq(s.cv, sqrt(32.0 / 7.0) / 5.0, 1e-12);
	const double odd[] = { 9, 1, 5 };
	cr_assert_eq(summarize(odd, 3, &s), 0);
	cr_assert_float_eq(s.median, 5.0, 1e-12);
	cr_assert_eq(summarize(odd, 0, &s), -1);
	cr_assert_eq(summarize(odd, 1, &s), 0);
	cr_assert_float_eq(s.stddev, 0.0, 1e-12);
}

Test(parse, sizes)
{
	uint64_t v;
	cr_assert_eq(parse_size("16k", &v), 0); cr_assert_eq(v, 16384);
	cr_assert_eq(parse_size("512M", &v), 0); cr_assert_eq(v, 512ull << 20);
	cr_assert_eq(parse_size("1g", &v), 0); cr_assert_eq(v, 1ull << 30);
	cr_assert_eq(parse_size("4096", &v), 0); cr_assert_eq(v, 4096);
	cr_assert_eq(parse_size("2MiB", &v), 0); cr_assert_eq(v, 2ull << 20);
	const char *bad[] = { "", "k", "12x", "-1", "1.5m", "0", "99999999999999999999", "64mm", "m64" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		cr_assert_eq(parse_size(bad[i], &v), -1, "'%s' accepted", bad[i]);
	char buf[32];
	format_size(512ull << 20, buf, sizeof buf); cr_assert_str_eq(buf, "512M");
	format_size(16384, buf, sizeof buf); cr_assert_str_eq(buf, "16K");
	format_size(1000, buf, sizeof buf); cr_assert_str_eq(buf, "1000B");
}

Test(parse, seconds_and_lists)
{
	double s;
	cr_assert_eq(parse_seconds("0.5", &s), 0); cr_assert_float_eq(s, 0.5, 1e-12);
	cr_assert_eq(parse_seconds("50ms", &s), 0); cr_assert_float_eq(s, 0.05, 1e-12);
	cr_assert_eq(parse_seconds("2s", &s), 0); cr_assert_float_eq(s, 2.0, 1e-12);
	cr_assert_eq(parse_seconds("fast", &s), -1);
	cr_assert_eq(parse_seconds("-1", &s), -1);
	char l1[] = "a,b,c", l2[] = "a,,b", l3[] = "a,", l4[] = "";
	char *items[4];
	cr_assert_eq(split_list(l1, items, 4), 3);
	cr_assert_str_eq(items[2], "c");
	cr_assert_eq(split_list(l2, items, 4), -1);
	cr_assert_eq(split_list(l3, items, 4), -1);
	cr_assert_eq(split_list(l4, items, 4), -1);
}

Test(matrix, presets_and_expansion)
{
	struct matrix m;
	struct run_config cfg;
	cr_assert_eq(run_preset("nope", &m, &cfg), -1);
	cr_assert_eq(run_preset("quick", &m, &cfg), 0);
	cr_assert_eq(cfg.repetitions, 7);
	int n = matrix_expand(&m, NULL, 0);
	/* native: 2 host pages x 4 ws; kvm: 2 guest x 2 host x 4 ws */
	cr_assert_eq(n, 8 + 16);
	struct cell cells[64];
	matrix_expand(&m, cells, 64);
	cr_assert_str_eq(cells[0].name, "chase/random/ws:16K/backend:native/host:4k");
	cr_assert_str_eq(cells[n - 1].name, "chase/random/ws:512M/backend:kvm/guest:2m/host:2m");
	cr_assert_eq(run_preset("default", &m, &cfg), 0);
	cr_assert_eq(m.ws[0], 4096);
	cr_assert_eq(m.ws[m.nws - 1], 1ull << 30);
}

/* tlbvisor's hypervisor tags the guest TLB with VPID (VMX) or ASID (SVM):
 * its cells say tlb-tag; kvm switches kvm_intel's VPID: its cells say vpid. */
Test(matrix, tagged_tlb_named_for_the_backend)
{
	struct cell c = { .backend = BACKEND_QEMU, .ws = 1 << 20, .host_page = HOST_PAGE_2M, .guest_page = 4096,
			  .vpid = false, .vpid_set = true, .ept_levels = 5 };
	cell_name(&c);
	cr_assert_str_eq(c.name, "chase/random/ws:1M/backend:qemu/guest:4k/host:2m/tlb-tag:off/ept-levels:5");
	c.backend = BACKEND_BAREMETAL;
	c.vpid = true;
	cell_name(&c);
	cr_assert_str_eq(c.name, "chase/random/ws:1M/backend:baremetal/guest:4k/host:2m/tlb-tag:on/ept-levels:5");
	c.backend = BACKEND_KVM;
	c.ept_levels = 0;
	cell_name(&c);
	cr_assert_str_eq(c.name, "chase/random/ws:1M/backend:kvm/guest:4k/host:2m/vpid:on");
}

static struct cell_result sample_ok(void)
{
	struct cell c = { .backend = BACKEND_KVM, .ws = 512ull << 20, .pattern = CHASE_RANDOM,
			  .host_page = HOST_PAGE_4K, .guest_page = 2ull << 20 };
	cell_name(&c);
	struct cell_result r;
	result_init(&r, &c);
	r.status = CELL_OK;
	r.tsc_hz = 2e9;
	r.reps = 3;
	r.steps = 1000;
	r.cycles[0] = 100; r.cycles[1] = 110; r.cycles[2] = 120;
	strcpy(r.effective_page, "4k");
	r.page_mismatch = true;
	strcpy(r.mismatch_reason, "requested 2m leaves, effective 4k: splintered, \"really\"");
	result_counter(&r, "measure_exits", 7);
	return r;
}

Test(results, json_round_trip_in_google_benchmark_schema)
{
	struct cell_result rs[2];
	rs[0] = sample_ok();
	struct cell c2 = { .backend = BACKEND_KVM, .ws = 1 << 20, .host_page = HOST_PAGE_1G,
			   .guest_page = 1ull << 30 };
	cell_name(&c2);
	result_init(&rs[1], &c2);
	result_skip(&rs[1], "guest 1G pages unavailable: because");
	struct matrix m;
	struct run_config cfg;
	run_preset("quick", &m, &cfg);
	struct host_caps h = { .tsc_hz = 2e9 };
	struct run_info run = { .version = "test", .command_line = "tlbvisor run", .cells_total = 2, .cfg = &cfg,
				.host = &h };
	char path[] = "/tmp/tlbvisor-test-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	char err[256];
	cr_assert_eq(results_write_json(path, &run, rs, 2, err, sizeof err), 0, "%s", err);
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	cr_assert_not_null(doc, "output is not JSON: %s", je.text);
	cr_assert(json_is_object(json_object_get(doc, "context")));
	cr_assert_float_eq(json_real_value(json_object_get(json_object_get(doc, "context"), "tsc_hz")), 2e9, 1);
	json_t *list = json_object_get(doc, "benchmarks");
	/* 3 iterations + mean, median, stddev, min, cv + 1 skipped entry */
	cr_assert_eq(json_array_size(list), 3 + 5 + 1);
	json_t *first = json_array_get(list, 0);
	cr_assert_str_eq(json_string_value(json_object_get(first, "run_type")), "iteration");
	cr_assert_str_eq(json_string_value(json_object_get(first, "time_unit")), "ns");
	cr_assert_float_eq(json_number_value(json_object_get(first, "cycles_per_access")), 100, 1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(first, "real_time")), 50, 1e-9);
	cr_assert_float_eq(json_number_value(json_object_get(first, "measure_exits")), 7, 1e-9);
	cr_assert(json_is_true(json_object_get(first, "page_size_flagged")));
	int found_median = 0, found_cv = 0;
	size_t i;
	json_t *b;
	json_array_foreach(list, i, b) {
		const char *agg = json_string_value(json_object_get(b, "aggregate_name"));
		if (agg && !strcmp(agg, "median")) {
			found_median = 1;
			cr_assert_float_eq(json_number_value(json_object_get(b, "cycles_per_access")), 110, 1e-9);
			cr_assert_str_eq(json_string_value(json_object_get(b, "run_type")), "aggregate");
		}
		if (agg && !strcmp(agg, "cv")) {
			found_cv = 1;
			cr_assert_float_eq(json_number_value(json_object_get(b, "real_time")), 10.0 / 110.0, 1e-9);
		}
	}
	cr_assert(found_median && found_cv);
	json_t *skipped = json_array_get(list, json_array_size(list) - 1);
	cr_assert_str_eq(json_string_value(json_object_get(skipped, "status")), "skipped");
	cr_assert(json_is_true(json_object_get(skipped, "error_occurred")));
	cr_assert_str_eq(json_string_value(json_object_get(skipped, "error_message")),
			 "guest 1G pages unavailable: because");
	json_decref(doc);

	cr_assert_eq(results_write_csv(path, rs, 2, err, sizeof err), 0);
	FILE *f = fopen(path, "r");
	char line[1024];
	cr_assert(fgets(line, sizeof line, f));
	cr_assert(strstr(line, "median_cycles"));
	cr_assert(fgets(line, sizeof line, f));
	cr_assert(strstr(line, ",110.000,"), "%s", line);
	cr_assert(strstr(line, "\"\"really\"\""), "quotes are doubled: %s", line);
	fclose(f);
	unlink(path);
}

Test(results, unwritable_path_is_a_clear_error)
{
	struct matrix m;
	struct run_config cfg;
	run_preset("quick", &m, &cfg);
	struct host_caps h = { .tsc_hz = 1e9 };
	struct run_info run = { .version = "test", .command_line = "x", .cfg = &cfg, .host = &h };
	char err[512];
	cr_assert_eq(results_write_json("/nonexistent-dir/x.json", &run, NULL, 0, err, sizeof err), -1);
	cr_assert(strstr(err, "cannot write"), "%s", err);
}

/* What the results JSON holds of a cell reads back as the same struct:
 * --resume and import carry cells as structs, not as JSON. */
Test(results, cells_read_back_as_the_structs_they_were_written_from)
{
	struct cell_result rs[2];
	rs[0] = sample_ok();
	struct cell c2 = { .index = 1, .backend = BACKEND_BOCHS, .ws = 1 << 20, .host_page = HOST_PAGE_2M,
			   .guest_page = 4096, .vpid = true, .vpid_set = true, .ept_levels = 5 };
	cell_name(&c2);
	result_init(&rs[1], &c2);
	result_skip(&rs[1], "5-level EPT not offered");
	json_t *list = json_array();
	for (int i = 0; i < 2; i++) {
		json_t *entries = results_cell_entries(&rs[i]);
		json_array_extend(list, entries);
		json_decref(entries);
	}
	struct cell_result *back;
	int n;
	char err[256];
	cr_assert_eq(results_read_cells(list, 2e9, &back, &n, err, sizeof err), 0, "%s", err);
	cr_assert_eq(n, 2);
	for (int i = 0; i < 2; i++) {
		cr_assert_str_eq(back[i].cell.name, rs[i].cell.name);
		cr_assert_eq(back[i].cell.backend, rs[i].cell.backend);
		cr_assert_eq(back[i].cell.ws, rs[i].cell.ws);
		cr_assert_eq(back[i].cell.host_page, rs[i].cell.host_page);
		cr_assert_eq(back[i].cell.guest_page, rs[i].cell.guest_page);
		cr_assert_eq(back[i].status, rs[i].status);
		cr_assert_str_eq(back[i].reason, rs[i].reason);
	}
	cr_assert_eq(back[1].cell.ept_levels, 5);
	cr_assert(back[1].cell.vpid && back[1].cell.vpid_set);
	cr_assert_eq(back[0].reps, 3);
	for (int k = 0; k < 3; k++)
		cr_assert_float_eq(back[0].cycles[k], rs[0].cycles[k], 1e-9);
	cr_assert_float_eq(back[0].tsc_hz, 2e9, 1);
	cr_assert_eq(back[0].steps, rs[0].steps);
	cr_assert_str_eq(back[0].effective_page, "4k");
	cr_assert(back[0].page_mismatch);
	cr_assert_str_eq(back[0].mismatch_reason, rs[0].mismatch_reason);
	cr_assert_eq(back[0].ncounters, rs[0].ncounters);
	cr_assert_str_eq(back[0].counters[0].name, "measure_exits");
	/* Written again, the entries are the same entries (times to the
	 * last bits of a double: the TSC rate is read back from them). */
	for (int i = 0; i < 2; i++) {
		json_t *a = results_cell_entries(&rs[i]), *b = results_cell_entries(&back[i]);
		cr_assert_eq(json_array_size(a), json_array_size(b));
		for (size_t e = 0; e < json_array_size(a); e++) {
			json_t *x = json_array_get(a, e), *y = json_array_get(b, e);
			cr_assert_eq(json_object_size(x), json_object_size(y));
			const char *key;
			json_t *v;
			json_object_foreach(x, key, v) {
				json_t *w = json_object_get(y, key);
				if (json_is_number(v))
					cr_assert_float_eq(json_number_value(v), json_number_value(w),
							   1e-12 * fabs(json_number_value(v)) + 1e-12, "cell %d %s", i, key);
				else
					cr_assert(json_equal(v, w), "cell %d entry %zu: %s differs", i, e, key);
			}
		}
		json_decref(a);
		json_decref(b);
	}
	free(back);
	json_decref(list);
	/* An entry of another program is refused with what it is. */
	json_t *foreign = json_loads("[{\"name\":\"BM_x\",\"run_type\":\"iteration\"}]", 0, NULL);
	cr_assert_eq(results_read_cells(foreign, 1e9, &back, &n, err, sizeof err), -1);
	cr_assert(strstr(err, "not a tlbvisor cell"), "%s", err);
	json_decref(foreign);
}
