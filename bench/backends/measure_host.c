#include "bench/backends/measure_host.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bench/host/steal_time.h"
#include "bench/run/run_loop.h"
#include "bench/run/stats.h"
#include "lib/clock.h"
#include "workloads/refclock.h"

/* A repetition of the native backend is a chase loop in this very process:
 * it never looks at run_interrupted, and one repetition may last a
 * minute (--min-time 60). While such a loop (or the build pass) runs, the
 * signal handler jumps out of it: the repetition is abandoned at once and the
 * cell left unfinished. Only pure loops over the working set are left this
 * way (no lock, no allocation, no system call in them). */
static sigjmp_buf abandon_jump;
static volatile sig_atomic_t abandon_armed;

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
	result_counter_add(r, name, value);
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

/* The measure_ops the protocol sees: the backend's, with the PMU read and
 * the wall clock taken around each phase, the reference clock read around
 * each repetition, and in-process loops made abandonable. */
static int w_timer(void *ctx, uint64_t *c)
{
	struct measure_host *m = ctx;
	return m->inner->timer_overhead(m->inner->ctx, c);
}

static int w_build(void *ctx)
{
	struct measure_host *m = ctx;
	if (m->in_process && sigsetjmp(abandon_jump, 1))
		return MEASURE_INTERRUPTED;
	abandon_armed = m->in_process && !run_interrupted;
	int rc = m->inner->build(m->inner->ctx);
	abandon_armed = 0;
	return rc;
}

static int w_run(void *ctx, uint64_t steps, uint64_t *c, uint64_t *f)
{
	struct measure_host *m = ctx;
	if (m->in_process && sigsetjmp(abandon_jump, 1))
		return MEASURE_INTERRUPTED;
	abandon_armed = m->in_process && !run_interrupted;
	int rc = m->inner->run(m->inner->ctx, steps, c, f);
	abandon_armed = 0;
	return rc;
}

/* The reference loop three times, the fastest kept: a reading that an
 * interrupt or preemption stretched is not the core's clock. */
static uint64_t clock_ppm(void)
{
	uint64_t best = 0;
	for (int i = 0; i < 3; i++) {
		uint64_t ppm = refclock_ratio_ppm();
		best = ppm > best ? ppm : best;
	}
	return best;
}

static const enum cell_phase cell_phase_of[MEASURE_PHASES] = {
	[MEASURE_BUILD] = CELL_PHASE_FAULT_IN, [MEASURE_WARMUP] = CELL_PHASE_WARMUP,
	[MEASURE_MEASURE] = CELL_PHASE_MEASURE,
};

static void w_begin(void *ctx, enum measure_phase p)
{
	struct measure_host *m = ctx;
	m->inner->phase_begin(m->inner->ctx, p);
	for (int g = 0; g < m->pmu->ngroups; g++)
		pmu_read(&m->pmu->groups[g], &m->pmu->begin[g]);
	m->phase_start = monotonic_seconds();
}

static void w_end(void *ctx, enum measure_phase p)
{
	struct measure_host *m = ctx;
	m->r->phase_seconds[cell_phase_of[p]] += monotonic_seconds() - m->phase_start;
	for (int g = 0; g < m->pmu->ngroups; g++) {
		struct pmu_values end;
		double d[PMU_MAX_EVENTS];
		bool mux;
		if (pmu_read(&m->pmu->groups[g], &end) < 0)
			continue;
		pmu_delta(&m->pmu->groups[g], &m->pmu->begin[g], &end, d, &mux);
		m->multiplexed |= mux;
		for (int i = 0; i < m->pmu->groups[g].n; i++) {
			char ev[PMU_NAME], name[RESULT_COUNTER_NAME];
			pmu_counter_name(m->pmu->groups[g].names[i], ev, sizeof ev);
			snprintf(name, sizeof name, "pmu_%s%s_%s", m->pmu->prefix[g], measure_phase_name(p), ev);
			result_counter_add(m->r, name, d[i]);
		}
	}
	m->inner->phase_end(m->inner->ctx, p);
}

