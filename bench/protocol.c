#include "protocol.h"

#include <math.h>
#include <stdio.h>

volatile sig_atomic_t protocol_interrupted;

#define WARMUP_MIN_STEPS 65536u
#define WARMUP_TOLERANCE 0.05   /* consecutive passes within 5% = stable */
#define MIN_STEPS 1024u

const char *phase_name(enum phase p)
{
	static const char *const names[PHASE_COUNT] = { "build", "warmup", "measure" };
	return p < PHASE_COUNT ? names[p] : "?";
}

static enum op_result checked(enum op_result res, struct cell_result *r, const char *what,
			      const char *err)
{
	if (res == OP_FAILED)
		result_fail(r, "%s: %s", what, err);
	if (protocol_interrupted && res == OP_OK)
		return OP_INTERRUPTED;
	return res;
}

enum op_result protocol_run(const struct workload_ops *ops, const struct chase_config *cfg,
			    const struct matrix *m, double tsc_hz, struct cell_result *r)
{
	char err[512] = "";
	uint64_t n = chase_elements(cfg);
	uint64_t cycles, final_ptr, overhead;
	enum op_result res;

	r->tsc_hz = tsc_hz;
	r->elements = n;

	res = checked(ops->timer_overhead(ops->ctx, &overhead, err, sizeof err), r, "timer overhead", err);
	if (res != OP_OK)
		return res;
	r->timer_overhead = (double)overhead;

	/* Build: the first touch of every page, its faults counted apart. */
	ops->phase_begin(ops->ctx, PHASE_BUILD);
	res = checked(ops->build(ops->ctx, err, sizeof err), r, "build", err);
	ops->phase_end(ops->ctx, PHASE_BUILD, r);
	if (res != OP_OK)
		return res;

	/* Warm-up: whole passes until two in a row agree within tolerance. */
	uint64_t pass_steps = n > WARMUP_MIN_STEPS ? n : WARMUP_MIN_STEPS;
	double prev = 0, cpa = 0;
	ops->phase_begin(ops->ctx, PHASE_WARMUP);
	for (int pass = 0; pass < m->max_warmup_passes; pass++) {
		res = checked(ops->run(ops->ctx, pass_steps, &cycles, &final_ptr, err, sizeof err), r,
			      "warm-up", err);
		if (res != OP_OK) {
			ops->phase_end(ops->ctx, PHASE_WARMUP, r);
			return res;
		}
		r->warmup_passes = pass + 1;
		cpa = (double)cycles / (double)pass_steps;
		if (pass > 0 && fabs(cpa - prev) <= WARMUP_TOLERANCE * prev) {
			r->warmup_stable = true;
			break;
		}
		prev = cpa;
	}
	ops->phase_end(ops->ctx, PHASE_WARMUP, r);

	/* Calibrate: enough accesses for min-time, and at least one full cycle. */
	double want = m->min_time * tsc_hz / (cpa > 1 ? cpa : 1);
	uint64_t steps = want > (double)(1ull << 40) ? (1ull << 40) : (uint64_t)ceil(want);
	if (steps < n)
		steps = n;
	if (steps < MIN_STEPS)
		steps = MIN_STEPS;
	r->steps = steps;

	uint64_t expected = chase_expected(cfg, steps);
	ops->phase_begin(ops->ctx, PHASE_MEASURE);
	for (int rep = 0; rep < m->repetitions && rep < RESULT_MAX_REPS; rep++) {
		res = checked(ops->run(ops->ctx, steps, &cycles, &final_ptr, err, sizeof err), r,
			      "measurement", err);
		if (res != OP_OK) {
			ops->phase_end(ops->ctx, PHASE_MEASURE, r);
			return res;
		}
		if (final_ptr != expected) {
			ops->phase_end(ops->ctx, PHASE_MEASURE, r);
			result_fail(r, "chase ended at 0x%llx after %llu steps, expected 0x%llx: the working set was corrupted",
				    (unsigned long long)final_ptr, (unsigned long long)steps,
				    (unsigned long long)expected);
			return OP_FAILED;
		}
		double net = (double)cycles - (double)overhead;
		r->cycles[rep] = (net > 0 ? net : 0) / (double)steps;
		r->reps = rep + 1;
	}
	ops->phase_end(ops->ctx, PHASE_MEASURE, r);
	r->status = CELL_OK;
	return OP_OK;
}
