/* The paging engine: see paging.h. Freestanding: no libc. */
#include "paging.h"

/* IA-32e paging entries, SDM Vol. 3A tables 4-15..4-20: P=0, R/W=1, U/S=2,
 * PS=7, XD=63, address bits 12..51. */
#define X86_ENTRY_BITS \
	.present_mask = 1ull << 0, .read_bit = 0, .write_bit = 1ull << 1, .user_bit = 1ull << 2, \
	.exec_bit = 0, .nx_bit = 1ull << 63, .leaf_attr_bits = 0, .huge_bit = 1ull << 7, \
	.addr_mask = 0x000ffffffffff000ull

const struct pt_format pt_format_x86 = {
	.name = "x86-64",
	X86_ENTRY_BITS,
	.always_bits = 1ull << 0,
	.sign_extended = true,
};

/* EPT entries, SDM Vol. 3C tables 29-1..29-6: R=0, W=1, X=2, memory type
 * 3..5 on leaves (6 = write-back, SDM 29.3.7), "page" bit 7, an entry is
 * present when any of R/W/X is set. */
const struct pt_format pt_format_ept = {
	.name = "EPT",
	.present_mask = 0x7,
	.always_bits = 0,
	.read_bit = 1ull << 0,
	.write_bit = 1ull << 1,
	.user_bit = 0,
	.exec_bit = 1ull << 2,
	.nx_bit = 0,
	.leaf_attr_bits = 6ull << 3,
	.huge_bit = 1ull << 7,
	.addr_mask = 0x000ffffffffff000ull,
	.sign_extended = false,
};

/* AMD nested page tables (APM Vol. 2 15.25.5): the entries above, indexed
 * by guest-physical address (no sign extension), with U/S set at every level
 * because every access of the nested walk is a user access. */
const struct pt_format pt_format_npt = {
	.name = "NPT",
	X86_ENTRY_BITS,
	.always_bits = (1ull << 0) | (1ull << 2),
	.sign_extended = false,
};

/* 1G leaves at level 3 need CPUID Page1GB (guest) or EPT_VPID_CAP bit 17
 * (EPT); that is the caller's to check, the format allows them. */
const struct pt_level pt_levels[PT_MAX_LEVELS + 1] = {
	[1] = { "PT", 12, true },
	[2] = { "PD", 21, true },
	[3] = { "PDPT", 30, true },
	[4] = { "PML4", 39, false },
	[5] = { "PML5", 48, false },
};

const char *pt_status_str(enum pt_status s)
{
	switch (s) {
	case PT_OK: return "ok";
	case PT_ERR_LEVELS: return "paging depth must be 4 or 5 levels";
	case PT_ERR_PAGE_SIZE: return "page size must be 4K, 2M or 1G";
	case PT_ERR_MISALIGNED: return "address or size is not a multiple of the page size";
	case PT_ERR_RANGE: return "address is beyond what this paging depth translates";
	case PT_ERR_OVERLAP: return "range overlaps an existing mapping";
	case PT_ERR_NOMEM: return "out of memory for page tables";
	case PT_ERR_NOT_MAPPED: return "address is not mapped";
	case PT_ERR_SPLIT: return "range covers only part of a larger page";
	case PT_ERR_BAD_TABLE: return "table address has no backing memory";
	case PT_ERR_PERMS: return "EPT permissions with write but not read are a misconfiguration";
	}
	return "unknown paging error";
}

static unsigned level_of_size(uint64_t page_size)
{
	for (unsigned l = 1; l <= 3; l++)
		if (page_size == 1ull << pt_levels[l].shift)
			return l;
	return 0;
}

unsigned pt_native_refs(unsigned levels, uint64_t page_size)
{
	unsigned leaf = level_of_size(page_size);
	return leaf ? levels - leaf + 1 : 0;
}

static unsigned index_at(uint64_t va, unsigned level)
{
	return (unsigned)(va >> pt_levels[level].shift) & (PT_ENTRIES - 1);
}

