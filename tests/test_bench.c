/* bench/: statistics, value syntax, matrix expansion and the results writer. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/backends/backend_common.h"
#include "bench/cli/args.h"
#include "bench/cli/run_options.h"
#include "bench/host/host_caps.h"
#include "bench/results/results_csv.h"
#include "bench/results/results_json.h"
#include "bench/results/results_read.h"
#include "bench/run/cell_result.h"
#include "bench/run/matrix.h"
#include "bench/run/run_config.h"
#include "bench/run/stats.h"
#include "lib/units.h"

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
	json_t *foreign = json_loads("[{\"name\":\"BM_x\",\"run_type\":\"iteration\"}]", 0, NULL);
	cr_assert_eq(results_read_cells(foreign, 1e9, &back, &n, err, sizeof err), -1);
	cr_assert(strstr(err, "not a tlbvisor cell"), "%s", err);
	json_decref(foreign);
}

/* A run command line as tlbvisor run reads it: the preset, then the options
 * (the tables of cli/run_options.c), then the checks across them. */
static int parse_run(int argc, char **argv, struct run_request *req)
{
	static const struct cli_command cmd = { "run", "", 0, 0, NULL };
	if (run_request_init(req, cmd.name, argc, argv) < 0)
		return -1;
	const struct cli_options sets[] = {
		{ run_matrix_options, run_nmatrix_options, req },
		{ run_file_options, run_nfile_options, req },
		{ run_host_options, run_nhost_options, req },
	};
	int nargs, status;
	if (!cli_parse(&cmd, argc, argv, sets, 3, NULL, &nargs, &status))
		return -1;
	return run_request_check(req, cmd.name);
}

/* The order cells run in, all of it: pattern, working set, then backend,
 * guest page, host page, VPID, EPT depth; exit round trips last. The
 * expected names are spelled out here, not made by cell_name. */
Test(matrix, every_cell_in_working_set_major_order)
{
	char *argv[] = { "run", "--backend", "native,kvm,bochs", "--pattern", "random,seq", "--ws", "16k,1m,64m",
			 "--host-page", "4k,2m", "--guest-page", "4k,2m", "--vpid", "on,off", "--ept-levels", "4,5",
			 "--exit-cost", "--pmu-preset", "none" };
	struct run_request req;
	cr_assert_eq(parse_run(sizeof argv / sizeof *argv, argv, &req), 0);
	const struct matrix *m = &req.matrix;
	static const char *const patterns[] = { "random", "seq" }, *const ws[] = { "16K", "1M", "64M" };
	static const char *const pages[] = { "4k", "2m" }, *const vpid[] = { "on", "off" }, *const levels[] = { "4", "5" };
	char want[256][160];
	int n = 0;
	for (int p = 0; p < 2; p++)
		for (int w = 0; w < 3; w++) {
			for (int h = 0; h < 2; h++)
				snprintf(want[n++], 160, "chase/%s/ws:%s/backend:native/host:%s", patterns[p], ws[w], pages[h]);
			for (int b = 0; b < 2; b++)
				for (int g = 0; g < 2; g++)
					for (int h = 0; h < 2; h++)
						for (int v = 0; v < 2; v++)
							for (int l = 0; l < 2; l++)
								snprintf(want[n++], 160, "chase/%s/ws:%s/backend:%s/guest:%s/host:%s/vpid:%s/ept-levels:%s",
									 patterns[p], ws[w], b ? "bochs" : "kvm", pages[g], pages[h], vpid[v], levels[l]);
		}
	for (int b = 0; b < 2; b++) {
		snprintf(want[n++], 160, "exit/io/backend:%s", b ? "bochs" : "kvm");
		snprintf(want[n++], 160, "exit/cpuid/backend:%s", b ? "bochs" : "kvm");
	}
	cr_assert_eq(n, 2 * 3 * (2 + 2 * 16) + 4);
	static struct cell cells[256];
	cr_assert_eq(matrix_expand(m, NULL, 0), n);
	cr_assert_eq(matrix_expand(m, cells, 256), n);
	for (int i = 0; i < n; i++) {
		cr_assert_str_eq(cells[i].name, want[i], "cell %d", i);
		cr_assert_eq(cells[i].index, i);
	}
}

/* --stride, --group and --seed from the command line down to the chase the
 * backends build (cell_chase_config is what native and kvm cells use). */
