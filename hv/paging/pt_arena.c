#include "pt_arena.h"

void pt_arena_init(struct pt_arena *a, void *mem, uint64_t base, uint64_t size)
{
	a->mem = mem;
	a->base = base;
	a->size = size & ~(PT_PAGE_SIZE - 1);
	a->used = 0;
}

static uint64_t arena_alloc(void *ctx)
{
	struct pt_arena *a = ctx;
	if (a->used + PT_PAGE_SIZE > a->size)
		return ~0ull;
	uint64_t *page = (uint64_t *)(a->mem + a->used);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		page[i] = 0;
	uint64_t addr = a->base + a->used;
	a->used += PT_PAGE_SIZE;
	return addr;
}

static uint64_t *arena_ptr(void *ctx, uint64_t addr)
{
	struct pt_arena *a = ctx;
	if (addr < a->base || addr - a->base >= a->size || (addr & (PT_PAGE_SIZE - 1)))
		return NULL;
	return (uint64_t *)(a->mem + (addr - a->base));
}

struct pt_mem pt_arena_mem(struct pt_arena *a)
{
	return (struct pt_mem){ .ctx = a, .alloc_table = arena_alloc, .table_ptr = arena_ptr };
}
