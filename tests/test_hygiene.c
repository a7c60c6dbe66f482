/* Resource hygiene: a long matrix of native and KVM cells leaks no file
 * descriptor, no mapping and no VM. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/backends/backend.h"
#include "bench/backends/payload.h"
#include "bench/run/cell_result.h"
#include "bench/host/host_caps.h"
#include "bench/matrix/matrix.h"
#include "bench/cli/matrix_file.h"
#include "bench/matrix/run_config.h"

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	int n = 0;
	char line[512];
	while (fgets(line, sizeof line, f))
		n++;
	fclose(f);
	return n;
}

static void run_cells(enum backend be, const struct run_config *cfg, const struct host_caps *h, int count)
{
	extern const uint8_t tv_payload_elf[];
	extern const size_t tv_payload_elf_size;
	struct payload p = { tv_payload_elf, tv_payload_elf_size, "embedded" };
	for (int i = 0; i < count; i++) {
		struct cell c = { .index = i, .backend = be, .ws = (i % 3 + 1) * 64 * 1024,
				  .pattern = i % 2 ? CHASE_SEQ : CHASE_RANDOM, .host_page = HOST_PAGE_4K,
				  .guest_page = be == BACKEND_KVM ? (i % 2 ? 4096 : 2u << 20) : 0 };
		cell_name(&c);
		struct cell_result r;
		result_init(&r, &c);
		struct backend_env env = { .cfg = cfg, .host = h, .payload = &p };
		backend_ops(be)->run_cell(&env, &r);
		cr_assert_eq(r.status, CELL_OK, "%s: %s", c.name, r.reason);
	}
}

Test(hygiene, many_cells_leak_no_fd_mapping_or_vm, .timeout = 300)
{
	struct matrix m;
	struct run_config cfg;
	run_preset("quick", &m, &cfg);
	cfg.repetitions = 2;
	cfg.min_time = 0.001;
	cfg.max_warmup_passes = 2;
	snprintf(cfg.events[0], sizeof cfg.events[0], "perf::PERF_COUNT_SW_PAGE_FAULTS");
	cfg.nevents = 1;
	struct host_caps h;
	host_caps_probe(&h);
	enum backend backends[2] = { BACKEND_NATIVE, BACKEND_KVM };
	for (int b = 0; b < 2; b++) {
		if (backends[b] == BACKEND_KVM && !h.kvm_ok) {
			printf("KVM part skipped: %s\n", h.kvm_reason);
			continue;
		}
		run_cells(backends[b], &cfg, &h, 2); /* first use initialises libraries */
		int fds = count_fds(), maps = count_maps();
		run_cells(backends[b], &cfg, &h, 40);
		cr_assert_eq(count_fds(), fds, "%s: file descriptors leaked", backend_name(backends[b]));
		cr_assert_eq(count_maps(), maps, "%s: mappings leaked", backend_name(backends[b]));
	}
}
