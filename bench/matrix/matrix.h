/* The benchmark matrix: dimensions from a preset or the command line,
 * expanded into cells in a fixed order. */
#ifndef TLBVISOR_MATRIX_H
#define TLBVISOR_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/backends/backend.h"
#include "bench/host/host_mem.h"
#include "workloads/chase.h"

#define MATRIX_MAX 32

const char *pattern_name(enum chase_pattern p);
int pattern_parse(const char *s, enum chase_pattern *out);

/* Which cells a run has: the dimensions whose product is the matrix. */
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
	unsigned ept_levels[2];  /* tlbvisor's hypervisor; kvm when levels_given */
	int nept_levels;
	bool vpids[2];           /* tlbvisor's hypervisor; kvm when vpid_given */
	int nvpids;
	/* kvm: --vpid/--ept-levels given explicitly (module knobs) */
	bool vpid_given, levels_given;
	/* kvm: guest paging depths (--guest-levels 4,5; CR4.LA57 for 5) */
	unsigned guest_levels[2];
	int nguest_levels;
	bool guest_levels_given;
	bool exit_cost;          /* add exit round-trip cells for kvm, bochs, qemu */
};

enum workload {
	WORKLOAD_CHASE = 0,   /* the pointer chase over the working set */
	WORKLOAD_EXIT_IO,     /* round trip of an I/O exit */
	WORKLOAD_EXIT_CPUID,  /* round trip of a CPUID exit */
};

struct cell {
	int index;            /* in this run's list of cells */
	int matrix_index;     /* in the whole matrix (every section, every shard) */
	int section;          /* the matrix file's section it comes from (0 without sections) */
	char section_name[64]; /* that section's name ("" without sections) */
	enum workload workload;
	enum backend backend;
	uint64_t ws;
	enum chase_pattern pattern;
	enum host_page host_page;
	uint64_t guest_page;  /* 0 for native cells */
	unsigned ept_levels;  /* VMX backends: 4 or 5; 0 otherwise */
	bool vpid;            /* VMX backends; kvm when vpid_set */
	bool vpid_set;        /* kvm: a VPID setting was asked for */
	unsigned guest_levels; /* kvm: 4 or 5 when --guest-levels was given; 0: 4, unnamed */
	char name[160];
};

/* Number of cells the matrix expands to; cells may be NULL to count. */
int matrix_expand(const struct matrix *m, struct cell *cells, int max);
void cell_name(struct cell *c);

#endif
