/* A results document named on the command line: a JSON file, or a run id
 * (a number, or "last") in the history database. */
#ifndef TLBVISOR_RESULTS_SOURCE_H
#define TLBVISOR_RESULTS_SOURCE_H

#include <stddef.h>

#include "analysis/results_view.h"

#define DEFAULT_DB "results/tlbvisor.db"

/* Is arg a run id of the history rather than a file? */
int results_source_is_run(const char *arg);
/* The history a run id refers to when --db is not given: results/tlbvisor.db
 * or ./tlbvisor.db (where `run --out FILE` keeps it beside a FILE in the
 * current directory), whichever changed last. */
const char *results_source_default_db(void);
/* Read arg into v: a file entry by entry, or a stored run cell by cell. */
int results_source_view(const char *arg, const char *db, struct results_view *v, char *err, size_t errlen);

#endif
