/* The measurement protocol, written once for every backend: build the chase
 * (first touch of every page), warm up until the per-pass latency is stable,
 * calibrate the accesses per repetition to min-time, then time repetitions,
 * each checked against the expected end of the chase. */
#ifndef TLBVISOR_PROTOCOL_H
#define TLBVISOR_PROTOCOL_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "matrix.h"
#include "result.h"

enum phase { PHASE_BUILD = 0, PHASE_WARMUP, PHASE_MEASURE, PHASE_COUNT };
const char *phase_name(enum phase p); /* "build", "warmup", "measure" */

enum op_result { OP_OK = 0, OP_FAILED = -1, OP_INTERRUPTED = -2 };

/* A backend's view of one prepared cell. Errors go to err. */
struct workload_ops {
	void *ctx;
	enum op_result (*build)(void *ctx, char *err, size_t len);
	enum op_result (*run)(void *ctx, uint64_t steps, uint64_t *cycles, uint64_t *final_ptr,
			      char *err, size_t len);
	enum op_result (*timer_overhead)(void *ctx, uint64_t *cycles, char *err, size_t len);
	/* Counter snapshots around each phase; phase_end adds deltas to r. */
	void (*phase_begin)(void *ctx, enum phase p);
	void (*phase_end)(void *ctx, enum phase p, struct cell_result *r);
};

extern volatile sig_atomic_t protocol_interrupted;

/* Runs the protocol; fills r (status CELL_OK or CELL_FAILED). Returns
 * OP_INTERRUPTED when a signal cut it short (r is then left pending). */
enum op_result protocol_run(const struct workload_ops *ops, const struct chase_config *cfg,
			    const struct matrix *m, double tsc_hz, struct cell_result *r);

#endif
