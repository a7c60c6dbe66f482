#include "tlb_geometry.h"

#include <cpuid.h>
#include <stddef.h>

void cpuid_native(uint32_t leaf, uint32_t subleaf, uint32_t regs[4], void *ctx)
{
	(void)ctx;
	__cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
}

const char *tlb_kind_name(enum tlb_kind k)
{
	switch (k) {
	case TLB_DATA: return "data";
	case TLB_INSTRUCTION: return "instruction";
	case TLB_UNIFIED: return "unified";
	case TLB_LOAD: return "load";
	case TLB_STORE: return "store";
	}
	return "?";
}

uint64_t tlb_reach(const struct tlb_info *t, unsigned page_size_bit)
{
	static const struct { unsigned bit; uint64_t bytes; } sizes[] = {
		{ TLB_PAGE_4K, 4096 }, { TLB_PAGE_2M, 2ull << 20 }, { TLB_PAGE_4M, 4ull << 20 },
		{ TLB_PAGE_1G, 1ull << 30 },
	};
	if (!(t->page_sizes & page_size_bit))
		return 0;
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
		if (sizes[i].bit == page_size_bit)
			return (uint64_t)t->entries * sizes[i].bytes;
	return 0;
}

static void add(struct tlb_geometry *g, unsigned level, enum tlb_kind kind, unsigned sizes,
		unsigned entries, unsigned ways)
{
	if (!entries || g->n >= TLB_GEOMETRY_MAX)
		return;
	g->tlb[g->n++] = (struct tlb_info){ .level = level, .kind = kind, .page_sizes = sizes,
					    .entries = entries, .ways = ways };
}

/* ---- AMD ---------------------------------------------------------------- */

/* L1 fields are 8-bit: FFh fully associative, else the number of ways. */
static unsigned amd_l1_ways(unsigned code)
{
	return code == 0xff ? 0 : code;
}

/* L2 (and 1G) fields are 4-bit codes (APM Vol. 3, Fn8000_0006 "L2/L3 cache
 * and TLB associativity field encoding"). Codes above 3h name a range (6h:
 * 8 to 15 ways); the result is the range's lower bound. 9h means "see
 * Fn8000_001D", which describes caches only: the TLB's ways are unknown. */
static unsigned amd_l2_ways(unsigned code)
{
	static const unsigned ways[16] = {
		[0x1] = 1, [0x2] = 2, [0x3] = 3, [0x4] = 4, [0x5] = 6, [0x6] = 8, [0x8] = 16,
		[0xa] = 32, [0xb] = 48, [0xc] = 64, [0xd] = 96, [0xe] = 128, [0xf] = 0,
	};
	if (code == 0x7 || code == 0x9)
		return TLB_WAYS_UNKNOWN;
	return ways[code & 0xf];
}

/* One register holding a data half (bits 31:16) and an instruction half
 * (15:0), each "ways:size" with the given field widths. */
static void amd_pair(struct tlb_geometry *g, uint32_t reg, unsigned level, unsigned sizes, int l1)
{
	if (l1) {
		add(g, level, TLB_DATA, sizes, (reg >> 16) & 0xff, amd_l1_ways(reg >> 24));
		add(g, level, TLB_INSTRUCTION, sizes, reg & 0xff, amd_l1_ways((reg >> 8) & 0xff));
	} else {
		add(g, level, TLB_DATA, sizes, (reg >> 16) & 0xfff, amd_l2_ways(reg >> 28));
		add(g, level, TLB_INSTRUCTION, sizes, reg & 0xfff, amd_l2_ways((reg >> 12) & 0xf));
	}
}

static void read_amd(cpuid_fn cpuid, void *ctx, uint32_t max_ext, struct tlb_geometry *g)
{
	uint32_t r[4];
	/* The 2M/4M fields count 2M entries; a 4M page takes two. */
	if (max_ext >= 0x80000005) {
		cpuid(0x80000005, 0, r, ctx);
		amd_pair(g, r[1], 1, TLB_PAGE_4K, 1);
		amd_pair(g, r[0], 1, TLB_PAGE_2M | TLB_PAGE_4M, 1);
	}
	if (max_ext >= 0x80000006) {
		cpuid(0x80000006, 0, r, ctx);
		amd_pair(g, r[1], 2, TLB_PAGE_4K, 0);
		amd_pair(g, r[0], 2, TLB_PAGE_2M | TLB_PAGE_4M, 0);
	}
	if (max_ext >= 0x80000019) {
		cpuid(0x80000019, 0, r, ctx);
		amd_pair(g, r[0], 1, TLB_PAGE_1G, 0);
		amd_pair(g, r[1], 2, TLB_PAGE_1G, 0);
	}
	g->source = "cpuid 0x80000005/0x80000006/0x80000019";
}

