#include "walk_metrics.h"

#include <math.h>
#include <string.h>

#include "model.h"
#include "table.h"

/* Event names as the results spell them (libpfm4's, lower case, ':' and '.'
 * as '_'; see pmu_counter_name), and the own hypervisor's architectural ones. */
static const char *const completed_total[] = { "dtlb_load_misses_walk_completed", NULL };
static const char *const completed_by_size[] = { "dtlb_load_misses_walk_completed_4k",
						 "dtlb_load_misses_walk_completed_2m_4m",
						 "dtlb_load_misses_walk_completed_1g", NULL };
static const char *const pending[] = { "dtlb_load_misses_walk_pending", "dtlb_load_misses_walk_duration", NULL };
static const char *const ept_pending[] = { "ept_walk_pending", NULL };
static const char *const active[] = { "dtlb_load_misses_walk_active", NULL };
static const char *const cycles[] = { "unhalted_core_cycles", "cpu_clk_unhalted_thread_p", "cycles_not_in_halt",
				      "perf_count_hw_cpu_cycles", "cycles", NULL };
static const char *const amd_walks[] = { "l1_dtlb_miss_tlb_reload_4k_l2_miss", "l1_dtlb_miss_tlb_reload_2m_l2_miss",
					 "l1_dtlb_miss_tlb_reload_1g_l2_miss", NULL };
static const char *const hv_walks[] = { "dtlb_walks", NULL };

/* The per-access count of the first event of names the cell has (sum: all
 * of them added), in scope ("guest_" or ""); NAN when none was counted. */
static double counted(const struct cell_view *c, const char *scope, const char *const *names, bool sum)
{
	double total = NAN;
	for (int i = 0; names[i]; i++) {
		char key[160];
		snprintf(key, sizeof key, "pmu_%s%s_per_access", scope, names[i]);
		double x = view_counter(c, key);
		if (isnan(x))
			continue;
		total = isnan(total) ? x : total + x;
		if (!sum)
			break;
	}
	return total;
}

static double ratio(double a, double b)
{
	return isnan(a) || isnan(b) || b <= 0 ? NAN : a / b;
}

/* Does the cell have a PMU count at all? (Most cells of a large file have
 * none: no hardware PMU, or a backend without one.) */
static bool any_pmu_count(const struct cell_view *c)
{
	for (int i = 0; i < c->ncounters; i++)
		if (!strncmp(c->counters[i].key, "pmu_", 4))
			return true;
	return false;
}

bool walk_metrics_compute(const struct cell_view *c, struct walk_metrics *m)
{
	if (!any_pmu_count(c)) {
		*m = (struct walk_metrics){ .scope = "", .walk_cycles_per_walk = NAN, .ept_walk_cycles_per_walk = NAN,
					    .walk_active_fraction = NAN, .walks_per_access = NAN };
		return false;
	}
	/* Under kvm the guest-only counts are the guest's walks (2D under EPT/NPT). */
	m->scope = "guest";
	const char *scope = "guest_";
	if (isnan(counted(c, scope, completed_by_size, true)) && isnan(counted(c, scope, completed_total, false)) &&
	    isnan(counted(c, scope, amd_walks, true)) && isnan(counted(c, scope, active, false))) {
		scope = "";
		m->scope = "";
	}
	double done = counted(c, scope, completed_total, false);
	if (isnan(done))
		done = counted(c, scope, completed_by_size, true);
	m->walk_cycles_per_walk = ratio(counted(c, scope, pending, false), done);
	m->ept_walk_cycles_per_walk = ratio(counted(c, scope, ept_pending, false), done);
	m->walk_active_fraction = ratio(counted(c, scope, active, false), counted(c, scope, cycles, false));
	m->walks_per_access = counted(c, scope, amd_walks, true);
	if (isnan(m->walks_per_access))
		m->walks_per_access = counted(c, scope, hv_walks, false);
	return !isnan(m->walk_cycles_per_walk) || !isnan(m->ept_walk_cycles_per_walk) ||
	       !isnan(m->walk_active_fraction) || !isnan(m->walks_per_access);
}

void walk_metrics_write(const struct results_view *v, FILE *md, FILE *html)
{
	struct walk_metrics m;
	int any = 0;
	for (int i = 0; i < v->n && !any; i++)
		any = !strcmp(v->cells[i].status, "ok") && walk_metrics_compute(&v->cells[i], &m);
	if (!any)
		return;
	static const char *const cols[] = { "cell", "counts", ">model refs/walk", ">walk cycles/walk",
					    ">EPT walk cycles/walk", ">walk-active fraction", ">walks/access" };
	struct table t;
	table_begin(&t, md, html, "Page walks: PMU beside the model",
		    "Derived from the PMU counts (docs/metrics.md): cycles per completed walk, the EPT part of them, the fraction of cycles with a walk active, walks per access; beside the references one walk makes in the model (nested for virtualized cells, native otherwise).",
		    7, cols);
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (strcmp(c->status, "ok") || !walk_metrics_compute(c, &m))
			continue;
		bool native = !strcmp(c->backend, "native");
		const char *leaf = c->effective_page[0] && strcmp(c->effective_page, "?") ? c->effective_page : c->host_page;
		const struct model_row *r = model_lookup_pt(view_depth(c, "guest_levels"), native ? leaf : c->guest_page,
							    leaf, c->pt_leaf[0] ? c->pt_leaf : leaf,
							    view_depth(c, c->second_level[0] ? "second_level_levels" : "ept_levels"));
		char refs[16], wc[32], ewc[32], act[32], wpa[32];
		if (native || !r->error)
			snprintf(refs, sizeof refs, "%u", native ? r->native_refs : r->nested_refs);
		else
			snprintf(refs, sizeof refs, "-");
		table_number(wc, sizeof wc, "%.1f", m.walk_cycles_per_walk);
		table_number(ewc, sizeof ewc, "%.1f", m.ept_walk_cycles_per_walk);
		table_number(act, sizeof act, "%.3f", m.walk_active_fraction);
		table_number(wpa, sizeof wpa, "%.4f", m.walks_per_access);
		const char *vals[] = { c->name, m.scope[0] ? "guest only" : "all", refs, wc, ewc, act, wpa };
		table_row(&t, vals);
	}
	table_end(&t);
}
