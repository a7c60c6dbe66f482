#include "bench/results/results_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "bench/backends/backend.h"
#include "bench/backends/payload.h"
#include "bench/host/host_caps.h"
#include "bench/host/host_virt.h"
#include "bench/run/cell_stats.h"
#include "bench/run/run_config.h"
#include "bench/run/stats.h"
#include "lib/files.h"
#include "lib/json_util.h"
#include "lib/units.h"

/* Where the run was measured: Google Benchmark's host keys and tlbvisor's
 * provenance of the CPU, kernel, memory and KVM, as (key, jansson type,
 * member of struct host_caps). */
#define HOST_KEYS(X)                                              \
	X("host_name", string, hostname)                          \
	X("num_cpus", integer, ncpus)                             \
	X("mhz_per_cpu", integer, tsc_hz / 1e6)                   \
	X("cpu_model", string, cpu_model)                         \
	X("cpu_vendor", string, cpu_vendor)                       \
	X("cpu_family", integer, cpu_family)                      \
	X("cpu_model_id", integer, cpu_model_id)                  \
	X("cpu_stepping", integer, cpu_stepping)                  \
	X("microcode", string, microcode)                         \
	X("kernel", string, kernel)                               \
	X("thp_enabled", string, thp_enabled)                     \
	X("thp_defrag", string, thp_defrag)                       \
	X("hugepages_2m_total", integer, pool_2m.total)           \
	X("hugepages_2m_free", integer, pool_2m.free)             \
	X("hugepages_1g_total", integer, pool_1g.total)           \
	X("hugepages_1g_free", integer, pool_1g.free)             \
	X("mem_available_bytes", u64, mem_available)              \
	X("tsc_hz", real, tsc_hz)                                 \
	X("tsc_source", string, tsc_source)                       \
	X("tsc_calibrated_hz", real, tsc_calibrated_hz)           \
	X("kvm_available", boolean, kvm_ok)                       \
	X("kvm_status", string, kvm_reason)                       \
	X("kvm_modules", string, kvm_modules)                     \
	X("kvm_guest_1g_pages", boolean, guest_1g)                \
	X("kvm_guest_1g_reason", string, guest_1g_reason)         \
	X("native_is_vm", boolean, native_is_vm)                  \
	X("hypervisor_vendor", string, hypervisor_vendor)         \
	X("emulator", string, emulator)                           \
	X("paging_levels", integer, paging_levels)                \
	X("paging_levels_how", string, paging_how)

/* Google Benchmark's layout: [{"type", "level", "size", "num_sharing"}]. */
static json_t *caches_json(const struct host_caps *h)
{
	json_t *a = json_array();
	for (int i = 0; i < h->ncaches; i++) {
		const struct host_cache *c = &h->caches[i];
		json_t *o = json_object();
		json_object_set_new(o, "type", json_string(c->type));
		json_object_set_new(o, "level", json_integer(c->level));
		json_object_set_new(o, "size", json_u64(c->size));
		json_object_set_new(o, "num_sharing", json_integer(c->num_sharing));
		json_array_append_new(a, o);
	}
	return a;
}

/* {"source", "tlbs": [{"level", "kind", "entries", "ways", "page_sizes":
 * ["4k", ...]}]}; ways is null where CPUID does not give it, 0 for fully
 * associative. */
static json_t *tlb_geometry_json(const struct tlb_geometry *g)
{
	static const struct { unsigned bit; const char *name; } sizes[] = {
		{ TLB_PAGE_4K, "4k" }, { TLB_PAGE_2M, "2m" }, { TLB_PAGE_4M, "4m" }, { TLB_PAGE_1G, "1g" },
	};
	json_t *o = json_object(), *list = json_array();
	json_object_set_new(o, "source", json_string(g->source ? g->source : ""));
	for (int i = 0; i < g->n; i++) {
		const struct tlb_info *t = &g->tlb[i];
		json_t *e = json_object(), *ps = json_array();
		json_object_set_new(e, "level", json_integer(t->level));
		json_object_set_new(e, "kind", json_string(tlb_kind_name(t->kind)));
		json_object_set_new(e, "entries", json_integer(t->entries));
		json_object_set_new(e, "ways", t->ways == TLB_WAYS_UNKNOWN ? json_null() : json_integer(t->ways));
		for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
			if (t->page_sizes & sizes[k].bit)
				json_array_append_new(ps, json_string(sizes[k].name));
		json_object_set_new(e, "page_sizes", ps);
		json_array_append_new(list, e);
	}
	json_object_set_new(o, "tlbs", list);
	return o;
}