/* ---- Intel leaf 18H ------------------------------------------------------ */

static int read_intel_leaf18(cpuid_fn cpuid, void *ctx, struct tlb_geometry *g)
{
	uint32_t r[4];
	cpuid(0x18, 0, r, ctx);
	uint32_t max_sub = r[0];
	for (uint32_t sub = 0; sub <= max_sub && sub < 64; sub++) {
		if (sub)
			cpuid(0x18, sub, r, ctx);
		unsigned type = r[3] & 0x1f; /* EDX[4:0]: 0 = invalid subleaf */
		static const enum tlb_kind kinds[] = {
			[1] = TLB_DATA, [2] = TLB_INSTRUCTION, [3] = TLB_UNIFIED, [4] = TLB_LOAD, [5] = TLB_STORE,
		};
		if (type < 1 || type > 5)
			continue;
		unsigned sizes = r[1] & 0xf;              /* EBX[3:0]: 4K, 2M, 4M, 1G */
		unsigned ways = r[1] >> 16;               /* EBX[31:16] */
		unsigned sets = r[2];                     /* ECX */
		unsigned level = (r[3] >> 5) & 0x7;       /* EDX[7:5] */
		unsigned fully = (r[3] >> 8) & 1;         /* EDX[8] */
		add(g, level, kinds[type], sizes, ways * sets, fully ? 0 : ways);
	}
	g->source = "cpuid 0x18";
	return g->n;
}

/* ---- Intel leaf 02H descriptors ------------------------------------------ */

struct leaf2_tlb {
	uint8_t desc;
	unsigned level;
	enum tlb_kind kind;
	unsigned sizes, entries, ways;
};

/* The TLB descriptors of SDM Vol. 2A Table 3-12 that describe data or
 * shared TLBs, plus the instruction TLBs of recent cores. A descriptor with
 * two arrays (63h, C3h) has two rows. */
static const struct leaf2_tlb leaf2_tlbs[] = {
	{ 0x01, 1, TLB_INSTRUCTION, TLB_PAGE_4K, 32, 4 },
	{ 0x02, 1, TLB_INSTRUCTION, TLB_PAGE_4M, 2, 0 },
	{ 0x03, 1, TLB_DATA, TLB_PAGE_4K, 64, 4 },
	{ 0x04, 1, TLB_DATA, TLB_PAGE_4M, 8, 4 },
	{ 0x05, 1, TLB_DATA, TLB_PAGE_4M, 32, 4 },
	{ 0x0b, 1, TLB_INSTRUCTION, TLB_PAGE_4M, 4, 4 },
	{ 0x4f, 1, TLB_INSTRUCTION, TLB_PAGE_4K, 32, TLB_WAYS_UNKNOWN },
	{ 0x50, 1, TLB_INSTRUCTION, TLB_PAGE_4K | TLB_PAGE_2M | TLB_PAGE_4M, 64, TLB_WAYS_UNKNOWN },
	{ 0x51, 1, TLB_INSTRUCTION, TLB_PAGE_4K | TLB_PAGE_2M | TLB_PAGE_4M, 128, TLB_WAYS_UNKNOWN },
	{ 0x52, 1, TLB_INSTRUCTION, TLB_PAGE_4K | TLB_PAGE_2M | TLB_PAGE_4M, 256, TLB_WAYS_UNKNOWN },
	{ 0x55, 1, TLB_INSTRUCTION, TLB_PAGE_2M | TLB_PAGE_4M, 7, 0 },
	{ 0x56, 1, TLB_DATA, TLB_PAGE_4M, 16, 4 },
	{ 0x57, 1, TLB_DATA, TLB_PAGE_4K, 16, 4 },
	{ 0x59, 1, TLB_DATA, TLB_PAGE_4K, 16, 0 },
	{ 0x5a, 1, TLB_DATA, TLB_PAGE_2M | TLB_PAGE_4M, 32, 4 },
	{ 0x5b, 1, TLB_DATA, TLB_PAGE_4K | TLB_PAGE_4M, 64, TLB_WAYS_UNKNOWN },
	{ 0x5c, 1, TLB_DATA, TLB_PAGE_4K | TLB_PAGE_4M, 128, TLB_WAYS_UNKNOWN },
	{ 0x5d, 1, TLB_DATA, TLB_PAGE_4K | TLB_PAGE_4M, 256, TLB_WAYS_UNKNOWN },
	{ 0x61, 1, TLB_INSTRUCTION, TLB_PAGE_4K, 48, 0 },
	{ 0x63, 1, TLB_DATA, TLB_PAGE_2M | TLB_PAGE_4M, 32, 4 },
	{ 0x63, 1, TLB_DATA, TLB_PAGE_1G, 4, 4 },
	{ 0x64, 1, TLB_DATA, TLB_PAGE_4K, 512, 4 },
	{ 0x6a, 1, TLB_DATA, TLB_PAGE_4K, 64, 8 },
	{ 0x6b, 1, TLB_DATA, TLB_PAGE_4K, 256, 8 },
	{ 0x6c, 1, TLB_DATA, TLB_PAGE_2M | TLB_PAGE_4M, 128, 8 },
	{ 0x6d, 1, TLB_DATA, TLB_PAGE_1G, 16, 0 },
	{ 0x76, 1, TLB_INSTRUCTION, TLB_PAGE_2M | TLB_PAGE_4M, 8, 0 },
	{ 0xa0, 1, TLB_DATA, TLB_PAGE_4K, 32, 0 },
	{ 0xb0, 1, TLB_INSTRUCTION, TLB_PAGE_4K, 128, 4 },
	{ 0xb1, 1, TLB_INSTRUCTION, TLB_PAGE_2M, 8, 4 },
	{ 0xb2, 1, TLB_INSTRUCTION, TLB_PAGE_4K, 64, 4 },
	{ 0xb3, 1, TLB_DATA, TLB_PAGE_4K, 128, 4 },
	{ 0xb4, 1, TLB_DATA, TLB_PAGE_4K, 256, 4 },
	{ 0xb5, 1, TLB_INSTRUCTION, TLB_PAGE_4K, 64, 8 },
	{ 0xb6, 1, TLB_INSTRUCTION, TLB_PAGE_4K, 128, 8 },
	{ 0xba, 1, TLB_DATA, TLB_PAGE_4K, 64, 4 },
	{ 0xc0, 1, TLB_DATA, TLB_PAGE_4K | TLB_PAGE_4M, 8, 4 },
	{ 0xc1, 2, TLB_UNIFIED, TLB_PAGE_4K | TLB_PAGE_2M, 1024, 8 },
	{ 0xc2, 1, TLB_DATA, TLB_PAGE_4K | TLB_PAGE_2M, 16, 4 },
	{ 0xc3, 2, TLB_UNIFIED, TLB_PAGE_4K | TLB_PAGE_2M, 1536, 6 },
	{ 0xc3, 2, TLB_UNIFIED, TLB_PAGE_1G, 16, 4 },
	{ 0xc4, 1, TLB_DATA, TLB_PAGE_2M | TLB_PAGE_4M, 32, 4 },
	{ 0xca, 2, TLB_UNIFIED, TLB_PAGE_4K, 512, 4 },
};