static bool is_present(const struct pt_format *f, uint64_t e)
{
	return (e & f->present_mask) != 0;
}

/* PS is a leaf only where the level allows one (PML4E/PML5E PS is reserved). */
static bool is_leaf(const struct pt_format *f, uint64_t e, unsigned level)
{
	return level == 1 || (pt_levels[level].leaf_allowed && (e & f->huge_bit));
}

/* Entry bits for the given permissions; non-leaf entries grant everything so
 * that the leaf alone decides (SDM 4.6: rights are the AND over levels). */
static uint64_t encode(const struct pt_format *f, unsigned perms, bool leaf, unsigned level)
{
	uint64_t e = f->always_bits;
	if (perms & PT_R) e |= f->read_bit;
	if (perms & PT_W) e |= f->write_bit;
	if (perms & PT_U) e |= f->user_bit;
	if (perms & PT_X) e |= f->exec_bit;
	else e |= f->nx_bit;
	if (leaf) {
		e |= f->leaf_attr_bits;
		if (level > 1) e |= f->huge_bit;
	}
	return e;
}

static unsigned decode(const struct pt_format *f, uint64_t e)
{
	unsigned p = 0;
	if (!f->read_bit || (e & f->read_bit)) p |= PT_R;
	if (e & f->write_bit) p |= PT_W;
	if (!f->user_bit || (e & f->user_bit)) p |= f->user_bit ? PT_U : 0;
	if (f->exec_bit ? (e & f->exec_bit) : !(e & f->nx_bit)) p |= PT_X;
	return p;
}

/* Largest address + 1 that the table translates (lower half for x86). */
static uint64_t va_limit(const struct pt_table *t)
{
	unsigned bits = pt_levels[t->levels].shift + 9;
	if (t->fmt->sign_extended) bits -= 1;
	return 1ull << bits;
}

enum pt_status pt_init(struct pt_table *t, const struct pt_format *fmt, unsigned levels,
		       struct pt_mem mem)
{
	if (levels != 4 && levels != 5)
		return PT_ERR_LEVELS;
	t->fmt = fmt;
	t->levels = levels;
	t->mem = mem;
	t->tables_allocated = 0;
	t->root = mem.alloc_table(mem.ctx);
	if (t->root == ~0ull)
		return PT_ERR_NOMEM;
	if (!mem.table_ptr(mem.ctx, t->root))
		return PT_ERR_BAD_TABLE;
	t->tables_allocated = 1;
	return PT_OK;
}

static uint64_t *table_at(const struct pt_table *t, uint64_t addr)
{
	return t->mem.table_ptr(t->mem.ctx, addr);
}

/* Does the subtree under a table hold any present entry? */
static bool subtree_used(const struct pt_table *t, uint64_t table, unsigned level)
{
	uint64_t *tab = table_at(t, table);
	if (!tab)
		return true;
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t e = tab[i];
		if (!is_present(t->fmt, e))
			continue;
		if (is_leaf(t->fmt, e, level))
			return true;
		if (subtree_used(t, e & t->fmt->addr_mask, level - 1))
			return true;
	}
	return false;
}

/* Would a leaf at (va, leaf_level) collide with anything mapped? */
static enum pt_status check_free(const struct pt_table *t, uint64_t va, unsigned leaf_level)
{
	uint64_t table = t->root;
	for (unsigned level = t->levels; level >= leaf_level; level--) {
		uint64_t *tab = table_at(t, table);
		if (!tab)
			return PT_ERR_BAD_TABLE;
		uint64_t e = tab[index_at(va, level)];
		if (!is_present(t->fmt, e))
			return PT_OK;
		if (is_leaf(t->fmt, e, level))
			return PT_ERR_OVERLAP;
		if (level == leaf_level)
			return subtree_used(t, e & t->fmt->addr_mask, level - 1) ? PT_ERR_OVERLAP : PT_OK;
		table = e & t->fmt->addr_mask;
	}
	return PT_OK;
}

