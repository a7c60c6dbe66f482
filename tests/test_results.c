/* bench/results: the results JSON and CSV written from the structs, and
 * read back into them (--resume, import). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cli/matrix_file.h"
#include "bench/host/host_caps.h"
#include "bench/results/results_csv.h"
#include "bench/results/results_json.h"
#include "bench/results/results_read.h"
#include "analysis/results_view.h"
#include "bench/run/cell_result.h"
#include "bench/matrix/matrix.h"
#include "bench/matrix/run_config.h"

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

/* The results JSON of cells rs[0..n) of a quick run at 2 GHz, written to a
 * new file made from the template path. */
static void write_results_json(char *path, const struct cell_result *rs, int n)
{
	struct matrix m;
	struct run_config cfg;
	run_preset("quick", &m, &cfg);
	struct host_caps h = { .tsc_hz = 2e9 };
	struct run_info run = { .version = "test", .command_line = "tlbvisor run", .cells_total = n, .cfg = &cfg,
				.host = &h };
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	char err[256];
	cr_assert_eq(results_write_json(path, &run, rs, n, err, sizeof err), 0, "%s", err);
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
	char path[] = "/tmp/tlbvisor-test-XXXXXX";
	write_results_json(path, rs, 2);
	char err[256];
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
	json_t *foreign = json_loads("[{\"name\":\"BM_x\",\"run_type\":\"iteration\",\"cycles_per_access\":1.5}]", 0, NULL);
	cr_assert_eq(results_read_cells(foreign, 1e9, &back, &n, err, sizeof err), -1);
	cr_assert(strstr(err, "not a tlbvisor cell"), "%s", err);
	json_decref(foreign);
}

static void csv_lines(const char *path, char lines[][1024], int max, int *n)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	*n = 0;
	while (*n < max && fgets(lines[*n], 1024, f))
		(*n)++;
	fclose(f);
}

/* The CSV's columns, a measured row, a skipped row, and the same cells
 * resumed (written to the results JSON, read back by --resume into the
 * matrix's cells): identical rows, the run-to-run spread learned from the
 * history included. */
Test(results, csv_columns_and_resumed_rows)
{
	struct cell_result rs[2];
	rs[0] = sample_ok();
	rs[0].warmup_passes = 3;
	rs[0].run_spread = 0.05;
	rs[0].run_spread_runs = 4;
	struct cell c2 = { .index = 1, .backend = BACKEND_NATIVE, .ws = 1 << 20, .host_page = HOST_PAGE_2M };
	cell_name(&c2);
	result_init(&rs[1], &c2);
	result_skip(&rs[1], "hugetlb 2M pages not reserved: need 1 free, have 0; fix: echo 1 | sudo tee /proc/sys/vm/nr_hugepages");
	char path[] = "/tmp/tlbvisor-csv-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	char err[256];
	cr_assert_eq(results_write_csv(path, rs, 2, err, sizeof err), 0, "%s", err);
	char fresh[3][1024], resumed[3][1024];
	int n;
	csv_lines(path, fresh, 3, &n);
	cr_assert_eq(n, 3);
	cr_assert_str_eq(fresh[0], "name,backend,pattern,ws_bytes,guest_page,host_page,status,reps,median_cycles,"
				   "median_ns,mean_cycles,stddev_cycles,cv,min_cycles,effective_page,page_size_flagged,"
				   "warmup_passes,ci_low,ci_high,ci_coverage,stability,drift_pct,drift_p,core_per_tsc,"
				   "core_cycles_per_access,clock_moved_reps,steal_ticks,wall_seconds,next_low,next_high,"
				   "run_spread,next_runs,reason\n");
	/* 100, 110, 120 cycles at 2 GHz: median 110 = 55 ns, stddev 10, cv 10/110. */
	cr_assert_str_eq(fresh[1], "chase/random/ws:512M/backend:kvm/guest:2m/host:4k,kvm,random,536870912,2m,4k,ok,3,"
				   "110.000,55.000,110.000,10.000,0.09091,100.000,4k,1,3,"
				   /* 3 repetitions: [min, max] covers 1 - 2/8; S = 3, exact p = 2/6;
				    * Theil-Sen 10 a repetition x 2 / 110 = +18.2% */
				   "100.000,120.000,0.7500,stable,18.182,0.333333,,,,,0.000,"
				   /* sqrt(2) x sqrt(log(1.1)^2 + (3.182 x 0.05)^2) either side of 110 (t: 3 degrees of freedom) */
				   "84.622,142.989,0.05000,4,"
				   "\"requested 2m leaves, effective 4k: splintered, \"\"really\"\"\"\n");
	cr_assert_str_eq(fresh[2], "chase/random/ws:1M/backend:native/host:2m,native,random,1048576,,2m,skipped,0,"
				   "0.000,0.000,0.000,0.000,0.00000,0.000,,0,0,,,,,,,,,,,0.000,,,,,\"hugetlb 2M pages not reserved: need 1 free, "
				   "have 0; fix: echo 1 | sudo tee /proc/sys/vm/nr_hugepages\"\n");
	/* The same cells as an interrupted run wrote them, resumed. */
	char json[] = "/tmp/tlbvisor-resume-XXXXXX";
	write_results_json(json, rs, 2);
	struct cell_result *done, matrix_cells[3];
	int ndone, nkept, foreign;
	cr_assert_eq(results_read_file(json, &done, &ndone, NULL, err, sizeof err), 0, "%s", err);
	cr_assert_eq(ndone, 2);
	struct cell c3 = { .index = 2, .backend = BACKEND_NATIVE, .ws = 2 << 20, .host_page = HOST_PAGE_4K };
	cell_name(&c3);
	for (int i = 0; i < 3; i++)
		result_init(&matrix_cells[i], i < 2 ? &rs[i].cell : &c3);
	bool kept[3] = { false, false, false };
	results_resume(matrix_cells, kept, 3, done, ndone, &nkept, &foreign);
	cr_assert_eq(nkept, 2);
	cr_assert_eq(foreign, 0);
	cr_assert(kept[0] && kept[1] && !kept[2], "the two written cells are kept, the third runs");
	cr_assert_eq(matrix_cells[2].status, CELL_PENDING);
	cr_assert_eq(results_write_csv(path, matrix_cells, 3, err, sizeof err), 0, "%s", err);
	csv_lines(path, resumed, 3, &n);
	cr_assert_eq(n, 3, "the pending cell has no row");
	for (int i = 0; i < 3; i++)
		cr_assert_str_eq(resumed[i], fresh[i], "row %d of the resumed CSV", i);
	free(done);
	unlink(json);
	unlink(path);
}

