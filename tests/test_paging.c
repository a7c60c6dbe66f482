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

/* Entries a native walk reads, by hand (SDM Vol. 3A 4.5, table 4-1): one per
 * level down to the leaf; a 2M leaf is read at level 2, a 1G leaf at level 3.
 * Written out here so that no test compares the engine with itself. */
static unsigned walk_refs(unsigned levels, uint64_t page)
{
	return page == PT_SIZE_4K ? levels : page == PT_SIZE_2M ? levels - 1 : levels - 2;
}

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
					cr_assert_eq(w.nsteps, walk_refs(levels, page));
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
	int seen[2][2][3][3] = { { { { 0 } } } };
	for (int i = 0; i < n; i++) {
		const struct model_row *r = &rows[i];
		cr_assert_null(r->error, "row %d: %s", i, r->error);
		/* An n-reference guest walk and an m-reference EPT walk cost
		 * (n+1)(m+1)-1 references: each of the n guest entries and the
		 * final guest-physical address is an EPT walk of m. */
		unsigned gn = walk_refs(r->guest_levels, r->guest_page);
		unsigned em = walk_refs(r->ept_levels, r->ept_page);
		cr_assert_eq(r->nested_refs, (gn + 1) * (em + 1) - 1, "row %d", i);
		cr_assert_eq(r->guest_refs, gn, "row %d", i);
		cr_assert_eq(r->ept_refs, (gn + 1) * em, "row %d", i);
		cr_assert_eq(r->native_refs, gn, "row %d", i);
		int gp = r->guest_page == PT_SIZE_4K ? 0 : r->guest_page == PT_SIZE_2M ? 1 : 2;
		int ep = r->ept_page == PT_SIZE_4K ? 0 : r->ept_page == PT_SIZE_2M ? 1 : 2;
		seen[r->guest_levels - 4][r->ept_levels - 4][gp][ep]++;
	}
	for (int i = 0; i < 36; i++)
		cr_assert_eq((&seen[0][0][0][0])[i], 1, "combination %d appears %d times", i, (&seen[0][0][0][0])[i]);
}

/* Tables written entry by entry (not by pt_map), in a host-physical space
 * at address 0 of the arena. The EPT maps guest-physical [0, 2M) to
 * host-physical [2M, 4M), so a walk that forgot a translation would read the
 * wrong page. x86 entries: P|RW|US = 7, PS = 0x80 (SDM Vol. 3A 4.5); EPT
 * entries: R|W|X = 7, memory type WB = 6 << 3, PS = 0x80 (SDM Vol. 3C 29.3.2). */
#define HB_EPT_PML4 0x1000ull
#define HB_EPT_PDPT 0x2000ull
#define HB_EPT_PD 0x3000ull
#define HB_EPT_PT 0x4000ull
#define HB_GUEST_SHIFT PT_SIZE_2M             /* hpa = gpa + 2M */
#define HB_G_PML4 0x10000ull                  /* guest-physical */
#define HB_G_PDPT 0x11000ull
#define HB_G_PD 0x12000ull
#define HB_G_PT 0x13000ull
#define HB_DATA_GPA 0x1a5000ull

static uint64_t *hb_entry(uint64_t hpa_table, unsigned index)
{
	return (uint64_t *)((uint8_t *)arena_mem + hpa_table) + index;
}

/* The EPT: 4 levels, guest-physical [0, 2M) with one 2M leaf or 512 4K leaves. */
static struct pt_table hand_built_ept(uint64_t leaf)
{
	const uint64_t wb = 6 << 3;
	*hb_entry(HB_EPT_PML4, 0) = HB_EPT_PDPT | 7;
	*hb_entry(HB_EPT_PDPT, 0) = HB_EPT_PD | 7;
	if (leaf == PT_SIZE_2M) {
		*hb_entry(HB_EPT_PD, 0) = HB_GUEST_SHIFT | 0x80 | wb | 7;
	} else {
		*hb_entry(HB_EPT_PD, 0) = HB_EPT_PT | 7;
		for (unsigned i = 0; i < 512; i++)
			*hb_entry(HB_EPT_PT, i) = (HB_GUEST_SHIFT + i * PT_SIZE_4K) | wb | 7;
	}
	pt_arena_init(&arena, arena_mem, 0, ARENA_BYTES);
	return (struct pt_table){ .fmt = &pt_format_ept, .levels = 4, .root = HB_EPT_PML4, .mem = pt_arena_mem(&arena) };
}

/* The guest: 4 levels; gva 0x40201000 -> HB_DATA_GPA with a 4K leaf, gva
 * 0x40400000 -> gpa 0 with a 2M leaf. Entries are stored at gpa + 2M. */
