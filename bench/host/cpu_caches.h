/* The CPU's caches as sysfs describes them (cpu0's cache/index*), in Google
 * Benchmark's context layout: type, level, size, how many CPUs share it. */
#ifndef TLBVISOR_CPU_CACHES_H
#define TLBVISOR_CPU_CACHES_H

#include <stdint.h>

#define CPU_CACHES_MAX 8

struct cpu_cache {
	char type[16];     /* "Data", "Instruction", "Unified" */
	int level;
	uint64_t size;     /* bytes */
	int num_sharing;   /* CPUs in shared_cpu_list */
};

/* How many were read into c (0 when sysfs has none). */
int cpu_caches_read(struct cpu_cache *c, int max);

#endif
