/* The native backend: the same chase code in this process. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "backend.h"
#include "workloads/chase.h"

struct native_ctx {
	struct chase_config cfg;
	struct rusage before;
};

static enum op_result native_build(void *ctx, char *err, size_t len)
{
	(void)err, (void)len;
	struct native_ctx *n = ctx;
	chase_build(&n->cfg);
	return OP_OK;
}

static enum op_result native_run(void *ctx, uint64_t steps, uint64_t *cycles, uint64_t *final_ptr,
				 char *err, size_t len)
{
	(void)err, (void)len;
	struct native_ctx *n = ctx;
	*final_ptr = chase_timed(chase_start(&n->cfg), steps, cycles);
	return OP_OK;
}

static enum op_result native_timer(void *ctx, uint64_t *cycles, char *err, size_t len)
{
	(void)ctx, (void)err, (void)len;
	*cycles = chase_timer_overhead();
	return OP_OK;
}

static void native_phase_begin(void *ctx, enum phase p)
{
	(void)p;
	struct native_ctx *n = ctx;
	getrusage(RUSAGE_THREAD, &n->before);
}

static void native_phase_end(void *ctx, enum phase p, struct cell_result *r)
{
	struct native_ctx *n = ctx;
	struct rusage after;
	getrusage(RUSAGE_THREAD, &after);
	char name[48];
	snprintf(name, sizeof name, "%s_faults", phase_name(p));
	result_counter(r, name, (double)((after.ru_minflt - n->before.ru_minflt) +
					 (after.ru_majflt - n->before.ru_majflt)));
	snprintf(name, sizeof name, "%s_major_faults", phase_name(p));
	result_counter(r, name, (double)(after.ru_majflt - n->before.ru_majflt));
}

enum op_result backend_native_run(const struct matrix *m, const struct host_caps *h,
				  struct cell_result *r)
{
	const struct cell *c = &r->cell;
	if (check_memory(r, h, c->ws) < 0)
		return OP_OK;
	struct host_mem mem;
	char err[512];
	if (host_mem_alloc(&mem, c->host_page, c->ws, err, sizeof err) < 0) {
		result_skip(r, "%s", err);
		return OP_OK;
	}
	struct native_ctx n = { .cfg = cell_chase_config(c, m, (uint64_t)(uintptr_t)mem.addr) };
	enum chase_check chk = chase_validate(&n.cfg);
	if (chk != CHASE_OK) {
		result_fail(r, "%s", chase_check_str(chk));
		host_mem_free(&mem);
		return OP_OK;
	}
	struct workload_ops ops = { &n, native_build, native_run, native_timer, native_phase_begin,
				    native_phase_end };
	enum op_result res = protocol_run(&ops, &n.cfg, m, h->tsc_hz, r);
	if (r->status == CELL_OK) {
		struct host_mem_effective e;
		if (host_mem_effective(&mem, &e) == 0)
			record_effective(r, e.bytes_4k, e.bytes_2m, e.bytes_1g,
					 host_page_granule(c->host_page),
					 c->host_page == HOST_PAGE_THP ? "THP did not back all of it (fragmented memory or khugepaged not done)" : NULL);
	}
	host_mem_free(&mem);
	return res;
}
