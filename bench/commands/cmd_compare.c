/* tlbvisor compare BASE NEW: the gate a CI job uses. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/compare.h"
#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/results/run_or_file.h"

#define EXIT_REGRESSION 4

struct compare_args {
	struct compare_options o;
	const char *db, *out;
};

static const char help[] =
	"usage: tlbvisor compare BASE NEW [--threshold 5%] [--alpha 0.05] [--db FILE] [--out FILE.md]\n\n"
	"BASE and NEW are results JSON files or run ids in the history (a number, or\n"
	"'last'). For every cell in both: the change of the median, a Mann-Whitney U\n"
	"test on the repetitions, and a verdict; then the geometric mean. Markdown on\n"
	"stdout (or --out), ready for a CI comment. Exit status " CLI_STRING_OF(EXIT_REGRESSION) " when any cell\n"
	"regressed significantly (change > threshold and p < alpha), 0 otherwise.\n";

struct fraction {
	bool probability;   /* strictly between 0 and 1 */
	const char *hint;
};
static const struct fraction threshold = { false, "give a percentage (5%) or a fraction (0.05)" };
static const struct fraction alpha = { true, "give a level between 0 and 1 (0.05)" };

/* "5%" or "0.05", into the double at offset. */
static int set_fraction(void *t, const struct cli_option *opt, const char *value, char *err, size_t len)
{
	const struct fraction *f = opt->data;
	char *end;
	double v = strtod(value, &end);
	if (end != value && *end == '%') {
		v /= 100;
		end++;
	}
	if (end == value || *end || v < 0 || (f->probability && (v <= 0 || v >= 1))) {
		snprintf(err, len, "invalid --%s '%s': %s", opt->name, value, f->hint);
		return -1;
	}
	*(double *)((char *)t + opt->offset) = v;
	return 0;
}

int cmd_compare(int argc, char **argv)
{
	static const struct cli_command cmd = { "compare", help, 2, 2, "need BASE and NEW" };
	static const struct cli_option options[] = {
		{ "threshold", CLI_VALUE, offsetof(struct compare_args, o.threshold), set_fraction, &threshold },
		{ "alpha", CLI_VALUE, offsetof(struct compare_args, o.alpha), set_fraction, &alpha },
		{ "db", CLI_STRING, offsetof(struct compare_args, db), NULL, NULL },
		{ "out", CLI_STRING, offsetof(struct compare_args, out), NULL, NULL },
	};
	struct compare_args a = { .o = { .threshold = 0.05, .alpha = 0.05 }, .db = DEFAULT_DB };
	const struct cli_options sets[] = { { options, 4, &a } };
	const char *args[2];
	int nargs;
	int rc;
	if (!cli_parse(&cmd, argc, argv, sets, 1, args, &nargs, &rc))
		return rc;
	const char *db = a.db, *out_path = a.out;
	struct compare_options o = a.o;
	char err[512];
	json_t *base = results_load_run_or_file(args[0], db, err, sizeof err);
	if (!base) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	json_t *new_doc = results_load_run_or_file(args[1], db, err, sizeof err);
	if (!new_doc) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		json_decref(base);
		return 1;
	}
	FILE *out = out_path ? fopen(out_path, "w") : stdout;
	if (!out) {
		fprintf(stderr, "tlbvisor compare: cannot write %s\n", out_path);
		return 1;
	}
	struct compare_summary s;
	rc = compare_runs(base, new_doc, &o, out, &s, err, sizeof err);
	if (out_path)
		fclose(out);
	json_decref(base);
	json_decref(new_doc);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor compare: %s\n", err);
		return 1;
	}
	return s.regressions ? EXIT_REGRESSION : 0;
}
