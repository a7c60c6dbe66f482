/* Performance counters on bare metal (SDM Vol. 3B chapter 20): architectural
 * events from CPUID leaf 0AH and raw event-select encodings, counting in the
 * guest only (USR set, OS clear: the guest runs at CPL3, the hypervisor at
 * CPL0), read around the measured phase. Absent counters are said absent. */
#ifndef TLBVISOR_VMX_PMU_H
#define TLBVISOR_VMX_PMU_H

#include <stdbool.h>
#include <stdint.h>

#define HV_PMU_MAX 8

struct hv_pmu {
	unsigned version, ngp, width;
	bool usable;
	const char *why;                 /* when not usable */
	unsigned n;
	uint64_t evtsel[HV_PMU_MAX];     /* IA32_PERFEVTSELx values */
	char names[HV_PMU_MAX][24];
	uint64_t begin[HV_PMU_MAX], delta[HV_PMU_MAX];
};

/* raw: extra event-select encodings (event | umask << 8 ...) from the command line. */
void hv_pmu_probe(struct hv_pmu *p, const uint64_t *raw, unsigned nraw);
void hv_pmu_begin(struct hv_pmu *p);
void hv_pmu_end(struct hv_pmu *p);

#endif
