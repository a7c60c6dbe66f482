#include "results.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "parse.h"
#include "stats.h"

json_t *results_context_json(const struct run_info *run, const struct host_caps *h,
			     const struct matrix *m)
{
	json_t *ctx = json_object();
	/* Google Benchmark's context keys. */
	json_object_set_new(ctx, "date", json_string(run->date));
	json_object_set_new(ctx, "host_name", json_string(h->hostname));
	json_object_set_new(ctx, "executable", json_string("tlbvisor"));
	json_object_set_new(ctx, "num_cpus", json_integer(h->ncpus));
	json_object_set_new(ctx, "mhz_per_cpu", json_integer((json_int_t)(h->tsc_hz / 1e6)));
	json_object_set_new(ctx, "cpu_scaling_enabled", json_false());
	json_object_set_new(ctx, "caches", json_array());
	json_object_set_new(ctx, "library_build_type", json_string("release"));
	/* tlbvisor provenance. */
	json_object_set_new(ctx, "tlbvisor_version", json_string(run->version));
	json_object_set_new(ctx, "command_line", json_string(run->command_line));
	json_object_set_new(ctx, "preset", run->preset ? json_string(run->preset) : json_null());
	json_object_set_new(ctx, "interrupted", json_boolean(run->interrupted));
	json_object_set_new(ctx, "cells_total", json_integer(run->cells_total));
	json_object_set_new(ctx, "cpu_model", json_string(h->cpu_model));
	json_object_set_new(ctx, "cpu_vendor", json_string(h->cpu_vendor));
	json_object_set_new(ctx, "cpu_family", json_integer(h->cpu_family));
	json_object_set_new(ctx, "cpu_model_id", json_integer(h->cpu_model_id));
	json_object_set_new(ctx, "cpu_stepping", json_integer(h->cpu_stepping));
	json_object_set_new(ctx, "microcode", json_string(h->microcode));
	json_object_set_new(ctx, "kernel", json_string(h->kernel));
	json_object_set_new(ctx, "thp_enabled", json_string(h->thp_enabled));
	json_object_set_new(ctx, "thp_defrag", json_string(h->thp_defrag));
	json_object_set_new(ctx, "hugepages_2m_total", json_integer(h->pool_2m.total));
	json_object_set_new(ctx, "hugepages_2m_free", json_integer(h->pool_2m.free));
	json_object_set_new(ctx, "hugepages_1g_total", json_integer(h->pool_1g.total));
	json_object_set_new(ctx, "hugepages_1g_free", json_integer(h->pool_1g.free));
	json_object_set_new(ctx, "mem_available_bytes", json_integer((json_int_t)h->mem_available));
	json_object_set_new(ctx, "tsc_hz", json_real(h->tsc_hz));
	json_object_set_new(ctx, "tsc_source", json_string(h->tsc_source));
	json_object_set_new(ctx, "tsc_calibrated_hz", json_real(h->tsc_calibrated_hz));
	json_object_set_new(ctx, "kvm_available", json_boolean(h->kvm_ok));
	json_object_set_new(ctx, "kvm_status", json_string(h->kvm_reason));
	json_object_set_new(ctx, "kvm_modules", json_string(h->kvm_modules));
	json_t *params = json_object();
	for (int i = 0; i < h->nkvm_params; i++)
		json_object_set_new(params, h->kvm_params[i].name, json_string(h->kvm_params[i].value));
	json_object_set_new(ctx, "kvm_parameters", params);
	json_object_set_new(ctx, "kvm_guest_1g_pages", json_boolean(h->guest_1g));
	json_object_set_new(ctx, "kvm_guest_1g_reason", json_string(h->guest_1g_reason));
	json_object_set_new(ctx, "payload", json_string(run->payload ? run->payload->source : ""));
	json_object_set_new(ctx, "repetitions", json_integer(m->repetitions));
	json_object_set_new(ctx, "min_time_s", json_real(m->min_time));
	json_object_set_new(ctx, "stride_bytes", json_integer((json_int_t)m->stride));
	json_object_set_new(ctx, "group_bytes", json_integer((json_int_t)m->group));
	json_object_set_new(ctx, "seed", json_integer((json_int_t)m->seed));
	json_object_set_new(ctx, "exit_every", json_integer((json_int_t)m->exit_every));
	json_object_set_new(ctx, "exit_every_ticks", json_integer((json_int_t)m->exit_ticks));
	if (run->extra_context)
		json_object_update(ctx, run->extra_context);
	return ctx;
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
	json_object_set_new(b, "ws_bytes", json_integer((json_int_t)c->ws));
	json_object_set_new(b, "ws", json_string(ws));
	json_object_set_new(b, "host_page", json_string(host_page_name(c->host_page)));
	json_object_set_new(b, "guest_page",
			    c->guest_page ? json_string(guest_page_name(c->guest_page)) : json_null());
	if (BACKEND_IS_VMX(c->backend)) {
		json_object_set_new(b, "vpid", json_string(c->vpid ? "on" : "off"));
		json_object_set_new(b, "ept_levels", json_integer(c->ept_levels));
	}
	json_object_set_new(b, "status", json_string(cell_status_name(r->status)));
	if (r->status != CELL_OK) {
		json_object_set_new(b, "error_occurred", json_true());
		json_object_set_new(b, "error_message", json_string(r->reason));
		return;
	}
	json_object_set_new(b, "effective_page", json_string(r->effective_page));
	json_object_set_new(b, "page_size_flagged", json_boolean(r->page_mismatch));
	if (r->mismatch_reason[0])
		json_object_set_new(b, "page_size_note", json_string(r->mismatch_reason));
	json_object_set_new(b, "warmup_stable", json_boolean(r->warmup_stable));
	if (r->pmu_status[0])
		json_object_set_new(b, "pmu_status", json_string(r->pmu_status));
	if (r->exit_reasons_status[0])
		json_object_set_new(b, "exit_reasons_status", json_string(r->exit_reasons_status));
}

