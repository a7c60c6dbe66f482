/* The CPU caches as sysfs describes them (/sys/devices/system/cpu/cpu0/cache),
 * in the fields Google Benchmark writes into its context's "caches". */
#ifndef TLBVISOR_HOST_CACHE_H
#define TLBVISOR_HOST_CACHE_H

#include <stdint.h>

#define HOST_CACHES_MAX 8

struct host_cache {
	char type[16];        /* "Data", "Instruction", "Unified" */
	int level;
	uint64_t size;        /* bytes */
	int num_sharing;      /* CPUs sharing it (from shared_cpu_list) */
};

/* Reads up to HOST_CACHES_MAX caches of cpu0 from dir (the sysfs cache
 * directory, or a recorded copy); returns how many (0 when there is none). */
int host_caches_read(const char *dir, struct host_cache *caches, int max);

#endif
