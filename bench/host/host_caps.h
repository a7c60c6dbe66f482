/* What this host is and what it can realize: provenance for every result
 * file and the answers behind `tlbvisor list` and skipped cells. */
#ifndef TLBVISOR_HOST_CAPS_H
#define TLBVISOR_HOST_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/host/host_cache.h"
#include "bench/host/host_mem.h"
#include "bench/host/tlb_geometry.h"

#define HOST_CAPS_MAX_PARAMS 24

/* Which KVM runs the kvm cells, and so what their second-level translation is. */
enum kvm_kind {
	KVM_KIND_NONE = 0,
	KVM_KIND_INTEL_EPT,    /* nested paging, EPT 4 or 5 levels */
	KVM_KIND_INTEL_SHADOW, /* kvm_intel ept=N */
	KVM_KIND_AMD_NPT,      /* nested paging, NPT as deep as the host's paging */
	KVM_KIND_AMD_SHADOW,   /* kvm_amd npt=N */
	KVM_KIND_PVM,          /* kvm_pvm: software virtualization, shadow paging */
	KVM_KIND_UNKNOWN,
};

struct host_param {
	char name[64];
	char value[64];
};

struct host_caps {
	char cpu_model[128];
	char cpu_vendor[32];
	int cpu_family, cpu_model_id, cpu_stepping;
	char microcode[32];
	char kernel[256];
	char hostname[64];
	int ncpus;
	bool cpu_pdpe1gb;
	struct tlb_geometry tlb;                  /* CPUID */
	struct host_cache caches[HOST_CACHES_MAX]; /* sysfs */
	int ncaches;
	char thp_enabled[32];
	char thp_defrag[32];
	struct hugetlb_pool pool_2m, pool_1g;
	uint64_t mem_available;

	double tsc_hz;
	char tsc_source[64];
	double tsc_calibrated_hz;

	bool kvm_ok;
	char kvm_reason[256];
	char kvm_modules[128];        /* loaded KVM modules, e.g. "kvm kvm_pvm" */
	struct host_param kvm_params[HOST_CAPS_MAX_PARAMS];
	int nkvm_params;
	bool guest_1g;
	char guest_1g_reason[256];
	bool guest_la57;              /* KVM gives guests CPUID LA57 (5-level paging) */

	/* Virtualization around this host (host_virt.c). */
	bool native_is_vm;            /* CPUID.1:ECX[31]: "native" is itself a VM */
	char hypervisor_vendor[16];   /* CPUID 40000000H signature, "" when not a VM */
	char emulator[16];            /* "QEMU TCG", "Bochs": timings are emulated; "" */
	bool cpu_vmx, cpu_svm, cpu_la57;
	int paging_levels;            /* the kernel's paging depth: 4, or 5 with CR4.LA57 */
	char paging_how[96];          /* how that was found */
	enum kvm_kind kvm_kind;       /* the KVM behind /dev/kvm */
};

/* Probes with tlbvisor's own embedded payload (never a --payload file: the
 * probe must be trustworthy), under a watchdog. */
void host_caps_probe(struct host_caps *h);
/* The value of a KVM module parameter the probe recorded ("kvm_amd.nested"),
 * or "" when the module or the parameter is not there. */
const char *host_kvm_param(const struct host_caps *h, const char *name);

#endif
