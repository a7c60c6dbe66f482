/* hv/paging: map/walk round-trips, permission bits, refusals, nested walks. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/model.h"
#include "hv/paging/paging.h"
#include "hv/paging/pt_arena.h"

#define ARENA_BYTES (16u << 20)

static void *arena_mem;
static struct pt_arena arena;

static void setup(void)
{
	arena_mem = aligned_alloc(4096, ARENA_BYTES);
	cr_assert_not_null(arena_mem);
	pt_arena_init(&arena, arena_mem, 0x100000, ARENA_BYTES);
}

static void teardown(void)
{
	free(arena_mem);
}

TestSuite(paging, .init = setup, .fini = teardown);

static const uint64_t sizes[] = { PT_SIZE_4K, PT_SIZE_2M, PT_SIZE_1G };
static const struct pt_format *const formats[] = { &pt_format_x86, &pt_format_ept };

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

Test(paging, random_map_walk_round_trips_every_leaf_depth_and_format)
{
	uint64_t seed = 0x1234567;
	for (int f = 0; f < 2; f++)
		for (unsigned levels = 4; levels <= 5; levels++)
			for (int s = 0; s < 3; s++) {
				pt_arena_init(&arena, arena_mem, 0x100000, ARENA_BYTES);
				struct pt_table t;
				cr_assert_eq(pt_init(&t, formats[f], levels, pt_arena_mem(&arena)), PT_OK);
				uint64_t page = sizes[s];
				uint64_t limit_bits = (levels == 4 ? 47 : 56) - 1;
				uint64_t vas[16], pas[16];
				int mapped = 0;
				for (int i = 0; i < 16; i++) {
					uint64_t va = (rnd(&seed) & ((1ull << limit_bits) - 1)) & ~(page - 1);
					uint64_t pa = (rnd(&seed) & ((1ull << 45) - 1)) & ~(page - 1);
					enum pt_status st = pt_map(&t, va, pa, page, page, PT_R | PT_W | PT_U);
					if (st == PT_ERR_OVERLAP)
						continue; /* random collision: legitimately refused */
					cr_assert_eq(st, PT_OK, "map %s: %s", formats[f]->name, pt_status_str(st));
					vas[mapped] = va;
					pas[mapped++] = pa;
				}
				cr_assert_gt(mapped, 8);
				for (int i = 0; i < mapped; i++) {
					uint64_t off = rnd(&seed) & (page - 1);
					struct pt_walk w;
					cr_assert_eq(pt_walk(&t, vas[i] + off, &w), PT_OK);
					cr_assert(w.mapped);
					cr_assert_eq(w.pa, pas[i] + off);
					cr_assert_eq(w.page_size, page);
					cr_assert_eq(w.nsteps, pt_native_refs(levels, page));
					cr_assert_eq(w.steps[0].table, t.root);
				}
			}
}

Test(paging, unmapped_address_reports_the_faulting_level)
{
	struct pt_table t;
	cr_assert_eq(pt_init(&t, &pt_format_x86, 4, pt_arena_mem(&arena)), PT_OK);
	cr_assert_eq(pt_map(&t, 0x200000, 0x400000, 0x1000, PT_SIZE_4K, PT_R | PT_W), PT_OK);
	struct pt_walk w;
	cr_assert_eq(pt_walk(&t, 0x201000, &w), PT_OK);
	cr_assert_not(w.mapped);
	cr_assert_eq(w.fault_level, 1);
	cr_assert_eq(pt_walk(&t, 1ull << 40, &w), PT_OK);
	cr_assert_not(w.mapped);
	cr_assert_eq(w.fault_level, 4);
}

Test(paging, x86_permission_bits)
{
	struct pt_table t;
	cr_assert_eq(pt_init(&t, &pt_format_x86, 4, pt_arena_mem(&arena)), PT_OK);
	cr_assert_eq(pt_map(&t, 0x1000, 0x5000, 0x1000, PT_SIZE_4K, PT_R), PT_OK);
	cr_assert_eq(pt_map(&t, 0x2000, 0x6000, 0x1000, PT_SIZE_4K, PT_R | PT_W | PT_U | PT_X), PT_OK);
	struct pt_walk w;
	pt_walk(&t, 0x1000, &w);
	uint64_t e = w.steps[w.nsteps - 1].entry;
	cr_assert(e & 1, "present");
	cr_assert_not(e & 2, "read-only leaf must not be writable");
	cr_assert_not(e & 4, "supervisor leaf must not be user");
	cr_assert(e >> 63, "non-executable leaf must have XD");
	cr_assert_eq(w.perms, PT_R);
	pt_walk(&t, 0x2000, &w);
	e = w.steps[w.nsteps - 1].entry;
	cr_assert((e & 7) == 7);
	cr_assert_not(e >> 63);
	cr_assert_eq(w.perms, PT_R | PT_W | PT_U | PT_X);
}

