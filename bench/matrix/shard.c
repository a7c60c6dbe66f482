#include "bench/matrix/shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/backends/backend.h"
#include "bench/cli/args.h"
#include "bench/matrix/run_config.h"

static int env_number(const char *name, unsigned long long *out)
{
	const char *v = getenv(name);
	return v && parse_count(v, 10, 0, 1000000, out) == 0 ? 0 : -1;
}

int shard_parse(const char *s, struct shard_spec *out, char *err, size_t len)
{
	memset(out, 0, sizeof *out);
	unsigned long long id, lo, hi, n;
	if (!strncmp(s, "slurm", 5)) {
		if (env_number("SLURM_ARRAY_TASK_ID", &id) < 0) {
			snprintf(err, len, "invalid --shard '%s': SLURM_ARRAY_TASK_ID is not set; --shard slurm runs inside "
				 "a Slurm job array (sbatch --array=1-N); elsewhere give --shard I/N", s);
			return -1;
		}
		if (!s[5]) {
			if (env_number("SLURM_ARRAY_TASK_MIN", &lo) < 0 || env_number("SLURM_ARRAY_TASK_MAX", &hi) < 0 ||
			    hi < lo || id < lo || id > hi) {
				snprintf(err, len, "invalid --shard '%s': the job array's bounds (SLURM_ARRAY_TASK_MIN/MAX) are "
					 "missing or do not hold task %llu", s, id);
				return -1;
			}
			if (hi == lo) {
				snprintf(err, len, "invalid --shard '%s': the job array has one task (%llu), so it does not say how "
					 "many shards there are; to rerun one shard of N give --shard slurm/N", s, id);
				return -1;
			}
			out->index = (int)(id - lo + 1);
			out->count = (int)(hi - lo + 1);
			snprintf(out->how, sizeof out->how, "Slurm array task %llu of %llu-%llu", id, lo, hi);
			return 0;
		}
		if (s[5] != '/' || parse_count(s + 6, 10, 1, 100000, &n) < 0 || id < 1 || id > n) {
			snprintf(err, len, "invalid --shard '%s': slurm/N takes the shard from SLURM_ARRAY_TASK_ID (%llu), "
				 "which must be 1..N (submit the array as --array=1-N)", s, id);
			return -1;
		}
		out->index = (int)id;
		out->count = (int)n;
		snprintf(out->how, sizeof out->how, "Slurm array task %llu, shard %llu/%llu", id, id, n);
		return 0;
	}
	char copy[64];
	snprintf(copy, sizeof copy, "%s", s);
	char *slash = strchr(copy, '/');
	if (slash)
		*slash = 0;
	if (!slash || parse_count(slash + 1, 10, 1, 100000, &n) < 0 || parse_count(copy, 10, 1, n, &id) < 0) {
		snprintf(err, len, "invalid --shard '%s': give I/N with 1 <= I <= N (e.g. 2/4), or slurm inside a Slurm "
			 "job array", s);
		return -1;
	}
	out->index = (int)id;
	out->count = (int)n;
	snprintf(out->how, sizeof out->how, "%llu/%llu", id, n);
	return 0;
}

double cell_cost_model(const struct cell *c, const struct run_config *cfg)
{
	if (c->workload != WORKLOAD_CHASE)
		return 0.5; /* an exit round trip: a small guest, a fixed count */
	double ws = (double)c->ws;
	double elements = ws / (double)(cfg->stride ? cfg->stride : 4096);
	/* First touch at about 2 GB/s; warm-up of a few passes at a miss each
	 * (about 100 ns beyond the caches); then the timed repetitions. */
	double seconds = ws / 2e9 + 3.0 * (elements > 65536 ? elements : 65536) * 100e-9 +
			 cfg->repetitions * cfg->min_time + 0.01;
	const struct backend_ops *ops = backend_ops(c->backend);
	if (ops->own_hypervisor)
		seconds *= 50; /* emulated: an instruction costs many host instructions */
	else if (ops->has_guest)
		seconds = seconds * 1.2 + 0.005; /* a VM per cell */
	return seconds;
}

struct group {
	enum chase_pattern pattern;
	uint64_t ws;
	enum workload workload;
	double cost;
	int first;      /* the group's first cell: ties go by matrix order */
	int shard;
};

static int by_cost(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->cost != y->cost)
		return x->cost > y->cost ? -1 : 1;
	return x->first - y->first;
}

void shard_assign(const struct cell *cells, const double *cost, int n, int count, int *shard_of)
{
	struct group *g = calloc((size_t)n + 1, sizeof *g);
	int *group_of = calloc((size_t)n + 1, sizeof *group_of);
	double *load = calloc((size_t)count + 1, sizeof *load);
	if (!g || !group_of || !load) {
		/* No memory for balancing: round robin is still deterministic. */
		for (int i = 0; i < n; i++)
			shard_of[i] = i % count + 1;
		free(g), free(group_of), free(load);
		return;
	}
	int ng = 0;
	for (int i = 0; i < n; i++) {
		int k = 0;
		while (k < ng && !(g[k].pattern == cells[i].pattern && g[k].ws == cells[i].ws &&
				   g[k].workload == cells[i].workload))
			k++;
		if (k == ng)
			g[ng++] = (struct group){ cells[i].pattern, cells[i].ws, cells[i].workload, 0, i, 0 };
		g[k].cost += cost[i];
		group_of[i] = k;
	}
	struct group *sorted = malloc((size_t)ng * sizeof *sorted + 1);
	if (sorted) {
		memcpy(sorted, g, (size_t)ng * sizeof *g);
		qsort(sorted, (size_t)ng, sizeof *sorted, by_cost);
		for (int k = 0; k < ng; k++) {
			int best = 0;
			for (int s = 1; s < count; s++)
				if (load[s] < load[best])
					best = s;
			load[best] += sorted[k].cost;
			/* back to the group in matrix order (first cell is unique) */
			for (int j = 0; j < ng; j++)
				if (g[j].first == sorted[k].first)
					g[j].shard = best + 1;
		}
	}
	for (int i = 0; i < n; i++)
		shard_of[i] = sorted ? g[group_of[i]].shard : group_of[i] % count + 1;
	free(sorted);
	free(g);
	free(group_of);
	free(load);
}
