/* Merged results can hold cells measured on several hosts (each cell's
 * "machine"); numbers of different machines are never combined. These give
 * the machines of a view and a view of one machine's cells, so every section
 * that relates cells to each other (overhead over native, strategies, the
 * summary) is computed per machine. */
#ifndef TLBVISOR_MACHINES_H
#define TLBVISOR_MACHINES_H

#include "results_view.h"

#define MACHINES_MAX 64

/* The distinct machines of the cells, in order of first appearance; returns
 * how many (cells without a machine count as one, named ""). */
int machines_list(const struct results_view *v, const char **names, int max);
/* sub: the cells of one machine, borrowed from v (v must outlive it); its
 * context is v's. -1 when out of memory. */
int machines_view(const struct results_view *v, const char *machine, struct results_view *sub);
/* Frees what machines_view allocated (not the borrowed cells' contents). */
void machines_view_free(struct results_view *sub);

#endif
