/*
 * The minimal VMM on /dev/kvm: one VM, one vCPU, the payload entered directly
 * in 64-bit CPL3 (no guest kernel: see docs/design.md), the working set in its
 * own memory slot backed by host memory the caller chose.
 */
#ifndef TLBVISOR_KVM_GUEST_H
#define TLBVISOR_KVM_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvm_stats.h"
#include "workloads/tv_abi.h"

struct kvm_guest_config {
	const void *payload;      /* ELF image of the guest payload */
	size_t payload_size;
	void *ws_host;            /* host memory backing the working set */
	uint64_t ws_mem_size;     /* its size: a multiple of guest_page */
	uint64_t guest_page;      /* guest leaf size for the working set */
	unsigned phys_bits;       /* guest MAXPHYADDR in CPUID 80000008H (0: as KVM says) */
	unsigned guest_levels;    /* guest paging depth: 4 (or 0), or 5 with CR4.LA57 */
	/* Host memory backing guest-physical [0, sys_host_size): page tables,
	 * payload, stacks. At least kvm_guest_sys_size(), at most TV_WS_ADDR;
	 * zeroed. NULL: anonymous memory the guest maps itself. */
	void *sys_host;
	uint64_t sys_host_size;
};

struct kvm_guest {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *sys;             /* guest-physical [0, sys_size): tables, payload, stacks */
	size_t sys_size;
	bool sys_owned;           /* sys was mapped here (not the config's sys_host) */
	volatile struct tv_params *params;
	struct kvm_stats vm_stats, vcpu_stats;
	bool have_stats;
	bool guest_pdpe1gb;       /* CPUID Page1GB as the guest really sees it */
	bool guest_la57;          /* CPUID LA57 (5-level paging) as the guest sees it */
	uint64_t pt_tables;       /* guest page-table pages built */
	uint64_t tick_exits;      /* TV_PORT_TICK exits (exit_every) */
	double watchdog_s;        /* a command that takes longer fails the cell (0: none) */
};

/* Open /dev/kvm; on failure a message with the reason and the fix. */
int kvm_open(char *err, size_t errlen);

/* Bytes of guest-physical memory the system structures of cfg need. */
uint64_t kvm_guest_sys_size(const struct kvm_guest_config *cfg);

/* 0, KVM_GUEST_FAILED, or KVM_GUEST_UNSUPPORTED when this KVM cannot give the
 * guest what cfg asks (1G pages, 5-level paging): err says what is missing. */
#define KVM_GUEST_FAILED (-1)
#define KVM_GUEST_UNSUPPORTED (-2)
int kvm_guest_create(struct kvm_guest *g, const struct kvm_guest_config *cfg, char *err,
		     size_t errlen);
void kvm_guest_destroy(struct kvm_guest *g);

enum kvm_run_result {
	KVM_RUN_DONE = 0,       /* the payload reported the command done */
	KVM_RUN_FAILED = -1,    /* guest fault, bad exit or ioctl failure: see err */
	KVM_RUN_INTERRUPTED = -2, /* a signal arrived (Ctrl-C) */
	KVM_RUN_TICK = 1,       /* internal: an exit_every tick, the guest goes on */
};

/* Run params->cmd to completion. *status receives the payload's status. A
 * guest that does not answer within g->watchdog_s seconds is stopped with
 * SIGALRM (ITIMER_REAL; the handler is installed here) and the command fails. */
enum kvm_run_result kvm_guest_command(struct kvm_guest *g, uint32_t cmd, uint32_t *status,
				      char *err, size_t errlen);

/* What a KVM_EXIT_IO in run (of run_size bytes, every field the guest's to
 * choose) means for the ABI: done (status), a tick (counted), or a failure
 * in err. Reads nothing outside run. */
struct kvm_run;
enum kvm_run_result kvm_io_decode(const struct kvm_run *run, size_t run_size,
				  const volatile struct tv_params *params, uint32_t *status,
				  uint64_t *ticks, char *err, size_t errlen);


#endif