static void leaf2_descriptor(struct tlb_geometry *g, uint8_t d)
{
	for (size_t i = 0; i < sizeof leaf2_tlbs / sizeof *leaf2_tlbs; i++)
		if (leaf2_tlbs[i].desc == d)
			add(g, leaf2_tlbs[i].level, leaf2_tlbs[i].kind, leaf2_tlbs[i].sizes,
			    leaf2_tlbs[i].entries, leaf2_tlbs[i].ways);
}

static int read_intel_leaf2(cpuid_fn cpuid, void *ctx, struct tlb_geometry *g)
{
	uint32_t r[4];
	cpuid(0x2, 0, r, ctx);
	/* AL is the number of times to execute leaf 2 (always 1 on current
	 * CPUs); a register with bit 31 set holds no descriptors. */
	for (int reg = 0; reg < 4; reg++) {
		if (r[reg] >> 31)
			continue;
		for (int byte = reg ? 0 : 1; byte < 4; byte++)
			leaf2_descriptor(g, (uint8_t)(r[reg] >> (8 * byte)));
	}
	g->source = "cpuid 0x2";
	return g->n;
}

void tlb_geometry_read(cpuid_fn cpuid, void *ctx, struct tlb_geometry *g)
{
	uint32_t r[4];
	g->n = 0;
	cpuid(0, 0, r, ctx);
	uint32_t max_basic = r[0];
	/* Vendor from the leaf-0 signature: "AuthenticAMD"/"HygonGenuine" use
	 * the extended leaves, "GenuineIntel" leaves 18H and 02H. */
	int amd = (r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163) ||
		  (r[1] == 0x6f677948 && r[3] == 0x6e65476e && r[2] == 0x656e6975);
	cpuid(0x80000000, 0, r, ctx);
	uint32_t max_ext = r[0] >= 0x80000000 && r[0] < 0x80010000 ? r[0] : 0;
	if (amd) {
		read_amd(cpuid, ctx, max_ext, g);
	} else {
		if (max_basic >= 0x18 && read_intel_leaf18(cpuid, ctx, g))
			return;
		g->n = 0;
		if (max_basic >= 0x2)
			read_intel_leaf2(cpuid, ctx, g);
	}
	if (!g->n)
		g->source = "this CPU's CPUID describes no TLB (a hypervisor may hide the leaves)";
}
