/* A results document named on the command line: a JSON file, or a run id
 * (a number, or "last") in the history database. */
#ifndef TLBVISOR_RUN_OR_FILE_H
#define TLBVISOR_RUN_OR_FILE_H

#include <jansson.h>
#include <stddef.h>

#define DEFAULT_DB "results/tlbvisor.db"

json_t *results_load_run_or_file(const char *arg, const char *db, char *err, size_t errlen);

#endif
