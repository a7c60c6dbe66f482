#include "pmu.h"

#include "io.h"

#define MSR_PERFEVTSEL0 0x186
#define MSR_PMC0 0xc1
#define MSR_PERF_GLOBAL_CTRL 0x38f
#define EVTSEL_USR (1ull << 16)
#define EVTSEL_EN (1ull << 22)

/* Architectural events, SDM Vol. 3B table 20-1; EBX bit i set = absent. */
static const struct { const char *name; uint64_t sel; } arch_events[] = {
	{ "cycles", 0x003c },
	{ "instructions", 0x00c0 },
	{ "llc_misses", 0x412e },
};

static void set_name(char *dst, const char *src)
{
	unsigned i = 0;
	for (; src[i] && i < 23; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

static void raw_name(char *dst, uint64_t sel)
{
	const char *hex = "0123456789abcdef";
	set_name(dst, "raw_0x");
	unsigned n = 6;
	for (int s = 28; s >= 0 && n < 22; s -= 4)
		if ((sel >> s) || s == 0)
			dst[n++] = hex[(sel >> s) & 15];
	dst[n] = 0;
}

void hv_pmu_probe(struct hv_pmu *p, const uint64_t *raw, unsigned nraw)
{
	uint32_t a, b, c, d;
	*p = (struct hv_pmu){ 0 };
	cpuid(0, 0, &a, &b, &c, &d);
	if (a < 0xa) {
		p->why = "absent: the processor has no CPUID leaf 0AH (no architectural performance monitoring)";
		return;
	}
	cpuid(0xa, 0, &a, &b, &c, &d);
	p->version = a & 0xff;
	p->ngp = (a >> 8) & 0xff;
	p->width = (a >> 16) & 0xff;
	if (!p->version || !p->ngp) {
		p->why = "absent: CPUID.0AH reports no general-purpose counters (version 0)";
		return;
	}
	unsigned nbits = (a >> 24) & 0xff;
	for (unsigned i = 0; i < sizeof arch_events / sizeof *arch_events && p->n < p->ngp && p->n < HV_PMU_MAX; i++) {
		if (i < nbits && (b & (1u << i)))
			continue; /* this architectural event is not available */
		p->evtsel[p->n] = arch_events[i].sel;
		set_name(p->names[p->n], arch_events[i].name);
		p->n++;
	}
	for (unsigned i = 0; i < nraw && p->n < p->ngp && p->n < HV_PMU_MAX; i++) {
		p->evtsel[p->n] = raw[i] & 0xffffffffull & ~(1ull << 17); /* never the OS bit */
		raw_name(p->names[p->n], raw[i]);
		p->n++;
	}
	p->usable = p->n > 0;
	if (!p->usable)
		p->why = "absent: no architectural event is available on this processor";
}

static uint64_t mask(const struct hv_pmu *p)
{
	return p->width >= 64 ? ~0ull : (1ull << p->width) - 1;
}

void hv_pmu_begin(struct hv_pmu *p)
{
	if (!p->usable)
		return;
	for (unsigned i = 0; i < p->n; i++) {
		wrmsr(MSR_PERFEVTSEL0 + i, 0);
		wrmsr(MSR_PMC0 + i, 0);
		wrmsr(MSR_PERFEVTSEL0 + i, p->evtsel[i] | EVTSEL_USR | EVTSEL_EN);
		p->begin[i] = rdmsr(MSR_PMC0 + i);
	}
	if (p->version >= 2)
		wrmsr(MSR_PERF_GLOBAL_CTRL, (1ull << p->n) - 1);
}

void hv_pmu_end(struct hv_pmu *p)
{
	if (!p->usable)
		return;
	for (unsigned i = 0; i < p->n; i++) {
		p->delta[i] = (rdmsr(MSR_PMC0 + i) - p->begin[i]) & mask(p);
		wrmsr(MSR_PERFEVTSEL0 + i, 0);
	}
	if (p->version >= 2)
		wrmsr(MSR_PERF_GLOBAL_CTRL, 0);
}
