#include "model_table.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "baseline.h"
#include "model.h"
#include "table.h"

/* Each virtualized cell: extra cycles over native 4K beside the references a
 * TLB miss costs for its guest leaf and effective second-level leaf, at the
 * depths the cell really had. */
void model_table_write(const struct results_view *v, FILE *md, FILE *html)
{
	static const char *const cols[] = { "cell", "walk", "guest leaf", "2nd-level leaf", "guest tables' leaf",
					    ">native refs", ">nested refs", ">cycles/access", ">native 4K cycles",
					    ">extra cycles", ">ratio" };
	struct table t;
	table_begin(&t, md, html, "Nested page walks: model beside measurement",
		    "References per TLB miss from the nested walker on tables built by the paging engine, for the depths each cell really had (guest depth; NPT or EPT depth: kvm_amd's NPT is as deep as the host's paging, kvm_intel's EPT as KVM chose), beside the measured cycles over native 4K pages at the same working set. The guest's page-table reads are translated through the second-level leaf the cell recorded for them (pt_leaf; '-' where unknown, then the data's leaf is assumed). Under shadow paging there is no second dimension: a TLB miss walks the shadow table, as deep as the guest's.",
		    11, cols);
	struct baseline natives;
	if (baseline_build(&natives, v) < 0)
		natives.n = 0;
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (!strcmp(c->backend, "native") || strcmp(c->status, "ok") || strncmp(c->name, "chase/", 6))
			continue;
		const struct cell_view *base = baseline_find(&natives, c->pattern, c->ws_bytes);
		double n4 = base ? base->median : NAN;
		const char *leaf = c->effective_page[0] && strcmp(c->effective_page, "?") ? c->effective_page : c->host_page;
		const char *second = c->second_level;
		bool shadow = !strcmp(second, "shadow");
		unsigned second_levels = view_depth(c, second[0] ? "second_level_levels" : "ept_levels");
		const char *pt_leaf = c->pt_leaf[0] ? c->pt_leaf : leaf;
		const struct model_row *m = model_lookup_pt(view_depth(c, "guest_levels"), c->guest_page, leaf, pt_leaf,
							    second_levels);
		char walk[32], nr[16], xr[16], cyc[32], nat[32], extra[32], ratio[32];
		if (shadow)
			snprintf(walk, sizeof walk, "%u-level, shadow", m->guest_levels);
		else
			snprintf(walk, sizeof walk, "%u-level x %s %u", m->guest_levels, second[0] ? second : "ept",
				 second_levels);
		/* Shadow paging: the walk is native over the shadow table's leaves. */
		snprintf(nr, sizeof nr, "%u",
			 shadow ? model_lookup(m->guest_levels, leaf, leaf, 4)->native_refs : m->native_refs);
		if (m->error || shadow)
			snprintf(xr, sizeof xr, "-");
		else
			snprintf(xr, sizeof xr, "%u", m->nested_refs);
		table_number(cyc, sizeof cyc, "%.1f", c->median);
		table_number(nat, sizeof nat, "%.1f", n4);
		table_number(extra, sizeof extra, "%+.1f", c->median - n4);
		table_number(ratio, sizeof ratio, "%.3f", c->median / n4);
		const char *vals[] = { c->name, walk, c->guest_page, leaf, shadow || !c->pt_leaf[0] ? "-" : c->pt_leaf,
				       nr, xr, cyc, nat, extra, ratio };
		table_row(&t, vals);
	}
	baseline_free(&natives);
	table_end(&t);
}

