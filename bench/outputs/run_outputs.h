/* Where a run writes, settled before anything runs: the results JSON, the
 * CSV and the history must be regular files (or new) in writable places, all
 * different files and none of them an input (the payload, the file being
 * resumed); the results file and the history are then locked for the whole
 * run, so a second run on the same --out or --db is refused with the first
 * one's PID. */
#ifndef TLBVISOR_RUN_OUTPUTS_H
#define TLBVISOR_RUN_OUTPUTS_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/outputs/run_lock.h"

struct run_outputs {
	char out[1024];        /* results JSON */
	const char *csv;       /* NULL: none */
	char db[1100];         /* "" with --no-db */
	struct run_lock out_lock, db_lock;
};

struct run_output_request {
	const char *out, *csv, *db, *resume, *payload;
	bool no_db;
	const char *stamp;     /* for the default results/tlbvisor-STAMP.json */
};

/* 0, or the exit status (2 for bad paths, 1 when a file cannot be written
 * or is in use) with err. */
int run_outputs_prepare(struct run_outputs *ro, const struct run_output_request *rq, char *err, size_t errlen);
void run_outputs_release(struct run_outputs *ro);

#endif