static struct pt_table hand_built_guest(void)
{
	*hb_entry(HB_GUEST_SHIFT + HB_G_PML4, 0) = HB_G_PDPT | 7;
	*hb_entry(HB_GUEST_SHIFT + HB_G_PDPT, 1) = HB_G_PD | 7;
	*hb_entry(HB_GUEST_SHIFT + HB_G_PD, 1) = HB_G_PT | 7;
	*hb_entry(HB_GUEST_SHIFT + HB_G_PT, 1) = HB_DATA_GPA | 7;
	*hb_entry(HB_GUEST_SHIFT + HB_G_PD, 2) = 0 | 0x80 | 7;
	return (struct pt_table){ .fmt = &pt_format_x86, .levels = 4, .root = HB_G_PML4 };
}

Test(paging, nested_walk_on_hand_built_tables)
{
	static const struct { uint64_t ept_leaf, gva, hpa, guest_page; unsigned guest_refs, ept_refs; } want[] = {
		/* 4K guest leaf: 4 guest entries, 5 EPT walks of 3 (2M leaf) or 4. */
		{ PT_SIZE_2M, 0x40201234, HB_GUEST_SHIFT + HB_DATA_GPA + 0x234, PT_SIZE_4K, 4, 5 * 3 },
		{ PT_SIZE_4K, 0x40201234, HB_GUEST_SHIFT + HB_DATA_GPA + 0x234, PT_SIZE_4K, 4, 5 * 4 },
		/* 2M guest leaf: 3 guest entries, 4 EPT walks. */
		{ PT_SIZE_2M, 0x40412345, HB_GUEST_SHIFT + 0x12345, PT_SIZE_2M, 3, 4 * 3 },
		{ PT_SIZE_4K, 0x40412345, HB_GUEST_SHIFT + 0x12345, PT_SIZE_2M, 3, 4 * 4 },
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		memset(arena_mem, 0, ARENA_BYTES);
		struct pt_table ept = hand_built_ept(want[i].ept_leaf);
		struct pt_table guest = hand_built_guest();
		guest.mem = ept.mem;
		struct pt_nested_walk w;
		cr_assert_eq(pt_nested_walk(&guest, &ept, want[i].gva, &w), PT_OK);
		cr_assert(w.mapped, "case %zu", i);
		cr_assert_eq(w.hpa, want[i].hpa, "case %zu: hpa 0x%llx", i, (unsigned long long)w.hpa);
		cr_assert_eq(w.gpa, want[i].hpa - HB_GUEST_SHIFT, "case %zu", i);
		cr_assert_eq(w.guest_page_size, want[i].guest_page, "case %zu", i);
		cr_assert_eq(w.ept_page_size, want[i].ept_leaf, "case %zu", i);
		cr_assert_eq(w.guest_refs, want[i].guest_refs, "case %zu: %u", i, w.guest_refs);
		cr_assert_eq(w.ept_refs, want[i].ept_refs, "case %zu: %u", i, w.ept_refs);
		cr_assert_eq(w.refs, want[i].guest_refs + want[i].ept_refs, "case %zu", i);
		/* The same guest tables walked natively (guest-physical = the arena
		 * from 2M on): the guest entries alone, the guest-physical address. */
		struct pt_arena gpa_space;
		pt_arena_init(&gpa_space, (uint8_t *)arena_mem + HB_GUEST_SHIFT, 0, PT_SIZE_2M);
		guest.mem = pt_arena_mem(&gpa_space);
		struct pt_walk nw;
		cr_assert_eq(pt_walk(&guest, want[i].gva, &nw), PT_OK);
		cr_assert(nw.mapped);
		cr_assert_eq(nw.pa, want[i].hpa - HB_GUEST_SHIFT);
		cr_assert_eq(nw.nsteps, want[i].guest_refs);
		cr_assert_eq(nw.steps[0].table, HB_G_PML4);
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

/* Guest page tables behind a different second-level leaf than the data:
 * each of the guest's table reads takes an EPT walk as deep as pt_page's
 * leaf (4K: 4, 2M: 3, 1G: 2 references), the data one as deep as ept_page's. */
Test(paging, nested_walk_with_guest_tables_behind_their_own_leaf)
{
	struct { const char *gp, *ep, *pt; unsigned refs; } want[] = {
		{ "4k", "2m", "4k", 4 + 4 * 4 + 3 }, { "2m", "2m", "4k", 3 + 3 * 4 + 3 },
		{ "1g", "1g", "4k", 2 + 2 * 4 + 2 }, { "1g", "1g", "2m", 2 + 2 * 3 + 2 },
		{ "2m", "2m", "2m", 15 },            { "4k", "4k", "2m", 4 + 4 * 3 + 4 },
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const struct model_row *r = model_lookup_pt(4, want[i].gp, want[i].ep, want[i].pt, 4);
		cr_assert_null(r->error, "case %zu: %s", i, r->error);
		cr_assert_eq(r->nested_refs, want[i].refs, "case %zu: %u", i, r->nested_refs);
	}
	/* model_lookup: the tables behind the data's leaf. */
	cr_assert_eq(model_lookup(4, "2m", "2m", 4), model_lookup_pt(4, "2m", "2m", "2m", 4));
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