static void host_keys(json_t *ctx, const struct host_caps *h)
{
#define HOST_KEY(key, type, member) json_object_set_new(ctx, key, json_##type(h->member));
	HOST_KEYS(HOST_KEY)
#undef HOST_KEY
	json_object_set_new(ctx, "cpu_scaling_enabled", json_false());
	json_object_set_new(ctx, "caches", caches_json(h));
	json_object_set_new(ctx, "tlb_geometry", tlb_geometry_json(&h->tlb));
	json_t *params = json_object();
	for (int i = 0; i < h->nkvm_params; i++)
		json_object_set_new(params, h->kvm_params[i].name, json_string(h->kvm_params[i].value));
	json_object_set_new(ctx, "kvm_parameters", params);
	json_object_set_new(ctx, "kvm", json_string(kvm_kind_name(h->kvm_kind)));
	json_object_set_new(ctx, "kvm_translation", json_string(kvm_kind_words(h->kvm_kind)));
}

/* How the run measured. */
static void config_keys(json_t *ctx, const struct run_config *cfg, const struct payload *p)
{
	json_object_set_new(ctx, "payload", json_string(p ? p->source : ""));
	json_object_set_new(ctx, "repetitions", json_integer(cfg->repetitions));
	json_object_set_new(ctx, "min_time_s", json_real(cfg->min_time));
	json_object_set_new(ctx, "stride_bytes", json_u64(cfg->stride));
	json_object_set_new(ctx, "group_bytes", json_u64(cfg->group));
	json_object_set_new(ctx, "seed", json_u64(cfg->seed));
	json_object_set_new(ctx, "exit_every", json_u64(cfg->exit_every));
	json_object_set_new(ctx, "exit_every_ticks", json_u64(cfg->exit_ticks));
}

void results_new_run_id(char *buf, size_t len)
{
	unsigned char r[16] = { 0 };
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		/* No entropy source: time and PID still tell runs apart. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		snprintf((char *)r, sizeof r, "%lx%x", (long)ts.tv_nsec ^ (long)ts.tv_sec, (unsigned)getpid());
	}
	size_t used = 0;
	for (size_t i = 0; i < sizeof r && used + 3 <= len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%02x", r[i]);
}

json_t *results_context_json(const struct run_info *run)
{
	json_t *ctx = json_object();
	/* Google Benchmark's context keys, then tlbvisor's provenance. */
	json_object_set_new(ctx, "date", json_string(run->date));
	json_object_set_new(ctx, "executable", json_string("tlbvisor"));
	json_object_set_new(ctx, "library_build_type", json_string("release"));
	json_object_set_new(ctx, "tlbvisor_version", json_string(run->version));
	json_object_set_new(ctx, "command_line", json_string(run->command_line));
	if (run->run_id)
		json_object_set_new(ctx, "run_id", json_string(run->run_id));
	json_object_set_new(ctx, "preset", run->cfg && run->cfg->preset ? json_string(run->cfg->preset) : json_null());
	json_object_set_new(ctx, "interrupted", json_boolean(run->interrupted));
	json_object_set_new(ctx, "cells_total", json_integer(run->cells_total));
	if (run->host)
		host_keys(ctx, run->host);
	if (run->cfg)
		config_keys(ctx, run->cfg, run->payload);
	if (run->matrix_canonical) {
		json_t *m = json_object(), *names = json_array();
		json_object_set_new(m, "file", run->matrix_file ? json_string(run->matrix_file) : json_null());
		json_object_set_new(m, "hash", json_string(run->matrix_hash));
		json_object_set_new(m, "canonical", json_string(run->matrix_canonical));
		for (int i = 0; i < run->nsections; i++)
			json_array_append_new(names, json_string(run->sections[i]));
		json_object_set_new(m, "sections", names);
		json_object_set_new(m, "cells", json_integer(run->matrix_cells));
		json_object_set_new(ctx, "matrix", m);
	}
	if (run->shard_count) {
		json_t *sh = json_object();
		json_object_set_new(sh, "index", json_integer(run->shard_index));
		json_object_set_new(sh, "count", json_integer(run->shard_count));
		json_object_set_new(ctx, "shard", sh);
	}
	if (run->extra_context)
		json_object_update(ctx, run->extra_context);
	return ctx;
}