int measure_host_prepare(struct measure_host *m, const struct measure_ops *ops, const struct chase_config *chase,
			 const struct run_config *cfg, double tsc_hz, const char *err, struct cell_result *r,
			 struct pmu_session *pmu, uint64_t warmup_steps, bool in_process)
{
	memset(m, 0, sizeof *m);
	m->inner = ops;
	m->pmu = pmu ? pmu : &m->no_pmu;
	m->r = r;
	m->chase = chase;
	m->cfg = cfg;
	m->err = err;
	m->in_process = in_process;
	m->ops = (struct measure_ops){ m, w_timer, w_build, w_run, w_begin, w_end };
	m->p = (struct measure_params){
		.min_cycles = (uint64_t)(cfg->min_time * tsc_hz),
		.repetitions = (unsigned)cfg->repetitions,
		.max_warmup_passes = (unsigned)cfg->max_warmup_passes,
		.interrupted = &run_interrupted,
		.warmup_steps = warmup_steps,
		/* On this thread: for kvm, the vCPU's, right before and after KVM_RUN. */
		.clock_ppm = clock_ppm,
	};
	r->tsc_hz = tsc_hz;
	m->rc = measure_prepare(&m->ops, chase, &m->p, &m->mr);
	return m->rc;
}

/* Cycles per access of repetition i: the timer's overhead subtracted. */
static double per_access(const struct measure_result *mr, unsigned i)
{
	double net = (double)mr->rep_cycles[i] - (double)mr->timer_overhead;
	return (net > 0 ? net : 0) / (double)mr->steps;
}

int measure_host_repetition(struct measure_host *m)
{
	if (m->rc != MEASURE_OK)
		return m->rc;
	/* /proc/stat is read outside the phase: its page faults and system
	 * time are not the repetition's. */
	double steal_before = steal_ticks_now();
	m->ops.phase_begin(m, MEASURE_MEASURE);
	m->rc = measure_repetition(&m->ops, m->chase, &m->p, &m->mr);
	m->ops.phase_end(m, MEASURE_MEASURE);
	double steal_after = steal_ticks_now();
	if (steal_before >= 0 && steal_after >= steal_before)
		m->r->steal_ticks = (m->r->steal_ticks > 0 ? m->r->steal_ticks : 0) + (steal_after - steal_before);
	return m->rc;
}

bool measure_host_wants_more(struct measure_host *m)
{
	const struct run_config *cfg = m->cfg;
	unsigned reps = m->mr.reps;
	if (m->rc != MEASURE_OK || reps >= MEASURE_MAX_REPS || reps >= RESULT_MAX_REPS)
		return false;
	if (reps < m->p.repetitions)
		return true;
	if (cfg->target_ci <= 0)
		return false;
	double x[MEASURE_MAX_REPS];
	for (unsigned i = 0; i < reps; i++)
		x[i] = per_access(&m->mr, i);
	struct summary s;
	struct median_interval ci;
	if (summarize(x, reps, &s) < 0 || median_interval(x, reps, 0.95, &ci) < 0)
		return false;
	double half = s.median > 0 ? (ci.high - ci.low) / 2 / s.median : 0;
	char *why = m->r->ci_target;
	size_t len = sizeof m->r->ci_target;
	if (ci.reached && half <= cfg->target_ci) {
		snprintf(why, len, "reached");
		return false;
	}
	if (m->r->phase_seconds[CELL_PHASE_MEASURE] >= cfg->max_time) {
		snprintf(why, len, "time limit %gs: +-%.1f%%", cfg->max_time, half * 100);
		return false;
	}
	if (reps + 1 >= MEASURE_MAX_REPS) {
		snprintf(why, len, "%d repetitions: +-%.1f%%", MEASURE_MAX_REPS, half * 100);
		return false;
	}
	return true;
}

