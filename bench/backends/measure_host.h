/* The measurement protocol of hv/common/measure.c run in this process for
 * the backends that measure here (native, kvm): the PMU read around every
 * phase, the result turned into a cell_result (cycles per access, timer
 * overhead subtracted). tlbvisor's hypervisor runs the same protocol
 * itself and reports its result on the serial line. */
#ifndef TLBVISOR_MEASURE_HOST_H
#define TLBVISOR_MEASURE_HOST_H

#include "bench/pmu/perf_counters.h"
#include "bench/run/cell_result.h"
#include "bench/matrix/run_config.h"
#include "hv/common/measure.h"

/* PMU groups read around every phase of a cell (may have none). */
struct pmu_session {
	struct pmu_group groups[2];
	const char *prefix[2];   /* counter prefix per group: "" or "guest_", "host_" */
	int ngroups;
	struct pmu_values begin[2];
};

/* Open the configured events for a backend's scopes; the cell's pmu_status
 * says what happened. */
void pmu_session_open(struct pmu_session *s, const struct run_config *cfg, const enum pmu_scope *scopes,
		      const char *const *prefixes, int n, struct cell_result *r);
void pmu_session_close(struct pmu_session *s);

/* One cell in progress: the backend's measure_ops wrapped (PMU and wall
 * clock around each phase, the reference clock around each repetition,
 * /proc/stat's steal time), the protocol's state and the cell it fills. */
struct measure_host {
	const struct measure_ops *inner;
	struct measure_ops ops;       /* what the protocol calls: the wrappers */
	struct measure_params p;
	struct measure_result mr;
	const struct chase_config *chase;
	const struct run_config *cfg;
	const char *err;
	struct cell_result *r;
	struct pmu_session *pmu, no_pmu;
	bool multiplexed, in_process;
	double phase_start;
	int rc;                       /* the protocol's status so far */
};

/* The steps of hv/common/measure.c for one cell, so cells can be measured
 * one after the other (measure_host_run) or round-robin by a backend that
 * keeps several alive: prepare (timer, build, warm-up, calibration), then
 * repetitions while measure_host_wants_more (the configured count, then
 * --target-ci's extra ones), then finish, which fills r and returns the
 * status. in_process: build and run are loops in this process that a signal
 * abandons at once (native). */
int measure_host_prepare(struct measure_host *m, const struct measure_ops *ops, const struct chase_config *chase,
			 const struct run_config *cfg, double tsc_hz, const char *err, struct cell_result *r,
			 struct pmu_session *pmu, uint64_t warmup_steps, bool in_process);
int measure_host_repetition(struct measure_host *m);
bool measure_host_wants_more(struct measure_host *m);
int measure_host_finish(struct measure_host *m);

/* err: the backend's message for MEASURE_FAILED. Returns measure_cell's
 * status; r is CELL_OK or CELL_FAILED except on MEASURE_INTERRUPTED. */
int measure_host_run(const struct measure_ops *ops, const struct chase_config *chase,
		 const struct run_config *cfg, double tsc_hz, const char *err, struct cell_result *r,
		 struct pmu_session *pmu, uint64_t warmup_steps);

/* The same for a backend whose build and run are loops in this process (the
 * native backend): a signal abandons them at once instead of after the
 * repetition. */
int measure_host_run_in_process(const struct measure_ops *ops, const struct chase_config *chase,
				const struct run_config *cfg, double tsc_hz, const char *err, struct cell_result *r,
				struct pmu_session *pmu, uint64_t warmup_steps);
/* For the SIGINT/SIGTERM handler, after it set run_interrupted: leaves the
 * in-process loop running now, if any (the repetition is abandoned). */
void measure_host_on_signal(void);

/* Adds value to the phase's counter "<phase>_<what>" (phases may come
 * once per repetition). */
void phase_counter(struct cell_result *r, enum measure_phase p, const char *what, double value);

#endif
