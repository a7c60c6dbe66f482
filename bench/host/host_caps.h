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
	bool host_virt;               /* this "host" is itself a virtual machine */
	char hypervisor[16];          /* its hypervisor's CPUID signature, e.g. "KVMKVMKVM" */
	struct tlb_geometry tlb;
	struct host_cache caches[HOST_CACHES_MAX];
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
};

/* Probes with tlbvisor's own embedded payload (never a --payload file: the
 * probe must be trustworthy), under a watchdog. */
void host_caps_probe(struct host_caps *h);
/* The value of a KVM module parameter the probe recorded ("kvm_amd.nested"),
 * or "" when the module or the parameter is not there. */
const char *host_kvm_param(const struct host_caps *h, const char *name);

#endif
