/* The hypervisor's physical memory allocator: the RAM of the Multiboot2
 * memory map, minus the first MiB, the hypervisor image, the modules and the
 * boot information; first-fit allocation of aligned blocks. Physical memory
 * is identity-mapped below 4 GiB, so an address is also a pointer. */
#ifndef TLBVISOR_HYP_PMEM_H
#define TLBVISOR_HYP_PMEM_H

#include <stdint.h>

#include "mb2.h"

#define PMEM_MAX_RANGES 64

struct pmem {
	struct { uint64_t base, end; } free[PMEM_MAX_RANGES];
	unsigned n;
};

void pmem_init(struct pmem *p, const struct mb2_info *mb, uint64_t info, uint64_t kernel_start,
	       uint64_t kernel_end);
/* First fit; 0 when nothing fits (0 is never handed out). */
uint64_t pmem_alloc(struct pmem *p, uint64_t size, uint64_t align);
/* The largest block starting at a multiple of align; its size in *size. */
uint64_t pmem_largest(const struct pmem *p, uint64_t align, uint64_t *size);

#endif
