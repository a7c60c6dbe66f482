/* A run's plan: the cells of every section of the matrix (one section for a
 * preset or command-line lists), in order, each knowing its section, and
 * the shard of them this process runs. */
#ifndef TLBVISOR_PLAN_H
#define TLBVISOR_PLAN_H

#include <stddef.h>

#include "bench/matrix/matrix.h"
#include "bench/matrix/shard.h"

struct matrix;
struct run_config;

struct plan_section {
	const char *name;              /* "" for a matrix without sections */
	const struct matrix *matrix;
	const struct run_config *cfg;
};

/* Expand every section into *cells (malloc'd, global indices, the section
 * recorded in each cell). -1 with err when two sections make a cell of the
 * same name, or when out of memory. */
int plan_expand(const struct plan_section *sections, int nsections, struct cell **cells, int *n, char *err,
		size_t errlen);

/* Keep, in order, the cells of shard spec->index; costs[i] (NULL, or 0 for
 * a cell: the model) predicts cell i. Returns the number kept, -1 when out
 * of memory. */
int plan_select_shard(struct cell *cells, int n, const struct plan_section *sections, const double *costs,
		      const struct shard_spec *spec);

/* --shard-costs: the wall time of each cell in an earlier run's results,
 * by name (0 where it has none: the model predicts those); NULL (said on
 * stderr) when path is NULL or cannot be read. */
double *plan_costs_from_results(const char *path, const struct cell *cells, int n);

#endif
