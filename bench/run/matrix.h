/* The benchmark matrix: dimensions from a preset or the command line,
 * expanded into cells in a fixed order. */
#ifndef TLBVISOR_MATRIX_H
#define TLBVISOR_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/host/host_mem.h"
#include "workloads/chase.h"

#define MATRIX_MAX 32

enum backend {
	BACKEND_NATIVE = 0,
	BACKEND_KVM,
	BACKEND_BOCHS,  /* tlbvisor's VMX hypervisor in Bochs */
	BACKEND_QEMU,   /* tlbvisor's VMX hypervisor in QEMU with nested VMX */
	BACKEND_COUNT
};

/* Backends that run tlbvisor's own VMX hypervisor. */
#define BACKEND_IS_VMX(b) ((b) == BACKEND_BOCHS || (b) == BACKEND_QEMU)

const char *backend_name(enum backend b);
int backend_parse(const char *s, enum backend *out);
const char *pattern_name(enum chase_pattern p);
int pattern_parse(const char *s, enum chase_pattern *out);

struct matrix {
	enum backend backends[BACKEND_COUNT];
	int nbackends;
	uint64_t ws[MATRIX_MAX];
	int nws;
	enum chase_pattern patterns[2];
	int npatterns;
	enum host_page host_pages[HOST_PAGE_COUNT];
	int nhost_pages;
	uint64_t guest_pages[3];
	int nguest_pages;
	int repetitions;
	double min_time;      /* seconds per repetition, at least */
	uint64_t stride;      /* bytes per chased element (default: 4K, one line per page) */
	uint64_t group;       /* TLB-locality group (0: none) */
	uint64_t seed;
	uint64_t guest_mem;   /* KVM guest memory limit (0: sized to each working set) */
	int max_warmup_passes;
	uint64_t exit_every;  /* kvm and VMX backends: a guest exit every N accesses (0: off) */
	/* PMU events (libpfm4 names) read around every phase (native, kvm) */
	char events[8][80];
	int nevents;
	/* VMX backends only */
	uint64_t exit_ticks;  /* VMX-preemption-timer exit every N ticks (0: off) */
	uint64_t raw_events[4]; /* IA32_PERFEVTSEL encodings the hypervisor counts too */
	int nraw_events;
	unsigned ept_levels[2];
	int nept_levels;
	bool vpids[2];
	int nvpids;
	/* kvm: --vpid/--ept-levels given explicitly (module knobs) */
	bool vpid_given, levels_given;
	bool allow_module_reload;
	bool exit_cost;       /* add exit round-trip cells for kvm, bochs, qemu */
	double guest_timeout; /* seconds a guest may take for one command (watchdog) */
};

/* Fill m with a preset: "quick" or "default". Returns -1 for an unknown name. */
int matrix_preset(struct matrix *m, const char *name);

enum workload {
	WORKLOAD_CHASE = 0,   /* the pointer chase over the working set */
	WORKLOAD_EXIT_IO,     /* round trip of an I/O exit */
	WORKLOAD_EXIT_CPUID,  /* round trip of a CPUID exit */
};

struct cell {
	int index;
	enum workload workload;
	enum backend backend;
	uint64_t ws;
	enum chase_pattern pattern;
	enum host_page host_page;
	uint64_t guest_page;  /* 0 for native cells */
	unsigned ept_levels;  /* VMX backends: 4 or 5; 0 otherwise */
	bool vpid;            /* VMX backends; kvm when vpid_set */
	bool vpid_set;        /* kvm: a VPID setting was asked for */
	char name[160];
};

/* Number of cells the matrix expands to; cells may be NULL to count. */
int matrix_expand(const struct matrix *m, struct cell *cells, int max);
void cell_name(struct cell *c);

#endif
