/* Plots of a results view rendered by gnuplot as SVG: latency versus working
 * set per configuration, and heat maps of virtualized/native. */
#ifndef TLBVISOR_PLOTS_H
#define TLBVISOR_PLOTS_H

#include <stddef.h>

#include "results_view.h"

#define PLOTS_MAX 16

struct plot {
	char file[64];    /* name inside the plots directory */
	char title[240];
};

/* Writes data, a gnuplot script and the SVGs into dir. Returns the number of
 * plots; 0 with why set when there is nothing to plot or gnuplot is missing. */
int plots_render(const struct results_view *v, const char *dir, struct plot *plots, char *why, size_t whylen);

#endif
