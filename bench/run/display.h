/* What a person sees while a matrix runs: one table row per finished cell on
 * stdout, and on a terminal a progress line with an ETA on stderr. */
#ifndef TLBVISOR_DISPLAY_H
#define TLBVISOR_DISPLAY_H

#include <stdio.h>

#include "bench/run/cell_result.h"

struct progress {
	int total, done;
	double start, cost_total, cost_done;
	int tty;
};

/* Widen the first column to fit the longest cell name. */
void display_set_name_width(const struct cell_result *results, int n);
void display_header(FILE *out);
void display_row(FILE *out, const struct cell_result *r);
void progress_init(struct progress *p, const struct cell_result *results, int n);
void progress_show(struct progress *p, const struct cell *next);
void progress_cell_done(struct progress *p, const struct cell *c);
void progress_clear(struct progress *p);

#endif
