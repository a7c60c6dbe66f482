#include "bench/matrix/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/results/results_read.h"

static int by_name(const void *a, const void *b)
{
	const struct cell *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

int plan_expand(const struct plan_section *sections, int nsections, struct cell **cells, int *n, char *err,
		size_t errlen)
{
	int total = 0;
	for (int s = 0; s < nsections; s++)
		total += matrix_expand(sections[s].matrix, NULL, 0);
	struct cell *c = calloc((size_t)total + 1, sizeof *c);
	const struct cell **order = calloc((size_t)total + 1, sizeof *order);
	if (!c || !order) {
		free(c), free(order);
		snprintf(err, errlen, "out of memory for %d cells", total);
		return -1;
	}
	int at = 0;
	for (int s = 0; s < nsections; s++) {
		int k = matrix_expand(sections[s].matrix, c + at, total - at);
		for (int i = at; i < at + k; i++) {
			c[i].index = c[i].matrix_index = i;
			c[i].section = s;
			snprintf(c[i].section_name, sizeof c[i].section_name, "%s", sections[s].name);
			order[i] = &c[i];
		}
		at += k;
	}
	/* One name, one cell: the history and the merge key cells by name. */
	qsort(order, (size_t)total, sizeof *order, by_name);
	for (int i = 1; i < total; i++)
		if (!strcmp(order[i - 1]->name, order[i]->name)) {
			const struct cell *a = order[i - 1]->matrix_index < order[i]->matrix_index ? order[i - 1] : order[i];
			const struct cell *b = a == order[i] ? order[i - 1] : order[i];
			if (a->section == b->section)
				snprintf(err, errlen, "cell %s appears twice in the matrix: give each value of a dimension once",
					 a->name);
			else
				snprintf(err, errlen, "cell %s is in section [%s] and again in [%s]: a cell may be in one "
					 "section only (cells differ by backend, pattern, working set and page sizes, not by "
					 "protocol options)", a->name, sections[a->section].name, sections[b->section].name);
			free(c), free(order);
			return -1;
		}
	free(order);
	*cells = c;
	*n = total;
	return 0;
}

int plan_select_shard(struct cell *cells, int n, const struct plan_section *sections, const double *costs,
		      const struct shard_spec *spec)
{
	if (spec->count <= 1)
		return n;
	double *cost = calloc((size_t)n + 1, sizeof *cost);
	int *shard_of = calloc((size_t)n + 1, sizeof *shard_of);
	if (!cost || !shard_of) { /* without memory to balance: every cell, and say so */
		free(cost), free(shard_of);
		return -1;
	}
	for (int i = 0; i < n; i++)
		cost[i] = costs && costs[i] > 0 ? costs[i] : cell_cost_model(&cells[i], sections[cells[i].section].cfg);
	shard_assign(cells, cost, n, spec->count, shard_of);
	int kept = 0;
	for (int i = 0; i < n; i++)
		if (shard_of[i] == spec->index) {
			cells[kept] = cells[i];
			cells[kept].index = kept;
			kept++;
		}
	free(cost);
	free(shard_of);
	return kept;
}

double *plan_costs_from_results(const char *path, const struct cell *cells, int n)
{
	if (!path)
		return NULL;
	struct cell_result *earlier;
	int nearlier;
	char err[1024];
	if (results_read_file(path, &earlier, &nearlier, NULL, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor: --shard-costs: %s; the model predicts every cell instead\n", err);
		return NULL;
	}
	double *costs = calloc((size_t)n + 1, sizeof *costs);
	int found = 0;
	for (int i = 0; costs && i < n; i++)
		for (int k = 0; k < nearlier; k++)
			if (!strcmp(earlier[k].cell.name, cells[i].name)) {
				costs[i] = earlier[k].wall_seconds;
				found += costs[i] > 0;
				break;
			}
	free(earlier);
	fprintf(stderr, "tlbvisor: --shard-costs: %d of %d cells timed by %s, the others by the model\n", found, n, path);
	return costs;
}
