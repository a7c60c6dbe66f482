#include "bench/backends/backend_common.h"

#include <stdio.h>
#include <string.h>

#include "bench/host/host_caps.h"
#include "lib/units.h"

struct chase_config cell_chase_config(const struct cell *c, const struct run_config *cfg, uint64_t base)
{
	/* A working set smaller than the stride is one element. */
	uint64_t stride = cfg->stride < c->ws ? cfg->stride : c->ws;
	return (struct chase_config){
		.base = base,
		.bytes = c->ws,
		.stride = stride,
		.group = cfg->group,
		.seed = cfg->seed,
		.pattern = c->pattern,
	};
}

void record_effective(struct cell_result *r, uint64_t b4k, uint64_t b2m, uint64_t b1g,
		      uint64_t requested, const char *why_if_smaller)
{
	result_counter(r, "eff_host_4k_pages", (double)(b4k >> 12));
	result_counter(r, "eff_host_2m_pages", (double)(b2m >> 21));
	result_counter(r, "eff_host_1g_pages", (double)(b1g >> 30));
	uint64_t dominant = 0;
	if (b4k || b2m || b1g)
		dominant = b1g >= b2m && b1g >= b4k ? (1ull << 30) : b2m >= b4k ? (2ull << 20) : 4096;
	snprintf(r->effective_page, sizeof r->effective_page, "%s", dominant ? page_size_name(dominant) : "?");
	uint64_t total = b4k + b2m + b1g;
	uint64_t at_request = requested == 4096 ? b4k : requested == (2ull << 20) ? b2m : b1g;
	result_counter(r, "eff_host_requested_fraction", total ? (double)at_request / (double)total : 0);
	if (!dominant) {
		r->page_mismatch = true;
		snprintf(r->mismatch_reason, sizeof r->mismatch_reason,
			 "effective page size unknown (no mapping of the working set was seen)");
	} else if (dominant != requested) {
		r->page_mismatch = true;
		snprintf(r->mismatch_reason, sizeof r->mismatch_reason,
			 "requested %s leaves, effective %s%s%s", page_size_name(requested),
			 page_size_name(dominant), why_if_smaller && dominant < requested ? ": " : "",
			 why_if_smaller && dominant < requested ? why_if_smaller : "");
	}
	result_counter(r, "page_size_mismatch", r->page_mismatch ? 1 : 0);
}

int check_memory(struct cell_result *r, const struct host_caps *h, uint64_t bytes)
{
	uint64_t avail = h->mem_available;
	if (avail && bytes > avail / 10 * 9) {
		char need[32], have[32];
		format_size(bytes, need, sizeof need);
		format_size(avail >> 20 << 20, have, sizeof have);
		result_skip(r, "working set needs %s but only %s of memory is available; fix: use a smaller --ws",
			    need, have);
		return -1;
	}
	return 0;
}
