/* Effective page sizes by value: bench/host/host_mem's smaps reading against
 * what the kernel really mapped (4K, THP, hugetlb 2M and 1G when pages can be
 * reserved, and THP splintered into 4K mappings), checked where possible
 * against an independent oracle, /proc/self/pagemap + /proc/kpageflags; and
 * record_effective's verdict for each mix. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/backends/backend_common.h"
#include "bench/host/host_mem.h"

#define KPF_HUGE (1ull << 17)  /* Documentation/admin-guide/mm/pagemap.rst */
#define KPF_THP (1ull << 22)

/* The kernel's own view, one 4K page at a time: how many bytes of the range
 * are in transparent huge pages and in hugetlb pages. -1 when the kernel
 * does not show page frames to this process (not root). */
static int kernel_view(const void *addr, size_t size, uint64_t *thp_bytes, uint64_t *hugetlb_bytes)
{
	int pm = open("/proc/self/pagemap", O_RDONLY), kf = open("/proc/kpageflags", O_RDONLY);
	*thp_bytes = *hugetlb_bytes = 0;
	int rc = pm >= 0 && kf >= 0 ? 0 : -1;
	for (uintptr_t va = (uintptr_t)addr; rc == 0 && va < (uintptr_t)addr + size; va += 4096) {
		uint64_t e, flags;
		if (pread(pm, &e, 8, (off_t)(va / 4096 * 8)) != 8) {
			rc = -1;
			break;
		}
		uint64_t pfn = e & ((1ull << 55) - 1);
		if (!(e >> 63) || !pfn) { /* not present, or frames hidden from us */
			rc = (e >> 63) ? -1 : 0;
			continue;
		}
		if (pread(kf, &flags, 8, (off_t)(pfn * 8)) != 8) {
			rc = -1;
			break;
		}
		*thp_bytes += flags & KPF_THP ? 4096 : 0;
		*hugetlb_bytes += flags & KPF_HUGE && !(flags & KPF_THP) ? 4096 : 0;
	}
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	return rc;
}

/* The oracle runs wherever the kernel shows page frames (as root); there
 * it must work. */
static bool kernel_says(const void *addr, size_t size, uint64_t *thp_bytes, uint64_t *hugetlb_bytes)
{
	int rc = kernel_view(addr, size, thp_bytes, hugetlb_bytes);
	if (geteuid() == 0)
		cr_assert_eq(rc, 0, "as root, /proc/self/pagemap and /proc/kpageflags must show page frames");
	return rc == 0;
}

static void touch(void *addr, size_t size)
{
	for (size_t off = 0; off < size; off += 4096)
		((volatile uint8_t *)addr)[off] = 1;
}

static struct host_mem alloc_touched(enum host_page page, size_t size)
{
	struct host_mem m;
	char err[512];
	cr_assert_eq(host_mem_alloc(&m, page, size, err, sizeof err), 0, "%s", err);
	touch(m.addr, m.size);
	return m;
}

#define MB (1ull << 20)

Test(pagesize, small_pages_are_4k)
{
	struct host_mem m = alloc_touched(HOST_PAGE_4K, 8 * MB);
	struct host_mem_effective e;
	cr_assert_eq(host_mem_effective(&m, &e), 0);
	cr_assert_eq(e.bytes_4k, 8 * MB, "4k bytes %llu", (unsigned long long)e.bytes_4k);
	cr_assert_eq(e.bytes_2m, 0);
	cr_assert_eq(e.bytes_1g, 0);
	uint64_t thp, huge;
	if (kernel_says(m.addr, m.size, &thp, &huge))
		cr_assert(thp == 0 && huge == 0, "the kernel says %llu THP bytes", (unsigned long long)thp);
	host_mem_free(&m);
}

Test(pagesize, transparent_huge_pages_are_2m)
{
	struct host_mem m = alloc_touched(HOST_PAGE_THP, 8 * MB);
	struct host_mem_effective e;
	cr_assert_eq(host_mem_effective(&m, &e), 0);
	cr_assert_eq(e.bytes_4k + e.bytes_2m, 8 * MB);
	cr_assert_eq(e.bytes_2m % (2 * MB), 0);
	/* THP is 'madvise' on machines of this kind: the kernel gives huge pages
	 * to this region (with direct compaction if it must). */
	cr_assert_gt(e.bytes_2m, 0, "no THP at all: %s",
		     "check /sys/kernel/mm/transparent_hugepage/enabled (madvise or always)");
	uint64_t thp, huge;
	if (kernel_says(m.addr, m.size, &thp, &huge))
		cr_assert_eq(e.bytes_2m, thp, "smaps %llu bytes in 2M pages, the kernel's page flags %llu",
			     (unsigned long long)e.bytes_2m, (unsigned long long)thp);
	host_mem_free(&m);
}

