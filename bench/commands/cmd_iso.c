/* tlbvisor iso: a bootable image of tlbvisor's hypervisor for a real machine,
 * Intel (VMX) or AMD (SVM), booted by legacy BIOS or UEFI, from a CD or a
 * USB stick. */
#include <stdio.h>
#include <stdlib.h>

#include "bench/backends/hypervisor/boot.h"
#include "bench/backends/payload.h"
#include "bench/cli/commands.h"
#include "bench/cli/run_options.h"

static const char help[] =
	"usage: tlbvisor iso --out FILE [--tsc-ghz F] [--preset P] [--ws LIST] [--pattern LIST]\n"
	"                    [--guest-page LIST] [--host-page LIST] [--tlb-tag LIST] [--ept-levels LIST]\n"
	"                    [--repetitions N] [--min-time S] [--exit-every N] [--probe-nested-fault]\n"
	"                    [other matrix options of tlbvisor run]\n\n"
	"Writes a GRUB image that boots tlbvisor's hypervisor (VMX/EPT on Intel, SVM/NPT on\n"
	"AMD: it picks what the processor has) with the matrix on its command line\n"
	"(--host-page is the EPT/NPT leaf size). The same file boots by legacy BIOS and by\n"
	"UEFI, as a CD or written to a USB stick (see docs/baremetal.md). Capture COM1,\n"
	"then run tlbvisor ingest SERIAL.LOG --out results.json. --tsc-ghz sets the TSC\n"
	"rate used to size repetitions from --min-time (default 2.0).\n";

int cmd_iso(int argc, char **argv)
{
	static const struct cli_command cmd = { "iso", help, 0, 0, NULL };
	static const struct cli_option iso_options[] = { { "tsc-ghz", CLI_VALUE, 0, cli_set_ghz, NULL } };
	struct run_request req;
	double tsc_hz = 2e9;
	if (run_request_init(&req, cmd.name, argc, argv) < 0)
		return EXIT_USAGE;
	/* run's matrix options: the same syntax and errors. */
	const struct cli_options sets[] = {
		{ run_matrix_options, run_nmatrix_options, &req },
		{ run_file_options, run_nfile_options, &req },
		{ iso_options, 1, &tsc_hz },
	};
	const char *args[1];
	int nargs;
	int rc;
	if (!cli_parse(&cmd, argc, argv, sets, 3, args, &nargs, &rc))
		return rc;
	if (!req.cfg.out) {
		fprintf(stderr, "tlbvisor iso: missing --out FILE; see tlbvisor iso --help\n");
		return EXIT_USAGE;
	}
	if (run_request_check(&req, cmd.name) < 0)
		return EXIT_USAGE;
	char err[512];
	struct payload p;
	if (payload_load(&p, req.cfg.payload, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor iso: %s\n", err);
		return EXIT_USAGE;
	}
	char cmdline[4096], work[4200];
	hv_cmdline(&req.matrix, &req.cfg, tsc_hz, req.cfg.probe_nested_fault, cmdline, sizeof cmdline);
	snprintf(work, sizeof work, "%s.d", req.cfg.out);
	rc = hv_build_iso(req.cfg.out, work, &p, cmdline, true, err, sizeof err);
	payload_free(&p);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor iso: %s\n", err);
		return 1;
	}
	printf("wrote %s\nhypervisor command line: %s\n", req.cfg.out, cmdline);
	return 0;
}
