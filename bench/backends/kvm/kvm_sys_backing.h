/* The host memory behind the guest's system region (its page tables, the
 * payload, the stacks: guest-physical [0, sys) of the KVM backend), and the
 * second-level leaf the guest page tables really sat behind. */
#ifndef TLBVISOR_KVM_SYS_BACKING_H
#define TLBVISOR_KVM_SYS_BACKING_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/host/host_mem.h"
#include "bench/run/cell_result.h"

/* Backs sys_need bytes with the cell's host page (split: with 4K pages, the
 * layout shadow paging needed). When the hugetlb pool or THP cannot give
 * them, 4K pages, the reason in r->pt_backing_note. -1 (err) when not even
 * 4K memory could be had. */
int kvm_sys_backing_alloc(struct host_mem *m, struct cell_result *r, bool split, uint64_t sys_need, char *err,
			  size_t errlen);

/* r->pt_leaf from the pages the kernel really used for the backing
 * (smaps), once the guest has touched it; shadow: the second level is the
 * shadow table, which the note says. */
void kvm_sys_backing_record(const struct host_mem *m, struct cell_result *r, bool shadow);

#endif
