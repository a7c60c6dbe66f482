#include "model.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hv/paging/paging.h"
#include "hv/paging/pt_arena.h"
#include "lib/units.h"

#define MODEL_ARENA_BYTES (8u << 20)
/* Guest-virtual = guest-physical address of the walked page: 1 GiB, aligned
 * for every leaf size, plus an offset inside its first 4K. */
#define MODEL_DATA_GPA (1ull << 30)
#define MODEL_PROBE_OFFSET 0x238ull

static uint64_t round_up(uint64_t x, uint64_t a) { return (x + a - 1) & ~(a - 1); }

/* Host-physical memory is the arena at address 0. EPT tables and guest tables
 * both come from it; the EPT maps the arena identity (gPA == hPA) with the
 * page-table leaf (pt_page), the data with the EPT leaf, so guest tables are
 * walked through real EPT leaves of the size they really sat behind. */
void model_compute_one(struct model_row *r)
{
	r->error = NULL;
	r->native_refs = pt_native_refs(r->guest_levels, r->guest_page);
	void *mem = aligned_alloc(PT_PAGE_SIZE, MODEL_ARENA_BYTES);
	if (!mem) {
		r->error = "out of memory";
		return;
	}
	struct pt_arena arena;
	pt_arena_init(&arena, mem, 0, MODEL_ARENA_BYTES);
	struct pt_table ept, guest;
	enum pt_status s = pt_init(&ept, &pt_format_ept, r->ept_levels, pt_arena_mem(&arena));
	if (s == PT_OK)
		s = pt_init(&guest, &pt_format_x86, r->guest_levels, pt_arena_mem(&arena));
	uint64_t data_span = r->guest_page > r->ept_page ? r->guest_page : r->ept_page;
	uint64_t pt_page = r->pt_page ? r->pt_page : r->ept_page;
	if (s == PT_OK)
		s = pt_map(&ept, 0, 0, round_up(MODEL_ARENA_BYTES, pt_page), pt_page, PT_R | PT_W | PT_X);
	if (s == PT_OK)
		s = pt_map(&ept, MODEL_DATA_GPA, MODEL_DATA_GPA, data_span, r->ept_page,
			   PT_R | PT_W | PT_X);
	if (s == PT_OK)
		s = pt_map(&guest, MODEL_DATA_GPA, MODEL_DATA_GPA, r->guest_page, r->guest_page,
			   PT_R | PT_W | PT_U);
	struct pt_nested_walk w;
	if (s == PT_OK)
		s = pt_nested_walk(&guest, &ept, MODEL_DATA_GPA + MODEL_PROBE_OFFSET, &w);
	if (s != PT_OK) {
		r->error = pt_status_str(s);
	} else if (!w.mapped || w.hpa != MODEL_DATA_GPA + MODEL_PROBE_OFFSET) {
		r->error = "nested walk did not reach the mapped page";
	} else {
		r->nested_refs = w.refs;
		r->guest_refs = w.guest_refs;
		r->ept_refs = w.ept_refs;
	}
	free(mem);
}

int model_compute(struct model_row *rows, int max_rows)
{
	static const unsigned depths[] = { 4, 5 };
	static const uint64_t pages[] = { PT_SIZE_4K, PT_SIZE_2M, PT_SIZE_1G };
	int n = 0;
	for (int gl = 0; gl < 2; gl++)
		for (int el = 0; el < 2; el++)
			for (int gp = 0; gp < 3; gp++)
				for (int ep = 0; ep < 3; ep++) {
					if (n >= max_rows)
						return n;
					struct model_row *r = &rows[n++];
					*r = (struct model_row){ .guest_levels = depths[gl],
								 .ept_levels = depths[el],
								 .guest_page = pages[gp],
								 .ept_page = pages[ep] };
					model_compute_one(r);
				}
	return n;
}

static const char *page_name(uint64_t p)
{
	return p == PT_SIZE_1G ? "1G" : p == PT_SIZE_2M ? "2M" : "4K";
}

void model_print(FILE *out, const struct model_row *rows, int n)
{
	fprintf(out, "References per TLB miss (computed by walking tables built by hv/paging)\n");
	fprintf(out, "%-12s %-10s %-10s %-9s %12s %12s %9s %9s\n", "guest-levels", "ept-levels",
		"guest-leaf", "ept-leaf", "native-refs", "nested-refs", "guest", "ept");
	for (int i = 0; i < n; i++) {
		const struct model_row *r = &rows[i];
		if (r->error) {
			fprintf(out, "%-12u %-10u %-10s %-9s %12u %12s  (%s)\n", r->guest_levels,
				r->ept_levels, page_name(r->guest_page), page_name(r->ept_page),
				r->native_refs, "error", r->error);
			continue;
		}
		fprintf(out, "%-12u %-10u %-10s %-9s %12u %12u %9u %9u\n", r->guest_levels,
			r->ept_levels, page_name(r->guest_page), page_name(r->ept_page),
			r->native_refs, r->nested_refs, r->guest_refs, r->ept_refs);
	}
}

/* A page name's size; THP maps with 2M leaves where it can. */
static uint64_t page_bytes(const char *p)
{
	uint64_t bytes = 4096;
	page_size_parse(!strcmp(p, "thp") ? "2m" : p, &bytes);
	return bytes;
}

static int page_index(uint64_t bytes)
{
	return bytes == 1ull << 30 ? 2 : bytes == 2ull << 20 ? 1 : 0;
}

const struct model_row *model_lookup_pt(unsigned guest_levels, const char *guest_page, const char *ept_page,
					const char *pt_page, unsigned ept_levels)
{
	static struct model_row rows[2][2][3][3][3];
	static bool have[2][2][3][3][3];
	uint64_t guest = page_bytes(guest_page), ept = page_bytes(ept_page), pt = page_bytes(pt_page);
	int gl = guest_levels == 5, l = ept_levels == 5, g = page_index(guest), e = page_index(ept), p = page_index(pt);
	if (!have[gl][l][g][e][p]) {
		rows[gl][l][g][e][p] = (struct model_row){ .guest_levels = gl ? 5 : 4, .ept_levels = l ? 5 : 4,
							   .guest_page = guest, .ept_page = ept, .pt_page = pt };
		model_compute_one(&rows[gl][l][g][e][p]);
		have[gl][l][g][e][p] = true;
	}
	return &rows[gl][l][g][e][p];
}

const struct model_row *model_lookup(unsigned guest_levels, const char *guest_page, const char *ept_page,
				     unsigned ept_levels)
{
	return model_lookup_pt(guest_levels, guest_page, ept_page, ept_page, ept_levels);
}
