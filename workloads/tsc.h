/* Fenced TSC reads shared by the payload and the native runner.
 * LFENCE before RDTSC keeps earlier loads from drifting past the read and
 * LFENCE after keeps later ones from starting early (SDM Vol. 2B, RDTSC). */
#ifndef TLBVISOR_TSC_H
#define TLBVISOR_TSC_H

#include <stdint.h>

static inline uint64_t tsc_read_fenced(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

#endif
