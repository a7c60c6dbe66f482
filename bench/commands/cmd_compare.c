/* tlbvisor compare BASE NEW: the gate a CI job uses. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/compare.h"
#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/results/run_or_file.h"
#include "lib/output_file.h"

#define EXIT_REGRESSION 4
#define EXIT_INSUFFICIENT 5

struct compare_args {
	struct compare_options o;
	const char *db, *out;
};

static const char help[] =
	"usage: tlbvisor compare BASE NEW [--threshold 5%] [--alpha 0.05] [--db FILE] [--out FILE.md]\n\n"
	"BASE and NEW are results JSON files or run ids in the history (a number, or\n"
	"'last'). For every cell in both: the change of the median, a Mann-Whitney U\n"
	"test on the repetitions, and a verdict; then the geometric mean. Markdown on\n"
	"stdout (or --out), ready for a CI comment. Exit status: " CLI_STRING_OF(EXIT_REGRESSION) " when any cell\n"
	"regressed significantly (change > threshold and p < alpha); " CLI_STRING_OF(EXIT_INSUFFICIENT) " when the data\n"
	"cannot give a verdict (no cell in both runs, or too few repetitions for the\n"
	"test to reach alpha); 0 otherwise.\n";

static const struct cli_fraction threshold = { false, "give a percentage (5%) or a fraction (0.05)" };
static const struct cli_fraction alpha = { true, "give a level between 0 and 1 (0.05)" };

int cmd_compare(int argc, char **argv)
{
	static const struct cli_command cmd = { "compare", help, 2, 2, "need BASE and NEW" };
	static const struct cli_option options[] = {
		{ "threshold", CLI_VALUE, offsetof(struct compare_args, o.threshold), cli_set_fraction, &threshold },
		{ "alpha", CLI_VALUE, offsetof(struct compare_args, o.alpha), cli_set_fraction, &alpha },
		{ "db", CLI_STRING, offsetof(struct compare_args, db), NULL, NULL },
		{ "out", CLI_STRING, offsetof(struct compare_args, out), NULL, NULL },
	};
	struct compare_args a = { .o = { .threshold = 0.05, .alpha = 0.05 }, .db = NULL };
	const struct cli_options sets[] = { { options, 4, &a } };
	const char *args[2];
	int nargs;
	int rc;
	if (!cli_parse(&cmd, argc, argv, sets, 1, args, &nargs, &rc))
		return rc;
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
	if (results_load_run_or_file(args[0], db, &base, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	if (results_load_run_or_file(args[1], db, &new_run, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		results_view_free(&base);
		return 1;
	}
	struct output_file of = { 0 };
	FILE *out = out_path ? output_open(&of, out_path, err, sizeof err) : stdout;
	struct compare_summary s;
	rc = out ? compare_runs(&base, &new_run, &o, out, &s, err, sizeof err) : -1;
	if (out_path && out) {
		if (rc == 0)
			rc = output_commit(&of, err, sizeof err);
		else
			output_abandon(&of);
	}
	results_view_free(&base);
	results_view_free(&new_run);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	return s.verdict == COMPARE_REGRESSION ? EXIT_REGRESSION : s.verdict == COMPARE_INSUFFICIENT ? EXIT_INSUFFICIENT : 0;
}
