/* The benchmark matrix on the hypervisor's Multiboot2 command line. */
#ifndef TLBVISOR_HYP_MATRIX_PARSE_H
#define TLBVISOR_HYP_MATRIX_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#define HV_MAX_LIST 32 /* = the CLI's MATRIX_MAX */

struct hv_matrix {
	uint64_t ws[HV_MAX_LIST];
	unsigned nws;
	uint32_t patterns[2];
	unsigned npatterns;
	uint64_t guest_pages[3];
	unsigned nguest;
	uint64_t ept_pages[3];
	unsigned nept;
	unsigned levels[2];
	unsigned nlevels;
	bool vpid[2];
	unsigned nvpid;
	unsigned reps, max_warmup;
	uint64_t min_cycles, stride, group, seed;
	uint64_t exit_ticks;        /* a timer exit every N ticks (0: off): VMX-preemption timer ticks, or TSC ticks under SVM */
	uint64_t exit_every;        /* guest port-I/O exit every N accesses (0: off) */
	uint64_t watchdog_ticks;    /* TSC ticks a command may take (0: the timer's maximum) */
	bool probe_ept_violation;   /* first run a cell that touches a GPA the nested table lacks */
	bool exit_cost;             /* also time I/O and CPUID exit round trips */
	bool pt_split;              /* the sys region with 4K nested leaves (today's split), not the cell's leaf */
	uint64_t pmu_raw[4];        /* raw PERFEVTSEL encodings to count besides the architectural events */
	unsigned npmu_raw;
};

/* 0, or -1 with *why set to a static message. */
int hv_matrix_parse(const char *cmdline, struct hv_matrix *m, const char **why);

#endif