static enum pt_status validate_range(const struct pt_table *t, uint64_t va, uint64_t size,
				     uint64_t page_size)
{
	if (va & (page_size - 1) || size & (page_size - 1))
		return PT_ERR_MISALIGNED;
	uint64_t limit = va_limit(t);
	if (va >= limit || size > limit - va)
		return PT_ERR_RANGE;
	return PT_OK;
}

enum pt_status pt_map(struct pt_table *t, uint64_t va, uint64_t pa, uint64_t size,
		      uint64_t page_size, unsigned perms)
{
	unsigned leaf_level = level_of_size(page_size);
	if (!leaf_level || !pt_levels[leaf_level].leaf_allowed)
		return PT_ERR_PAGE_SIZE;
	enum pt_status s = validate_range(t, va, size, page_size);
	if (s != PT_OK)
		return s;
	if (pa & (page_size - 1))
		return PT_ERR_MISALIGNED;
	if (size == 0)
		return PT_OK;
	if (size - 1 > ~0ull - pa || ((pa + size - 1) & ~t->fmt->addr_mask & ~(PT_PAGE_SIZE - 1)))
		return PT_ERR_RANGE;
	/* EPT: write without read is a misconfiguration (SDM 29.3.3.1). */
	if (t->fmt->read_bit && (perms & PT_W) && !(perms & PT_R))
		return PT_ERR_PERMS;

	/* Pass 1: nothing is written unless the whole range is free. */
	for (uint64_t off = 0; off < size; off += page_size) {
		s = check_free(t, va + off, leaf_level);
		if (s != PT_OK)
			return s;
	}

	/* Pass 2: install the leaves, allocating intermediate tables. */
	for (uint64_t off = 0; off < size; off += page_size) {
		uint64_t table = t->root;
		for (unsigned level = t->levels; level > leaf_level; level--) {
			uint64_t *tab = table_at(t, table);
			if (!tab)
				return PT_ERR_BAD_TABLE;
			uint64_t *e = &tab[index_at(va + off, level)];
			if (!is_present(t->fmt, *e)) {
				uint64_t next = t->mem.alloc_table(t->mem.ctx);
				if (next == ~0ull)
					return PT_ERR_NOMEM;
				t->tables_allocated++;
				*e = (next & t->fmt->addr_mask) |
				     encode(t->fmt, PT_R | PT_W | PT_X | PT_U, false, level);
			}
			table = *e & t->fmt->addr_mask;
		}
		uint64_t *tab = table_at(t, table);
		if (!tab)
			return PT_ERR_BAD_TABLE;
		tab[index_at(va + off, leaf_level)] =
			((pa + off) & t->fmt->addr_mask) | encode(t->fmt, perms, true, leaf_level);
	}
	return PT_OK;
}

enum pt_status pt_unmap(struct pt_table *t, uint64_t va, uint64_t size)
{
	if (va & (PT_PAGE_SIZE - 1) || size & (PT_PAGE_SIZE - 1))
		return PT_ERR_MISALIGNED;
	/* Pass 1: every page in range must be mapped by a leaf inside the range. */
	for (uint64_t off = 0; off < size;) {
		struct pt_walk w;
		enum pt_status s = pt_walk(t, va + off, &w);
		if (s != PT_OK)
			return s;
		if (!w.mapped)
			return PT_ERR_NOT_MAPPED;
		uint64_t leaf_va = (va + off) & ~(w.page_size - 1);
		if (leaf_va < va || leaf_va + w.page_size > va + size)
			return PT_ERR_SPLIT;
		off = leaf_va + w.page_size - va;
	}
	/* Pass 2: clear the leaf entries. */
	for (uint64_t off = 0; off < size;) {
		struct pt_walk w;
		pt_walk(t, va + off, &w);
		const struct pt_walk_step *leaf = &w.steps[w.nsteps - 1];
		table_at(t, leaf->table)[leaf->index] = 0;
		off += w.page_size;
	}
	return PT_OK;
}

