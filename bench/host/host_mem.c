#include "bench/host/host_mem.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/mman.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "lib/sysfs.h"
#include "lib/units.h"

static const char *const page_names[HOST_PAGE_COUNT] = { "4k", "thp", "2m", "1g" };

const char *host_page_name(enum host_page p)
{
	return p < HOST_PAGE_COUNT ? page_names[p] : "?";
}

int host_page_parse(const char *s, enum host_page *out)
{
	int i = name_index(page_names, HOST_PAGE_COUNT, s);
	if (i < 0)
		return -1;
	*out = (enum host_page)i;
	return 0;
}

uint64_t host_page_granule(enum host_page p)
{
	switch (p) {
	case HOST_PAGE_4K: return 4096;
	case HOST_PAGE_THP:
	case HOST_PAGE_2M: return 2ull << 20;
	case HOST_PAGE_1G: return 1ull << 30;
	default: return 4096;
	}
}

void hugetlb_pool_read(uint64_t page_size, struct hugetlb_pool *pool)
{
	char path[128];
	unsigned long kb = (unsigned long)(page_size >> 10);
	snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%lukB/nr_hugepages", kb);
	pool->total = sysfs_read_long(path);
	snprintf(path, sizeof path, "/sys/kernel/mm/hugepages/hugepages-%lukB/free_hugepages", kb);
	pool->free = sysfs_read_long(path);
	pool->present = pool->total >= 0;
}

static size_t round_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

static int hugetlb_alloc(struct host_mem *m, uint64_t page_size, size_t bytes, char *err,
			 size_t errlen)
{
	const char *sysctl = page_size == (2ull << 20)
		? "/proc/sys/vm/nr_hugepages"
		: "/sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages";
	const char *name = page_size == (2ull << 20) ? "2M" : "1G";
	size_t size = round_up(bytes, page_size);
	long need = (long)(size / page_size);
	struct hugetlb_pool pool;
	hugetlb_pool_read(page_size, &pool);
	if (!pool.present) {
		snprintf(err, errlen, "the kernel has no %s hugetlb pool (needs CONFIG_HUGETLBFS and, for 1G, CPU pdpe1gb)", name);
		return -1;
	}
	if (pool.free < need) {
		snprintf(err, errlen,
			 "hugetlb %s pages not reserved: need %ld free, have %ld; fix: echo %ld | sudo tee %s",
			 name, need, pool.free, pool.total + (need - pool.free), sysctl);
		return -1;
	}
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
		    (page_size == (2ull << 20) ? MAP_HUGE_2MB : MAP_HUGE_1GB);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "mmap of %zu bytes of hugetlb %s pages failed: %s; fix: reserve more with echo N | sudo tee %s",
			 size, name, strerror(errno), sysctl);
		return -1;
	}
	m->addr = m->map_base = p;
	m->size = m->map_size = size;
	return 0;
}

int host_mem_alloc(struct host_mem *m, enum host_page page, size_t bytes, char *err, size_t errlen)
{
	memset(m, 0, sizeof *m);
	m->page = page;
	if (page == HOST_PAGE_2M || page == HOST_PAGE_1G)
		return hugetlb_alloc(m, host_page_granule(page), bytes, err, errlen);

	size_t granule = host_page_granule(page);
	size_t size = round_up(bytes, granule);
	/* Over-allocate so the region can start on a 2M boundary (THP needs it). */
	size_t map_size = size + (page == HOST_PAGE_THP ? granule : 0);
	uint8_t *p = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "mmap of %zu bytes failed: %s; fix: use a smaller working set",
			 map_size, strerror(errno));
		return -1;
	}
	uint8_t *start = p;
	if (page == HOST_PAGE_THP)
		start = (uint8_t *)round_up((uintptr_t)p, granule);
	int advice = page == HOST_PAGE_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
	if (madvise(start, size, advice) != 0) {
		snprintf(err, errlen, "madvise(%s) failed: %s%s",
			 page == HOST_PAGE_THP ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE", strerror(errno),
			 page == HOST_PAGE_THP ? "; fix: enable THP (echo madvise | sudo tee /sys/kernel/mm/transparent_hugepage/enabled)" : "");
		munmap(p, map_size);
		return -1;
	}
	m->addr = start;
	m->size = size;
	m->map_base = p;
	m->map_size = map_size;
	return 0;
}

void host_mem_free(struct host_mem *m)
{
	if (m->map_base)
		munmap(m->map_base, m->map_size);
	m->map_base = m->addr = NULL;
}

/* smaps: sum the fields of every VMA that lies inside the region (madvise
 * or THP collapse may have split the original VMA). */
int host_mem_effective(const struct host_mem *m, struct host_mem_effective *e)
{
	memset(e, 0, sizeof *e);
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	char line[256];
	uintptr_t lo = (uintptr_t)m->addr, hi = lo + m->size;
	int inside = 0;
	uint64_t kernel_page_kb = 4, rss = 0, anon_huge = 0, hugetlb = 0;
	uint64_t total_4k = 0, total_2m = 0, total_1g = 0;
	for (;;) {
		char *ok = fgets(line, sizeof line, f);
		uintptr_t a, b;
		int header = ok && sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &a, &b) == 2 &&
			     strchr(line, '-') < strchr(line, ' ');
		if (!ok || header) {
			if (inside) {
				if (kernel_page_kb == 2048)
					total_2m += hugetlb;
				else if (kernel_page_kb == 1048576)
					total_1g += hugetlb;
				else {
					total_2m += anon_huge;
					total_4k += rss - anon_huge;
				}
			}
			if (!ok)
				break;
			inside = a >= lo && b <= hi;
			kernel_page_kb = 4;
			rss = anon_huge = hugetlb = 0;
			continue;
		}
		if (!inside)
			continue;
		unsigned long long v;
		if (sscanf(line, "KernelPageSize: %llu kB", &v) == 1) kernel_page_kb = v;
		else if (sscanf(line, "Rss: %llu kB", &v) == 1) rss = v;
		else if (sscanf(line, "AnonHugePages: %llu kB", &v) == 1) anon_huge = v;
		else if (sscanf(line, "Private_Hugetlb: %llu kB", &v) == 1) hugetlb += v;
		else if (sscanf(line, "Shared_Hugetlb: %llu kB", &v) == 1) hugetlb += v;
	}
	fclose(f);
	e->bytes_4k = total_4k << 10;
	e->bytes_2m = total_2m << 10;
	e->bytes_1g = total_1g << 10;
	return 0;
}

uint64_t host_mem_available(void)
{
	char v[64];
	if (proc_field("/proc/meminfo", "MemAvailable", v, sizeof v) < 0)
		return 0;
	return strtoull(v, NULL, 10) << 10; /* "123456 kB" */
}
