/*
 * The measurement protocol, written once for every backend (native, KVM, the
 * VMX hypervisor): build the chase (the first touch of every page), warm up
 * with whole passes until two consecutive passes agree within 5%, calibrate
 * the accesses per repetition to a minimum duration, then time repetitions,
 * each checked against where the chase must end. Integer-only and
 * freestanding so the bare-metal hypervisor runs the same code.
 */
#ifndef TLBVISOR_MEASURE_H
#define TLBVISOR_MEASURE_H

#include <stdbool.h>
#include <stdint.h>

#include "workloads/chase.h"

enum measure_phase { MEASURE_BUILD = 0, MEASURE_WARMUP, MEASURE_MEASURE, MEASURE_PHASES };

enum measure_status {
	MEASURE_OK = 0,
	MEASURE_FAILED = -1,      /* an operation failed: the backend knows why */
	MEASURE_INTERRUPTED = -2, /* a signal or the operator stopped it */
	MEASURE_CORRUPT = -3,     /* a chase ended at the wrong element */
};

/* A backend's view of one prepared cell. */
struct measure_ops {
	void *ctx;
	int (*timer_overhead)(void *ctx, uint64_t *cycles);
	int (*build)(void *ctx);
	int (*run)(void *ctx, uint64_t steps, uint64_t *cycles, uint64_t *final_ptr);
	void (*phase_begin)(void *ctx, enum measure_phase p);
	void (*phase_end)(void *ctx, enum measure_phase p);
};

struct measure_params {
	uint64_t min_cycles;          /* a repetition lasts at least this many TSC cycles */
	unsigned repetitions;
	unsigned max_warmup_passes;
	volatile int *interrupted;    /* checked between operations; may be NULL */
	uint64_t warmup_steps;        /* accesses per warm-up pass (0: one cycle, at least 64K) */
	/* Optional (NULL: not read): core cycles per TSC tick x 1e6
	 * (workloads/refclock.h), read right before and right after every
	 * timed repetition. */
	uint64_t (*clock_ppm)(void);
};

#define MEASURE_MAX_REPS 64
#define MEASURE_WARMUP_MIN_STEPS 65536u
#define MEASURE_MIN_STEPS 1024u

struct measure_result {
	uint64_t elements;
	uint64_t timer_overhead;      /* cycles, to subtract from each repetition */
	unsigned warmup_passes;
	bool warmup_stable;
	uint64_t steps;               /* accesses per repetition */
	unsigned reps;
	uint64_t rep_cycles[MEASURE_MAX_REPS]; /* raw cycles of each repetition */
	uint64_t clock_before_ppm[MEASURE_MAX_REPS], clock_after_ppm[MEASURE_MAX_REPS]; /* 0: not read */
	const char *step;             /* where it stopped, when not MEASURE_OK */
	uint64_t final_ptr, expected_ptr;
};

const char *measure_phase_name(enum measure_phase p); /* "build", "warmup", "measure" */

/* The protocol in three steps, so that cells can be measured one after the
 * other or round-robin (one repetition of each in turn) with the same code:
 * measure_prepare times the timer, builds, warms up and calibrates;
 * measure_repetition adds one timed repetition (the caller brackets the
 * repetitions with the MEASURE_MEASURE phase: measure_cell once around all
 * of them, a round-robin driver around each, its counters adding up);
 * measure_cell is prepare plus p->repetitions repetitions.
 * cfg NULL: a workload without a chain (e.g. exit round trips): 'steps'
 * counts operations and no end pointer is checked. */
int measure_prepare(const struct measure_ops *ops, const struct chase_config *cfg,
		    const struct measure_params *p, struct measure_result *r);
int measure_repetition(const struct measure_ops *ops, const struct chase_config *cfg,
		       const struct measure_params *p, struct measure_result *r);
int measure_cell(const struct measure_ops *ops, const struct chase_config *cfg,
		 const struct measure_params *p, struct measure_result *r);

#endif
