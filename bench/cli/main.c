/* tlbvisor: measure what address translation costs under virtualization. */
#include <stdio.h>
#include <string.h>

#include "bench/cli/commands.h"
#include "version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: tlbvisor COMMAND [OPTIONS]\n"
		"\n"
		"Measures the cost of address translation natively and inside a minimal KVM guest\n"
		"while varying guest and host page sizes.\n"
		"\n"
		"commands:\n"
		"  run      run a benchmark matrix, print a table, write results (JSON, CSV)\n"
		"  list     show the backends and what this host can realize, with reasons\n"
		"  model    print nested page-walk references per TLB miss for every configuration\n"
		"  report   write a Markdown report of a results file\n"
		"  import   store results JSON files in the history database\n"
		"  compare  compare two runs: per-cell change, Mann-Whitney U, verdict\n"
		"  strategies  rank huge-page strategies of a run against native\n"
		"  iso      write a bootable ISO of tlbvisor's VMX hypervisor for a real machine\n"
		"  ingest   turn a bare-metal serial log into results JSON\n"
		"  help     show this help (also: tlbvisor COMMAND --help)\n"
		"  version  print the version\n"
		"\n"
		"Start with:  tlbvisor list   then   tlbvisor run --preset quick\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "list"))
		return cmd_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "model"))
		return cmd_model(argc - 1, argv + 1);
	if (!strcmp(cmd, "report"))
		return cmd_report(argc - 1, argv + 1);
	if (!strcmp(cmd, "import"))
		return cmd_import(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return cmd_compare(argc - 1, argv + 1);
	if (!strcmp(cmd, "strategies"))
		return cmd_strategies(argc - 1, argv + 1);
	if (!strcmp(cmd, "iso"))
		return cmd_iso(argc - 1, argv + 1);
	if (!strcmp(cmd, "ingest"))
		return cmd_ingest(argc - 1, argv + 1);
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
