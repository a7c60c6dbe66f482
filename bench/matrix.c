#include "matrix.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

static const char *const backend_names[BACKEND_COUNT] = { "native", "kvm", "bochs", "qemu" };

const char *backend_name(enum backend b)
{
	return b < BACKEND_COUNT ? backend_names[b] : "?";
}

int backend_parse(const char *s, enum backend *out)
{
	for (int i = 0; i < BACKEND_COUNT; i++)
		if (!strcasecmp(s, backend_names[i])) {
			*out = (enum backend)i;
			return 0;
		}
	return -1;
}

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

const char *guest_page_name(uint64_t size)
{
	switch (size) {
	case 4096: return "4k";
	case 2ull << 20: return "2m";
	case 1ull << 30: return "1g";
	default: return "?";
	}
}

int guest_page_parse(const char *s, uint64_t *out)
{
	if (!strcasecmp(s, "4k"))
		*out = 4096;
	else if (!strcasecmp(s, "2m"))
		*out = 2ull << 20;
	else if (!strcasecmp(s, "1g"))
		*out = 1ull << 30;
	else
		return -1;
	return 0;
}

static void matrix_defaults(struct matrix *m)
{
	memset(m, 0, sizeof *m);
	m->backends[0] = BACKEND_NATIVE;
	m->backends[1] = BACKEND_KVM;
	m->nbackends = 2;
	m->patterns[0] = CHASE_RANDOM;
	m->npatterns = 1;
	m->repetitions = 5;
	m->min_time = 0.05;
	m->stride = 4096;
	m->seed = 0x7c5f3a1d;
	m->max_warmup_passes = 20;
	m->ept_levels[0] = 4;
	m->nept_levels = 1;
	m->vpids[0] = true;
	m->nvpids = 1;
	m->guest_timeout = 60;
}

int matrix_preset(struct matrix *m, const char *name)
{
	matrix_defaults(m);
	if (!strcmp(name, "quick")) {
		/* CI-sized: the four working sets of the issue, the page sizes
		 * that show the nested-walk effect. */
		static const uint64_t ws[] = { 16ull << 10, 1ull << 20, 64ull << 20, 512ull << 20 };
		memcpy(m->ws, ws, sizeof ws);
		m->nws = 4;
		m->host_pages[0] = HOST_PAGE_4K;
		m->host_pages[1] = HOST_PAGE_2M;
		m->nhost_pages = 2;
		m->guest_pages[0] = 4096;
		m->guest_pages[1] = 2ull << 20;
		m->nguest_pages = 2;
		m->repetitions = 7;
		m->min_time = 0.05;
		return 0;
	}
	if (!strcmp(name, "default")) {
		/* A working-set sweep from 4 KiB to 1 GiB, every page size. */
		m->nws = 0;
		for (uint64_t s = 4096; s <= (1ull << 30); s *= 4)
			m->ws[m->nws++] = s;
		for (int i = 0; i < HOST_PAGE_COUNT; i++)
			m->host_pages[m->nhost_pages++] = (enum host_page)i;
		m->guest_pages[0] = 4096;
		m->guest_pages[1] = 2ull << 20;
		m->guest_pages[2] = 1ull << 30;
		m->nguest_pages = 3;
		m->patterns[1] = CHASE_SEQ;
		m->npatterns = 2;
		m->repetitions = 5;
		m->min_time = 0.05;
		return 0;
	}
	return -1;
}

