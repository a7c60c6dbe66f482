/* Runs hv/common/measure.c's protocol for a bench backend and turns its
 * result into a cell_result (cycles per access, overhead subtracted). */
#ifndef TLBVISOR_PROTOCOL_H
#define TLBVISOR_PROTOCOL_H

#include <signal.h>

#include "hv/common/measure.h"
#include "matrix.h"
#include "result.h"

extern volatile int protocol_interrupted;

/* err: the backend's message for MEASURE_FAILED. Returns measure_cell's
 * status; r is CELL_OK or CELL_FAILED except on MEASURE_INTERRUPTED. */
int protocol_run(const struct measure_ops *ops, const struct chase_config *cfg,
		 const struct matrix *m, double tsc_hz, const char *err, struct cell_result *r);

/* Counter name for a phase: "<phase>_<what>". */
void phase_counter(struct cell_result *r, enum measure_phase p, const char *what, double value);

#endif
