/* Page-walk metrics derived from PMU counts, where the PMU counts them
 * (formulas in docs/metrics.md, "Derived page-walk metrics"):
 *   Intel: walk cycles per completed walk = WALK_PENDING / WALK_COMPLETED,
 *          EPT walk cycles per walk = EPT.WALK_PENDING / WALK_COMPLETED,
 *          fraction of cycles with a walk active = WALK_ACTIVE / cycles;
 *   AMD:   walks per access = L2 DTLB misses (TLB reloads that miss the L2
 *          DTLB, i.e. page walks) per access.
 * Inputs are the cells' per-access counters (pmu_[guest_]EVENT_per_access);
 * ratios of per-access counts are ratios of the counts. */
#ifndef TLBVISOR_WALK_METRICS_H
#define TLBVISOR_WALK_METRICS_H

#include <stdbool.h>
#include <stdio.h>

#include "results_view.h"

struct walk_metrics {
	double walk_cycles_per_walk;     /* NAN where not counted */
	double ept_walk_cycles_per_walk;
	double walk_active_fraction;
	double walks_per_access;
	const char *scope;               /* "guest" (kvm: guest-only counts) or "" */
};

/* true when at least one metric could be derived. */
bool walk_metrics_compute(const struct cell_view *c, struct walk_metrics *m);
/* The report's section "Page walks: PMU beside the model", written only
 * when some cell has a metric. */
void walk_metrics_write(const struct results_view *v, FILE *md, FILE *html);

#endif
