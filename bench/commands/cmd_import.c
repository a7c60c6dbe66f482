/* tlbvisor import: put a results JSON (any backend, bare-metal ingests
 * included) into the history database. */
#include <stdio.h>

#include "lib/output_file.h"

#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/results/history.h"
#include "bench/outputs/run_or_file.h"

static const char help[] =
	"usage: tlbvisor import RESULTS.json... [--db FILE]\n\n"
	"Stores each results file as a new run in the history database (default\n"
	"results/tlbvisor.db). Each file is imported in one transaction: all or nothing.\n";

int cmd_import(int argc, char **argv)
{
	static const struct cli_command cmd = { "import", help, 1, 64, "give at least one RESULTS.json" };
	static const struct cli_option options[] = { { "db", CLI_STRING, 0, NULL, NULL } };
	const char *db = DEFAULT_DB;
	const struct cli_options sets[] = { { options, 1, &db } };
	const char *files[64];
	int nfiles;
	int rc;
	if (!cli_parse(&cmd, argc, argv, sets, 1, files, &nfiles, &rc))
		return rc;
	char err[1024];
	for (int i = 0; i < nfiles; i++) {
		const struct named_file pair[] = { { "RESULTS.json", files[i], 0 }, { "--db", db, 1 } };
		if (outputs_distinct(pair, 2, err, sizeof err) < 0) {
			fprintf(stderr, "tlbvisor import: %s\n", err);
			return EXIT_USAGE;
		}
	}
	struct history h;
	if (history_open(&h, db, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor import: %s\n", err);
		return 1;
	}
	int bad = 0;
	for (int i = 0; i < nfiles; i++) {
		json_error_t je;
		json_t *doc = json_load_file(files[i], 0, &je);
		if (!doc) {
			fprintf(stderr, "tlbvisor import: cannot read %s: %s\n", files[i], je.text);
			bad++;
			continue;
		}
		int64_t id = history_import(&h, doc, files[i], err, sizeof err);
		json_decref(doc);
		if (id < 0) {
			fprintf(stderr, "tlbvisor import: %s: %s\n", files[i], err);
			bad++;
		} else {
			printf("%s -> run %lld in %s\n", files[i], (long long)id, db);
		}
	}
	history_close(&h);
	return bad ? 1 : 0;
}