static void counters(json_t *b, const struct cell_result *r)
{
	json_object_set_new(b, "warmup_passes", json_integer(r->warmup_passes));
	json_object_set_new(b, "elements", json_integer((json_int_t)r->elements));
	json_object_set_new(b, "timer_overhead_cycles", json_real(r->timer_overhead));
	for (int i = 0; i < r->ncounters; i++)
		json_object_set_new(b, r->counters[i].name, json_real(r->counters[i].value));
}

static json_t *entry(const struct cell_result *r, const char *run_type, double cycles)
{
	json_t *b = json_object();
	cell_keys(b, r);
	double ns = cycles / r->tsc_hz * 1e9;
	json_object_set_new(b, "run_type", json_string(run_type));
	json_object_set_new(b, "repetitions", json_integer(r->reps));
	json_object_set_new(b, "iterations", json_integer((json_int_t)r->steps));
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
	if (r->carried)
		return json_deep_copy(r->carried);
	json_t *a = json_array();
	if (r->status != CELL_PENDING)
		add_cell(a, r);
	return a;
}

json_t *results_json(const struct run_info *run, const struct host_caps *h, const struct matrix *m,
		     const struct cell_result *results, int n)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "context", results_context_json(run, h, m));
	json_t *list = json_array();
	for (int i = 0; i < n; i++) {
		if (results[i].carried)
			json_array_extend(list, results[i].carried);
		else if (results[i].status != CELL_PENDING)
			add_cell(list, &results[i]);
	}
	json_object_set_new(doc, "benchmarks", list);
	return doc;
}

/* Write to PATH.tmp, then rename over PATH. */
static FILE *open_tmp(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen)
{
	snprintf(tmp, tmplen, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		snprintf(err, errlen, "cannot write %s: %s; fix: choose a writable --out/--csv path",
			 tmp, strerror(errno));
	return f;
}

static int close_rename(FILE *f, const char *tmp, const char *path, char *err, size_t errlen)
{
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
		snprintf(err, errlen, "writing %s failed: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int results_write_json(const char *path, const struct run_info *run, const struct host_caps *h,
		       const struct matrix *m, const struct cell_result *results, int n,
		       char *err, size_t errlen)
{
	char tmp[4096];
	FILE *f = open_tmp(path, tmp, sizeof tmp, err, errlen);
	if (!f)
		return -1;
	json_t *doc = results_json(run, h, m, results, n);
	int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(doc);
	if (rc != 0) {
		fclose(f);
		unlink(tmp);
		snprintf(err, errlen, "cannot serialize results to %s", tmp);
		return -1;
	}
	fputc('\n', f);
	return close_rename(f, tmp, path, err, errlen);
}

int results_write_csv(const char *path, const struct cell_result *results, int n, char *err,
		      size_t errlen)
{
	char tmp[4096];
	FILE *f = open_tmp(path, tmp, sizeof tmp, err, errlen);
	if (!f)
		return -1;
	fprintf(f, "name,backend,pattern,ws_bytes,guest_page,host_page,status,reps,median_cycles,"
		   "median_ns,mean_cycles,stddev_cycles,cv,min_cycles,effective_page,page_size_flagged,"
		   "warmup_passes,reason\n");
	for (int i = 0; i < n; i++) {
		const struct cell_result *r = &results[i];
		const struct cell *c = &r->cell;
		if (r->status == CELL_PENDING)
			continue;
		if (r->carried) { /* resumed: the earlier run's median */
			json_t *e;
			size_t k;
			double med = 0;
			json_array_foreach(r->carried, k, e) {
				const char *agg = json_string_value(json_object_get(e, "aggregate_name"));
				if (agg && !strcmp(agg, "median"))
					med = json_number_value(json_object_get(e, "cycles_per_access"));
			}
			fprintf(f, "%s,%s,%s,%llu,%s,%s,%s,,%.3f,,,,,,,,,\"resumed from an earlier run\"\n", c->name,
				backend_name(c->backend), pattern_name(c->pattern), (unsigned long long)c->ws,
				c->guest_page ? guest_page_name(c->guest_page) : "", host_page_name(c->host_page),
				cell_status_name(r->status), med);
			continue;
		}
		struct summary s = { 0 };
		summarize(r->cycles, (size_t)r->reps, &s);
		/* Reasons may hold commas and quotes: quote them CSV-style. */
		fprintf(f, "%s,%s,%s,%llu,%s,%s,%s,%d,%.3f,%.3f,%.3f,%.3f,%.5f,%.3f,%s,%d,%d,\"", c->name,
			backend_name(c->backend), pattern_name(c->pattern), (unsigned long long)c->ws,
			c->guest_page ? guest_page_name(c->guest_page) : "", host_page_name(c->host_page),
			cell_status_name(r->status), r->reps, s.median,
			r->tsc_hz > 0 ? s.median / r->tsc_hz * 1e9 : 0.0, s.mean, s.stddev, s.cv, s.min,
			r->status == CELL_OK ? r->effective_page : "", r->page_mismatch, r->warmup_passes);
		const char *reason = r->status == CELL_OK ? r->mismatch_reason : r->reason;
		for (const char *p = reason; *p; p++) {
			if (*p == '"')
				fputc('"', f);
			fputc(*p, f);
		}
		fprintf(f, "\"\n");
	}
	return close_rename(f, tmp, path, err, errlen);
}
