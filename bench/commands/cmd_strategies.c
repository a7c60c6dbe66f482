/* tlbvisor strategies RUN: huge-page strategies ranked against native. */
#include <stdio.h>

#include "analysis/strategies.h"
#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/outputs/run_or_file.h"

static const char help[] =
	"usage: tlbvisor strategies RUN|FILE [--db FILE]\n\n"
	"Ranks the guest/host page-size strategies of a run at each working set by\n"
	"cost relative to native 4K pages and to the best native configuration, and\n"
	"names splintering (guest huge pages on small host pages) where it happens.\n";

int cmd_strategies(int argc, char **argv)
{
	static const struct cli_command cmd = { "strategies", help, 1, 1, "need RUN or FILE" };
	static const struct cli_option options[] = { { "db", CLI_STRING, 0, NULL, NULL } };
	const char *db = NULL;
	const struct cli_options sets[] = { { options, 1, &db } };
	const char *arg;
	int nargs;
	int rc;
	if (!cli_parse(&cmd, argc, argv, sets, 1, &arg, &nargs, &rc))
		return rc;
	char err[1024];
	struct results_view v;
	if (results_load_run_or_file(arg, db, &v, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor strategies: %s\n", err);
		return 1;
	}
	rc = strategies_markdown(&v, stdout, err, sizeof err);
	results_view_free(&v);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor strategies: %s\n", err);
		return 1;
	}
	return 0;
}
