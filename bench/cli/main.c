/* tlbvisor: measure what address translation costs under virtualization. */
#include <stdio.h>
#include <string.h>

#include "bench/cli/commands.h"
#include "version.h"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);  /* argv[0] is the command's name */
	const char *summary;
} commands[] = {
	{ "run", cmd_run, "run a benchmark matrix, print a table, write results (JSON, CSV)" },
	{ "list", cmd_list, "show the backends and what this host can realize, with reasons" },
	{ "model", cmd_model, "print nested page-walk references per TLB miss for every configuration" },
	{ "report", cmd_report, "write a Markdown report of a results file" },
	{ "import", cmd_import, "store results JSON files in the history database" },
	{ "merge", cmd_merge, "join the shards (or per-host runs) of one matrix into one results file" },
	{ "compare", cmd_compare, "compare two runs: per-cell change, Mann-Whitney U, verdict" },
	{ "strategies", cmd_strategies, "rank huge-page strategies of a run against native" },
	{ "iso", cmd_iso, "write a bootable image of tlbvisor's hypervisor (VMX or SVM; BIOS or UEFI) for a real machine" },
	{ "ingest", cmd_ingest, "turn a bare-metal serial log into results JSON" },
	{ "help", NULL, "show this help (also: tlbvisor COMMAND --help)" },
	{ "version", NULL, "print the version" },
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tlbvisor COMMAND [OPTIONS]\n"
		"\n"
		"Measures the cost of address translation natively and inside a minimal KVM guest\n"
		"while varying guest and host page sizes.\n"
		"\n"
		"commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		int len = (int)strlen(commands[i].name);
		fprintf(out, "  %-*s %s\n", len > 8 ? len + 1 : 8, commands[i].name, commands[i].summary);
	}
	fprintf(out, "\nStart with:  tlbvisor list   then   tlbvisor run --preset quick\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].run && !strcmp(cmd, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("tlbvisor %s\n", TLBVISOR_VERSION);
		return 0;
	}
	fprintf(stderr, "tlbvisor: unknown command '%s'; run 'tlbvisor help' for the list\n", cmd);
	return EXIT_USAGE;
}
