/* The caches of the results context, read from a recorded copy of a sysfs
 * cache directory (this machine's, 2026-11: L1d 32K, L1i 64K, L2 512K, L3 8M
 * shared by CPUs 0-1). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "bench/host/host_cache.h"

static void put(const char *dir, int index, const char *file, const char *value)
{
	char path[512];
	snprintf(path, sizeof path, "%s/index%d", dir, index);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/index%d/%s", dir, index, file);
	FILE *f = fopen(path, "w");
	cr_assert(f);
	fprintf(f, "%s\n", value);
	fclose(f);
}

static void record(const char *dir, int index, const char *level, const char *type, const char *size, const char *cpus)
{
	put(dir, index, "level", level);
	put(dir, index, "type", type);
	put(dir, index, "size", size);
	put(dir, index, "shared_cpu_list", cpus);
}

Test(host_cache, google_benchmark_fields_from_a_recorded_sysfs)
{
	char dir[] = "/tmp/tlbvisor-cache-XXXXXX";
	cr_assert(mkdtemp(dir));
	record(dir, 0, "1", "Data", "32K", "0");
	record(dir, 1, "1", "Instruction", "64K", "0");
	record(dir, 2, "2", "Unified", "512K", "0");
	record(dir, 3, "3", "Unified", "8192K", "0-1,4-5");
	struct host_cache c[HOST_CACHES_MAX];
	cr_assert_eq(host_caches_read(dir, c, HOST_CACHES_MAX), 4);
	cr_assert_str_eq(c[0].type, "Data");
	cr_assert_eq(c[0].level, 1);
	cr_assert_eq(c[0].size, 32768);
	cr_assert_eq(c[0].num_sharing, 1);
	cr_assert_str_eq(c[1].type, "Instruction");
	cr_assert_eq(c[2].size, 512u << 10);
	cr_assert_eq(c[3].level, 3);
	cr_assert_eq(c[3].size, 8u << 20);
	cr_assert_eq(c[3].num_sharing, 4);
	cr_assert_eq(host_caches_read(dir, c, 2), 2, "stops at the array's size");
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(host_cache, no_cache_directory_is_an_empty_list)
{
	struct host_cache c[HOST_CACHES_MAX];
	cr_assert_eq(host_caches_read("/nonexistent/tlbvisor/cache", c, HOST_CACHES_MAX), 0);
}
