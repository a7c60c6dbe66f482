/* Intel counters for the hypervisor's PMU (hv/hyp/hv_pmu.h): the
 * architectural events CPUID leaf 0AH reports (SDM Vol. 3B 20.2), and raw
 * IA32_PERFEVTSELx encodings from the command line. The guest runs at CPL3
 * and the hypervisor at CPL0, so USR without OS counts the guest only. */
#include "vmx.h"

#include "hv/hyp/x86.h"

#define MSR_PERFEVTSEL0 0x186
#define MSR_PMC0 0xc1
#define MSR_PERF_GLOBAL_CTRL 0x38f
#define EVTSEL_USR (1ull << 16)
#define EVTSEL_OS (1ull << 17)
#define EVTSEL_EN (1ull << 22)

/* Architectural events, SDM Vol. 3B table 20-1; EBX bit i set = absent. */
static const struct { const char *name; uint64_t sel; bool instructions; } arch_events[] = {
	{ "cycles", 0x003c, false },
	{ "instructions", 0x00c0, true },
	{ "llc_misses", 0x412e, false },
};

void vmx_pmu_probe(struct hv_pmu *p, const uint64_t *raw, unsigned nraw)
{
	uint32_t a, b, c, d;
	*p = (struct hv_pmu){ 0 };
	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 0xa) {
		p->why = "absent: the processor has no CPUID leaf 0AH (no architectural performance monitoring)";
		return;
	}
	cpuid(0xa, 0, &a, &b, &c, &d);
	unsigned version = a & 0xff, ngp = (a >> 8) & 0xff, nbits = (a >> 24) & 0xff;
	p->width = (a >> 16) & 0xff;
	if (!version || !ngp) {
		p->why = "absent: CPUID.0AH reports no general-purpose counters (version 0)";
		return;
	}
	p->global_ctrl_msr = version >= 2 ? MSR_PERF_GLOBAL_CTRL : 0;
	for (unsigned i = 0; i < sizeof arch_events / sizeof *arch_events && p->n < ngp; i++) {
		if (i < nbits && (b & (1u << i)))
			continue; /* this architectural event is not available */
		hv_pmu_add(p, MSR_PERFEVTSEL0 + p->n, MSR_PMC0 + p->n, arch_events[i].sel | EVTSEL_USR | EVTSEL_EN,
			   arch_events[i].name, arch_events[i].instructions);
	}
	for (unsigned i = 0; i < nraw && p->n < ngp; i++) {
		char name[24];
		hv_pmu_raw_name(name, raw[i]);
		uint64_t sel = (raw[i] & 0xffffffffull & ~EVTSEL_OS) | EVTSEL_USR | EVTSEL_EN; /* never the OS bit */
		hv_pmu_add(p, MSR_PERFEVTSEL0 + p->n, MSR_PMC0 + p->n, sel, name, false);
	}
	if (!p->usable)
		p->why = "absent: no architectural event is available on this processor";
}
