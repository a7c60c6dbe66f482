/* bench/: statistics, value syntax, the run command line and the matrix it
 * expands to. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/backends/backend_common.h"
#include "bench/cli/args.h"
#include "bench/cli/run_options.h"
#include "bench/run/cell_result.h"
#include "bench/matrix/matrix.h"
#include "bench/cli/matrix_file.h"
#include "bench/matrix/run_config.h"
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
	return run_request_check(req, cmd.name, NULL);
}

/* The order cells run in, all of it: pattern, working set, then backend,
 * guest page, host page, VPID, EPT depth; exit round trips last. The
 * expected names are spelled out here, not made by cell_name: the tagged TLB
 * is vpid: under kvm, tlb-tag: under tlbvisor's hypervisor (VPID or ASID). */
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
	/* kvm's VPID is kvm_intel's module parameter: its cells are grouped by
	 * VPID (outermost), one module reload per value; within a group, and
	 * for every other backend, the order is working-set major. */
	for (int o = 0; o < 2; o++)
		for (int p = 0; p < 2; p++)
			for (int w = 0; w < 3; w++) {
				for (int h = 0; h < 2 && o == 0; h++)
					snprintf(want[n++], 160, "chase/%s/ws:%s/backend:native/host:%s", patterns[p], ws[w],
						 pages[h]);
				for (int b = 0; b < 2; b++)
					for (int g = 0; g < 2; g++)
						for (int h = 0; h < 2; h++)
							for (int v = 0; v < 2; v++)
								for (int l = 0; l < 2; l++) {
									if (b ? o != 0 : v != o)
										continue;
									snprintf(want[n++], 160,
										 "chase/%s/ws:%s/backend:%s/guest:%s/host:%s/%s:%s/ept-levels:%s",
										 patterns[p], ws[w], b ? "bochs" : "kvm", pages[g],
										 pages[h], b ? "tlb-tag" : "vpid", vpid[v], levels[l]);
								}
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

/* --tlb-tag is --vpid under the name both vendors share; a cell of qemu or
 * baremetal says tlb-tag in its name. */
Test(matrix, tlb_tag_option_and_name)
{
	char *argv[] = { "run", "--backend", "qemu", "--ws", "1m", "--host-page", "2m", "--guest-page", "4k",
			 "--tlb-tag", "off", "--ept-levels", "5", "--pmu-preset", "none" };
	struct run_request req;
	cr_assert_eq(parse_run(sizeof argv / sizeof *argv, argv, &req), 0);
	cr_assert(req.matrix.vpid_given && req.matrix.nvpids == 1 && !req.matrix.vpids[0]);
	struct cell cells[2];
	cr_assert_eq(matrix_expand(&req.matrix, cells, 2), 1);
	cr_assert_str_eq(cells[0].name, "chase/random/ws:1M/backend:qemu/guest:4k/host:2m/tlb-tag:off/ept-levels:5");
	cells[0].backend = BACKEND_BAREMETAL;
	cell_name(&cells[0]);
	cr_assert_str_eq(cells[0].name, "chase/random/ws:1M/backend:baremetal/guest:4k/host:2m/tlb-tag:off/ept-levels:5");
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
	/* A working set smaller than the stride is refused on the command line
	 * (run/matrix_check.c: it would be one element chasing itself)... */
	char *small[] = { "run", "--backend", "native", "--host-page", "4k", "--ws", "2k", "--pmu-preset", "none" };
	cr_assert_eq(parse_run(sizeof small / sizeof *small, small, &req), -1);
	/* ...and the chase of such a cell is that one element. */
	char *one[] = { "run", "--backend", "native", "--host-page", "4k", "--ws", "16k", "--pmu-preset", "none" };
	cr_assert_eq(parse_run(sizeof one / sizeof *one, one, &req), 0);
	matrix_expand(&req.matrix, &c, 1);
	c.ws = 2048;
	cfg = cell_chase_config(&c, &req.cfg, (uint64_t)(uintptr_t)mem);
	cr_assert_eq(cfg.stride, 2048);
	cr_assert_eq(chase_elements(&cfg), 1);
	free(seen);
	free(mem);
}