/* Wall seconds by phase (setup is what the other phases leave of wall_seconds). */
static void phase_keys(json_t *b, const struct cell_result *r)
{
	json_t *ph = json_object();
	for (int p = 0; p < CELL_PHASES; p++)
		json_object_set_new(ph, cell_phase_key((enum cell_phase)p), json_real(r->phase_seconds[p]));
	json_object_set_new(b, "phases", ph);
}

/* The uncertainty of a timed cell and the machine under it: the interval of
 * the median, the drift test, the core clock and stolen time. */
static void uncertainty_keys(json_t *b, const struct cell_result *r)
{
	struct cell_stats st;
	if (cell_stats(r, &st) < 0)
		return;
	json_object_set_new(b, "ci_low", json_real(st.ci.low));
	json_object_set_new(b, "ci_high", json_real(st.ci.high));
	json_object_set_new(b, "ci_coverage", json_real(st.ci.confidence));
	if (cell_stability(&st)) {
		json_object_set_new(b, "stability", json_string(cell_stability(&st)));
		json_object_set_new(b, "drift_pct", json_real(st.drift.relative * 100));
		json_object_set_new(b, "drift_p", json_real(st.drift.p));
	}
	if (st.core_per_tsc > 0) {
		json_object_set_new(b, "core_per_tsc", json_real(st.core_per_tsc));
		json_object_set_new(b, "core_cycles_per_access", json_real(st.s.median * st.core_per_tsc));
		json_object_set_new(b, "clock_moved_reps", json_integer(st.clock_moved_reps));
	}
	if (r->steal_ticks >= 0)
		json_object_set_new(b, "steal_ticks", json_real(r->steal_ticks));
	if (r->order[0])
		json_object_set_new(b, "order", json_string(r->order));
	if (r->ci_target[0])
		json_object_set_new(b, "ci_target", json_string(r->ci_target));
}

/* Keys every entry of a cell shares: the cell's parameters and outcome. */
static void cell_keys(json_t *b, const struct cell_result *r)
{
	const struct cell *c = &r->cell;
	char ws[32];
	format_size(c->ws, ws, sizeof ws);
	json_object_set_new(b, "name", json_string(c->name));
	json_object_set_new(b, "family_index", json_integer(c->index));
	json_object_set_new(b, "per_family_instance_index", json_integer(0));
	json_object_set_new(b, "run_name", json_string(c->name));
	json_object_set_new(b, "threads", json_integer(1));
	json_object_set_new(b, "backend", json_string(backend_name(c->backend)));
	json_object_set_new(b, "pattern", json_string(pattern_name(c->pattern)));
	json_object_set_new(b, "ws_bytes", json_u64(c->ws));
	json_object_set_new(b, "ws", json_string(ws));
	json_object_set_new(b, "host_page", json_string(host_page_name(c->host_page)));
	json_object_set_new(b, "guest_page",
			    c->guest_page ? json_string(page_size_name(c->guest_page)) : json_null());
	if (backend_ops(c->backend)->own_hypervisor) {
		json_object_set_new(b, "vpid", json_string(c->vpid ? "on" : "off"));
		json_object_set_new(b, "ept_levels", json_integer(c->ept_levels));
	}
	if (r->kvm.kvm[0]) {
		json_object_set_new(b, "kvm", json_string(r->kvm.kvm));
		json_object_set_new(b, "second_level", json_string(r->kvm.second_level));
		json_object_set_new(b, "second_level_levels", json_integer(r->kvm.second_level_levels));
		json_object_set_new(b, "guest_levels", json_integer(r->kvm.guest_levels));
		json_object_set_new(b, "host_paging_levels", json_integer(r->kvm.host_paging_levels));
		if (r->kvm.vpid[0])
			json_object_set_new(b, "kvm_intel_vpid", json_string(r->kvm.vpid));
	}
	if (c->matrix_index != c->index) /* one shard of a matrix */
		json_object_set_new(b, "matrix_index", json_integer(c->matrix_index));
	if (c->section_name[0])
		json_object_set_new(b, "section", json_string(c->section_name));
	if (r->host[0])
		json_object_set_new(b, "machine", json_string(r->host));
	json_object_set_new(b, "status", json_string(cell_status_name(r->status)));
	if (r->wall_seconds > 0) {
		json_object_set_new(b, "wall_seconds", json_real(r->wall_seconds));
		phase_keys(b, r);
	}
	if (r->status != CELL_OK) {
		json_object_set_new(b, "error_occurred", json_true());
		json_object_set_new(b, "error_message", json_string(r->reason));
		return;
	}
	json_object_set_new(b, "effective_page", json_string(r->effective_page));
	json_object_set_new(b, "page_size_flagged", json_boolean(r->page_mismatch));
	if (r->mismatch_reason[0])
		json_object_set_new(b, "page_size_note", json_string(r->mismatch_reason));
	if (r->pt_leaf[0])
		json_object_set_new(b, "pt_leaf", json_string(r->pt_leaf));
	if (r->pt_backing_note[0])
		json_object_set_new(b, "pt_backing_note", json_string(r->pt_backing_note));
	json_object_set_new(b, "warmup_stable", json_boolean(r->warmup_stable));
	json_object_set_new(b, "tsc_hz", json_real(r->tsc_hz)); /* the cell's own rate (Bochs: not the host's) */
	if (r->pmu_status[0])
		json_object_set_new(b, "pmu_status", json_string(r->pmu_status));
	if (r->exit_reasons_status[0])
		json_object_set_new(b, "exit_reasons_status", json_string(r->exit_reasons_status));
	uncertainty_keys(b, r);
}

