/* AMD counters for the hypervisor's PMU (hv/hyp/hv_pmu.h): the core
 * performance counters (APM Vol. 2 13.2.1) counting with PerfEvtSel
 * Guest-only (bit 40, honoured while EFER.SVME = 1) and USR without OS: the
 * guest at CPL3 only. Events: cycles, retired instructions and the data-TLB
 * misses that walk the page tables (from the family's PPR), plus raw
 * encodings from the command line. */
#include "svm.h"

#include "hv/hyp/x86.h"

#define MSR_PERF_CTL0 0xc0010000         /* legacy: 4 counters, CTL i / CTR i */
#define MSR_PERF_CTR0 0xc0010004
#define MSR_PERF_CTL_EXT0 0xc0010200     /* PerfCtrExtCore: 6 counters, CTL 2i / CTR 2i+1 */
#define MSR_PERF_GLOBAL_CTL 0xc0000301   /* PerfMonV2 (CPUID 8000_0022H EAX bit 0) */
#define EVTSEL_USR (1ull << 16)
#define EVTSEL_OS (1ull << 17)
#define EVTSEL_EN (1ull << 22)
#define EVTSEL_GUEST_ONLY (1ull << 40)
#define EVTSEL_HOST_ONLY (1ull << 41)

/* Event select: event bits 7:0 in 7:0 and 11:8 in 35:32, unit mask 15:8. */
static uint64_t event(unsigned ev, unsigned umask)
{
	return (ev & 0xff) | ((uint64_t)(ev >> 8) << 32) | ((uint64_t)umask << 8);
}

static unsigned family(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	unsigned base = (a >> 8) & 0xf;
	return base == 0xf ? base + ((a >> 20) & 0xff) : base;
}

void svm_pmu_probe(struct hv_pmu *p, const uint64_t *raw, unsigned nraw)
{
	uint32_t a, b, c, d;
	*p = (struct hv_pmu){ .width = 48 };
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	unsigned max_ext = a;
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	bool ext = c & (1u << 23); /* PerfCtrExtCore */
	unsigned ncounters = ext ? 6 : 4;
	if (max_ext >= 0x80000022) {
		cpuid(0x80000022, 0, &a, &b, &c, &d);
		if (a & 1)
			p->global_ctrl_msr = MSR_PERF_GLOBAL_CTL;
	}
	/* Walks: family 17h+ L1_DTLB_MISS (PMCx045) with the unit masks of the
	 * L2-TLB misses of every page size (F0h); earlier families count them
	 * as PMCx046 "L1 and L2 DTLB miss" (07h). */
	unsigned fam = family();
	const struct { const char *name; uint64_t sel; bool instructions; } events[] = {
		{ "cycles", event(0x76, 0), false },
		{ "instructions", event(0xc0, 0), true },
		{ "dtlb_walks", fam >= 0x17 ? event(0x45, 0xf0) : event(0x46, 0x07), false },
	};
	const uint64_t filter = EVTSEL_USR | EVTSEL_EN | EVTSEL_GUEST_ONLY;
	for (unsigned i = 0; i < sizeof events / sizeof events[0] + nraw && p->n < ncounters; i++) {
		unsigned k = p->n;
		uint32_t ctl = ext ? MSR_PERF_CTL_EXT0 + 2 * k : MSR_PERF_CTL0 + k;
		uint32_t ctr = ext ? MSR_PERF_CTL_EXT0 + 2 * k + 1 : MSR_PERF_CTR0 + k;
		if (i < sizeof events / sizeof events[0]) {
			hv_pmu_add(p, ctl, ctr, events[i].sel | filter, events[i].name, events[i].instructions);
		} else {
			uint64_t r = raw[i - sizeof events / sizeof events[0]];
			char name[24];
			hv_pmu_raw_name(name, r);
			hv_pmu_add(p, ctl, ctr, (r & ~(EVTSEL_OS | EVTSEL_HOST_ONLY)) | filter, name, false);
		}
	}
}
