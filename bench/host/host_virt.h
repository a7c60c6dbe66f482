/* Virtualization around this host, for provenance: whether "native" is itself
 * a virtual machine (or an emulator), the kernel's paging depth, which KVM
 * runs the kvm cells and with what second-level translation, and the real
 * reason when /dev/kvm is missing. */
#ifndef TLBVISOR_HOST_VIRT_H
#define TLBVISOR_HOST_VIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/host/host_caps.h"

/* Fills the virtualization fields of h; host_caps_probe calls it after the
 * KVM modules and /dev/kvm were probed. */
void host_virt_probe(struct host_caps *h);

/* Short name ("kvm_amd+NPT") and words ("kvm_amd with NPT: nested paging")
 * of the KVM that runs the kvm cells. */
const char *kvm_kind_name(enum kvm_kind k);
const char *kvm_kind_words(enum kvm_kind k);
/* The KVM a usable /dev/kvm belongs to, from the modules loaded and their
 * ept/npt parameters ("Y", "N", or "" when not read: the default, on): the
 * one rule, for this host and for results files older than the
 * kvm_translation key. */
enum kvm_kind kvm_kind_of(bool intel, bool amd, bool pvm, const char *ept, const char *npt);

/* Why there is no /dev/kvm, in words, with the fix: no VMX/SVM in this CPU,
 * a virtual machine without nested virtualization, a module loaded but not
 * bound (quoting the kernel log where it is readable), or a device node
 * missing from this /dev. */
void host_virt_why_no_kvm(const struct host_caps *h, char *why, size_t len);

#endif
