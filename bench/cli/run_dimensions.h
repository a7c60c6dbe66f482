/* The dimensions of `tlbvisor run` as option data for cli_parse (internal to
 * bench/cli: run_options.c puts them in its tables and writes them in the
 * canonical form). */
#ifndef TLBVISOR_RUN_DIMENSIONS_H
#define TLBVISOR_RUN_DIMENSIONS_H

#include <stddef.h>

#include "bench/cli/run_options.h"

/* A list option: every item parsed into the matrix, then its count. */
struct dimension {
	const char *what, *hint;
	int max;                 /* items at most */
	size_t count;            /* offset of the item count in struct matrix */
	size_t given;            /* offset of a bool "given explicitly", or 0 */
	int (*item)(struct run_request *r, int i, const char *s, const struct dimension *d, char *err, size_t len);
	/* item i as the canonical form writes it (what item() reads back) */
	void (*format)(const struct run_request *r, int i, char *buf, size_t len);
};

extern const struct dimension backends, working_sets, patterns, host_pages, guest_pages, vpids, tlb_tags,
	ept_levels, guest_levels;

/* cli_parse's setter of a dimension option (opt->data: its struct dimension). */
int set_dimension(void *t, const struct cli_option *opt, const char *value, char *err, size_t len);
/* err = "invalid WHAT 'VALUE': HINT"; returns -1. */
int run_option_bad(char *err, size_t len, const char *what, const char *value, const char *hint);

#endif
