#include "bench/backends/measure_host.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench/run/run_loop.h"

/* A repetition of the native backend is a chase loop in this very process:
 * it never looks at run_interrupted, and one repetition may last a
 * minute (--min-time 60). While such a loop (or the build pass) runs, the
 * signal handler jumps out of it: the repetition is abandoned at once and the
 * cell left unfinished. Only pure loops over the working set are left this
 * way (no lock, no allocation, no system call in them). */
static sigjmp_buf abandon_jump;
static volatile sig_atomic_t abandon_armed;
static bool in_process;

void measure_host_on_signal(void)
{
	if (abandon_armed) {
		abandon_armed = 0;
		siglongjmp(abandon_jump, 1);
	}
}

void phase_counter(struct cell_result *r, enum measure_phase p, const char *what, double value)
{
	char name[RESULT_COUNTER_NAME];
	snprintf(name, sizeof name, "%s_%s", measure_phase_name(p), what);
	result_counter(r, name, value);
}

void pmu_session_open(struct pmu_session *s, const struct run_config *cfg, const enum pmu_scope *scopes,
		      const char *const *prefixes, int n, struct cell_result *r)
{
	memset(s, 0, sizeof *s);
	if (!cfg->nevents) {
		snprintf(r->pmu_status, sizeof r->pmu_status, "no PMU events requested");
		return;
	}
	const char *events[PMU_MAX_EVENTS];
	for (int i = 0; i < cfg->nevents; i++)
		events[i] = cfg->events[i];
	for (int g = 0; g < n && g < 2; g++) {
		pmu_open(&s->groups[g], events, cfg->nevents, scopes[g]);
		s->prefix[g] = prefixes[g];
		if (!s->groups[g].open) {
			snprintf(r->pmu_status, sizeof r->pmu_status, "%s", s->groups[g].why);
			pmu_session_close(s);
			return;
		}
		s->ngroups = g + 1;
	}
	snprintf(r->pmu_status, sizeof r->pmu_status, "ok");
}

void pmu_session_close(struct pmu_session *s)
{
	for (int g = 0; g < 2; g++)
		pmu_close(&s->groups[g]);
	s->ngroups = 0;
}

/* measure_ops wrapper that reads the PMU around each phase. */
struct pmu_wrap {
	const struct measure_ops *inner;
	struct pmu_session *pmu;
	struct cell_result *r;
	bool multiplexed;
};

static int w_timer(void *ctx, uint64_t *c) { struct pmu_wrap *w = ctx; return w->inner->timer_overhead(w->inner->ctx, c); }
static int w_build(void *ctx)
{
	struct pmu_wrap *w = ctx;
	if (in_process && sigsetjmp(abandon_jump, 1))
		return MEASURE_INTERRUPTED;
	abandon_armed = in_process && !run_interrupted;
	int rc = w->inner->build(w->inner->ctx);
	abandon_armed = 0;
	return rc;
}

static int w_run(void *ctx, uint64_t steps, uint64_t *c, uint64_t *f)
{
	struct pmu_wrap *w = ctx;
	if (in_process && sigsetjmp(abandon_jump, 1))
		return MEASURE_INTERRUPTED;
	abandon_armed = in_process && !run_interrupted;
	int rc = w->inner->run(w->inner->ctx, steps, c, f);
	abandon_armed = 0;
	return rc;
}

static void w_begin(void *ctx, enum measure_phase p)
{
	struct pmu_wrap *w = ctx;
	w->inner->phase_begin(w->inner->ctx, p);
	for (int g = 0; g < w->pmu->ngroups; g++)
		pmu_read(&w->pmu->groups[g], &w->pmu->begin[g]);
}

static void w_end(void *ctx, enum measure_phase p)
{
	struct pmu_wrap *w = ctx;
	for (int g = 0; g < w->pmu->ngroups; g++) {
		struct pmu_values end;
		double d[PMU_MAX_EVENTS];
		bool mux;
		if (pmu_read(&w->pmu->groups[g], &end) < 0)
			continue;
		pmu_delta(&w->pmu->groups[g], &w->pmu->begin[g], &end, d, &mux);
		w->multiplexed |= mux;
		for (int i = 0; i < w->pmu->groups[g].n; i++) {
			char ev[PMU_NAME], name[RESULT_COUNTER_NAME];
			pmu_counter_name(w->pmu->groups[g].names[i], ev, sizeof ev);
			snprintf(name, sizeof name, "pmu_%s%s_%s", w->pmu->prefix[g], measure_phase_name(p), ev);
			result_counter(w->r, name, d[i]);
		}
	}
	w->inner->phase_end(w->inner->ctx, p);
}

