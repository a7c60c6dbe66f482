/* The options of `tlbvisor run`, as tables for cli_parse: the matrix and
 * protocol options (shared with `tlbvisor iso`, whose ISO runs the same
 * matrix), the files, and what only a run on this host needs. */
#ifndef TLBVISOR_RUN_OPTIONS_H
#define TLBVISOR_RUN_OPTIONS_H

#include <stdbool.h>

#include "bench/cli/args.h"
#include "bench/matrix/matrix.h"
#include "bench/matrix/run_config.h"

/* What the command line asks of a run. */
struct run_request {
	struct matrix matrix;
	struct run_config cfg;
	bool backend_given;      /* else: the default backends this host can run */
	bool events_given;       /* else: the events of the PMU preset */
	const char *pmu_preset;  /* walk (default), basic, none */
};

extern const struct cli_option run_matrix_options[];  /* --preset, dimensions, protocol, guests */
extern const int run_nmatrix_options;
extern const struct cli_option run_file_options[];    /* --out, --payload */
extern const int run_nfile_options;
extern const struct cli_option run_host_options[];    /* backends, PMU, kvm, emulators, history */
extern const int run_nhost_options;

/* Start from the preset named on the command line (default: quick), so that
 * the options given override it. -1 after printing the error. */
int run_request_init(struct run_request *req, const char *command, int argc, char **argv);
/* Checks across options, after parsing (bench/matrix/matrix_check.h): for a
 * matrix file, of each section with the command line over it (section: its
 * name; NULL without a file). -1 after printing the error. */
int run_request_check(const struct run_request *req, const char *command, const char *section);
/* The matrix and protocol as "key = value" lines, every matrix option with
 * its effective value in table order, readable back as a matrix file.
 * Returns the length, or -1 when buf is too small or an option has no
 * canonical form (*missing names it). */
int run_request_canonical(const struct run_request *r, char *buf, size_t len, const char **missing);
/* Without --events: the events of the PMU preset for this host's PMU. */
void run_request_default_events(struct run_request *req);

#endif
