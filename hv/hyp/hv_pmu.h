/* Performance counters in tlbvisor's own hypervisor, counting in the guest
 * only, read around the measured phase. Which counters and events exist is
 * the vendor's to probe (Intel: CPUID.0AH architectural events, SDM Vol. 3B
 * chapter 20; AMD: PerfEvtSel with Guest-only, APM Vol. 2 13.2.1); reading
 * them and judging whether they count is the same on both. Absent counters
 * are said absent. */
#ifndef TLBVISOR_HYP_PMU_H
#define TLBVISOR_HYP_PMU_H

#include <stdbool.h>
#include <stdint.h>

#define HV_PMU_MAX 8

struct hv_pmu {
	bool usable;
	const char *why;                 /* when not usable */
	unsigned n;
	uint32_t ctl_msr[HV_PMU_MAX];    /* event-select MSR of counter i */
	uint32_t ctr_msr[HV_PMU_MAX];    /* its count MSR */
	uint64_t evtsel[HV_PMU_MAX];     /* value that starts it (enable and filter bits included) */
	uint32_t global_ctrl_msr;        /* a global enable to set around the phase (0: none) */
	unsigned width;                  /* counter bits */
	char names[HV_PMU_MAX][24];
	bool instructions[HV_PMU_MAX];   /* counts retired instructions: must not stay 0 */
	uint64_t begin[HV_PMU_MAX], delta[HV_PMU_MAX];
};

/* Add counter i = p->n with this name (raw: "raw_0x<sel>"). False when full. */
bool hv_pmu_add(struct hv_pmu *p, uint32_t ctl_msr, uint32_t ctr_msr, uint64_t evtsel, const char *name,
		bool instructions);
void hv_pmu_raw_name(char name[24], uint64_t sel);
void hv_pmu_begin(struct hv_pmu *p);
void hv_pmu_end(struct hv_pmu *p);
/* "ok", or why the counts are not reported (absent, or present but not
 * counting: an instructions counter that read 0 over millions of guest
 * instructions, as emulators' stub PMUs do). */
const char *hv_pmu_status(const struct hv_pmu *p, bool measured, bool *counting);

#endif