/* Splinter THP: changing the protection of one 4K page inside a huge page
 * splits its 2M mapping into 4K mappings (and the VMA into three). */
Test(pagesize, splintered_huge_pages_count_as_4k)
{
	struct host_mem m = alloc_touched(HOST_PAGE_THP, 8 * MB);
	uint64_t thp, huge;
	struct host_mem_effective e;
	cr_assert_eq(host_mem_effective(&m, &e), 0);
	/* Whether every huge page was given: the kernel's word where it shows
	 * it, else smaps. */
	uint64_t backed = kernel_says(m.addr, m.size, &thp, &huge) ? thp : e.bytes_2m;
	if (backed != 8 * MB)
		cr_skip_test("THP backed %llu of 8M: memory too fragmented to build the case; fix: echo 1 | sudo tee /proc/sys/vm/compact_memory",
			     (unsigned long long)(backed / MB));
	cr_assert_eq(e.bytes_2m, 8 * MB, "before splintering: 2m bytes %llu", (unsigned long long)e.bytes_2m);
	for (int i = 1; i < 4; i++) /* splinter huge pages 1, 2 and 3 of 4 */
		cr_assert_eq(mprotect((uint8_t *)m.addr + i * 2 * MB + 4096, 4096, PROT_READ), 0);
	cr_assert_eq(host_mem_effective(&m, &e), 0);
	cr_assert_eq(e.bytes_2m, 2 * MB, "2m bytes %llu", (unsigned long long)e.bytes_2m);
	cr_assert_eq(e.bytes_4k, 6 * MB, "4k bytes %llu", (unsigned long long)e.bytes_4k);
	/* And the cell's verdict: mostly 4K, flagged, with the reason. */
	struct cell c = { .backend = BACKEND_NATIVE, .ws = 8 * MB, .host_page = HOST_PAGE_THP };
	cell_name(&c);
	struct cell_result r;
	result_init(&r, &c);
	record_effective(&r, e.bytes_4k, e.bytes_2m, e.bytes_1g, host_page_granule(HOST_PAGE_THP), "THP did not back all of it");
	cr_assert_str_eq(r.effective_page, "4k");
	cr_assert(r.page_mismatch);
	cr_assert_str_eq(r.mismatch_reason, "requested 2m leaves, effective 4k: THP did not back all of it");
	host_mem_free(&m);
}

/* Hugetlb pages reserved for the test and given back, whatever happens. */
static struct {
	const char *path;
	long added;
} pool;

static void give_back(void)
{
	if (!pool.added)
		return;
	FILE *f = fopen(pool.path, "r");
	long now = 0;
	if (f && fscanf(f, "%ld", &now) == 1) {
		fclose(f);
		f = fopen(pool.path, "w");
		if (f)
			fprintf(f, "%ld\n", now - pool.added > 0 ? now - pool.added : 0);
	}
	if (f)
		fclose(f);
	pool.added = 0;
}

/* Raise the pool by what is missing for 'need' free pages; 0 or why not. */
static const char *reserve(uint64_t page_size, long need)
{
	pool.path = page_size == 2 * MB ? "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
					: "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages";
	struct hugetlb_pool p;
	hugetlb_pool_read(page_size, &p);
	if (!p.present)
		return "the kernel has no such hugetlb pool";
	if (p.free >= need)
		return NULL;
	FILE *f = fopen(pool.path, "w");
	if (!f)
		return "cannot write the pool size (needs root)";
	pool.added = need - p.free;
	fprintf(f, "%ld\n", p.total + pool.added);
	fclose(f);
	hugetlb_pool_read(page_size, &p);
	return p.free >= need ? NULL : "the kernel could not find that much contiguous memory";
}

TestSuite(hugetlb, .fini = give_back);

