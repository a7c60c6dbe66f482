/* What a kvm cell records about its translation (kvm_record.c). */
#ifndef TLBVISOR_KVM_RECORD_H
#define TLBVISOR_KVM_RECORD_H

#include <stdint.h>

#include "bench/backends/kvm/kvm_knobs.h"
#include "bench/host/host_caps.h"
#include "bench/run/cell_result.h"
#include "hv/kvm/kvm_guest.h"

/* Which KVM, its second level ("npt", "ept", "shadow") and the depths. */
void kvm_record_translation(struct cell_result *r, const struct host_caps *h, const struct kvm_knobs *k,
			    unsigned phys_bits, unsigned guest_levels);
/* The page sizes KVM mapped for the working set (pages_* of the VM stats,
 * built minus base) against what the cell asked for, flagged with why when
 * smaller. */
void kvm_record_effective_pages(struct cell_result *r, const struct kvm_guest *g, const struct kvm_stats_snapshot *base,
				const struct kvm_stats_snapshot *built, uint64_t granule);

#endif
