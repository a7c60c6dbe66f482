/* The run loop: every cell of a run in matrix order, each finished cell
 * recorded before it is shown, Ctrl-C (or SIGTERM) stopping it cleanly. */
#ifndef TLBVISOR_RUN_LOOP_H
#define TLBVISOR_RUN_LOOP_H

#include <signal.h>
#include <stdbool.h>

#include "bench/backends/backend.h"
#include "bench/results/recorder.h"
#include "bench/run/cell_result.h"

/* Set by SIGINT and SIGTERM: measurements, guests and emulators stop, the
 * cell in progress stays pending, everything finished is kept. */
extern volatile sig_atomic_t run_interrupted;
/* Install the handlers (first thing of a run: a signal during start-up
 * ends it cleanly too). */
void run_catch_signals(void);

struct run_tally {
	int ok, skipped, failed;
	int write_errors;
};

/* Runs the cells not kept[] from a resumed run, each with the environment
 * of its section (envs[cell.section]; cells of a section are contiguous):
 * first every batch backend (booted once per section for all its cells),
 * then cell by cell. Each finished cell
 * goes to rec, then to the table on stdout. run->extra_context gets what
 * the batch backends say about themselves; run->interrupted is set when a
 * signal stopped the loop. */
void run_loop(const struct backend_env *envs, int nenvs, struct cell_result *results, const bool *kept, int n,
	      struct run_info *run, struct recorder *rec, struct run_tally *t);

#endif
