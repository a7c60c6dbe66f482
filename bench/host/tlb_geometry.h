/* The TLBs of this CPU as CPUID describes them: per level and kind, the
 * entries for each page size, so a report can draw each TLB's reach
 * (entries x page size) against the latency curve.
 * AMD: CPUID Fn8000_0005 (L1 TLBs), Fn8000_0006 (L2 TLBs) and Fn8000_0019
 * (TLBs for 1G pages) (AMD APM Vol. 3, Appendix E, "Obtaining Processor
 * Information Via the CPUID Instruction").
 * Intel: CPUID leaf 18H (deterministic address translation parameters) and,
 * where a CPU lacks it, the TLB descriptors of leaf 02H (Intel SDM Vol. 2A,
 * CPUID: Table 3-8 for leaf 18H, Table 3-12 for the leaf 02H descriptors). */
#ifndef TLBVISOR_TLB_GEOMETRY_H
#define TLBVISOR_TLB_GEOMETRY_H

#include <stdint.h>

enum tlb_kind { TLB_DATA, TLB_INSTRUCTION, TLB_UNIFIED, TLB_LOAD, TLB_STORE };

/* Page sizes a TLB holds (a bit each). */
#define TLB_PAGE_4K (1u << 0)
#define TLB_PAGE_2M (1u << 1)
#define TLB_PAGE_4M (1u << 2)
#define TLB_PAGE_1G (1u << 3)

struct tlb_info {
	unsigned level;       /* 1, 2, ... */
	enum tlb_kind kind;
	unsigned page_sizes;  /* TLB_PAGE_* */
	unsigned entries;
	unsigned ways;        /* 0: fully associative; TLB_WAYS_UNKNOWN: not given;
	                       * AMD L2: the lower bound of the range CPUID names */
};

#define TLB_WAYS_UNKNOWN 0xffffffffu
#define TLB_GEOMETRY_MAX 24

struct tlb_geometry {
	int n;
	struct tlb_info tlb[TLB_GEOMETRY_MAX];
	const char *source;   /* "cpuid 0x80000005/6/19", "cpuid 0x18", "cpuid 0x2", or why none */
};

/* CPUID as a function, so recorded register dumps can stand in for the CPU. */
typedef void (*cpuid_fn)(uint32_t leaf, uint32_t subleaf, uint32_t regs[4], void *ctx);

/* The executing CPU's CPUID. */
void cpuid_native(uint32_t leaf, uint32_t subleaf, uint32_t regs[4], void *ctx);

/* Fill g from CPUID; g->n is 0 (and g->source says why) when the CPU
 * describes no TLB. */
void tlb_geometry_read(cpuid_fn cpuid, void *ctx, struct tlb_geometry *g);

const char *tlb_kind_name(enum tlb_kind k); /* "data", "instruction", "unified", "load", "store" */

/* Bytes one TLB maps with pages of one size (entries x size); 0 when the
 * TLB does not hold that size. */
uint64_t tlb_reach(const struct tlb_info *t, unsigned page_size_bit);

#endif