void cell_name(struct cell *c)
{
	char ws[32];
	format_size(c->ws, ws, sizeof ws);
	if (c->workload != WORKLOAD_CHASE) {
		snprintf(c->name, sizeof c->name, "exit/%s/backend:%s",
			 c->workload == WORKLOAD_EXIT_CPUID ? "cpuid" : "io", backend_name(c->backend));
		return;
	}
	if (c->backend == BACKEND_NATIVE)
		snprintf(c->name, sizeof c->name, "chase/%s/ws:%s/backend:%s/host:%s",
			 pattern_name(c->pattern), ws, backend_name(c->backend),
			 host_page_name(c->host_page));
	else if (BACKEND_IS_VMX(c->backend)) /* tlb-tag: VPID under VMX, ASID under SVM */
		snprintf(c->name, sizeof c->name, "chase/%s/ws:%s/backend:%s/guest:%s/host:%s/tlb-tag:%s/ept-levels:%u",
			 pattern_name(c->pattern), ws, backend_name(c->backend),
			 guest_page_name(c->guest_page), host_page_name(c->host_page),
			 c->vpid ? "on" : "off", c->ept_levels);
	else {
		snprintf(c->name, sizeof c->name, "chase/%s/ws:%s/backend:%s/guest:%s/host:%s",
			 pattern_name(c->pattern), ws, backend_name(c->backend),
			 guest_page_name(c->guest_page), host_page_name(c->host_page));
		size_t len = strlen(c->name);
		if (c->vpid_set)
			len += (size_t)snprintf(c->name + len, sizeof c->name - len, "/vpid:%s", c->vpid ? "on" : "off");
		if (c->ept_levels && len < sizeof c->name)
			snprintf(c->name + len, sizeof c->name - len, "/ept-levels:%u", c->ept_levels);
	}
}

/* Order: pattern, working set, then backend, guest page, host page, VPID, EPT
 * depth. Cells that are compared with each other (the same working set on
 * every backend and page size) run close together in time, so a machine
 * that drifts (other tenants, memory reclaim) cannot flip their comparison. */
static void add_cell(struct cell *cells, int max, int *n, const struct cell *c)
{
	if (cells && *n < max) {
		cells[*n] = *c;
		cells[*n].index = *n;
		cell_name(&cells[*n]);
	}
	(*n)++;
}

int matrix_expand(const struct matrix *m, struct cell *cells, int max)
{
	int n = 0;
	for (int p = 0; p < m->npatterns; p++)
		for (int w = 0; w < m->nws; w++)
			for (int b = 0; b < m->nbackends; b++) {
				enum backend be = m->backends[b];
				bool native = be == BACKEND_NATIVE, vmx = BACKEND_IS_VMX(be);
				bool kvm = be == BACKEND_KVM;
				bool knob_vpid = vmx || (kvm && m->vpid_given), knob_levels = vmx || (kvm && m->levels_given);
				int nguest = native ? 1 : m->nguest_pages;
				int nvpid = knob_vpid ? m->nvpids : 1, nlevels = knob_levels ? m->nept_levels : 1;
				for (int g = 0; g < nguest; g++)
					for (int h = 0; h < m->nhost_pages; h++)
						for (int v = 0; v < nvpid; v++)
							for (int l = 0; l < nlevels; l++) {
								struct cell c = {
									.backend = be, .ws = m->ws[w], .pattern = m->patterns[p],
									.host_page = m->host_pages[h],
									.guest_page = native ? 0 : m->guest_pages[g],
									.vpid = knob_vpid ? m->vpids[v] : false, .vpid_set = knob_vpid,
									.ept_levels = knob_levels ? m->ept_levels[l] : 0,
								};
								add_cell(cells, max, &n, &c);
							}
			}
	for (int b = 0; b < m->nbackends; b++) {
		enum backend be = m->backends[b];
		bool native = be == BACKEND_NATIVE, vmx = BACKEND_IS_VMX(be);
		/* Exit round trips: one cell per exit kind, on a small 4K-page guest. */
		for (int k = 0; m->exit_cost && !native && k < 2; k++) {
			struct cell c = {
				.backend = be, .workload = k ? WORKLOAD_EXIT_CPUID : WORKLOAD_EXIT_IO,
				.ws = 16u << 10, .host_page = HOST_PAGE_4K, .guest_page = 4096, .vpid = true,
				.ept_levels = vmx ? 4 : 0,
			};
			add_cell(cells, max, &n, &c);
		}
	}
	return n;
}
