/* The core clock against the TSC. The TSC ticks at a fixed rate while the
 * core's clock moves (turbo, power limits) and a virtual CPU can lose time
 * to other tenants; both change how many TSC ticks an access costs without
 * any change in translation. A chain of dependent register adds takes one
 * core cycle per add on every x86-64 core of the last decade (ADD r64, r64
 * has a latency of 1), so timing a known chain with the TSC gives core
 * cycles per TSC tick. The same technique estimates frequency in
 * uarch-bench. Freestanding: shared by the native runner, the KVM host side
 * and the bare-metal hypervisor. */
#ifndef TLBVISOR_REFCLOCK_H
#define TLBVISOR_REFCLOCK_H

#include <stdint.h>

#include "workloads/tsc.h"

/* Adds per loop iteration: the loop's own decrement and branch run in
 * parallel with the chain, so an iteration costs REFCLOCK_CHAIN cycles. */
#define REFCLOCK_CHAIN 16u
/* Iterations of one measurement: 16 x 8192 = 131072 core cycles, about
 * 40 us at 3 GHz: short beside a repetition, long beside the TSC's reads. */
#define REFCLOCK_ITERS 8192u

/* Runs iters x REFCLOCK_CHAIN dependent adds; returns the TSC ticks taken.
 * *sum receives the chain's result (iters x REFCLOCK_CHAIN x step) so the
 * work cannot be optimized away and a test can check it was done. */
static inline uint64_t refclock_run(uint64_t iters, uint64_t step, uint64_t *sum)
{
	uint64_t acc = 0, n = iters;
	uint64_t t0 = tsc_read_fenced();
	__asm__ volatile(
		"1:\n\t"
		"add %[s], %[a]\n\tadd %[s], %[a]\n\tadd %[s], %[a]\n\tadd %[s], %[a]\n\t"
		"add %[s], %[a]\n\tadd %[s], %[a]\n\tadd %[s], %[a]\n\tadd %[s], %[a]\n\t"
		"add %[s], %[a]\n\tadd %[s], %[a]\n\tadd %[s], %[a]\n\tadd %[s], %[a]\n\t"
		"add %[s], %[a]\n\tadd %[s], %[a]\n\tadd %[s], %[a]\n\tadd %[s], %[a]\n\t"
		"dec %[n]\n\t"
		"jnz 1b"
		: [a] "+r"(acc), [n] "+r"(n)
		: [s] "r"(step)
		: "cc");
	uint64_t t1 = tsc_read_fenced();
	*sum = acc;
	return t1 - t0;
}

/* Core cycles per TSC tick x 1e6 (integer, for freestanding callers);
 * 0 when the TSC did not move. */
static inline uint64_t refclock_ratio_ppm(void)
{
	uint64_t sum;
	uint64_t ticks = refclock_run(REFCLOCK_ITERS, 1, &sum);
	if (!ticks)
		return 0;
	return (uint64_t)REFCLOCK_ITERS * REFCLOCK_CHAIN * 1000000ull / ticks;
}

#endif
