#include "measure.h"

const char *measure_phase_name(enum measure_phase p)
{
	switch (p) {
	case MEASURE_BUILD: return "build";
	case MEASURE_WARMUP: return "warmup";
	case MEASURE_MEASURE: return "measure";
	default: return "?";
	}
}

static int stop(const struct measure_params *p, int rc)
{
	if (rc == MEASURE_OK && p->interrupted && *p->interrupted)
		return MEASURE_INTERRUPTED;
	return rc;
}

/* a * b, saturating at 2^64-1 (no 128-bit division in freestanding code). */
static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	if (a && b > ~0ull / a)
		return ~0ull;
	return a * b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > ~0ull - b ? ~0ull : a + b;
}

int measure_prepare(const struct measure_ops *ops, const struct chase_config *cfg,
		    const struct measure_params *p, struct measure_result *r)
{
	uint64_t n = cfg ? chase_elements(cfg) : 1;
	uint64_t cycles, final_ptr;
	int rc;

	r->elements = n;
	r->warmup_passes = 0;
	r->warmup_stable = false;
	r->reps = 0;
	r->steps = 0;

	r->step = "timer overhead";
	rc = stop(p, ops->timer_overhead(ops->ctx, &r->timer_overhead));
	if (rc != MEASURE_OK)
		return rc;

	r->step = "build";
	ops->phase_begin(ops->ctx, MEASURE_BUILD);
	rc = stop(p, ops->build(ops->ctx));
	ops->phase_end(ops->ctx, MEASURE_BUILD);
	if (rc != MEASURE_OK)
		return rc;

	/* Whole passes (at least 64K accesses) until two in a row agree within 5%. */
	r->step = "warm-up";
	uint64_t pass_steps = p->warmup_steps ? p->warmup_steps
			      : n > MEASURE_WARMUP_MIN_STEPS ? n : MEASURE_WARMUP_MIN_STEPS;
	uint64_t prev = 0, last = 1;
	ops->phase_begin(ops->ctx, MEASURE_WARMUP);
	for (unsigned pass = 0; pass < p->max_warmup_passes; pass++) {
		rc = stop(p, ops->run(ops->ctx, pass_steps, &cycles, &final_ptr));
		if (rc != MEASURE_OK) {
			ops->phase_end(ops->ctx, MEASURE_WARMUP);
			return rc;
		}
		r->warmup_passes = pass + 1;
		last = cycles ? cycles : 1;
		uint64_t diff = last > prev ? last - prev : prev - last;
		if (pass > 0 && diff * 20 <= prev) {
			r->warmup_stable = true;
			break;
		}
		prev = last;
	}
	ops->phase_end(ops->ctx, MEASURE_WARMUP);

	/* Enough accesses for min_cycles at the warm-up rate, and one full cycle. */
	uint64_t steps = add_sat(add_sat(mul_sat(p->min_cycles / last, pass_steps),
					 mul_sat(p->min_cycles % last, pass_steps) / last), 1);
	if (steps < n)
		steps = n;
	if (steps < MEASURE_MIN_STEPS)
		steps = MEASURE_MIN_STEPS;
	r->steps = steps;
	r->expected_ptr = cfg ? chase_expected(cfg, steps) : 0;
	r->step = "measurement";
	return MEASURE_OK;
}

int measure_repetition(const struct measure_ops *ops, const struct chase_config *cfg,
		       const struct measure_params *p, struct measure_result *r)
{
	uint64_t cycles, final_ptr;
	unsigned rep = r->reps;
	if (rep >= MEASURE_MAX_REPS)
		return MEASURE_OK;
	r->step = "measurement";
	r->clock_before_ppm[rep] = p->clock_ppm ? p->clock_ppm() : 0;
	int rc = stop(p, ops->run(ops->ctx, r->steps, &cycles, &final_ptr));
	r->clock_after_ppm[rep] = p->clock_ppm ? p->clock_ppm() : 0;
	if (rc == MEASURE_OK && cfg && final_ptr != r->expected_ptr) {
		r->final_ptr = final_ptr;
		rc = MEASURE_CORRUPT;
	}
	if (rc != MEASURE_OK)
		return rc;
	r->rep_cycles[rep] = cycles;
	r->reps = rep + 1;
	r->step = "done";
	return MEASURE_OK;
}

int measure_cell(const struct measure_ops *ops, const struct chase_config *cfg,
		 const struct measure_params *p, struct measure_result *r)
{
	int rc = measure_prepare(ops, cfg, p, r);
	if (rc != MEASURE_OK)
		return rc;
	ops->phase_begin(ops->ctx, MEASURE_MEASURE);
	for (unsigned rep = 0; rc == MEASURE_OK && rep < p->repetitions && rep < MEASURE_MAX_REPS; rep++)
		rc = measure_repetition(ops, cfg, p, r);
	ops->phase_end(ops->ctx, MEASURE_MEASURE);
	return rc;
}
