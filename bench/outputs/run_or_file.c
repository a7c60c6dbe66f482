#include "bench/outputs/run_or_file.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/results_stream.h"
#include "bench/results/history.h"

int results_arg_is_run(const char *arg)
{
	if (!strcmp(arg, "last"))
		return 1;
	for (const char *p = arg; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return *arg != '\0';
}

const char *results_default_db(void)
{
	static const char *const candidates[] = { DEFAULT_DB, "tlbvisor.db" };
	const char *best = DEFAULT_DB;
	struct timespec newest = { 0, 0 };
	for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++) {
		struct stat st;
		if (stat(candidates[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mtim.tv_sec > newest.tv_sec ||
		     (st.st_mtim.tv_sec == newest.tv_sec && st.st_mtim.tv_nsec > newest.tv_nsec))) {
			newest = st.st_mtim;
			best = candidates[i];
		}
	}
	return best;
}

/* A file is parsed as how says. */
static int load(const char *arg, const char *db, enum results_parse how, struct results_view *v, char *err,
		size_t errlen)
{
	if (!results_arg_is_run(arg))
		return results_view_load_file(arg, how, v, err, errlen);
	results_view_init(v);
	if (!db)
		db = results_default_db();
	struct stat st;
	if (stat(db, &st) < 0) {
		snprintf(err, errlen, "there is no history at %s%s; fix: give --db FILE (a run keeps its history beside its --out, as DIR/tlbvisor.db) or a results JSON file",
			 db, strcmp(db, DEFAULT_DB) ? "" : " nor ./tlbvisor.db");
		return -1;
	}
	struct history h;
	if (history_open(&h, db, err, errlen) < 0)
		return -1;
	int64_t id = !strcmp(arg, "last") ? history_previous_run(&h, 0) : strtoll(arg, NULL, 10);
	int rc = -1;
	if (id < 0)
		snprintf(err, errlen, "the history %s holds no finished run", db);
	else
		rc = history_load_view(&h, id, v, err, errlen);
	history_close(&h);
	return rc;
}

int results_load_run_or_file(const char *arg, const char *db, struct results_view *v, char *err, size_t errlen)
{
	return load(arg, db, RESULTS_PARSE_APART, v, err, errlen);
}

struct load_job {
	const char *arg, *db;
	struct results_view *v;
	char err[1024];
	int rc;
};

static void *load_job(void *p)
{
	struct load_job *j = p;
	j->rc = load(j->arg, j->db, RESULTS_PARSE_HERE, j->v, j->err, sizeof j->err);
	return NULL;
}

int results_load_pair(const char *a, const char *b, const char *db, struct results_view *va, struct results_view *vb,
		      char *err, size_t errlen)
{
	struct load_job jobs[2] = { { .arg = a, .db = db, .v = va }, { .arg = b, .db = db, .v = vb } };
	pthread_t second;
	bool apart = pthread_create(&second, NULL, load_job, &jobs[1]) == 0;
	load_job(&jobs[0]);
	if (apart)
		pthread_join(second, NULL);
	else
		load_job(&jobs[1]); /* no thread to be had: one after the other */
	for (int i = 0; i < 2; i++)
		if (jobs[i].rc < 0) {
			snprintf(err, errlen, "%s", jobs[i].err);
			results_view_free(va);
			results_view_free(vb);
			return -1;
		}
	return 0;
}