static void hugetlb_case(enum host_page page, uint64_t page_size, long pages)
{
	const char *why = reserve(page_size, pages);
	if (why)
		cr_skip_test("%ld hugetlb pages of %llu kB not reserved: %s; fix: echo N | sudo tee %s", pages,
			     (unsigned long long)(page_size >> 10), why, pool.path);
	struct host_mem m = alloc_touched(page, (size_t)pages * page_size);
	struct host_mem_effective e;
	cr_assert_eq(host_mem_effective(&m, &e), 0);
	uint64_t want = (uint64_t)pages * page_size;
	cr_assert_eq(page_size == 2 * MB ? e.bytes_2m : e.bytes_1g, want, "2m %llu, 1g %llu",
		     (unsigned long long)e.bytes_2m, (unsigned long long)e.bytes_1g);
	cr_assert_eq(e.bytes_4k, 0);
	cr_assert_eq(page_size == 2 * MB ? e.bytes_1g : e.bytes_2m, 0);
	uint64_t thp, huge;
	if (kernel_says(m.addr, m.size, &thp, &huge))
		cr_assert_eq(huge, want, "the kernel's page flags: %llu hugetlb bytes", (unsigned long long)huge);
	host_mem_free(&m);
}

Test(hugetlb, hugetlb_2m_pages_are_2m) { hugetlb_case(HOST_PAGE_2M, 2 * MB, 4); }
Test(hugetlb, hugetlb_1g_pages_are_1g, .timeout = 120) { hugetlb_case(HOST_PAGE_1G, 1ull << 30, 1); }

/* record_effective's verdict for each mix, by value. */
Test(pagesize, verdict_for_each_mix)
{
	static const struct {
		uint64_t b4k, b2m, b1g, requested;
		const char *effective;
		bool flagged;
		double fraction;
		const char *reason;
	} want[] = {
		{ 8 * MB, 0, 0, 4096, "4k", false, 1.0, "" },
		{ 0, 8 * MB, 0, 2 * MB, "2m", false, 1.0, "" },
		{ 2 * MB, 6 * MB, 0, 2 * MB, "2m", false, 0.75, "" },
		{ 4 * MB, 4 * MB, 0, 2 * MB, "2m", false, 0.5, "" }, /* a tie goes to the larger page */
		{ 6 * MB, 2 * MB, 0, 2 * MB, "4k", true, 0.25, "requested 2m leaves, effective 4k: why" },
		{ 0, 0, 1ull << 30, 1ull << 30, "1g", false, 1.0, "" },
		{ 0, 8 * MB, 0, 4096, "2m", true, 0.0, "requested 4k leaves, effective 2m" },
		{ 0, 0, 0, 4096, "?", true, 0.0, "effective page size unknown (no mapping of the working set was seen)" },
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		struct cell c = { .backend = BACKEND_NATIVE, .ws = 8 * MB };
		cell_name(&c);
		struct cell_result r;
		result_init(&r, &c);
		record_effective(&r, want[i].b4k, want[i].b2m, want[i].b1g, want[i].requested, "why");
		cr_assert_str_eq(r.effective_page, want[i].effective, "case %zu", i);
		cr_assert_eq(r.page_mismatch, want[i].flagged, "case %zu", i);
		cr_assert_str_eq(r.mismatch_reason, want[i].reason, "case %zu", i);
		const struct { const char *name; double v; } counters[] = {
			{ "eff_host_4k_pages", (double)(want[i].b4k >> 12) }, { "eff_host_2m_pages", (double)(want[i].b2m >> 21) },
			{ "eff_host_1g_pages", (double)(want[i].b1g >> 30) }, { "eff_host_requested_fraction", want[i].fraction },
			{ "page_size_mismatch", want[i].flagged },
		};
		for (size_t k = 0; k < sizeof counters / sizeof *counters; k++) {
			int found = 0;
			for (int j = 0; j < r.ncounters; j++)
				if (!strcmp(r.counters[j].name, counters[k].name)) {
					found = 1;
					cr_assert_float_eq(r.counters[j].value, counters[k].v, 1e-12, "case %zu %s: %g", i,
							   counters[k].name, r.counters[j].value);
				}
			cr_assert(found, "case %zu: no %s", i, counters[k].name);
		}
	}
}
