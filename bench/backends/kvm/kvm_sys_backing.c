#include "bench/backends/kvm/kvm_sys_backing.h"

#include <stdio.h>
#include <string.h>

#include "lib/units.h"
#include "workloads/tv_abi.h"

int kvm_sys_backing_alloc(struct host_mem *m, struct cell_result *r, bool split, uint64_t sys_need, char *err,
			  size_t errlen)
{
	enum host_page page = split ? HOST_PAGE_4K : r->cell.host_page;
	uint64_t granule = host_page_granule(page);
	uint64_t size = (sys_need + granule - 1) / granule * granule;
	if (split)
		snprintf(r->pt_backing_note, sizeof r->pt_backing_note, "--pt-backing split: guest page tables on 4K host pages");
	if (size > TV_WS_ADDR) {
		/* Cannot happen with the layout's sizes; refuse rather than overlap the working set. */
		snprintf(err, errlen, "guest system memory of %llu bytes would reach the working set at 0x%llx",
			 (unsigned long long)size, (unsigned long long)TV_WS_ADDR);
		return -1;
	}
	char why[256];
	if (host_mem_alloc(m, page, size, why, sizeof why) == 0)
		return 0;
	/* The working set took its pages first: what is left of the pool may
	 * not hold the system region as well. Recorded, never silent. */
	snprintf(r->pt_backing_note, sizeof r->pt_backing_note,
		 "guest page tables on 4K host pages, not %s: %s", host_page_name(page), why);
	return host_mem_alloc(m, HOST_PAGE_4K, sys_need, err, errlen);
}

void kvm_sys_backing_record(const struct host_mem *m, struct cell_result *r, bool shadow)
{
	struct host_mem_effective e;
	bool seen = host_mem_effective(m, &e) == 0 && (e.bytes_4k | e.bytes_2m | e.bytes_1g);
	if (!seen && m->page == HOST_PAGE_4K) {
		/* The kernel merged the mapping with a neighbour of the same flags
		 * (a 4K working set), so smaps has no VMA of its own: MADV_NOHUGEPAGE
		 * memory is on 4K pages. */
		snprintf(r->pt_leaf, sizeof r->pt_leaf, "4k");
		return;
	}
	if (!seen) {
		snprintf(r->pt_backing_note, sizeof r->pt_backing_note,
			 "no resident page of the guest's system memory seen in smaps: pt_leaf unknown");
		return;
	}
	/* The smallest page any of it sits on: some guest table may be there. */
	uint64_t leaf = e.bytes_4k ? 4096 : e.bytes_2m ? (2ull << 20) : (1ull << 30);
	snprintf(r->pt_leaf, sizeof r->pt_leaf, "%s", page_size_name(leaf));
	if (shadow && !r->pt_backing_note[0])
		snprintf(r->pt_backing_note, sizeof r->pt_backing_note,
			 "shadow paging: the processor walks KVM's shadow table, the guest tables' backing (%s) only matters to KVM",
			 r->pt_leaf);
	else if ((e.bytes_4k && (e.bytes_2m || e.bytes_1g)) && !r->pt_backing_note[0])
		snprintf(r->pt_backing_note, sizeof r->pt_backing_note,
			 "guest system memory partly on 4K host pages (%llu KiB of %llu KiB resident)",
			 (unsigned long long)(e.bytes_4k >> 10),
			 (unsigned long long)((e.bytes_4k + e.bytes_2m + e.bytes_1g) >> 10));
}
