#include "bench/matrix/matrix.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/units.h"

const char *pattern_name(enum chase_pattern p)
{
	return p == CHASE_SEQ ? "seq" : "random";
}

int pattern_parse(const char *s, enum chase_pattern *out)
{
	if (!strcasecmp(s, "random"))
		*out = CHASE_RANDOM;
	else if (!strcasecmp(s, "seq") || !strcasecmp(s, "sequential"))
		*out = CHASE_SEQ;
	else
		return -1;
	return 0;
}

/* The name says what the cell's fields say: its guest page when it has a
 * guest, its tagged-TLB setting and EPT depth when it sets them. Under
 * tlbvisor's hypervisor the tag is VPID (VMX) or ASID (SVM), so the name says
 * tlb-tag; kvm switches VPID, so it says vpid. */
void cell_name(struct cell *c)
{
	char ws[32];
	format_size(c->ws, ws, sizeof ws);
	if (c->workload != WORKLOAD_CHASE) {
		snprintf(c->name, sizeof c->name, "exit/%s/backend:%s",
			 c->workload == WORKLOAD_EXIT_CPUID ? "cpuid" : "io", backend_name(c->backend));
		return;
	}
	size_t len = (size_t)snprintf(c->name, sizeof c->name, "chase/%s/ws:%s/backend:%s",
				      pattern_name(c->pattern), ws, backend_name(c->backend));
	if (c->guest_page && len < sizeof c->name)
		len += (size_t)snprintf(c->name + len, sizeof c->name - len, "/guest:%s", page_size_name(c->guest_page));
	if (len < sizeof c->name)
		len += (size_t)snprintf(c->name + len, sizeof c->name - len, "/host:%s", host_page_name(c->host_page));
	if (c->vpid_set && len < sizeof c->name)
		len += (size_t)snprintf(c->name + len, sizeof c->name - len, "/%s:%s",
					backend_ops(c->backend)->own_hypervisor ? "tlb-tag" : "vpid", c->vpid ? "on" : "off");
	if (c->ept_levels && len < sizeof c->name)
		len += (size_t)snprintf(c->name + len, sizeof c->name - len, "/ept-levels:%u", c->ept_levels);
	if (c->guest_levels && len < sizeof c->name)
		snprintf(c->name + len, sizeof c->name - len, "/guest-levels:%u", c->guest_levels);
}

/* Order: pattern, working set, then backend, guest page, host page, VPID, EPT
 * depth, guest depth. Cells that are compared with each other (the same
 * working set on every backend and page size) run close together in time, so
 * a machine that drifts (other tenants, memory reclaim) cannot flip their
 * comparison. One exception: kvm's VPID is a module parameter, switched by
 * reloading kvm_intel; its cells are grouped by VPID (outermost), so a run
 * reloads the module once per value, not once per cell. */
static void add_cell(struct cell *cells, int max, int *n, const struct cell *c)
{
	if (cells && *n < max) {
		cells[*n] = *c;
		cells[*n].index = cells[*n].matrix_index = *n;
		cell_name(&cells[*n]);
	}
	(*n)++;
}

/* The chase cells of one backend at one pattern and working set, with the
 * VPID settings of index [v0, v1). */
static void backend_cells(const struct matrix *m, struct cell *cells, int max, int *n, enum backend be,
			  enum chase_pattern pattern, uint64_t ws, int v0, int v1)
{
	const struct backend_ops *ops = backend_ops(be);
	bool knob_vpid = ops->own_hypervisor || (ops->module_knobs && m->vpid_given);
	bool knob_levels = ops->own_hypervisor || (ops->module_knobs && m->levels_given);
	bool glevels = ops->module_knobs && m->guest_levels_given;
	int nguest = ops->has_guest ? m->nguest_pages : 1;
	int nlevels = knob_levels ? m->nept_levels : 1, ngl = glevels ? m->nguest_levels : 1;
	for (int g = 0; g < nguest; g++)
		for (int h = 0; h < m->nhost_pages; h++)
			for (int v = v0; v < v1; v++)
				for (int l = 0; l < nlevels; l++)
					for (int d = 0; d < ngl; d++) {
						struct cell c = {
							.backend = be, .ws = ws, .pattern = pattern,
							.host_page = m->host_pages[h],
							.guest_page = ops->has_guest ? m->guest_pages[g] : 0,
							.vpid = knob_vpid ? m->vpids[v] : false, .vpid_set = knob_vpid,
							.ept_levels = knob_levels ? m->ept_levels[l] : 0,
							.guest_levels = glevels ? m->guest_levels[d] : 0,
						};
						add_cell(cells, max, n, &c);
					}
}

int matrix_expand(const struct matrix *m, struct cell *cells, int max)
{
	int n = 0;
	int nouter = m->vpid_given ? m->nvpids : 1; /* kvm's VPID groups */
	for (int o = 0; o < nouter; o++)
		for (int p = 0; p < m->npatterns; p++)
			for (int w = 0; w < m->nws; w++)
				for (int b = 0; b < m->nbackends; b++) {
					enum backend be = m->backends[b];
					const struct backend_ops *ops = backend_ops(be);
					bool module_vpid = ops->module_knobs && m->vpid_given;
					if (module_vpid)
						backend_cells(m, cells, max, &n, be, m->patterns[p], m->ws[w], o, o + 1);
					else if (o == 0) /* other backends once, all their VPIDs */
						backend_cells(m, cells, max, &n, be, m->patterns[p], m->ws[w], 0,
							      ops->own_hypervisor ? m->nvpids : 1);
				}
	for (int b = 0; b < m->nbackends; b++) {
		enum backend be = m->backends[b];
		const struct backend_ops *ops = backend_ops(be);
		/* Exit round trips: one cell per exit kind, on a small 4K-page guest. */
		for (int k = 0; m->exit_cost && ops->has_guest && k < 2; k++) {
			struct cell c = {
				.backend = be, .workload = k ? WORKLOAD_EXIT_CPUID : WORKLOAD_EXIT_IO,
				.ws = 16u << 10, .host_page = HOST_PAGE_4K, .guest_page = 4096, .vpid = true,
				.ept_levels = ops->own_hypervisor ? 4 : 0,
			};
			add_cell(cells, max, &n, &c);
		}
	}
	return n;
}
