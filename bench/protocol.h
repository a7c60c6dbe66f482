/* Runs hv/common/measure.c's protocol for a bench backend and turns its
 * result into a cell_result (cycles per access, overhead subtracted). */
#ifndef TLBVISOR_PROTOCOL_H
#define TLBVISOR_PROTOCOL_H

#include <signal.h>

#include "hv/common/measure.h"
#include "matrix.h"
#include "result.h"

extern volatile int protocol_interrupted;

#include "pmu.h"

/* PMU groups read around every phase of a cell (may have none). */
struct pmu_session {
	struct pmu_group groups[2];
	const char *prefix[2];   /* counter prefix per group: "" or "guest_", "host_" */
	int ngroups;
	struct pmu_values begin[2];
};

/* Open the matrix's events for a backend's scopes; the cell's pmu_status
 * says what happened. */
void pmu_session_open(struct pmu_session *s, const struct matrix *m, const enum pmu_scope *scopes,
		      const char *const *prefixes, int n, struct cell_result *r);
void pmu_session_close(struct pmu_session *s);

/* err: the backend's message for MEASURE_FAILED. Returns measure_cell's
 * status; r is CELL_OK or CELL_FAILED except on MEASURE_INTERRUPTED. */
int protocol_run(const struct measure_ops *ops, const struct chase_config *cfg,
		 const struct matrix *m, double tsc_hz, const char *err, struct cell_result *r,
		 struct pmu_session *pmu, uint64_t warmup_steps);

/* The same for a backend whose build and run are loops in this process (the
 * native backend): a signal abandons them at once instead of after the
 * repetition. */
int protocol_run_in_process(const struct measure_ops *ops, const struct chase_config *cfg,
			    const struct matrix *m, double tsc_hz, const char *err, struct cell_result *r,
			    struct pmu_session *pmu, uint64_t warmup_steps);
/* For the SIGINT/SIGTERM handler: stop the run, abandoning the repetition in
 * progress. */
void protocol_on_signal(void);

/* Counter name for a phase: "<phase>_<what>". */
void phase_counter(struct cell_result *r, enum measure_phase p, const char *what, double value);

#endif
