/* tlbvisor compare BASE NEW: the gate a CI job uses. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/compare.h"
#include "analysis/compare_rounds.h"
#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/results/history.h"
#include "bench/outputs/run_or_file.h"
#include "lib/json_util.h"
#include "lib/output_file.h"

#define EXIT_REGRESSION 4
#define EXIT_INSUFFICIENT 5

struct compare_args {
	struct compare_options o;
	const char *db, *out;
	bool paired;
};

static const char help[] =
	"usage: tlbvisor compare BASE NEW [--threshold 5%] [--alpha 0.05] [--db FILE] [--out FILE.md]\n"
	"       tlbvisor compare --paired BASE1 NEW1 BASE2 NEW2 ... [--threshold 5%] [--alpha 0.05] [--out FILE.md]\n\n"
	"BASE and NEW are results JSON files or run ids in the history (a number, or\n"
	"'last'). For every cell in both: the change of the median, a Mann-Whitney U\n"
	"test on the repetitions, and a verdict; then the geometric mean. Markdown on\n"
	"stdout (or --out), ready for a CI comment. Exit status: " CLI_STRING_OF(EXIT_REGRESSION) " when any cell\n"
	"regressed significantly (change > threshold and p < alpha); " CLI_STRING_OF(EXIT_INSUFFICIENT) " when the data\n"
	"cannot give a verdict (no cell in both runs, or too few repetitions for the\n"
	"test to reach alpha); 0 otherwise.\n\n"
	"Run-to-run variation: with a history (--db, or run ids), a cell must also\n"
	"move by more than " CLI_STRING_OF(COMPARE_NOISE_K) " x sqrt(2) x the spread of its medians in its\n"
	"earlier runs on the same host (at least " CLI_STRING_OF(COMPARE_MIN_EARLIER) "; the newest " CLI_STRING_OF(COMPARE_MAX_EARLIER) "). A cell's 95%\n"
	"intervals must not overlap, and a cell whose repetitions drifted in either\n"
	"run is reported unstable, never a regression.\n\n"
	"--paired: the arguments are rounds, a run of BASE and a run of NEW made back\n"
	"to back (ci/gate-rounds.py makes them, alternating which goes first), so a\n"
	"slow spell of a shared machine lands on both runs of a round and cancels in\n"
	"their ratio. A cell regressed when log(new/base) over its rounds lies beyond\n"
	"log(1 + threshold) by an exact one-sided sign-flip permutation test at alpha\n"
	"(at alpha 0.05: 5 rounds at least, every one slower by more than the\n"
	"threshold); fewer rounds are insufficient data. At most " CLI_STRING_OF(COMPARE_ROUNDS_MAX) " rounds.\n";

static const struct cli_fraction threshold = { false, "give a percentage (5%) or a fraction (0.05)" };
static const struct cli_fraction alpha = { true, "give a level between 0 and 1 (0.05)" };

/* The run-to-run spread comes from the history: the same cell's earlier
 * runs on the host of the new run, not the two compared. */
struct earlier {
	struct history h;
	const char *host, *skip1, *skip2;
};

static int earlier_medians(void *ctx, const char *name, double *out, int max)
{
	struct earlier *e = ctx;
	return history_cell_medians(&e->h, name, e->host, e->skip1, e->skip2, out, max);
}

static const char *context_str(const struct results_view *v, const char *key)
{
	return v->context ? json_str(v->context, key) : "";
}

/* Exit status of a verdict. */
static int verdict_status(const struct compare_summary *s)
{
	return s->verdict == COMPARE_REGRESSION ? EXIT_REGRESSION : s->verdict == COMPARE_INSUFFICIENT ? EXIT_INSUFFICIENT : 0;
}

/* The comparison, to --out (whole or not at all) or stdout: rounds of
 * BASE and NEW (compare_rounds), or with rounds 0 one of each (compare_runs). */
static int write_comparison(const char *out_path, const struct results_view *base, const struct results_view *new_run,
			    int rounds, const struct compare_options *o, struct compare_summary *s, char *err, size_t errlen)
{
	struct output_file of = { 0 };
	FILE *out = out_path ? output_open(&of, out_path, err, errlen) : stdout;
	if (!out)
		return -1;
	int rc = rounds ? compare_rounds(base, new_run, rounds, o, out, s, err, errlen)
			: compare_runs(base, new_run, o, out, s, err, errlen);
	if (!out_path)
		return rc;
	if (rc == 0)
		return output_commit(&of, err, errlen);
	output_abandon(&of);
	return rc;
}

