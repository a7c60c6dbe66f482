/* A cell's JSON line on the serial console: what the cell was, how it ended,
 * its exits by reason and per phase, its nested translation and its PMU
 * counts. tlbvisor reads these lines back (bench/backends/hypervisor/serial_log.c). */
#include "cells.h"

#include "hv/common/measure.h"
#include "serial.h"

static const char *page_name(uint64_t p)
{
	return p == PT_SIZE_1G ? "1g" : p == PT_SIZE_2M ? "2m" : "4k";
}

/* The keys keep their first (VMX) names: "ept_*" is the second-level table
 * (EPT or NPT) and "vpid" the guest TLB tag (VPID or ASID); the hello line
 * says which vendor. */
static void json_cell_head(const struct hv_cell *c, const char *status)
{
	kprintf("{\"cell\":%u,\"status\":\"%s\",\"ws\":%lu,\"pattern\":\"%s\",\"guest_page\":\"%s\","
		"\"ept_page\":\"%s\",\"ept_levels\":%u,\"vpid\":\"%s\",\"probe\":%s,\"workload\":\"%s\"",
		c->index, status, c->ws, c->pattern == CHASE_SEQ ? "seq" : "random",
		page_name(c->guest_page), page_name(c->nested_page), c->levels, c->tagged ? "on" : "off",
		c->probe ? "\"ept_violation\"" : "null",
		!c->exit_cost ? "chase" : c->exit_kind == TV_EXIT_CPUID ? "exit_cpuid" : "exit_io");
}

void report_skip(const struct hv_cell *c, const char *reason)
{
	json_cell_head(c, "skipped");
	kputs(",\"reason\":\"");
	kput_json_string(reason);
	kputs("\"}\n");
}

void report_outcome(const struct cell_outcome *o)
{
	const struct exit_ctx *x = o->x;
	const struct measure_result *mr = o->mr;
	json_cell_head(o->cell, o->rc == MEASURE_OK ? "ok" : "failed");
	if (o->rc != MEASURE_OK) {
		kputs(",\"reason\":\"");
		kput_json_string(mr->step);
		kputs(": ");
		kput_json_string(o->rc == MEASURE_CORRUPT ? "the chase ended at the wrong element: the working set was corrupted"
							  : x->error[0] ? x->error : "failed");
		kputs("\"");
	}
	kprintf(",\"elements\":%lu,\"steps\":%lu,\"timer_overhead\":%lu,\"warmup_passes\":%u,"
		"\"warmup_stable\":%s,\"rep_cycles\":[",
		mr->elements, mr->steps, mr->timer_overhead, mr->warmup_passes,
		mr->warmup_stable ? "true" : "false");
	for (unsigned i = 0; i < mr->reps; i++)
		kprintf("%s%lu", i ? "," : "", mr->rep_cycles[i]);
	kprintf("],\"io_commands\":%lu,\"tick_exits\":%lu,\"timer_exits\":%lu,\"exits\":{",
		x->io_commands, x->tick_exits, x->timer_exits);
	bool first = true;
	for (unsigned i = 0; i <= x->table->n && i < HV_EXIT_SLOTS; i++)
		if (x->histogram[i]) {
			kprintf("%s\"%s\":%lu", first ? "" : ",", exit_slot_name(x->table, i), x->histogram[i]);
			first = false;
		}
	kprintf("},\"build_exits\":%lu,\"warmup_exits\":%lu,\"measure_exits\":%lu",
		o->phase_exits[MEASURE_BUILD], o->phase_exits[MEASURE_WARMUP], o->phase_exits[MEASURE_MEASURE]);
	if (o->nested_walk && o->nested_walk->mapped)
		kprintf(",\"ept_leaf\":\"%s\",\"ept_walk_refs\":%u", page_name(o->nested_walk->page_size),
			o->nested_walk->nsteps);
	if (o->pt_walk && o->pt_walk->mapped)
		kprintf(",\"pt_leaf\":\"%s\"", page_name(o->pt_walk->page_size));
	/* PMU counts of the measured phase, guest only; or why there are none. */
	bool counting;
	const char *status = hv_pmu_status(o->pmu, o->rc == MEASURE_OK, &counting);
	kputs(",\"pmu_status\":\"");
	kput_json_string(status);
	kputs("\",\"pmu\":{");
	for (unsigned i = 0; counting && i < o->pmu->n; i++)
		kprintf("%s\"%s\":%lu", i ? "," : "", o->pmu->names[i], o->pmu->delta[i]);
	kputs("}}\n");
}
