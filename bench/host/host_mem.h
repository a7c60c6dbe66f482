/* Host memory with a chosen page size: the working set of the native runner
 * and the guest-memory backing of the KVM backend come from here, and so does
 * the check of which page sizes the kernel really used. */
#ifndef TLBVISOR_HOST_MEM_H
#define TLBVISOR_HOST_MEM_H

#include <stddef.h>
#include <stdint.h>

enum host_page {
	HOST_PAGE_4K = 0, /* anonymous memory, MADV_NOHUGEPAGE */
	HOST_PAGE_THP,    /* anonymous memory, 2M aligned, MADV_HUGEPAGE */
	HOST_PAGE_2M,     /* hugetlb, MAP_HUGE_2MB */
	HOST_PAGE_1G,     /* hugetlb, MAP_HUGE_1GB */
	HOST_PAGE_COUNT
};

const char *host_page_name(enum host_page p);  /* "4k", "thp", "2m", "1g" */
int host_page_parse(const char *s, enum host_page *out);
/* Granule the mapping is made of (4K, 2M for THP, 2M, 1G). */
uint64_t host_page_granule(enum host_page p);

struct host_mem {
	void *addr;
	size_t size;     /* rounded up to the granule */
	enum host_page page;
	void *map_base;  /* what to munmap */
	size_t map_size;
};

/* Hugetlb pool state for a page size (2M or 1G) from sysfs. */
struct hugetlb_pool {
	long total, free;
	int present; /* the kernel has this pool at all */
};
void hugetlb_pool_read(uint64_t page_size, struct hugetlb_pool *pool);

/* Returns 0, or -1 with a message saying what failed and how to fix it. */
int host_mem_alloc(struct host_mem *m, enum host_page page, size_t bytes, char *err, size_t errlen);
void host_mem_free(struct host_mem *m);

/* Bytes of the mapping resident in 4K, 2M and 1G pages, from /proc/self/smaps. */
struct host_mem_effective {
	uint64_t bytes_4k, bytes_2m, bytes_1g;
};
int host_mem_effective(const struct host_mem *m, struct host_mem_effective *e);

/* MemAvailable from /proc/meminfo, in bytes (0 when unknown). */
uint64_t host_mem_available(void);

#endif
