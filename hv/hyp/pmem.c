#include "pmem.h"

#define LIMIT (4ull << 30) /* the boot identity map */

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

/* Remove [lo, hi) from every free range (splitting where needed). */
static void reserve(struct pmem *p, uint64_t lo, uint64_t hi)
{
	for (unsigned i = 0; i < p->n; i++) {
		uint64_t b = p->free[i].base, e = p->free[i].end;
		if (hi <= b || lo >= e)
			continue;
		if (lo > b && hi < e && p->n < PMEM_MAX_RANGES) {
			p->free[p->n].base = hi; /* the upper part becomes a new range */
			p->free[p->n].end = e;
			p->n++;
			p->free[i].end = lo;
		} else if (lo > b) {
			p->free[i].end = lo;
		} else if (hi < e) {
			p->free[i].base = hi;
		} else {
			p->free[i].base = p->free[i].end = 0; /* wholly reserved */
		}
	}
}

void pmem_init(struct pmem *p, const struct mb2_info *mb, uint64_t info, uint64_t kernel_start,
	       uint64_t kernel_end)
{
	p->n = 0;
	for (unsigned i = 0; i < mb->nram && p->n < PMEM_MAX_RANGES; i++) {
		uint64_t b = mb->ram[i].base, e = b + mb->ram[i].length;
		if (e > LIMIT)
			e = LIMIT;
		if (b < e) {
			p->free[p->n].base = b;
			p->free[p->n].end = e;
			p->n++;
		}
	}
	reserve(p, 0, 1ull << 20);
	reserve(p, kernel_start, kernel_end);
	reserve(p, info, mb->info_end);
	for (unsigned i = 0; i < mb->nmodules; i++)
		reserve(p, mb->modules[i].start, mb->modules[i].end);
}

uint64_t pmem_alloc(struct pmem *p, uint64_t size, uint64_t align)
{
	for (unsigned i = 0; i < p->n; i++) {
		uint64_t start = align_up(p->free[i].base, align);
		if (start >= p->free[i].base && start < p->free[i].end && p->free[i].end - start >= size) {
			reserve(p, start, start + size);
			return start;
		}
	}
	return 0;
}

uint64_t pmem_largest(const struct pmem *p, uint64_t align, uint64_t *size)
{
	uint64_t best = 0, best_size = 0;
	for (unsigned i = 0; i < p->n; i++) {
		uint64_t start = align_up(p->free[i].base, align);
		if (start < p->free[i].end && p->free[i].end - start > best_size) {
			best = start;
			best_size = p->free[i].end - start;
		}
	}
	*size = best_size;
	return best;
}
