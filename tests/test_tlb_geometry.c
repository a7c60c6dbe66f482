/* TLB geometry from recorded CPUID dumps: what each register field means is
 * checked against what the vendors' documents and spec sheets say these
 * CPUs have, not against the decoder's own arithmetic. */
#include <criterion/criterion.h>
#include <stddef.h>

#include "bench/host/tlb_geometry.h"

struct leaf {
	uint32_t leaf, sub, r[4];
};

struct dump {
	const struct leaf *leaves;
	size_t n;
};

static void fake_cpuid(uint32_t leaf, uint32_t sub, uint32_t regs[4], void *ctx)
{
	const struct dump *d = ctx;
	for (size_t i = 0; i < d->n; i++)
		if (d->leaves[i].leaf == leaf && d->leaves[i].sub == sub) {
			for (int k = 0; k < 4; k++)
				regs[k] = d->leaves[i].r[k];
			return;
		}
	regs[0] = regs[1] = regs[2] = regs[3] = 0;
}

#define DUMP(arr) { arr, sizeof arr / sizeof *arr }

static const struct tlb_info *find(const struct tlb_geometry *g, unsigned level, enum tlb_kind k,
				   unsigned size_bit)
{
	for (int i = 0; i < g->n; i++)
		if (g->tlb[i].level == level && g->tlb[i].kind == k && (g->tlb[i].page_sizes & size_bit))
			return &g->tlb[i];
	return NULL;
}

/* AMD Ryzen 7 1800X (Zen 1): L1 DTLB 64 entries fully associative for 4K,
 * 2M and 1G pages; L2 DTLB 1536 entries for 4K (code 6h: 8 to 15 ways; the
 * part is 12-way) and 2M (2-way); no L2 TLB for 1G pages. */
static const struct leaf ryzen_1800x[] = {
	{ 0x00000000, 0, { 0x0000000d, 0x68747541, 0x444d4163, 0x69746e65 } },
	{ 0x80000000, 0, { 0x8000001f, 0x68747541, 0x444d4163, 0x69746e65 } },
	{ 0x80000005, 0, { 0xff40ff40, 0xff40ff40, 0x20080140, 0x40040140 } },
	{ 0x80000006, 0, { 0x26006400, 0x66006400, 0x02006140, 0x00808140 } },
	{ 0x80000019, 0, { 0xf040f040, 0x00000000, 0x00000000, 0x00000000 } },
};

Test(tlb_geometry, amd_zen1)
{
	struct dump d = DUMP(ryzen_1800x);
	struct tlb_geometry g;
	tlb_geometry_read(fake_cpuid, &d, &g);
	const struct tlb_info *t = find(&g, 1, TLB_DATA, TLB_PAGE_4K);
	cr_assert(t && t->entries == 64 && t->ways == 0);
	t = find(&g, 1, TLB_DATA, TLB_PAGE_2M);
	cr_assert(t && t->entries == 64 && t->ways == 0);
	t = find(&g, 1, TLB_DATA, TLB_PAGE_1G);
	cr_assert(t && t->entries == 64 && t->ways == 0);
	t = find(&g, 2, TLB_DATA, TLB_PAGE_4K);
	cr_assert(t && t->entries == 1536 && t->ways == 8, "L2 DTLB 4K: %u entries %u ways",
		  t ? t->entries : 0, t ? t->ways : 0);
	t = find(&g, 2, TLB_DATA, TLB_PAGE_2M);
	cr_assert(t && t->entries == 1536 && t->ways == 2);
	cr_assert_null(find(&g, 2, TLB_DATA, TLB_PAGE_1G));
	t = find(&g, 2, TLB_INSTRUCTION, TLB_PAGE_4K);
	cr_assert(t && t->entries == 1024);
	/* reach: 1536 x 4 KiB = 6 MiB; 1536 x 2 MiB = 3 GiB */
	cr_assert_eq(tlb_reach(find(&g, 2, TLB_DATA, TLB_PAGE_4K), TLB_PAGE_4K), 6ull << 20);
	cr_assert_eq(tlb_reach(find(&g, 2, TLB_DATA, TLB_PAGE_2M), TLB_PAGE_2M), 3ull << 30);
	cr_assert_eq(tlb_reach(find(&g, 2, TLB_DATA, TLB_PAGE_2M), TLB_PAGE_1G), 0);
}

/* Intel Core i7-5600U (Broadwell), leaf 02H only: descriptors 63h (DTLB
 * 2M/4M 32 entries + 1G 4 entries), 03h (DTLB 4K 64 entries, 4-way), 76h
 * (ITLB 2M/4M 8 entries), FFh, B5h (ITLB 4K 64 entries), F0h (prefetch),
 * C3h (STLB 4K/2M 1536 entries 6-way + 1G 16 entries). */
