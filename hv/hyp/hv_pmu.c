#include "hv_pmu.h"

#include "hv/common/fmt.h"
#include "x86.h"

bool hv_pmu_add(struct hv_pmu *p, uint32_t ctl_msr, uint32_t ctr_msr, uint64_t evtsel, const char *name,
		bool instructions)
{
	if (p->n >= HV_PMU_MAX)
		return false;
	p->ctl_msr[p->n] = ctl_msr;
	p->ctr_msr[p->n] = ctr_msr;
	p->evtsel[p->n] = evtsel;
	struct fmt_buf f = fmt_init(p->names[p->n], sizeof p->names[p->n]);
	fmt_str(&f, name);
	p->instructions[p->n] = instructions;
	p->n++;
	p->usable = true;
	return true;
}

void hv_pmu_raw_name(char name[24], uint64_t sel)
{
	struct fmt_buf f = fmt_init(name, 24);
	fmt_str(&f, "raw_0x");
	fmt_uint(&f, sel, 16, 0, '0');
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
		wrmsr(p->ctl_msr[i], 0);
		wrmsr(p->ctr_msr[i], 0);
		wrmsr(p->ctl_msr[i], p->evtsel[i]);
		p->begin[i] = rdmsr(p->ctr_msr[i]);
	}
	if (p->global_ctrl_msr)
		wrmsr(p->global_ctrl_msr, (1ull << p->n) - 1);
}

void hv_pmu_end(struct hv_pmu *p)
{
	if (!p->usable)
		return;
	for (unsigned i = 0; i < p->n; i++) {
		p->delta[i] = (rdmsr(p->ctr_msr[i]) - p->begin[i]) & mask(p);
		wrmsr(p->ctl_msr[i], 0);
	}
	if (p->global_ctrl_msr)
		wrmsr(p->global_ctrl_msr, 0);
}

const char *hv_pmu_status(const struct hv_pmu *p, bool measured, bool *counting)
{
	*counting = false;
	if (!p->usable)
		return p->why;
	if (!measured)
		return "not measured: the cell did not reach the end of its measured phase";
	for (unsigned i = 0; i < p->n; i++)
		if (p->instructions[i] && p->delta[i] == 0)
			return "counters present but not counting: instructions retired read 0 over the measured phase (an emulator's stub PMU?); counts omitted";
	*counting = true;
	return "ok";
}