static void counters(json_t *b, const struct cell_result *r)
{
	json_object_set_new(b, "warmup_passes", json_integer(r->warmup_passes));
	json_object_set_new(b, "elements", json_u64(r->elements));
	json_object_set_new(b, "timer_overhead_cycles", json_real(r->timer_overhead));
	for (int i = 0; i < r->ncounters; i++)
		json_object_set_new(b, r->counters[i].name, json_real(r->counters[i].value));
}

static json_t *entry(const struct cell_result *r, const char *run_type, double cycles)
{
	json_t *b = json_object();
	cell_keys(b, r);
	double ns = r->tsc_hz > 0 ? cycles / r->tsc_hz * 1e9 : 0;
	json_object_set_new(b, "run_type", json_string(run_type));
	json_object_set_new(b, "repetitions", json_integer(r->reps));
	json_object_set_new(b, "iterations", json_u64(r->steps));
	json_object_set_new(b, "real_time", json_real(ns));
	json_object_set_new(b, "cpu_time", json_real(ns));
	json_object_set_new(b, "time_unit", json_string("ns"));
	json_object_set_new(b, "cycles_per_access", json_real(cycles));
	json_object_set_new(b, "ns_per_access", json_real(ns));
	counters(b, r);
	return b;
}

static void add_cell(json_t *list, const struct cell_result *r)
{
	if (r->status != CELL_OK) {
		json_t *b = json_object();
		cell_keys(b, r);
		json_object_set_new(b, "run_type", json_string("iteration"));
		json_object_set_new(b, "repetitions", json_integer(0));
		json_object_set_new(b, "iterations", json_integer(0));
		json_object_set_new(b, "real_time", json_real(0));
		json_object_set_new(b, "cpu_time", json_real(0));
		json_object_set_new(b, "time_unit", json_string("ns"));
		json_array_append_new(list, b);
		return;
	}
	for (int i = 0; i < r->reps; i++) {
		json_t *b = entry(r, "iteration", r->cycles[i]);
		json_object_set_new(b, "repetition_index", json_integer(i));
		if (r->core_per_tsc[i] > 0) {
			json_object_set_new(b, "rep_core_per_tsc", json_real(r->core_per_tsc[i]));
			json_object_set_new(b, "rep_clock_moved", json_boolean(r->clock_moved[i]));
		}
		json_array_append_new(list, b);
	}
	struct summary s;
	if (summarize(r->cycles, (size_t)r->reps, &s) < 0)
		return;
	const struct { const char *name; double v; } aggs[] = {
		{ "mean", s.mean }, { "median", s.median }, { "stddev", s.stddev }, { "min", s.min },
	};
	for (size_t i = 0; i < sizeof aggs / sizeof *aggs; i++) {
		json_t *b = entry(r, "aggregate", aggs[i].v);
		char name[200];
		snprintf(name, sizeof name, "%s_%s", r->cell.name, aggs[i].name);
		json_object_set_new(b, "name", json_string(name));
		json_object_set_new(b, "aggregate_name", json_string(aggs[i].name));
		json_object_set_new(b, "aggregate_unit", json_string("time"));
		json_array_append_new(list, b);
	}
	/* Google Benchmark reports cv as a fraction with unit "percentage". */
	json_t *b = entry(r, "aggregate", s.cv);
	char name[200];
	snprintf(name, sizeof name, "%s_cv", r->cell.name);
	json_object_set_new(b, "name", json_string(name));
	json_object_set_new(b, "aggregate_name", json_string("cv"));
	json_object_set_new(b, "aggregate_unit", json_string("percentage"));
	json_object_set_new(b, "real_time", json_real(s.cv));
	json_object_set_new(b, "cpu_time", json_real(s.cv));
	json_object_set_new(b, "cycles_per_access", json_real(s.cv));
	json_object_set_new(b, "ns_per_access", json_real(s.cv));
	json_array_append_new(list, b);
}