static const struct leaf broadwell_5600u[] = {
	{ 0x00000000, 0, { 0x00000014, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x00000002, 0, { 0x76036301, 0x00f0b5ff, 0x00000000, 0x00c30000 } },
	{ 0x80000000, 0, { 0x80000008, 0, 0, 0 } },
};

Test(tlb_geometry, intel_leaf2_broadwell)
{
	struct dump d = DUMP(broadwell_5600u);
	struct tlb_geometry g;
	tlb_geometry_read(fake_cpuid, &d, &g);
	cr_assert_str_eq(g.source, "cpuid 0x2");
	const struct tlb_info *t = find(&g, 1, TLB_DATA, TLB_PAGE_4K);
	cr_assert(t && t->entries == 64 && t->ways == 4);
	t = find(&g, 1, TLB_DATA, TLB_PAGE_2M);
	cr_assert(t && t->entries == 32);
	t = find(&g, 1, TLB_DATA, TLB_PAGE_1G);
	cr_assert(t && t->entries == 4);
	t = find(&g, 2, TLB_UNIFIED, TLB_PAGE_4K);
	cr_assert(t && t->entries == 1536 && t->ways == 6 && (t->page_sizes & TLB_PAGE_2M));
	t = find(&g, 2, TLB_UNIFIED, TLB_PAGE_1G);
	cr_assert(t && t->entries == 16);
	t = find(&g, 1, TLB_INSTRUCTION, TLB_PAGE_4K);
	cr_assert(t && t->entries == 64 && t->ways == 8);
	cr_assert_eq(g.n, 7, "63h twice, 03h, 76h, B5h, C3h twice; FFh and F0h are not TLBs");
}

/* Leaf 18H encoded field by field as SDM Vol. 2A Table 3-8 lays it out
 * (no recorded dump of a CPU with leaf 18H was at hand): subleaf 0 an L1
 * load-only TLB for 4K pages, 16 sets x 4 ways; subleaf 1 an L2 unified TLB
 * for 4K+2M pages, 128 sets x 16 ways; subleaf 2 invalid (type 0); subleaf 3
 * an L1 store TLB for 1G pages, fully associative, 1 set x 8 ways. */
#define L18_EBX(sizes, ways) ((uint32_t)(sizes) | ((uint32_t)(ways) << 16))
#define L18_EDX(type, level, fully) ((uint32_t)(type) | ((uint32_t)(level) << 5) | ((uint32_t)(fully) << 8))
static const struct leaf intel_leaf18[] = {
	{ 0x00000000, 0, { 0x00000020, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x00000002, 0, { 0x00feff01, 0, 0, 0 } },
	{ 0x00000018, 0, { 3, L18_EBX(0x1, 4), 16, L18_EDX(4, 1, 0) } },
	{ 0x00000018, 1, { 0, L18_EBX(0x3, 16), 128, L18_EDX(3, 2, 0) } },
	{ 0x00000018, 2, { 0, 0, 0, 0 } },
	{ 0x00000018, 3, { 0, L18_EBX(0x8, 8), 1, L18_EDX(5, 1, 1) } },
	{ 0x80000000, 0, { 0x80000008, 0, 0, 0 } },
};

Test(tlb_geometry, intel_leaf18)
{
	struct dump d = DUMP(intel_leaf18);
	struct tlb_geometry g;
	tlb_geometry_read(fake_cpuid, &d, &g);
	cr_assert_str_eq(g.source, "cpuid 0x18");
	cr_assert_eq(g.n, 3);
	const struct tlb_info *t = find(&g, 1, TLB_LOAD, TLB_PAGE_4K);
	cr_assert(t && t->entries == 64 && t->ways == 4);
	t = find(&g, 2, TLB_UNIFIED, TLB_PAGE_2M);
	cr_assert(t && t->entries == 2048 && t->ways == 16 && (t->page_sizes & TLB_PAGE_4K));
	t = find(&g, 1, TLB_STORE, TLB_PAGE_1G);
	cr_assert(t && t->entries == 8 && t->ways == 0);
}

/* A hypervisor that hides every TLB leaf: no TLB, and the reason says so. */
static const struct leaf hidden[] = {
	{ 0x00000000, 0, { 0x00000001, 0x756e6547, 0x6c65746e, 0x49656e69 } },
	{ 0x80000000, 0, { 0x80000001, 0, 0, 0 } },
};

Test(tlb_geometry, nothing_described)
{
	struct dump d = DUMP(hidden);
	struct tlb_geometry g;
	tlb_geometry_read(fake_cpuid, &d, &g);
	cr_assert_eq(g.n, 0);
	cr_assert(strstr(g.source, "describes no TLB") != NULL);
}

/* The running CPU: whatever it reports must be self-consistent. */
Test(tlb_geometry, this_cpu)
{
	struct tlb_geometry g;
	tlb_geometry_read(cpuid_native, NULL, &g);
	for (int i = 0; i < g.n; i++) {
		cr_assert(g.tlb[i].entries > 0);
		cr_assert(g.tlb[i].level >= 1 && g.tlb[i].level <= 7);
		cr_assert(g.tlb[i].page_sizes != 0);
	}
	cr_assert(g.source && *g.source);
}