int measure_host_run(const struct measure_ops *ops, const struct chase_config *chase,
		 const struct run_config *cfg, double tsc_hz, const char *err, struct cell_result *r,
		 struct pmu_session *pmu, uint64_t warmup_steps)
{
	struct pmu_session none = { .ngroups = 0 };
	struct pmu_wrap wrap = { .inner = ops, .pmu = pmu ? pmu : &none, .r = r };
	struct measure_ops wrapped = { &wrap, w_timer, w_build, w_run, w_begin, w_end };
	ops = &wrapped;
	struct measure_params p = {
		.min_cycles = (uint64_t)(cfg->min_time * tsc_hz),
		.repetitions = (unsigned)cfg->repetitions,
		.max_warmup_passes = (unsigned)cfg->max_warmup_passes,
		.interrupted = &run_interrupted,
		.warmup_steps = warmup_steps,
	};
	struct measure_result mr;
	int rc = measure_cell(ops, chase, &p, &mr);
	r->tsc_hz = tsc_hz;
	r->elements = mr.elements;
	r->timer_overhead = (double)mr.timer_overhead;
	r->warmup_passes = (int)mr.warmup_passes;
	r->warmup_stable = mr.warmup_stable;
	r->steps = mr.steps;
	r->reps = (int)mr.reps;
	for (unsigned i = 0; i < mr.reps && i < RESULT_MAX_REPS; i++) {
		double net = (double)mr.rep_cycles[i] - (double)mr.timer_overhead;
		r->cycles[i] = (net > 0 ? net : 0) / (double)mr.steps;
	}
	if (wrap.pmu->ngroups) {
		result_counter(r, "pmu_multiplexed", wrap.multiplexed ? 1 : 0);
		/* Per access in the measured phase: counts / (accesses x repetitions). */
		double accesses = (double)mr.steps * (double)mr.reps;
		for (int g = 0; g < wrap.pmu->ngroups && accesses > 0; g++)
			for (int i = 0; i < wrap.pmu->groups[g].n; i++) {
				char ev[PMU_NAME], name[RESULT_COUNTER_NAME], src[RESULT_COUNTER_NAME];
				pmu_counter_name(wrap.pmu->groups[g].names[i], ev, sizeof ev);
				snprintf(src, sizeof src, "pmu_%smeasure_%s", wrap.pmu->prefix[g], ev);
				snprintf(name, sizeof name, "pmu_%s%s_per_access", wrap.pmu->prefix[g], ev);
				for (int k = 0; k < r->ncounters; k++)
					if (!strcmp(r->counters[k].name, src))
						result_counter(r, name, r->counters[k].value / accesses);
			}
	}
	switch (rc) {
	case MEASURE_OK:
		r->status = CELL_OK;
		break;
	case MEASURE_FAILED:
		result_fail(r, "%s: %s", mr.step, err);
		break;
	case MEASURE_CORRUPT:
		result_fail(r, "chase ended at 0x%llx after %llu steps, expected 0x%llx: the working set was corrupted",
			    (unsigned long long)mr.final_ptr, (unsigned long long)mr.steps,
			    (unsigned long long)mr.expected_ptr);
		break;
	default:
		break; /* interrupted: the cell stays pending */
	}
	return rc;
}

int measure_host_run_in_process(const struct measure_ops *ops, const struct chase_config *chase,
				const struct run_config *cfg, double tsc_hz, const char *err, struct cell_result *r,
				struct pmu_session *pmu, uint64_t warmup_steps)
{
	in_process = true;
	int rc = measure_host_run(ops, chase, cfg, tsc_hz, err, r, pmu, warmup_steps);
	in_process = false;
	return rc;
}