json_t *results_cell_entries(const struct cell_result *r)
{
	json_t *a = json_array();
	if (r->status != CELL_PENDING)
		add_cell(a, r);
	return a;
}

/* The document is written as text: the context indented, one entry a line. */
/* 17 significant digits: a double written and read back is the same double,
 * so cells kept by --resume or merged are written out exactly as they were. */
#define JSON_FLAGS JSON_REAL_PRECISION(17)

char *results_context_text(const struct run_info *run)
{
	json_t *ctx = results_context_json(run);
	char *text = json_dumps(ctx, JSON_INDENT(2) | JSON_FLAGS);
	json_decref(ctx);
	char *out = NULL;
	size_t size;
	FILE *m = text ? open_memstream(&out, &size) : NULL;
	/* Nested one level deeper in the document: two more spaces a line. */
	for (const char *p = text; m && *p; p++) {
		fputc(*p, m);
		if (*p == '\n')
			fputs("  ", m);
	}
	if (m)
		fclose(m);
	free(text);
	return out;
}

char *results_cell_text(const struct cell_result *r)
{
	json_t *entries = results_cell_entries(r);
	char *out = NULL;
	size_t size;
	FILE *m = open_memstream(&out, &size);
	size_t i;
	json_t *e;
	json_array_foreach(entries, i, e) {
		char *line = json_dumps(e, JSON_COMPACT | JSON_FLAGS);
		if (m && line)
			fprintf(m, "%s    %s", i ? ",\n" : "", line);
		free(line);
	}
	if (m)
		fclose(m);
	json_decref(entries);
	return out;
}

int results_json_write(const char *path, const char *context, char *const *cells, int n, char *err, size_t errlen)
{
	if (!context) {
		snprintf(err, errlen, "cannot serialize the results context for %s", path);
		return -1;
	}
	size_t len = strlen(context) + 64;
	char *head = malloc(len);
	if (!head) {
		snprintf(err, errlen, "out of memory writing %s", path);
		return -1;
	}
	snprintf(head, len, "{\n  \"context\": %s,\n  \"benchmarks\": [\n", context);
	int rc = atomic_write_parts(path, head, cells, n, ",\n", "\n  ]\n}\n", err, errlen);
	free(head);
	return rc;
}

int results_write_json(const char *path, const struct run_info *run, const struct cell_result *results, int n,
		       char *err, size_t errlen)
{
	char *context = results_context_text(run);
	char **cells = calloc((size_t)n + 1, sizeof *cells);
	for (int i = 0; cells && i < n; i++)
		cells[i] = results[i].status != CELL_PENDING ? results_cell_text(&results[i]) : NULL;
	int rc = cells ? results_json_write(path, context, cells, n, err, errlen) : -1;
	if (!cells)
		snprintf(err, errlen, "out of memory writing %s", path);
	for (int i = 0; cells && i < n; i++)
		free(cells[i]);
	free(cells);
	free(context);
	return rc;
}
