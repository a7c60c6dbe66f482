/* What a kvm cell records about its translation: which KVM and second
 * level it ran on, and the page sizes KVM really mapped (VM stats). */
#include "bench/backends/kvm/kvm_record.h"

#include <stdio.h>
#include <string.h>

#include "bench/backends/backend_common.h"
#include "bench/host/host_virt.h"
#include "lib/units.h"

static uint64_t vm_pages(const struct kvm_guest *g, const struct kvm_stats_snapshot *s, const char *name)
{
	int idx = kvm_stats_find(&g->vm_stats, name);
	return idx < 0 ? 0 : s->value[idx];
}

static uint64_t count_delta(uint64_t after, uint64_t before)
{
	return after > before ? after - before : 0;
}

/* The translation this cell has: which KVM, its second level and depths. */
void kvm_record_translation(struct cell_result *r, const struct host_caps *h, const struct kvm_knobs *k,
			       unsigned phys_bits, unsigned guest_levels)
{
	snprintf(r->kvm.kvm, sizeof r->kvm.kvm, "%s", kvm_kind_name(h->kvm_kind));
	r->kvm.guest_levels = guest_levels;
	r->kvm.host_paging_levels = (unsigned)h->paging_levels;
	const char *second = "shadow";
	if (h->kvm_kind == KVM_KIND_AMD_NPT) {
		/* NPT walks with the host's paging mode (KVM's get_npt_level). */
		second = "npt";
		r->kvm.second_level_levels = (unsigned)h->paging_levels;
	} else if (h->kvm_kind == KVM_KIND_INTEL_EPT) {
		second = "ept";
		r->kvm.second_level_levels = kvm_knobs_ept_depth(k, phys_bits);
	}
	snprintf(r->kvm.second_level, sizeof r->kvm.second_level, "%s", second);
	if (k->intel)
		snprintf(r->kvm.vpid, sizeof r->kvm.vpid, "%s", k->vpid_on ? "Y" : "N");
}

void kvm_record_effective_pages(struct cell_result *r, const struct kvm_guest *g, const struct kvm_stats_snapshot *base,
				const struct kvm_stats_snapshot *built, uint64_t granule)
{
	const struct cell *c = &r->cell;
	/* pages_* are current counts: the host may have zapped mappings
	 * in between, so a delta can be negative; clamp it at zero. */
	uint64_t d4 = count_delta(vm_pages(g, built, "pages_4k"), vm_pages(g, base, "pages_4k"));
	uint64_t d2 = count_delta(vm_pages(g, built, "pages_2m"), vm_pages(g, base, "pages_2m"));
	uint64_t d1 = count_delta(vm_pages(g, built, "pages_1g"), vm_pages(g, base, "pages_1g"));
	/* Second-level leaves can be no larger than the host backing and,
	 * under shadow paging, than the guest page: flag both losses. */
	uint64_t wanted = granule > c->guest_page ? granule : c->guest_page;
	char why[200];
	if (c->guest_page > granule)
		snprintf(why, sizeof why, "guest %s pages are splintered into %s second-level leaves by the %s host backing",
			 page_size_name(c->guest_page), page_size_name(granule),
			 host_page_name(c->host_page));
	else if (!strcmp(r->kvm.second_level, "shadow"))
		snprintf(why, sizeof why, "this KVM uses shadow paging, which maps at most the guest page size (%s)",
			 page_size_name(c->guest_page));
	else
		snprintf(why, sizeof why, "KVM mapped the %s backing with smaller leaves",
			 host_page_name(c->host_page));
	record_effective(r, d4 << 12, d2 << 21, d1 << 30, wanted, why);
}