Test(matrix, stride_group_and_seed_reach_the_chase)
{
	char *argv[] = { "run", "--backend", "native", "--host-page", "4k", "--ws", "8m", "--stride", "64", "--group", "256k",
			 "--seed", "7", "--pmu-preset", "none" };
	struct run_request req;
	cr_assert_eq(parse_run(sizeof argv / sizeof *argv, argv, &req), 0);
	struct cell c;
	cr_assert_eq(matrix_expand(&req.matrix, &c, 1), 1);
	uint8_t *mem = aligned_alloc(4096, 8 << 20);
	cr_assert_not_null(mem);
	struct chase_config cfg = cell_chase_config(&c, &req.cfg, (uint64_t)(uintptr_t)mem);
	cr_assert_eq(cfg.bytes, 8 << 20);
	cr_assert_eq(cfg.stride, 64);
	cr_assert_eq(cfg.group, 256 << 10);
	cr_assert_eq(cfg.seed, 7);
	cr_assert_eq(cfg.pattern, CHASE_RANDOM);
	cr_assert_eq(chase_validate(&cfg), CHASE_OK);
	cr_assert_eq(chase_elements(&cfg), (8 << 20) / 64);
	chase_build(&cfg);
	/* Follow the pointers: every 4096 consecutive elements (one 256K
	 * group) stay inside one group, and every element is visited. */
	const uint64_t n = chase_elements(&cfg), per = (256 << 10) / 64;
	uint64_t p = chase_start(&cfg), group = 0;
	uint8_t *seen = calloc(n, 1);
	for (uint64_t k = 0; k < n; k++) {
		uint64_t i = (p - cfg.base) / 64;
		cr_assert_lt(i, n);
		cr_assert_not(seen[i]);
		seen[i] = 1;
		if (k % per == 0)
			group = i / per;
		cr_assert_eq(i / per, group, "step %llu left its group", (unsigned long long)k);
		p = *(uint64_t *)p;
	}
	cr_assert_eq(p, chase_start(&cfg));
	uint64_t cycles;
	cr_assert_eq(chase_timed(chase_start(&cfg), 2 * n + 3, &cycles), chase_expected(&cfg, 2 * n + 3));
	/* Another seed is another permutation. */
	struct chase_config other = cfg;
	other.seed = 8;
	uint64_t same = 0;
	for (uint64_t k = 0; k < n; k++)
		same += chase_order(&cfg, k) == chase_order(&other, k);
	cr_assert_lt(same, n / 100, "%llu of %llu positions equal", (unsigned long long)same, (unsigned long long)n);
	/* A working set smaller than the stride is one element. */
	char *small[] = { "run", "--backend", "native", "--host-page", "4k", "--ws", "2k", "--pmu-preset", "none" };
	cr_assert_eq(parse_run(sizeof small / sizeof *small, small, &req), 0);
	matrix_expand(&req.matrix, &c, 1);
	cfg = cell_chase_config(&c, &req.cfg, (uint64_t)(uintptr_t)mem);
	cr_assert_eq(cfg.stride, 2048);
	cr_assert_eq(chase_elements(&cfg), 1);
	free(seen);
	free(mem);
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
 * matrix's cells): identical rows. */
Test(results, csv_columns_and_resumed_rows)
{
	struct cell_result rs[2];
	rs[0] = sample_ok();
	rs[0].warmup_passes = 3;
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
				   "warmup_passes,reason\n");
	/* 100, 110, 120 cycles at 2 GHz: median 110 = 55 ns, stddev 10, cv 10/110. */
	cr_assert_str_eq(fresh[1], "chase/random/ws:512M/backend:kvm/guest:2m/host:4k,kvm,random,536870912,2m,4k,ok,3,"
				   "110.000,55.000,110.000,10.000,0.09091,100.000,4k,1,3,"
				   "\"requested 2m leaves, effective 4k: splintered, \"\"really\"\"\"\n");
	cr_assert_str_eq(fresh[2], "chase/random/ws:1M/backend:native/host:2m,native,random,1048576,,2m,skipped,0,"
				   "0.000,0.000,0.000,0.000,0.00000,0.000,,0,0,\"hugetlb 2M pages not reserved: need 1 free, "
				   "have 0; fix: echo 1 | sudo tee /proc/sys/vm/nr_hugepages\"\n");
	/* The same cells as an interrupted run wrote them, resumed. */
	char json[] = "/tmp/tlbvisor-resume-XXXXXX";
	write_results_json(json, rs, 2);
	struct cell_result *done, matrix_cells[3];
	int ndone, nkept, foreign;
	cr_assert_eq(results_read_file(json, &done, &ndone, err, sizeof err), 0, "%s", err);
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
