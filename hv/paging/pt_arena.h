/* A bump allocator of zeroed 4K table pages over a caller-provided buffer.
 * The same arena serves a KVM guest's page-table pool, the VMX hypervisor's
 * physical pages and the test/model arenas. Freestanding. */
#ifndef TLBVISOR_PT_ARENA_H
#define TLBVISOR_PT_ARENA_H

#include "paging.h"

struct pt_arena {
	uint8_t *mem;   /* host pointer to the first byte */
	uint64_t base;  /* address (guest- or host-physical) of the first byte */
	uint64_t size;  /* bytes, a multiple of 4K */
	uint64_t used;  /* bytes handed out */
};

void pt_arena_init(struct pt_arena *a, void *mem, uint64_t base, uint64_t size);
/* Accessors for pt_init(): allocation and address-to-pointer over this arena. */
struct pt_mem pt_arena_mem(struct pt_arena *a);

#endif
