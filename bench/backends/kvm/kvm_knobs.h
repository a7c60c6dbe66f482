/* The KVM module knobs tlbvisor can turn: VPID (kvm_intel.vpid, needs
 * a module reload, only with --allow-module-reload, restored afterwards) and
 * the EPT depth (5-level TDP chosen by KVM through the guest MAXPHYADDR). */
#ifndef TLBVISOR_KVM_KNOBS_H
#define TLBVISOR_KVM_KNOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/host/host_caps.h"

struct kvm_knobs {
	bool intel;            /* kvm_intel is loaded */
	bool ept;              /* kvm_intel.ept=Y: TDP with EPT */
	bool vpid_on;          /* kvm_intel.vpid now */
	bool ept_5level;       /* the CPU's VMX flags include ept_5level */
	char why_vpid[256];    /* empty when VPID can be switched */
	char why_levels[256];  /* empty when EPT depth can be chosen */
};

void kvm_knobs_probe(struct kvm_knobs *k, const struct host_caps *h);
/* Why a kvm cell with this VPID / EPT depth cannot run now, or NULL. */
const char *kvm_knobs_vpid_blocker(const struct kvm_knobs *k, bool want_on, bool allow_reload,
				   char *buf, size_t len);
const char *kvm_knobs_levels_blocker(const struct kvm_knobs *k, unsigned levels, char *buf, size_t len);
/* Reload kvm_intel with vpid set as asked (no VM may be open). The
 * first change records the original value for kvm_knobs_restore. */
int kvm_knobs_set_vpid(struct kvm_knobs *k, bool on, char *err, size_t len);
/* Put kvm_intel.vpid back if tlbvisor changed it; safe to call more than once. */
void kvm_knobs_restore(void);
/* Guest MAXPHYADDR that makes KVM pick this TDP depth. */
unsigned kvm_knobs_phys_bits(unsigned levels);
/* The EPT depth kvm_intel uses for a guest of this MAXPHYADDR (0: the
 * host's): 5 only when the CPU walks 5-level EPT and the guest needs more
 * than 48 bits (KVM's kvm_mmu_get_tdp_level). */
unsigned kvm_knobs_ept_depth(const struct kvm_knobs *k, unsigned phys_bits);

#endif