enum pt_status pt_walk(const struct pt_table *t, uint64_t va, struct pt_walk *w)
{
	w->mapped = false;
	w->pa = 0;
	w->page_size = 0;
	w->perms = PT_R | PT_W | PT_X | PT_U;
	w->nsteps = 0;
	w->fault_level = 0;
	if (va >= va_limit(t))
		return PT_ERR_RANGE;
	uint64_t table = t->root;
	for (unsigned level = t->levels; level >= 1; level--) {
		uint64_t *tab = table_at(t, table);
		if (!tab)
			return PT_ERR_BAD_TABLE;
		unsigned idx = index_at(va, level);
		uint64_t e = tab[idx];
		w->steps[w->nsteps++] = (struct pt_walk_step){ level, table, idx, e };
		if (!is_present(t->fmt, e)) {
			w->fault_level = level;
			w->perms = 0;
			return PT_OK;
		}
		w->perms &= decode(t->fmt, e);
		if (is_leaf(t->fmt, e, level)) {
			uint64_t size = 1ull << pt_levels[level].shift;
			w->mapped = true;
			w->page_size = size;
			w->pa = (e & t->fmt->addr_mask & ~(size - 1)) | (va & (size - 1));
			if (!t->fmt->user_bit)
				w->perms &= ~(unsigned)PT_U;
			return PT_OK;
		}
		table = e & t->fmt->addr_mask;
	}
	return PT_OK; /* not reached: level 1 entries are always leaves */
}

/* Translate a guest-physical address through the EPT, counting references. */
static enum pt_status ept_translate(const struct pt_table *ept, uint64_t gpa,
				    struct pt_nested_walk *w, uint64_t *hpa)
{
	struct pt_walk ew;
	enum pt_status s = pt_walk(ept, gpa, &ew);
	if (s != PT_OK)
		return s;
	w->ept_refs += ew.nsteps;
	if (!ew.mapped) {
		w->ept_fault = true;
		return PT_ERR_NOT_MAPPED;
	}
	w->ept_page_size = ew.page_size;
	*hpa = ew.pa;
	return PT_OK;
}

enum pt_status pt_nested_walk(const struct pt_table *guest, const struct pt_table *ept,
			      uint64_t gva, struct pt_nested_walk *w)
{
	*w = (struct pt_nested_walk){ 0 };
	if (gva >= va_limit(guest))
		return PT_ERR_RANGE;
	uint64_t gtable = guest->root;
	for (unsigned level = guest->levels; level >= 1; level--) {
		uint64_t hpa;
		enum pt_status s = ept_translate(ept, gtable, w, &hpa);
		if (s == PT_ERR_NOT_MAPPED)
			goto done;
		if (s != PT_OK)
			return s;
		/* The guest entry is read where it really lives: at the host-physical
		 * address the EPT gave, through the host (EPT) memory accessor. */
		uint64_t *tab = table_at(ept, hpa & ~(PT_PAGE_SIZE - 1));
		if (!tab)
			return PT_ERR_BAD_TABLE;
		uint64_t e = tab[index_at(gva, level)];
		w->guest_refs++;
		if (!is_present(guest->fmt, e))
			goto done;
		if (is_leaf(guest->fmt, e, level)) {
			uint64_t size = 1ull << pt_levels[level].shift;
			w->guest_page_size = size;
			w->gpa = (e & guest->fmt->addr_mask & ~(size - 1)) | (gva & (size - 1));
			s = ept_translate(ept, w->gpa, w, &w->hpa);
			if (s == PT_OK)
				w->mapped = true;
			else if (s != PT_ERR_NOT_MAPPED)
				return s;
			goto done;
		}
		gtable = e & guest->fmt->addr_mask;
	}
done:
	w->refs = w->guest_refs + w->ept_refs;
	return PT_OK;
}
