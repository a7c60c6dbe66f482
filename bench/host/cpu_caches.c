#include "bench/host/cpu_caches.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/sysfs.h"
#include "lib/units.h"

/* CPUs in a list such as "0", "0-1" or "0,2-3". */
static int cpus_in_list(const char *s)
{
	int n = 0;
	while (*s) {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (end == s)
			break;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		n += b >= a ? (int)(b - a + 1) : 1;
		s = *end == ',' ? end + 1 : end;
		if (*s != '\0' && (*s < '0' || *s > '9'))
			break;
	}
	return n;
}

int cpu_caches_read(struct cpu_cache *c, int max)
{
	int n = 0;
	for (int i = 0; n < max; i++) {
		char path[96], type[16], size[32], shared[64];
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		if (sysfs_read(path, type, sizeof type) < 0)
			break;
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		long level = sysfs_read_long(path);
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		uint64_t bytes = 0;
		if (sysfs_read(path, size, sizeof size) == 0)
			parse_size(size, &bytes);
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", i);
		c[n] = (struct cpu_cache){ .level = level > 0 ? (int)level : 0, .size = bytes,
					   .num_sharing = sysfs_read(path, shared, sizeof shared) == 0 ? cpus_in_list(shared) : 0 };
		snprintf(c[n].type, sizeof c[n].type, "%s", type);
		n++;
	}
	return n;
}
