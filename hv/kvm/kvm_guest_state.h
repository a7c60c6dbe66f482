/* Architectural state of the CPL3 guest: CPUID, descriptor tables, TSS, page
 * tables and registers. Internal to hv/kvm. */
#ifndef TLBVISOR_KVM_GUEST_STATE_H
#define TLBVISOR_KVM_GUEST_STATE_H

#include "kvm_guest.h"

/* Sets g->guest_pdpe1gb and g->guest_la57 to what the guest really got. */
int kvm_guest_set_cpuid(struct kvm_guest *g, unsigned phys_bits, char *err, size_t errlen);
/* levels: 4, or 5 (CR4.LA57). KVM_GUEST_UNSUPPORTED when KVM refuses LA57. */
int kvm_guest_build_state(struct kvm_guest *g, const struct tv_payload_header *hdr, uint64_t entry,
			  uint64_t ws_mem_size, uint64_t guest_page, unsigned levels, char *err,
			  size_t errlen);

#endif
