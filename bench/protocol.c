#include "protocol.h"

#include <stdio.h>

volatile int protocol_interrupted;

void phase_counter(struct cell_result *r, enum measure_phase p, const char *what, double value)
{
	char name[48];
	snprintf(name, sizeof name, "%s_%s", measure_phase_name(p), what);
	result_counter(r, name, value);
}

int protocol_run(const struct measure_ops *ops, const struct chase_config *cfg,
		 const struct matrix *m, double tsc_hz, const char *err, struct cell_result *r)
{
	struct measure_params p = {
		.min_cycles = (uint64_t)(m->min_time * tsc_hz),
		.repetitions = (unsigned)m->repetitions,
		.max_warmup_passes = (unsigned)m->max_warmup_passes,
		.interrupted = &protocol_interrupted,
	};
	struct measure_result mr;
	int rc = measure_cell(ops, cfg, &p, &mr);
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
