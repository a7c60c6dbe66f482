/*
 * hv/paging — the one x86-64 paging engine of tlbvisor.
 *
 * Builds and walks 4- and 5-level tables with 4K/2M/1G leaves for the
 * ordinary IA-32e page-table format (Intel SDM Vol. 3A, 4.5), the EPT
 * format (SDM Vol. 3C, 29.3.2) and AMD's nested page tables (the IA-32e
 * format for guest-physical addresses, APM Vol. 2 15.25.5). The difference
 * between the formats is data (struct pt_format), not another copy of the
 * code.
 *
 * Freestanding: no libc. Table memory is reached only through struct pt_mem,
 * so the same code builds tables in a KVM guest's memory, in the VMX
 * hypervisor's physical memory and in a test arena.
 */
#ifndef TLBVISOR_PAGING_H
#define TLBVISOR_PAGING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PT_PAGE_SIZE 4096ull
#define PT_ENTRIES 512u
#define PT_MAX_LEVELS 5
#define PT_SIZE_4K (1ull << 12)
#define PT_SIZE_2M (1ull << 21)
#define PT_SIZE_1G (1ull << 30)

/* Generic permissions; each format encodes them its own way. */
enum pt_perm {
	PT_R = 1u << 0,
	PT_W = 1u << 1,
	PT_X = 1u << 2,
	PT_U = 1u << 3, /* user-accessible (x86 only; ignored by EPT) */
};

/*
 * How one entry format encodes presence, permissions, leaves and addresses.
 * A bit mask of 0 means "the format has no such bit".
 */
struct pt_format {
	const char *name;
	uint64_t present_mask;   /* present if (entry & present_mask) != 0 */
	uint64_t always_bits;    /* set in every present entry */
	uint64_t read_bit;       /* set when PT_R (EPT) */
	uint64_t write_bit;      /* set when PT_W */
	uint64_t user_bit;       /* set when PT_U (x86 U/S) */
	uint64_t exec_bit;       /* set when PT_X (EPT) */
	uint64_t nx_bit;         /* set when !PT_X (x86 XD, needs EFER.NXE) */
	uint64_t leaf_attr_bits; /* extra bits on leaves (EPT memory type) */
	uint64_t huge_bit;       /* PS: a leaf above level 1 */
	uint64_t addr_mask;      /* physical-address bits of an entry */
	bool sign_extended;      /* linear addresses (x86) vs guest-physical (EPT) */
};

extern const struct pt_format pt_format_x86;
extern const struct pt_format pt_format_ept;
extern const struct pt_format pt_format_npt;

/* One paging level: SDM Vol. 3A table 4-1 / figure 4-8. Level 1 maps 4K. */
struct pt_level {
	const char *name;
	unsigned shift;     /* address bits below this level's index */
	bool leaf_allowed;  /* may an entry here map a page? */
};

/* Indexed by level number 1..5 (index 0 unused). */
extern const struct pt_level pt_levels[PT_MAX_LEVELS + 1];

/* How the engine reaches table memory (host pointer for a table address). */
struct pt_mem {
	void *ctx;
	/* Return the address of a zeroed 4K-aligned table page, or ~0ull when out of memory. */
	uint64_t (*alloc_table)(void *ctx);
	/* Return a pointer through which the table page at 'addr' can be read and written, or NULL. */
	uint64_t *(*table_ptr)(void *ctx, uint64_t addr);
};

struct pt_table {
	const struct pt_format *fmt;
	unsigned levels; /* 4 or 5 */
	uint64_t root;   /* address of the top-level table (CR3 / EPTP address) */
	struct pt_mem mem;
	uint64_t tables_allocated;
};

enum pt_status {
	PT_OK = 0,
	PT_ERR_LEVELS,      /* levels is not 4 or 5 */
	PT_ERR_PAGE_SIZE,   /* page size is not 4K, 2M or 1G */
	PT_ERR_MISALIGNED,  /* address or size not a multiple of the page size */
	PT_ERR_RANGE,       /* address beyond what this depth/format translates */
	PT_ERR_OVERLAP,     /* part of the range is already mapped */
	PT_ERR_NOMEM,       /* the table allocator ran out */
	PT_ERR_NOT_MAPPED,  /* unmap/walk of an address that is not mapped */
	PT_ERR_SPLIT,       /* unmap would split a larger leaf */
	PT_ERR_BAD_TABLE,   /* table_ptr returned NULL */
	PT_ERR_PERMS,       /* permissions the format cannot express (EPT W without R) */
};

const char *pt_status_str(enum pt_status s);

enum pt_status pt_init(struct pt_table *t, const struct pt_format *fmt, unsigned levels,
		       struct pt_mem mem);

/* Map [va, va+size) to [pa, pa+size) with leaves of page_size. All or nothing
 * as far as validity goes: alignment, range and overlap are checked for the
 * whole range before anything is written. */
enum pt_status pt_map(struct pt_table *t, uint64_t va, uint64_t pa, uint64_t size,
		      uint64_t page_size, unsigned perms);

/* Remove the leaves covering [va, va+size); each must lie wholly inside. */
enum pt_status pt_unmap(struct pt_table *t, uint64_t va, uint64_t size);

struct pt_walk_step {
	unsigned level;
	uint64_t table;  /* address of the table read at this step */
	unsigned index;
	uint64_t entry;
};

struct pt_walk {
	bool mapped;
	uint64_t pa;
	uint64_t page_size;
	unsigned perms;      /* effective permissions (AND over the levels) */
	unsigned nsteps;     /* table entries read = memory references */
	unsigned fault_level; /* level of the non-present entry when !mapped */
	struct pt_walk_step steps[PT_MAX_LEVELS];
};

/* Software walk; fills *w with the translation and every entry touched. */
enum pt_status pt_walk(const struct pt_table *t, uint64_t va, struct pt_walk *w);

/*
 * Nested (two-dimensional) walk, SDM Vol. 3C 29.3.2: every guest table
 * address (CR3 and each non-leaf entry) is a guest-physical address that is
 * itself translated through the EPT before the guest entry can be read, and
 * so is the final guest-physical address.
 * Guest entries are read at the host-physical address the EPT yields,
 * through ept->mem.table_ptr (which must accept host-physical addresses).
 */
struct pt_nested_walk {
	bool mapped;
	bool ept_fault;      /* a guest-physical address had no EPT mapping */
	uint64_t gpa, hpa;
	uint64_t guest_page_size, ept_page_size;
	unsigned guest_refs; /* guest entries read */
	unsigned ept_refs;   /* EPT entries read, over all EPT walks */
	unsigned refs;       /* guest_refs + ept_refs */
};

enum pt_status pt_nested_walk(const struct pt_table *guest, const struct pt_table *ept,
			      uint64_t gva, struct pt_nested_walk *w);

/* Entries a native walk reads for a leaf of page_size in a table of 'levels'. */
unsigned pt_native_refs(unsigned levels, uint64_t page_size);

#endif
