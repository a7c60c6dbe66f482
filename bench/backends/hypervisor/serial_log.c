/* Reading the hypervisor's serial log: one JSON object per line among
 * whatever else the console printed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/backends/hypervisor/serial_log.h"
#include "lib/json_util.h"
#include "lib/units.h"

int serial_log_read(const char *path, struct serial_log *log, char *err, size_t errlen)
{
	memset(log, 0, sizeof *log);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot read serial log %s: %s", path, strerror(errno));
		return -1;
	}
	log->cells = json_array();
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) > 0) {
		char *start = strchr(line, '{');
		if (!start)
			continue;
		json_t *obj = json_loads(start, JSON_DISABLE_EOF_CHECK, NULL);
		if (!json_is_object(obj)) {
			json_decref(obj);
			continue; /* a torn line (the machine stopped mid-write) */
		}
		const char *tag = json_string_value(json_object_get(obj, "tlbvisor"));
		if (tag && !strcmp(tag, "hello")) {
			json_decref(log->hello);
			log->hello = obj;
		} else if (tag && !strcmp(tag, "done")) {
			log->done = true;
			json_decref(obj);
		} else if (tag && (!strcmp(tag, "panic") || !strcmp(tag, "error"))) {
			json_decref(log->panic);
			log->panic = obj;
		} else if (json_object_get(obj, "cell")) {
			if (json_is_string(json_object_get(obj, "probe"))) {
				json_decref(log->probe);
				log->probe = obj;
			} else {
				json_array_append_new(log->cells, obj);
			}
		} else {
			json_decref(obj);
		}
	}
	free(line);
	fclose(f);
	return 0;
}

void serial_log_free(struct serial_log *log)
{
	json_decref(log->hello);
	json_decref(log->cells);
	json_decref(log->probe);
	json_decref(log->panic);
	memset(log, 0, sizeof *log);
}

static const char *workload_tag(enum workload w)
{
	return w == WORKLOAD_EXIT_IO ? "exit_io" : w == WORKLOAD_EXIT_CPUID ? "exit_cpuid" : "chase";
}

bool serial_line_matches(json_t *line, const struct cell *c)
{
	const char *w = json_str(line, "workload");
	if (strcmp(w[0] ? w : "chase", workload_tag(c->workload)))
		return false;
	if (c->workload != WORKLOAD_CHASE)
		return true;
	return (uint64_t)json_int(line, "ws") == c->ws &&
	       !strcmp(json_str(line, "pattern"), pattern_name(c->pattern)) &&
	       !strcmp(json_str(line, "guest_page"), page_size_name(c->guest_page)) &&
	       !strcmp(json_str(line, "ept_page"), host_page_name(c->host_page)) &&
	       (unsigned)json_int(line, "ept_levels") == c->ept_levels &&
	       !strcmp(json_str(line, "vpid"), c->vpid ? "on" : "off");
}

int serial_line_to_cell(json_t *line, enum backend be, struct cell *c)
{
	memset(c, 0, sizeof *c);
	c->backend = be;
	c->ws = (uint64_t)json_int(line, "ws");
	c->ept_levels = (unsigned)json_int(line, "ept_levels");
	c->vpid = !strcmp(json_str(line, "vpid"), "on");
	c->vpid_set = true; /* the hypervisor sets VPID in every cell */
	if (pattern_parse(json_str(line, "pattern"), &c->pattern) < 0 ||
	    page_size_parse(json_str(line, "guest_page"), &c->guest_page) < 0 ||
	    host_page_parse(json_str(line, "ept_page"), &c->host_page) < 0 || !c->ws)
		return -1;
	c->index = (int)json_int(line, "cell");
	const char *w = json_str(line, "workload");
	c->workload = !strcmp(w, "exit_io") ? WORKLOAD_EXIT_IO : !strcmp(w, "exit_cpuid") ? WORKLOAD_EXIT_CPUID : WORKLOAD_CHASE;
	cell_name(c);
	return 0;
}