Test(paging, ept_permission_bits_and_memory_type)
{
	struct pt_table t;
	cr_assert_eq(pt_init(&t, &pt_format_ept, 4, pt_arena_mem(&arena)), PT_OK);
	cr_assert_eq(pt_map(&t, 0, 0x200000, PT_SIZE_2M, PT_SIZE_2M, PT_R | PT_X), PT_OK);
	struct pt_walk w;
	pt_walk(&t, 0x1234, &w);
	uint64_t e = w.steps[w.nsteps - 1].entry;
	cr_assert_eq(e & 7, 5, "R and X but not W");
	cr_assert_eq((e >> 3) & 7, 6, "write-back memory type");
	cr_assert(e & (1u << 7), "2M leaf has the page bit");
	cr_assert_eq(w.perms, PT_R | PT_X);
	cr_assert_eq(w.pa, 0x201234);
	/* Write without read is an EPT misconfiguration (SDM 29.3.3.1): refused. */
	cr_assert_eq(pt_map(&t, 0x400000, 0x1000, 0x1000, PT_SIZE_4K, PT_W), PT_ERR_PERMS);
	/* An execute-only entry is present (any of R/W/X). */
	cr_assert_eq(pt_map(&t, 0x400000, 0x1000, 0x1000, PT_SIZE_4K, PT_X), PT_OK);
	pt_walk(&t, 0x400000, &w);
	cr_assert(w.mapped);
	cr_assert_eq(w.perms, PT_X);
}

Test(paging, refuses_misaligned_overlapping_and_out_of_range_mappings)
{
	struct pt_table t;
	cr_assert_eq(pt_init(&t, &pt_format_x86, 4, pt_arena_mem(&arena)), PT_OK);
	cr_assert_eq(pt_map(&t, 0x1000, 0x200000, PT_SIZE_2M, PT_SIZE_2M, PT_R), PT_ERR_MISALIGNED);
	cr_assert_eq(pt_map(&t, 0x200000, 0x201000, PT_SIZE_2M, PT_SIZE_2M, PT_R), PT_ERR_MISALIGNED);
	cr_assert_eq(pt_map(&t, 0x200000, 0x200000, 0x1000, PT_SIZE_2M, PT_R), PT_ERR_MISALIGNED);
	cr_assert_eq(pt_map(&t, 0, 0, 0x1000, 12345, PT_R), PT_ERR_PAGE_SIZE);
	cr_assert_eq(pt_map(&t, 1ull << 47, 0, 0x1000, PT_SIZE_4K, PT_R), PT_ERR_RANGE);
	cr_assert_eq(pt_map(&t, 0x200000, 0x200000, PT_SIZE_2M, PT_SIZE_2M, PT_R), PT_OK);
	/* A 4K page inside the 2M leaf, and a 2M leaf over existing 4K pages. */
	cr_assert_eq(pt_map(&t, 0x201000, 0x1000, 0x1000, PT_SIZE_4K, PT_R), PT_ERR_OVERLAP);
	cr_assert_eq(pt_map(&t, 0x600000, 0x1000, 0x1000, PT_SIZE_4K, PT_R), PT_OK);
	cr_assert_eq(pt_map(&t, 0x400000, 0x400000, 2 * PT_SIZE_2M, PT_SIZE_2M, PT_R), PT_ERR_OVERLAP);
	/* The refused range wrote nothing: 0x400000 is still unmapped. */
	struct pt_walk w;
	pt_walk(&t, 0x400000, &w);
	cr_assert_not(w.mapped);
	cr_assert_str_eq(pt_status_str(PT_ERR_OVERLAP), "range overlaps an existing mapping");
	cr_assert(strstr(pt_status_str(PT_ERR_MISALIGNED), "multiple of the page size"));
	cr_assert_eq(pt_init(&t, &pt_format_x86, 3, pt_arena_mem(&arena)), PT_ERR_LEVELS);
	/* A physical range that wraps around the address space. */
	cr_assert_eq(pt_map(&t, 0x800000, 0xfffffffffffff000ull, 0x2000, PT_SIZE_4K, PT_R), PT_ERR_RANGE);
	cr_assert_eq(pt_map(&t, 0x800000, 0, 0, PT_SIZE_4K, PT_R), PT_OK, "an empty range maps nothing");
}

Test(paging, ps_bit_in_a_pml4_entry_is_not_a_leaf)
{
	struct pt_table t;
	cr_assert_eq(pt_init(&t, &pt_format_x86, 4, pt_arena_mem(&arena)), PT_OK);
	cr_assert_eq(pt_map(&t, 0x200000, 0x200000, PT_SIZE_2M, PT_SIZE_2M, PT_R), PT_OK);
	/* Set PS in the PML4 entry: the walk must not treat it as a 512G page. */
	uint64_t *root = pt_arena_mem(&arena).table_ptr(&arena, t.root);
	root[0] |= 1ull << 7;
	struct pt_walk w;
	cr_assert_eq(pt_walk(&t, 0x200000, &w), PT_OK);
	cr_assert(w.mapped);
	cr_assert_eq(w.page_size, PT_SIZE_2M);
}

