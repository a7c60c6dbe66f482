/* A results document named on the command line: a JSON file, or a run id
 * (a number, or "last") in the history database, read as a results view. */
#ifndef TLBVISOR_RUN_OR_FILE_H
#define TLBVISOR_RUN_OR_FILE_H

#include <stddef.h>

#include "analysis/results_view.h"

#define DEFAULT_DB "results/tlbvisor.db"

/* Is arg a run id of the history rather than a file? */
int results_arg_is_run(const char *arg);
/* The history a run id refers to when --db is not given: results/tlbvisor.db
 * or ./tlbvisor.db (where `run --out FILE` keeps it beside a FILE in the
 * current directory), whichever changed last. */
const char *results_default_db(void);
/* Read arg into v: a file entry by entry, or a stored run cell by cell (db
 * NULL: results_default_db()). 0, or -1 with err. */
int results_load_run_or_file(const char *arg, const char *db, struct results_view *v, char *err, size_t errlen);
/* The same for two at once (compare's BASE and NEW), each read in a thread
 * of its own: 0, or -1 with the error of the first of them that failed
 * (both views then empty), as if read one after the other. */
int results_load_pair(const char *a, const char *b, const char *db, struct results_view *va, struct results_view *vb,
		      char *err, size_t errlen);

#endif
