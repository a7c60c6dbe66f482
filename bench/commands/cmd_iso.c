/* tlbvisor iso: a bootable image of tlbvisor's hypervisor for a real machine,
 * Intel (VMX) or AMD (SVM), booted by legacy BIOS or UEFI, from a CD or a
 * USB stick. */
#include <stdio.h>
#include <stdlib.h>

#include "bench/backends/hypervisor/boot.h"
#include "bench/backends/payload.h"
#include "bench/cli/commands.h"
#include "bench/cli/run_options.h"
#include "lib/output_file.h"

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
	if (run_request_check(&req, cmd.name, NULL) < 0)
		return EXIT_USAGE;
	/* The ISO's matrix is what the hypervisor runs: nothing may be dropped. */
	for (int i = 0; i < req.matrix.nhost_pages; i++)
		if (req.matrix.host_pages[i] == HOST_PAGE_THP) {
			fprintf(stderr, "tlbvisor iso: invalid --host-page 'thp': thp is not an EPT leaf (on bare metal --host-page is the EPT leaf size); give 4k, 2m or 1g\n");
			return EXIT_USAGE;
		}
	char err[1024];
	const struct named_file files[] = { { "--payload", req.cfg.payload, 0 }, { "--out", req.cfg.out, 1 } };
	if (outputs_ready(files, 2, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor iso: %s\n", err);
		return EXIT_USAGE;
	}
	struct payload p;
	if (payload_load(&p, req.cfg.payload, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor iso: %s\n", err);
		return EXIT_USAGE;
	}
	char cmdline[4096], work[4200];
	hv_cmdline(&req.matrix, &req.cfg, tsc_hz, req.cfg.probe_nested_fault, cmdline, sizeof cmdline);
	snprintf(work, sizeof work, "%s.d", req.cfg.out);
	/* grub-mkrescue writes a temporary file that replaces the ISO when complete. */
	struct output_file iso;
	rc = output_open(&iso, req.cfg.out, err, sizeof err) ? 0 : -1;
	if (rc == 0)
		rc = hv_build_iso(iso.tmp, work, &p, cmdline, true, err, sizeof err);
	if (rc == 0)
		rc = output_commit(&iso, err, sizeof err);
	else
		output_abandon(&iso);
	payload_free(&p);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor iso: %s\n", err);
		return 1;
	}
	printf("wrote %s\nhypervisor command line: %s\n", req.cfg.out, cmdline);
	return 0;
}
