/*
 * The pointer-chase workload. One source, compiled into the freestanding
 * guest payload and into the native runner, so that backends differ only in
 * translation. Freestanding: no libc.
 *
 * The working set holds n = bytes / stride elements; element i lives in
 * stride-sized slot i at a line offset mixed by i (so the chased lines do not
 * all fall into the same cache sets). The chase visits the elements in the
 * order chase_order(0), chase_order(1), ... and wraps around: one cycle that
 * covers every element. The random order is a keyed bijection (a Feistel
 * network with cycle walking), so no scratch memory is needed and the host
 * can compute where a chase of k steps must end.
 */
#ifndef TLBVISOR_CHASE_H
#define TLBVISOR_CHASE_H

#include <stdint.h>

enum chase_pattern {
	CHASE_RANDOM = 0,
	CHASE_SEQ = 1,
};

#define CHASE_LINE 64u

struct chase_config {
	uint64_t base;    /* address of the working set, as the chasing code sees it */
	uint64_t bytes;   /* working-set size */
	uint64_t stride;  /* bytes per element slot: a multiple of 64 */
	uint64_t group;   /* TLB-locality group in bytes (0: the whole set) */
	uint64_t seed;
	uint32_t pattern; /* enum chase_pattern */
	uint32_t reserved;
};

enum chase_check {
	CHASE_OK = 0,
	CHASE_BAD_STRIDE,  /* stride is zero or not a multiple of 64 */
	CHASE_TOO_SMALL,   /* working set smaller than one stride */
	CHASE_BAD_GROUP,   /* group is not a multiple of the stride or does not divide the set */
	CHASE_BAD_PATTERN,
};

enum chase_check chase_validate(const struct chase_config *c);
const char *chase_check_str(enum chase_check e);

uint64_t chase_elements(const struct chase_config *c);
/* Address of element i's pointer slot. */
uint64_t chase_slot(const struct chase_config *c, uint64_t i);
/* Element visited at position k of the cycle (0 <= k < n). */
uint64_t chase_order(const struct chase_config *c, uint64_t k);
/* Keyed bijection on [0, m): the building block of chase_order. */
uint64_t chase_permute(uint64_t key, uint64_t m, uint64_t x);

/* Write the cycle into the working set (touches every element's page). */
void chase_build(const struct chase_config *c);
/* Where the chase starts, and where it must be after 'steps' steps. */
uint64_t chase_start(const struct chase_config *c);
uint64_t chase_expected(const struct chase_config *c, uint64_t steps);

/* Follow 'steps' pointers from 'start'; returns the final pointer. */
uint64_t chase_run(uint64_t start, uint64_t steps);
/* The same, timed with the TSC (fenced); *cycles excludes nothing. */
uint64_t chase_timed(uint64_t start, uint64_t steps, uint64_t *cycles);
/* Smallest back-to-back cost of the fenced TSC reads, in cycles. */
uint64_t chase_timer_overhead(void);

#endif