void serial_line_to_result(json_t *line, double tsc_hz, struct cell_result *r)
{
	const char *status = json_str(line, "status");
	if (!strcmp(status, "skipped")) {
		result_skip(r, "%s", json_str(line, "reason"));
		return;
	}
	if (strcmp(status, "ok")) {
		result_fail(r, "%s", json_str(line, "reason"));
		return;
	}
	json_t *reps = json_object_get(line, "rep_cycles");
	r->steps = (uint64_t)json_int(line, "steps");
	r->timer_overhead = (double)json_int(line, "timer_overhead");
	r->elements = (uint64_t)json_int(line, "elements");
	r->warmup_passes = (int)json_int(line, "warmup_passes");
	r->warmup_stable = json_is_true(json_object_get(line, "warmup_stable"));
	r->tsc_hz = tsc_hz;
	r->reps = 0;
	size_t i;
	json_t *v;
	json_array_foreach(reps, i, v) {
		if (r->reps >= RESULT_MAX_REPS || !r->steps)
			break;
		double net = (double)json_integer_value(v) - r->timer_overhead;
		r->cycles[r->reps++] = (net > 0 ? net : 0) / (double)r->steps;
	}
	if (!r->reps) {
		result_fail(r, "the hypervisor reported no repetitions");
		return;
	}
	r->status = CELL_OK;
	const char *keys[] = { "io_commands", "tick_exits", "timer_exits", "build_exits",
			       "warmup_exits", "measure_exits", "ept_walk_refs" };
	for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
		if (json_object_get(line, keys[k]))
			result_counter(r, keys[k], (double)json_int(line, keys[k]));
	/* From the hypervisor's own walk of its EPT/NPT at the guest's top table. */
	snprintf(r->pt_leaf, sizeof r->pt_leaf, "%s", json_str(line, "pt_leaf"));
	const char *reason;
	json_t *count;
	/* The hypervisor's PMU counts (measured phase, guest only). */
	json_t *pmu = json_object_get(line, "pmu");
	double accesses = (double)r->steps * (double)r->reps;
	json_object_foreach(pmu, reason, count) {
		char name[RESULT_COUNTER_NAME];
		snprintf(name, sizeof name, "pmu_measure_%s", reason);
		result_counter(r, name, (double)json_integer_value(count));
		snprintf(name, sizeof name, "pmu_%s_per_access", reason);
		if (accesses > 0)
			result_counter(r, name, (double)json_integer_value(count) / accesses);
	}
	if (json_is_string(json_object_get(line, "pmu_status")))
		snprintf(r->pmu_status, sizeof r->pmu_status, "%s", json_str(line, "pmu_status"));
	json_object_foreach(json_object_get(line, "exits"), reason, count) {
		char name[RESULT_COUNTER_NAME];
		snprintf(name, sizeof name, "exit_%s", reason);
		result_counter(r, name, (double)json_integer_value(count));
	}
	if (strcmp(json_str(line, "workload"), "chase") && json_str(line, "workload")[0]) {
		snprintf(r->effective_page, sizeof r->effective_page, "-");
		return; /* exit round trips: cycles_per_access is cycles per exit */
	}
	/* The EPT the hypervisor built is the effective second-level leaf. */
	const char *leaf = json_str(line, "ept_leaf");
	snprintf(r->effective_page, sizeof r->effective_page, "%s", leaf[0] ? leaf : "?");
	if (strcmp(r->effective_page, host_page_name(r->cell.host_page))) {
		r->page_mismatch = true;
		snprintf(r->mismatch_reason, sizeof r->mismatch_reason, "requested %s EPT leaves, built %s",
			 host_page_name(r->cell.host_page), r->effective_page);
	}
	result_counter(r, "page_size_mismatch", r->page_mismatch ? 1 : 0);
}
