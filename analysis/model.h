/* The nested-walk reference model: references per TLB miss computed by the
 * paging engine's 2D walker on real tables, for every combination of guest
 * depth, EPT depth, guest leaf and EPT leaf. */
#ifndef TLBVISOR_MODEL_H
#define TLBVISOR_MODEL_H

#include <stdint.h>
#include <stdio.h>

struct model_row {
	unsigned guest_levels, ept_levels;
	uint64_t guest_page, ept_page;
	uint64_t pt_page;      /* second-level leaf behind the guest page tables (0: ept_page) */
	unsigned native_refs;  /* guest walk alone, as on bare metal */
	unsigned nested_refs;  /* guest + EPT references of the 2D walk */
	unsigned guest_refs, ept_refs;
	const char *error;     /* NULL, or why the walk could not be made */
};

#define MODEL_MAX_ROWS 36

/* Builds the tables and walks them; returns the number of rows filled. */
int model_compute(struct model_row *rows, int max_rows);
/* One combination. */
void model_compute_one(struct model_row *row);
/* The model for a 4-level guest with a guest leaf and a second-level leaf
 * named as cells name them ("4k", "2m", "1g", "thp") and an EPT depth (4 or
 * 5): computed once per combination (18 of them), not once per cell. */
const struct model_row *model_lookup(unsigned guest_levels, const char *guest_page, const char *ept_page,
				     unsigned ept_levels);
/* The same with the guest page tables behind pt_page second-level leaves
 * and the data behind ept_page (model_lookup: both ept_page). */
const struct model_row *model_lookup_pt(unsigned guest_levels, const char *guest_page, const char *ept_page,
					const char *pt_page, unsigned ept_levels);
void model_print(FILE *out, const struct model_row *rows, int n);

#endif
