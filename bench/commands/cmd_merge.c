/* tlbvisor merge: the results of the shards of one matrix (or of whole runs
 * of one matrix on several hosts) as one results file, with every host's
 * provenance, the cells that are missing and those given twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/cli/matrix_file.h"
#include "bench/results/history.h"
#include "bench/results/results_csv.h"
#include "bench/results/results_json.h"
#include "bench/results/results_read.h"
#include "bench/matrix/plan.h"
#include "bench/matrix/run_config.h"
#include "lib/clock.h"
#include "lib/json_util.h"
#include "lib/output_file.h"
#include "version.h"

#define MERGE_MAX_FILES 1024

static const char help[] =
	"usage: tlbvisor merge RESULTS.json... --out ALL.json [--csv ALL.csv] [--db ALL.db]\n"
	"\n"
	"Joins results of one matrix: the shards of a run spread over several machines\n"
	"(tlbvisor run --matrix FILE --shard I/N), or whole runs of the matrix on several\n"
	"hosts. Files of different matrices (their matrix hash) are refused. The merged\n"
	"file keeps every host's provenance under context.sources, and each cell's entries\n"
	"say the \"machine\" it ran on; when one cell ran on several hosts, its name ends\n"
	"in /machine:HOST, so nothing is averaged across hosts. Cells the matrix has but no file\n"
	"holds are listed as missing (exit status 3), cells given twice as duplicated\n"
	"(the first file's is kept).\n";

struct merge_options {
	const char *out, *csv, *db;
};

struct source {
	const char *path;
	json_t *context;
	struct cell_result *cells;
	int n;
	const char *host;
	int shard_index, shard_count;
};

static void free_sources(struct source *s, int n)
{
	for (int i = 0; i < n; i++) {
		json_decref(s[i].context);
		free(s[i].cells);
	}
}

static int load_source(const char *path, struct source *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->path = path;
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc) {
		snprintf(err, errlen, "cannot read %s: %s (line %d)", path, je.text, je.line);
		return -1;
	}
	json_t *ctx = json_object_get(doc, "context"), *list = json_object_get(doc, "benchmarks");
	if (!json_is_object(ctx) || !json_is_array(list)) {
		snprintf(err, errlen, "%s is not a tlbvisor results file: it needs a 'context' object and a 'benchmarks' array",
			 path);
		json_decref(doc);
		return -1;
	}
	if (!json_is_string(json_object_get(json_object_get(ctx, "matrix"), "hash"))) {
		snprintf(err, errlen, "%s says no matrix hash (context.matrix.hash): it was written by an ingest or an older "
			 "tlbvisor; merge joins the results of tlbvisor run", path);
		json_decref(doc);
		return -1;
	}
	char why[512];
	double tsc_hz = json_number_value(json_object_get(ctx, "tsc_hz"));
	if (results_read_cells(list, tsc_hz, &s->cells, &s->n, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		json_decref(doc);
		return -1;
	}
	s->context = json_incref(ctx);
	json_decref(doc);
	s->host = json_str(s->context, "host_name");
	json_t *sh = json_object_get(s->context, "shard");
	s->shard_index = (int)json_int(sh, "index");
	s->shard_count = (int)json_int(sh, "count");
	return 0;
}

static const char *matrix_hash_of(const struct source *s)
{
	return json_str(json_object_get(s->context, "matrix"), "hash");
}

/* The matrix's cells, from the canonical form every file carries. */
static int matrix_cells(const struct source *s, struct cell **cells, int *n, char *err, size_t errlen)
{
	const char *canonical = json_str(json_object_get(s->context, "matrix"), "canonical");
	struct run_request base = { 0 };
	run_defaults(&base.matrix, &base.cfg);
	struct matrix_plan plan;
	char why[768];
	if (matrix_plan_parse("its canonical matrix", canonical, strlen(canonical), &base, &plan, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s: %s", s->path, why);
		return -1;
	}
	struct plan_section list[64];
	int nsec = plan.n < 64 ? plan.n : 64;
	for (int i = 0; i < nsec; i++)
		list[i] = (struct plan_section){ plan.sections[i].name, &plan.sections[i].req.matrix,
						 &plan.sections[i].req.cfg };
	int rc = plan_expand(list, nsec, cells, n, err, errlen);
	matrix_plan_free(&plan);
	return rc;
}

/* One cell of one file, for sorting by name. */
struct entry {
	const char *name;     /* the cell's own name, without a host */
	const char *host;
	bool sharded;
	int file, k;          /* where it is: src[file].cells[k] */
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	if (x->file != y->file)
		return x->file - y->file;
	return x->k - y->k;
}

static int name_cmp(const void *key, const void *e)
{
	return strcmp(key, ((const struct entry *)e)->name);
}

/* Is the cell named name there: among the sharded files (host NULL), or
 * among the whole runs of host? */
static bool present(const struct entry *e, int n, const char *name, const char *host)
{
	const struct entry *hit = bsearch(name, e, (size_t)n, sizeof *e, name_cmp);
	if (!hit)
		return false;
	while (hit > e && !strcmp(hit[-1].name, name))
		hit--;
	for (; hit < e + n && !strcmp(hit->name, name); hit++)
		if (host ? !hit->sharded && !strcmp(hit->host, host) : hit->sharded)
			return true;
	return false;
}

/* Cells of the matrix that no file holds: sharded files hold the matrix
 * once between them, a whole run holds it on its own host. */
static int report_missing(const struct source *s, int nfiles, const struct entry *e, int n, const struct cell *mcells,
			  int nm)
{
	int missing = 0;
	bool any_shard = false;
	for (int f = 0; f < nfiles; f++)
		any_shard |= s[f].shard_count > 0;
	for (int f = -1; f < nfiles; f++) {
		if (f < 0 ? !any_shard : s[f].shard_count > 0)
			continue;
		bool first_of_host = true; /* each host once */
		for (int g = 0; f >= 0 && g < f; g++)
			if (!s[g].shard_count && !strcmp(s[g].host, s[f].host))
				first_of_host = false;
		if (!first_of_host)
			continue;
		for (int i = 0; i < nm; i++)
			if (!present(e, n, mcells[i].name, f < 0 ? NULL : s[f].host)) {
				if (!missing)
					fprintf(stderr, "tlbvisor merge: missing cells (the matrix has them, no file does):\n");
				if (f < 0)
					fprintf(stderr, "  %s\n", mcells[i].name);
				else
					fprintf(stderr, "  %s  (whole run on host %s)\n", mcells[i].name, s[f].host);
				missing++;
			}
	}
	return missing;
}

int cmd_merge(int argc, char **argv)
{
	static const struct cli_command cmd = { "merge", help, 1, MERGE_MAX_FILES, "give the results files to merge" };
	static const struct cli_option options[] = {
		{ "out", CLI_STRING, offsetof(struct merge_options, out), NULL, NULL },
		{ "csv", CLI_STRING, offsetof(struct merge_options, csv), NULL, NULL },
		{ "db", CLI_STRING, offsetof(struct merge_options, db), NULL, NULL },
	};
	struct merge_options o = { 0 };
	const struct cli_options sets[] = { { options, 3, &o } };
	static const char *files[MERGE_MAX_FILES];
	int nfiles, status;
	if (!cli_parse(&cmd, argc, argv, sets, 1, files, &nfiles, &status))
		return status;
	if (!o.out) {
		fprintf(stderr, "tlbvisor merge: give --out FILE for the merged results; see tlbvisor merge --help\n");
		return EXIT_USAGE;
	}
	char err[1024];
	/* The outputs checked before anything is read: none of them is an input
	 * or another output, each may be written. */
	static struct named_file named[MERGE_MAX_FILES + 3];
	int nnamed = 0;
	named[nnamed++] = (struct named_file){ "--out", o.out, 1 };
	named[nnamed++] = (struct named_file){ "--csv", o.csv, 1 };
	named[nnamed++] = (struct named_file){ "--db", o.db, 1 };
	for (int i = 0; i < nfiles; i++)
		named[nnamed++] = (struct named_file){ "FILE", files[i], 0 };
	if (outputs_ready(named, nnamed, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor merge: %s\n", err);
		return EXIT_USAGE;
	}
	struct source *src = calloc((size_t)nfiles, sizeof *src);
	int rc = 0, loaded = 0;
	if (!src) {
		fprintf(stderr, "tlbvisor merge: out of memory\n");
		return 1;
	}
	for (; loaded < nfiles; loaded++)
		if (load_source(files[loaded], &src[loaded], err, sizeof err) < 0) {
			fprintf(stderr, "tlbvisor merge: %s\n", err);
			rc = EXIT_USAGE;
			goto done;
		}
	for (int i = 1; i < nfiles; i++)
		if (strcmp(matrix_hash_of(&src[i]), matrix_hash_of(&src[0]))) {
			fprintf(stderr, "tlbvisor merge: %s is of matrix %s, but %s is of matrix %s: merge joins the results "
				"of one matrix (compare their context.matrix.canonical to see what differs)\n",
				src[i].path, matrix_hash_of(&src[i]), src[0].path, matrix_hash_of(&src[0]));
			rc = EXIT_USAGE;
			goto done;
		}
	int shard_count = 0;
	for (int i = 0; i < nfiles; i++)
		if (src[i].shard_count) {
			if (shard_count && src[i].shard_count != shard_count) {
				fprintf(stderr, "tlbvisor merge: %s is shard %d of %d, but other files are shards of %d: merge "
					"the shards of one split\n", src[i].path, src[i].shard_index, src[i].shard_count,
					shard_count);
				rc = EXIT_USAGE;
				goto done;
			}
			shard_count = src[i].shard_count;
		}

	/* Every cell of every file, sorted by name: duplicates, hosts, and what
	 * is missing are read off the sorted list. */
	int total = 0;
	for (int i = 0; i < nfiles; i++)
		total += src[i].n;
	struct entry *e = calloc((size_t)total + 1, sizeof *e);
	struct cell_result *all = calloc((size_t)total + 1, sizeof *all);
	bool *drop = calloc((size_t)total + 1, sizeof *drop);
	if (!e || !all || !drop) {
		fprintf(stderr, "tlbvisor merge: out of memory for %d cells\n", total);
		free(e), free(all), free(drop);
		rc = 1;
		goto done;
	}
	int ne = 0;
	for (int f = 0; f < nfiles; f++)
		for (int k = 0; k < src[f].n; k++)
			e[ne++] = (struct entry){ src[f].cells[k].cell.name, src[f].host, src[f].shard_count > 0, f, k };
	qsort(e, (size_t)ne, sizeof *e, entry_cmp);
	/* The same cell on two hosts: a cross-host comparison, so every name
	 * gets its host. Within one host, a second copy is a duplicate. */
	bool multi_host = false;
	for (int i = 1; i < ne; i++)
		if (!strcmp(e[i].name, e[i - 1].name) && strcmp(e[i].host, e[i - 1].host))
			multi_host = true;
	int duplicated = 0;
	for (int i = 1; i < ne; i++)
		for (int j = i - 1; j >= 0 && !strcmp(e[j].name, e[i].name); j--)
			if (!strcmp(e[j].host, e[i].host) || !multi_host) {
				fprintf(stderr, "tlbvisor merge: duplicated cell %s: in %s and again in %s; the first is kept\n",
					e[i].name, src[e[j].file].path, src[e[i].file].path);
				drop[i] = true;
				duplicated++;
				break;
			}
	/* Back in file order (each file's cells in their order). */
	int n = 0;
	for (int f = 0; f < nfiles; f++)
		for (int k = 0; k < src[f].n; k++) {
			struct entry key = { src[f].cells[k].cell.name, NULL, false, f, k };
			const struct entry *hit = bsearch(&key, e, (size_t)ne, sizeof *e, entry_cmp);
			if (!hit || drop[hit - e])
				continue;
			struct cell_result r = src[f].cells[k];
			snprintf(r.host, sizeof r.host, "%s", src[f].host);
			if (multi_host) {
				size_t len = strlen(r.cell.name);
				snprintf(r.cell.name + len, sizeof r.cell.name - len, "/machine:%s", src[f].host);
			}
			r.cell.index = n;
			all[n++] = r;
		}
	free(drop);

	struct cell *mcells;
	int nm;
	if (matrix_cells(&src[0], &mcells, &nm, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor merge: %s\n", err);
		free(e), free(all);
		rc = 1;
		goto done;
	}
	int missing = report_missing(src, nfiles, e, ne, mcells, nm);
	free(mcells);
	free(e);
	for (int i = 1; i <= shard_count; i++) {
		bool have = false;
		for (int f = 0; f < nfiles; f++)
			have |= src[f].shard_index == i;
		if (!have)
			fprintf(stderr, "tlbvisor merge: shard %d of %d is missing (no file of it given)\n", i, shard_count);
	}

	/* The context: the matrix, and every source's own context. */
	json_t *extra = json_object(), *sources = json_array();
	json_object_set(extra, "matrix", json_object_get(src[0].context, "matrix"));
	for (int f = 0; f < nfiles; f++) {
		json_t *one = json_object();
		json_object_set_new(one, "file", json_string(src[f].path));
		json_object_set_new(one, "cells", json_integer(src[f].n));
		json_object_set(one, "context", src[f].context);
		json_array_append_new(sources, one);
	}
	json_object_set_new(extra, "sources", sources);
	json_object_set_new(extra, "hosts_differ", json_boolean(multi_host));
	json_object_set_new(extra, "cells_missing", json_integer(missing));
	json_object_set_new(extra, "cells_duplicated", json_integer(duplicated));
	/* One host: its provenance stays at the top, as in a run's file. */
	if (!multi_host) {
		const char *key;
		json_t *v;
		json_object_foreach(src[0].context, key, v)
			if (!json_object_get(extra, key) && strcmp(key, "shard") && strcmp(key, "command_line") && strcmp(key, "run_id") &&
			    strcmp(key, "date") && strcmp(key, "cells_total"))
				json_object_set(extra, key, v);
	}
	char cmdline[256];
	snprintf(cmdline, sizeof cmdline, "tlbvisor merge (%d files)", nfiles);
	struct run_info run = { .version = TLBVISOR_VERSION, .command_line = cmdline, .cells_total = n,
				.extra_context = extra };
	clock_format_local(time(NULL), CLOCK_ISO8601, run.date, sizeof run.date);
	rc = results_write_json(o.out, &run, all, n, err, sizeof err);
	if (rc == 0 && o.csv)
		rc = results_write_csv(o.csv, all, n, err, sizeof err);
	if (rc == 0 && o.db) {
		struct history h;
		char *context = results_context_text(&run);
		struct history_run hr = { .date = run.date, .host = multi_host ? "(several)" : src[0].host,
					  .version = TLBVISOR_VERSION, .command_line = cmdline, .source = "merge",
					  .context = context };
		if (!context || history_open(&h, o.db, err, sizeof err) < 0)
			rc = -1;
		else {
			rc = history_store_run(&h, &hr, all, n, 0, err, sizeof err) < 0 ? -1 : 0;
			history_close(&h);
		}
		free(context);
	}
	json_decref(extra);
	free(all);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor merge: %s\n", err);
		rc = 1;
		goto done;
	}
	fprintf(stderr, "tlbvisor: merged %d cells from %d files%s into %s%s%s%s\n", n, nfiles,
		multi_host ? " (several hosts: cell names end in /machine:HOST)" : "", o.out, o.csv ? ", " : "",
		o.csv ? o.csv : "", o.db ? " and the history" : "");
	rc = missing ? 3 : 0;
done:
	free_sources(src, loaded);
	free(src);
	return rc;
}