/* --paired: args are rounds, BASE then NEW. */
static int compare_paired(const struct compare_args *a, const char **args, int nargs)
{
	char err[1024];
	if (nargs % 2) {
		fprintf(stderr, "tlbvisor compare: --paired takes rounds of two, BASE and NEW, but %d files were given; add the missing run or drop the odd one\n",
			nargs);
		return EXIT_USAGE;
	}
	int rounds = nargs / 2;
	struct named_file files[2 * COMPARE_ROUNDS_MAX + 2];
	static char labels[2 * COMPARE_ROUNDS_MAX][24];
	for (int i = 0; i < nargs; i++) {
		snprintf(labels[i], sizeof labels[i], "%s of round %d", i % 2 ? "NEW" : "BASE", i / 2 + 1);
		files[i] = (struct named_file){ labels[i], results_arg_is_run(args[i]) ? NULL : args[i], 0 };
	}
	files[nargs] = (struct named_file){ "--db", a->db, 0 };
	files[nargs + 1] = (struct named_file){ "--out", a->out, 1 };
	if (outputs_ready(files, nargs + 2, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return EXIT_USAGE;
	}
	struct results_view base[COMPARE_ROUNDS_MAX], new_run[COMPARE_ROUNDS_MAX];
	int loaded = 0, rc = 0;
	for (; loaded < nargs && rc == 0; loaded++)
		rc = results_load_run_or_file(args[loaded], a->db, loaded % 2 ? &new_run[loaded / 2] : &base[loaded / 2], err,
					      sizeof err);
	struct compare_summary s;
	if (rc == 0)
		rc = write_comparison(a->out, base, new_run, rounds, &a->o, &s, err, sizeof err);
	else
		loaded--; /* the one that failed holds nothing */
	for (int i = 0; i < loaded; i++)
		results_view_free(i % 2 ? &new_run[i / 2] : &base[i / 2]);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	return verdict_status(&s);
}

int cmd_compare(int argc, char **argv)
{
	static const struct cli_command cmd = { "compare", help, 2, 2 * COMPARE_ROUNDS_MAX, "need BASE and NEW" };
	static const struct cli_option options[] = {
		{ "threshold", CLI_VALUE, offsetof(struct compare_args, o.threshold), cli_set_fraction, &threshold },
		{ "alpha", CLI_VALUE, offsetof(struct compare_args, o.alpha), cli_set_fraction, &alpha },
		{ "db", CLI_STRING, offsetof(struct compare_args, db), NULL, NULL },
		{ "out", CLI_STRING, offsetof(struct compare_args, out), NULL, NULL },
		{ "paired", CLI_FLAG, offsetof(struct compare_args, paired), NULL, NULL },
	};
	struct compare_args a = { .o = { .threshold = 0.05, .alpha = 0.05 }, .db = NULL };
	const struct cli_options sets[] = { { options, 5, &a } };
	const char *args[2 * COMPARE_ROUNDS_MAX];
	int nargs;
	int rc;
	if (!cli_parse(&cmd, argc, argv, sets, 1, args, &nargs, &rc))
		return rc;
	if (a.paired)
		return compare_paired(&a, args, nargs);
	if (nargs != 2) {
		fprintf(stderr, "tlbvisor compare: %d files given: give BASE and NEW, or --paired with rounds of BASE and NEW; see tlbvisor compare --help\n",
			nargs);
		return EXIT_USAGE;
	}
	const char *db = a.db, *out_path = a.out;
	struct compare_options o = a.o;
	char err[1024];
	const struct named_file files[] = {
		{ "BASE", results_arg_is_run(args[0]) ? NULL : args[0], 0 },
		{ "NEW", results_arg_is_run(args[1]) ? NULL : args[1], 0 },
		{ "--db", db, 0 }, { "--out", out_path, 1 },
	};
	if (outputs_ready(files, 4, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return EXIT_USAGE;
	}
	struct results_view base, new_run;
	if (results_load_pair(args[0], args[1], db, &base, &new_run, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	/* A history to learn the run-to-run spread from: --db, or the default
	 * one when a run id named it. */
	struct earlier e = { .host = context_str(&new_run, "host_name"), .skip1 = context_str(&base, "run_id"),
			     .skip2 = context_str(&new_run, "run_id") };
	const char *hist = db ? db : results_arg_is_run(args[0]) || results_arg_is_run(args[1]) ? results_default_db() : NULL;
	bool have_history = hist && history_open(&e.h, hist, err, sizeof err) == 0;
	if (have_history) {
		o.earlier_medians = earlier_medians;
		o.earlier_ctx = &e;
	}
	struct compare_summary s;
	rc = write_comparison(out_path, &base, &new_run, 0, &o, &s, err, sizeof err);
	if (have_history)
		history_close(&e.h);
	results_view_free(&base);
	results_view_free(&new_run);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	return verdict_status(&s);
}
