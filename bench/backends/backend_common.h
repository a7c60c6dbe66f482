/* What the backends that measure in this process (native, kvm) share:
 * the chase of a cell, the memory check before committing memory, and the
 * effective page sizes recorded from what the kernel or KVM really mapped. */
#ifndef TLBVISOR_BACKEND_COMMON_H
#define TLBVISOR_BACKEND_COMMON_H

#include <stdint.h>

#include "bench/run/cell_result.h"
#include "bench/matrix/run_config.h"
#include "workloads/chase.h"

struct host_caps;

/* The chase configuration of a cell whose working set starts at base. */
struct chase_config cell_chase_config(const struct cell *c, const struct run_config *cfg, uint64_t base);

/* Effective page sizes: bytes mapped by each leaf size -> dominant size,
 * counters eff_host_{4k,2m,1g}_pages and the mismatch flag. */
void record_effective(struct cell_result *r, uint64_t bytes_4k, uint64_t bytes_2m,
		      uint64_t bytes_1g, uint64_t requested, const char *why_if_smaller);

/* Checks shared by backends before memory is committed; 0 = go on. */
int check_memory(struct cell_result *r, const struct host_caps *h, uint64_t bytes);

#endif
