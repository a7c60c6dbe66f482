#include "bench/results/run_or_file.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/results/history.h"

static int is_run_id(const char *s)
{
	if (!strcmp(s, "last"))
		return 1;
	for (const char *p = s; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return *s != '\0';
}

json_t *results_load_run_or_file(const char *arg, const char *db, char *err, size_t errlen)
{
	if (!is_run_id(arg)) {
		json_error_t je;
		json_t *doc = json_load_file(arg, 0, &je);
		if (!doc)
			snprintf(err, errlen, "cannot read %s: %s; give a results JSON file or a run id from the history",
				 arg, je.text);
		return doc;
	}
	struct history h;
	if (history_open(&h, db, err, errlen) < 0)
		return NULL;
	int64_t id = !strcmp(arg, "last") ? history_previous_run(&h, 0) : strtoll(arg, NULL, 10);
	json_t *doc = NULL;
	if (id < 0)
		snprintf(err, errlen, "the history %s holds no finished run", db);
	else
		doc = history_load_run(&h, id, err, errlen);
	history_close(&h);
	return doc;
}