/* A cell's keys are written once, on its first entry; its other entries
 * carry its identity and their own timings. A file of the older layout,
 * every key on every entry, reads back as the same cell, both as structs
 * (--resume, merge, import) and as the report's view of it. */
Test(results, cell_keys_once_and_the_older_layout_reads_the_same)
{
	struct cell_result r = sample_ok();
	json_t *lean = results_cell_entries(&r);
	cr_assert_eq(json_array_size(lean), 3 + 5);
	json_t *first = json_array_get(lean, 0);
	const char *cell_only[] = { "measure_exits", "effective_page", "warmup_passes", "tsc_hz", "ci_low",
				    "page_size_note", "timer_overhead_cycles" };
	const char *identity[] = { "name", "run_name", "backend", "pattern", "ws", "host_page", "guest_page", "status",
				   "run_type", "cycles_per_access", "ns_per_access", "real_time", "iterations" };
	for (size_t k = 0; k < sizeof cell_only / sizeof *cell_only; k++)
		cr_assert_not_null(json_object_get(first, cell_only[k]), "first entry lacks %s", cell_only[k]);
	json_t *old = json_deep_copy(lean);
	for (size_t e = 1; e < json_array_size(lean); e++) {
		json_t *x = json_array_get(lean, e);
		for (size_t k = 0; k < sizeof cell_only / sizeof *cell_only; k++)
			cr_assert_null(json_object_get(x, cell_only[k]), "entry %zu repeats %s", e, cell_only[k]);
		for (size_t k = 0; k < sizeof identity / sizeof *identity; k++)
			cr_assert_not_null(json_object_get(x, identity[k]), "entry %zu lacks %s", e, identity[k]);
		/* The older layout: the first entry's keys on every entry too. */
		json_object_update_missing(json_array_get(old, e), first);
	}
	cr_assert_gt(json_object_size(json_array_get(old, 1)), json_object_size(json_array_get(lean, 1)) + 10);
	struct cell_result *a, *b;
	int na, nb;
	char err[256];
	cr_assert_eq(results_read_cells(lean, 2e9, &a, &na, err, sizeof err), 0, "%s", err);
	cr_assert_eq(results_read_cells(old, 2e9, &b, &nb, err, sizeof err), 0, "%s", err);
	cr_assert_eq(na, 1);
	cr_assert_eq(nb, 1);
	json_t *ta = results_cell_entries(a), *tb = results_cell_entries(b);
	cr_assert(json_equal(ta, tb), "the two layouts read back as different cells");
	cr_assert(json_equal(ta, lean), "read back and written again, the cell is not the one written");
	json_decref(ta);
	json_decref(tb);
	free(a);
	free(b);
	struct results_view va, vb;
	json_t *da = json_pack("{s:{s:s}, s:O}", "context", "host_name", "h", "benchmarks", lean);
	json_t *db = json_pack("{s:{s:s}, s:O}", "context", "host_name", "h", "benchmarks", old);
	cr_assert_eq(results_view_build(da, &va, err, sizeof err), 0, "%s", err);
	cr_assert_eq(results_view_build(db, &vb, err, sizeof err), 0, "%s", err);
	cr_assert_eq(va.n, 1);
	cr_assert_eq(vb.n, 1);
	const struct cell_view *ca = &va.cells[0], *cb = &vb.cells[0];
	cr_assert_eq(ca->nreps, 3);
	cr_assert_eq(cb->nreps, 3);
	cr_assert_float_eq(ca->median, 110, 1e-9);
	cr_assert_float_eq(cb->median, 110, 1e-9);
	cr_assert_float_eq(ca->ci_low, cb->ci_low, 1e-12);
	cr_assert_str_eq(ca->effective_page, cb->effective_page);
	cr_assert_str_eq(ca->note, cb->note);
	cr_assert_eq(ca->ncounters, cb->ncounters);
	cr_assert_float_eq(view_counter(ca, "measure_exits"), 7, 1e-12);
	cr_assert_float_eq(view_counter(cb, "measure_exits"), 7, 1e-12);
	results_view_free(&va);
	results_view_free(&vb);
	json_decref(da);
	json_decref(db);
	json_decref(old);
	json_decref(lean);
}
