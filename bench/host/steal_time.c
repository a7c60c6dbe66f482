#include "bench/host/steal_time.h"

#include <stdio.h>

double steal_ticks_now(void)
{
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	/* cpu  user nice system idle iowait irq softirq steal ... */
	unsigned long long v[8];
	int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
			 &v[5], &v[6], &v[7]);
	fclose(f);
	return got == 8 ? (double)v[7] : -1;
}
