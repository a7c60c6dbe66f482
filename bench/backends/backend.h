/* Backends: prepare a cell, run the protocol on it, record what the
 * translation really was, release everything. */
#ifndef TLBVISOR_BACKEND_H
#define TLBVISOR_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "bench/host/host_caps.h"
#include "bench/run/matrix.h"
#include "bench/backends/measure_host.h"
#include "bench/run/cell_result.h"

struct payload {
	const void *image;
	size_t size;
	char source[256]; /* "embedded" or the file it came from */
};

/* The chase configuration of a cell whose working set starts at base. */
struct chase_config cell_chase_config(const struct cell *c, const struct run_config *cfg, uint64_t base);

/* Effective page sizes: bytes mapped by each leaf size -> dominant size,
 * counters eff_host_{4k,2m,1g}_pages and the mismatch flag. */
void record_effective(struct cell_result *r, uint64_t bytes_4k, uint64_t bytes_2m,
		      uint64_t bytes_1g, uint64_t requested, const char *why_if_smaller);

/* Checks shared by backends before memory is committed; 0 = go on. */
int check_memory(struct cell_result *r, const struct host_caps *h, uint64_t bytes);

/* Each returns MEASURE_INTERRUPTED when a signal cut the cell short (it is
 * then left pending), otherwise MEASURE_OK with r filled in. */
int backend_native_run(const struct run_config *cfg, const struct host_caps *h, struct cell_result *r);
int backend_kvm_run(const struct run_config *cfg, const struct host_caps *h, const struct payload *p,
		    struct cell_result *r);

#endif