Test(paging, unmap_removes_whole_leaves_and_refuses_splits)
{
	struct pt_table t;
	cr_assert_eq(pt_init(&t, &pt_format_x86, 4, pt_arena_mem(&arena)), PT_OK);
	cr_assert_eq(pt_map(&t, 0x200000, 0x200000, PT_SIZE_2M, PT_SIZE_2M, PT_R), PT_OK);
	cr_assert_eq(pt_unmap(&t, 0x200000, 0x1000), PT_ERR_SPLIT);
	cr_assert_eq(pt_unmap(&t, 0x800000, 0x1000), PT_ERR_NOT_MAPPED);
	cr_assert_eq(pt_unmap(&t, 0x200000, PT_SIZE_2M), PT_OK);
	struct pt_walk w;
	pt_walk(&t, 0x200000, &w);
	cr_assert_not(w.mapped);
	/* The range can be mapped again, now with 4K leaves. */
	cr_assert_eq(pt_map(&t, 0x200000, 0x200000, PT_SIZE_2M, PT_SIZE_4K, PT_R), PT_OK);
}

Test(paging, out_of_table_memory_is_reported)
{
	uint8_t small[3 * 4096] __attribute__((aligned(4096)));
	struct pt_arena a;
	pt_arena_init(&a, small, 0, sizeof small);
	struct pt_table t;
	cr_assert_eq(pt_init(&t, &pt_format_x86, 4, pt_arena_mem(&a)), PT_OK);
	cr_assert_eq(pt_map(&t, 0, 0, 0x1000, PT_SIZE_4K, PT_R), PT_ERR_NOMEM);
}

Test(paging, nested_reference_counts_for_every_combination)
{
	struct model_row rows[MODEL_MAX_ROWS];
	int n = model_compute(rows, MODEL_MAX_ROWS);
	cr_assert_eq(n, 36);
	for (int i = 0; i < n; i++) {
		const struct model_row *r = &rows[i];
		cr_assert_null(r->error, "row %d: %s", i, r->error);
		/* Independent check: an n-level guest walk and an m-level EPT walk
		 * (leaf levels shortening each) cost (n+1)(m+1)-1 references. */
		unsigned gn = pt_native_refs(r->guest_levels, r->guest_page);
		unsigned em = pt_native_refs(r->ept_levels, r->ept_page);
		cr_assert_eq(r->nested_refs, (gn + 1) * (em + 1) - 1, "row %d", i);
		cr_assert_eq(r->guest_refs, gn);
		cr_assert_eq(r->native_refs, gn);
	}
}

Test(paging, nested_walk_headline_numbers)
{
	struct { unsigned gl, el; uint64_t gp, ep; unsigned refs; } want[] = {
		{ 4, 4, PT_SIZE_4K, PT_SIZE_4K, 24 }, { 4, 4, PT_SIZE_2M, PT_SIZE_4K, 19 },
		{ 4, 4, PT_SIZE_4K, PT_SIZE_2M, 19 }, { 4, 4, PT_SIZE_2M, PT_SIZE_2M, 15 },
		{ 4, 4, PT_SIZE_1G, PT_SIZE_1G, 8 },  { 5, 5, PT_SIZE_4K, PT_SIZE_4K, 35 },
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		struct model_row r = { .guest_levels = want[i].gl, .ept_levels = want[i].el,
				       .guest_page = want[i].gp, .ept_page = want[i].ep };
		model_compute_one(&r);
		cr_assert_null(r.error);
		cr_assert_eq(r.nested_refs, want[i].refs, "case %zu: %u", i, r.nested_refs);
	}
}

Test(paging, nested_walk_reports_an_ept_hole)
{
	struct pt_table ept, guest;
	cr_assert_eq(pt_init(&ept, &pt_format_ept, 4, pt_arena_mem(&arena)), PT_OK);
	cr_assert_eq(pt_init(&guest, &pt_format_x86, 4, pt_arena_mem(&arena)), PT_OK);
	/* The EPT maps the arena but not the data page. */
	cr_assert_eq(pt_map(&ept, 0, 0, 32ull << 20, PT_SIZE_2M, PT_R | PT_W | PT_X), PT_OK);
	cr_assert_eq(pt_map(&guest, 1ull << 30, 1ull << 30, 0x1000, PT_SIZE_4K, PT_R), PT_OK);
	struct pt_nested_walk w;
	cr_assert_eq(pt_nested_walk(&guest, &ept, 1ull << 30, &w), PT_OK);
	cr_assert_not(w.mapped);
	cr_assert(w.ept_fault);
	cr_assert_eq(w.guest_refs, 4);
}
