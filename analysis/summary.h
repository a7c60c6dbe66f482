/* The report's opening sentences, every number computed from the results:
 * the virtualization overhead at the largest working set per guest/host page
 * pair (with its interval where the cells carry one), the best huge-page
 * strategy, the working set where huge pages start to matter, the unstable
 * cells. Emulated timings (Bochs, QEMU TCG) are left out and said to be. */
#ifndef TLBVISOR_SUMMARY_H
#define TLBVISOR_SUMMARY_H

#include <stdio.h>

#include "results_view.h"

/* Huge pages "matter" at a working set when 4K pages cost at least this much
 * more than the best huge-page configuration there. */
#define SUMMARY_HUGE_MATTERS 1.10
/* A cell's CV above this is called noisy where no drift test was recorded. */
#define SUMMARY_NOISY_CV 0.05

/* The sentences as a list, to md and/or html (either may be NULL); prefix
 * (may be "") starts each one, e.g. "On host-a: ". */
void summary_write(const struct results_view *v, const char *prefix, FILE *md, FILE *html);

#endif
