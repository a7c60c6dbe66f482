#include "bench/host/host_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sysfs.h"

/* "0-3,8" -> 5 */
static int cpu_list_count(const char *list)
{
	int n = 0;
	const char *p = list;
	while (*p) {
		char *end;
		long a = strtol(p, &end, 10);
		if (end == p)
			break;
		long b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		n += b >= a ? (int)(b - a + 1) : 1;
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* "32K" -> 32768 (sysfs writes K; M for good measure). */
static uint64_t size_bytes(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	return *end == 'K' ? v << 10 : *end == 'M' ? v << 20 : v;
}

int host_caches_read(const char *dir, struct host_cache *caches, int max)
{
	int n = 0;
	for (int i = 0; n < max && i < 16; i++) {
		char path[512], v[64];
		snprintf(path, sizeof path, "%s/index%d/level", dir, i);
		long level = sysfs_read_long(path);
		if (level < 0)
			break;
		struct host_cache *c = &caches[n];
		memset(c, 0, sizeof *c);
		c->level = (int)level;
		snprintf(path, sizeof path, "%s/index%d/type", dir, i);
		sysfs_read(path, c->type, sizeof c->type);
		snprintf(path, sizeof path, "%s/index%d/size", dir, i);
		sysfs_read(path, v, sizeof v);
		c->size = size_bytes(v);
		snprintf(path, sizeof path, "%s/index%d/shared_cpu_list", dir, i);
		sysfs_read(path, v, sizeof v);
		c->num_sharing = cpu_list_count(v);
		n++;
	}
	return n;
}