int measure_host_finish(struct measure_host *m)
{
	struct cell_result *r = m->r;
	const struct measure_result *mr = &m->mr;
	r->elements = mr->elements;
	r->timer_overhead = (double)mr->timer_overhead;
	r->warmup_passes = (int)mr->warmup_passes;
	r->warmup_stable = mr->warmup_stable;
	r->steps = mr->steps;
	r->reps = (int)mr->reps;
	for (unsigned i = 0; i < mr->reps && i < RESULT_MAX_REPS; i++) {
		r->cycles[i] = per_access(mr, i);
		double b = (double)mr->clock_before_ppm[i], a = (double)mr->clock_after_ppm[i];
		if (a > 0 && b > 0) {
			r->core_per_tsc[i] = (a + b) / 2e6;
			r->clock_moved[i] = (a > b ? a - b : b - a) > CLOCK_MOVED_FRACTION * (a + b) / 2;
		}
	}
	if (m->pmu->ngroups) {
		result_counter(r, "pmu_multiplexed", m->multiplexed ? 1 : 0);
		/* Per access in the measured phase: counts / (accesses x repetitions). */
		double accesses = (double)mr->steps * (double)mr->reps;
		for (int g = 0; g < m->pmu->ngroups && accesses > 0; g++)
			for (int i = 0; i < m->pmu->groups[g].n; i++) {
				char ev[PMU_NAME], name[RESULT_COUNTER_NAME], src[RESULT_COUNTER_NAME];
				pmu_counter_name(m->pmu->groups[g].names[i], ev, sizeof ev);
				snprintf(src, sizeof src, "pmu_%smeasure_%s", m->pmu->prefix[g], ev);
				snprintf(name, sizeof name, "pmu_%s%s_per_access", m->pmu->prefix[g], ev);
				for (int k = 0; k < r->ncounters; k++)
					if (!strcmp(r->counters[k].name, src))
						result_counter(r, name, r->counters[k].value / accesses);
			}
	}
	switch (m->rc) {
	case MEASURE_OK:
		r->status = CELL_OK;
		break;
	case MEASURE_FAILED:
		result_fail(r, "%s: %s", mr->step, m->err);
		break;
	case MEASURE_CORRUPT:
		result_fail(r, "chase ended at 0x%llx after %llu steps, expected 0x%llx: the working set was corrupted",
			    (unsigned long long)mr->final_ptr, (unsigned long long)mr->steps,
			    (unsigned long long)mr->expected_ptr);
		break;
	default:
		break; /* interrupted: the cell stays pending */
	}
	return m->rc;
}

static int run_one(const struct measure_ops *ops, const struct chase_config *chase, const struct run_config *cfg,
		   double tsc_hz, const char *err, struct cell_result *r, struct pmu_session *pmu,
		   uint64_t warmup_steps, bool in_process)
{
	static struct measure_host m; /* one cell at a time; not on the stack, whose first touch would fault in a phase */
	measure_host_prepare(&m, ops, chase, cfg, tsc_hz, err, r, pmu, warmup_steps, in_process);
	if (!r->order[0])
		snprintf(r->order, sizeof r->order, "one cell after the other");
	while (measure_host_wants_more(&m))
		measure_host_repetition(&m);
	return measure_host_finish(&m);
}

int measure_host_run(const struct measure_ops *ops, const struct chase_config *chase,
		     const struct run_config *cfg, double tsc_hz, const char *err, struct cell_result *r,
		     struct pmu_session *pmu, uint64_t warmup_steps)
{
	return run_one(ops, chase, cfg, tsc_hz, err, r, pmu, warmup_steps, false);
}

int measure_host_run_in_process(const struct measure_ops *ops, const struct chase_config *chase,
				const struct run_config *cfg, double tsc_hz, const char *err, struct cell_result *r,
				struct pmu_session *pmu, uint64_t warmup_steps)
{
	return run_one(ops, chase, cfg, tsc_hz, err, r, pmu, warmup_steps, true);
}
