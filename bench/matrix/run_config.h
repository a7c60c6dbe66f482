/* Everything of a run that is not its matrix of cells: how each cell is
 * measured, the guests' limits, the PMU events, the emulators' limits and
 * where the results go. The matrix (run/matrix.h) says which cells. */
#ifndef TLBVISOR_RUN_CONFIG_H
#define TLBVISOR_RUN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#define RUN_MAX_EVENTS 8
#define RUN_MAX_RAW_EVENTS 4

struct matrix;

struct run_config {
	/* The measurement protocol (hv/common/measure.c), for every cell. */
	int repetitions;
	double min_time;      /* seconds per repetition, at least */
	int max_warmup_passes;
	/* --target-ci: more repetitions (up to RESULT_MAX_REPS) until the 95%
	 * interval of the median is within +-target_ci of it (a fraction; 0:
	 * off), or the cell's repetitions took max_time seconds. */
	double target_ci;
	double max_time;
	/* --sequential: one cell after the other, instead of the cells of one
	 * working set round-robin (one repetition of each in turn) where the
	 * backend and the memory budget allow it. */
	bool sequential;
	/* The chase. */
	uint64_t stride;      /* bytes per chased element (default: 4K, one line per page) */
	uint64_t group;       /* TLB-locality group (0: none) */
	uint64_t seed;
	/* Guests (kvm and tlbvisor's hypervisor). */
	uint64_t guest_mem;   /* KVM guest memory limit (0: sized to each working set) */
	uint64_t exit_every;  /* a guest exit every N accesses (0: off) */
	/* tlbvisor's hypervisor: a timer exit every N ticks (0: off), ticks of the
	 * VMX-preemption timer under VMX, of the TSC (local APIC timer) under SVM. */
	uint64_t exit_ticks;
	double guest_timeout; /* seconds a guest may take for one command (watchdog) */
	bool allow_module_reload; /* kvm: tlbvisor may reload kvm_intel to switch VPID */
	/* --pt-backing split: the guest page tables stay behind 4K second-level
	 * leaves (the layout shadow paging needed); default (cell): behind the
	 * cell's host page or EPT/NPT leaf, as a real guest's RAM would be. */
	bool pt_split;
	/* PMU events (libpfm4 names) read around every phase (native, kvm). */
	char events[RUN_MAX_EVENTS][80];
	int nevents;
	/* IA32_PERFEVTSEL encodings tlbvisor's hypervisor counts in the guest. */
	uint64_t raw_events[RUN_MAX_RAW_EVENTS];
	int nraw_events;
	/* tlbvisor's hypervisor in an emulator. */
	double vmx_timeout;   /* wall-clock limit of one boot */
	bool probe_nested_fault; /* first a cell that touches a GPA the EPT/NPT lacks */
	/* Where the results go. */
	const char *preset;   /* the preset the run started from */
	const char *matrix_file;  /* --matrix: the INI file of the matrix */
	const char *shard;        /* --shard I/N | slurm | slurm/N */
	const char *shard_costs;  /* --shard-costs: an earlier run's results (cell wall times) */
	bool dry_run;             /* print the cells (of this shard) and what identifies the matrix; run nothing */
	const char *out, *csv, *db, *resume, *payload;
	bool no_db;
};

/* What every run starts from, before a preset or a matrix file (the
 * presets are matrix files: bench/matrices/, cli/matrix_file.h). */
void run_defaults(struct matrix *m, struct run_config *cfg);

#endif
