/* What one cell produced: per-repetition timings, counters, effective page
 * sizes, or the reason it was skipped or failed. */
#ifndef TLBVISOR_CELL_RESULT_H
#define TLBVISOR_CELL_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/matrix/matrix.h"

#define RESULT_MAX_REPS 64
#define RESULT_MAX_COUNTERS 128
/* Room for the longest counter name: "pmu_guest_measure_" or
 * "pmu_guest_..._per_access" around a libpfm4 event name (PMU_NAME, 80). */
#define RESULT_COUNTER_NAME 112

enum cell_phase { CELL_PHASE_SETUP = 0, CELL_PHASE_FAULT_IN, CELL_PHASE_WARMUP, CELL_PHASE_MEASURE, CELL_PHASES };
/* "setup_s", "fault_in_s", "warmup_s", "measure_s" */
const char *cell_phase_key(enum cell_phase p);

/* A repetition's core clock moved when the reference loop before and after
 * it disagree by more than this fraction. */
#define CLOCK_MOVED_FRACTION 0.02

enum cell_status {
	CELL_PENDING = 0,
	CELL_OK,
	CELL_SKIPPED,  /* the host cannot realize this cell: reason says why and how to fix */
	CELL_FAILED,   /* it ran and went wrong: reason says what happened */
};

const char *cell_status_name(enum cell_status s);

struct counter {
	char name[RESULT_COUNTER_NAME];
	double value;
};

struct cell_result {
	struct cell cell;
	enum cell_status status;
	char reason[512];

	double tsc_hz;
	uint64_t elements;         /* chased elements in the working set */
	uint64_t steps;            /* accesses per repetition */
	int reps;
	double cycles[RESULT_MAX_REPS]; /* cycles per access, overhead subtracted */
	double timer_overhead;     /* cycles subtracted from each timed interval */
	int warmup_passes;
	bool warmup_stable;
	double wall_seconds;       /* the cell from start to result, as the run loop timed it */
	/* Wall seconds by phase: build (the first touch of every page: faults),
	 * warm-up, the timed repetitions; setup is the rest of wall_seconds
	 * (allocation, VM creation, teardown). 0 where not timed. */
	double phase_seconds[CELL_PHASES];
	/* Core cycles per TSC tick around each repetition (workloads/refclock.h;
	 * 0: not read), and whether it moved during the repetition. */
	double core_per_tsc[RESULT_MAX_REPS];
	bool clock_moved[RESULT_MAX_REPS];
	double steal_ticks;        /* /proc/stat steal (USER_HZ ticks) during the repetitions; <0: unknown */
	char order[160];           /* how the repetitions were ordered, and why ("" when read from old files) */
	char ci_target[48];        /* --target-ci: "reached", or why it stopped short; "" when not asked */
	/* The run-to-run spread of the cell's median on this host (standard
	 * deviation of the logs, analysis/run_spread.h) from run_spread_runs
	 * earlier runs in the history; 0 runs: unknown (no history, or too few). */
	double run_spread;
	int run_spread_runs;
	char host[64];             /* the machine it ran on, when results of several are merged (else "") */

	/* effective page sizes of the working set (native: smaps; kvm: VM stats) */
	char effective_page[8];    /* dominant: "4k", "2m", "1g" or "?" */
	bool page_mismatch;
	char mismatch_reason[256];
	/* The second-level leaf the guest page tables sat behind ("4k", "2m",
	 * "1g"; "" unknown); pt_backing_note: why it is not the cell's leaf. */
	char pt_leaf[4];
	char pt_backing_note[200];

	char pmu_status[256];      /* "ok", or why the PMU columns are empty */
	char exit_reasons_status[256]; /* kvm: "ok", or why there are no tp_exit_* counters */

	/* kvm: the translation the cell really had ("" kvm: not a kvm cell) */
	struct {
		char kvm[24];                  /* which KVM: "kvm_amd+NPT", "kvm_pvm", ... */
		char second_level[8];          /* "npt", "ept" or "shadow" */
		unsigned second_level_levels;  /* NPT/EPT depth; 0 under shadow paging */
		unsigned guest_levels;         /* 4, or 5 with CR4.LA57 */
		unsigned host_paging_levels;   /* the host kernel's depth (AMD: the NPT's) */
		char vpid[4];                  /* kvm_intel's vpid read back ("Y"/"N"); "" elsewhere */
	} kvm;

	int ncounters;
	struct counter counters[RESULT_MAX_COUNTERS];
};

void result_init(struct cell_result *r, const struct cell *c);
void result_counter(struct cell_result *r, const char *name, double value);
void result_counter_add(struct cell_result *r, const char *name, double value); /* sum, from 0 */
void result_skip(struct cell_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void result_fail(struct cell_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
