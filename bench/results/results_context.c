/* The results file's context: where and how the run was measured (Google
 * Benchmark's keys, tlbvisor's provenance of the host, the run configuration,
 * the matrix and shard), written once per run. */
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
#include "bench/matrix/run_config.h"
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

