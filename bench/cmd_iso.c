/* tlbvisor iso: a bootable image of tlbvisor's hypervisor for a real machine,
 * Intel (VMX) or AMD (SVM), booted by legacy BIOS or UEFI, from a CD or a
 * USB stick. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "parse.h"
#include "vmx_backend.h"

int cmd_iso(int argc, char **argv)
{
	const char *out = NULL, *payload_path = NULL;
	char *dims[40];
	int ndims = 0;
	bool probe = false;
	double tsc_hz = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tlbvisor iso --out FILE [--tsc-ghz F] [--preset P] [--ws LIST] [--pattern LIST]\n"
			       "                    [--guest-page LIST] [--host-page LIST] [--tlb-tag LIST] [--ept-levels LIST]\n"
			       "                    [--repetitions N] [--min-time S] [--exit-every N] [--probe-nested-fault]\n"
			       "                    [other matrix options of tlbvisor run]\n\n"
			       "Writes a GRUB image that boots tlbvisor's hypervisor (VMX/EPT on Intel, SVM/NPT on\n"
			       "AMD: it picks what the processor has) with the matrix on its command line\n"
			       "(--host-page is the EPT/NPT leaf size). The same file boots by legacy BIOS and by\n"
			       "UEFI, as a CD or written to a USB stick (see docs/baremetal.md). Capture COM1,\n"
			       "then run tlbvisor ingest SERIAL.LOG --out results.json. --tsc-ghz sets the TSC\n"
			       "rate used to size repetitions from --min-time (default 2.0).\n");
			return 0;
		}
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--payload") && i + 1 < argc)
			payload_path = argv[++i];
		else if (!strcmp(argv[i], "--probe-nested-fault") || !strcmp(argv[i], "--probe-ept-violation"))
			probe = true;
		else if (!strcmp(argv[i], "--tsc-ghz") && i + 1 < argc) {
			tsc_hz = atof(argv[++i]) * 1e9;
			if (!isfinite(tsc_hz))
				tsc_hz = -1;
			if (tsc_hz <= 0) {
				fprintf(stderr, "tlbvisor iso: invalid --tsc-ghz '%s': give a frequency in GHz (e.g. 2.1)\n", argv[i]);
				return EXIT_USAGE;
			}
		} else if (argv[i][0] == '-' && i + 1 < argc && ndims + 2 <= 40) {
			dims[ndims++] = argv[i];
			dims[ndims++] = argv[++i];
		} else {
			fprintf(stderr, "tlbvisor iso: unexpected argument '%s'; see tlbvisor iso --help\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!out) {
		fprintf(stderr, "tlbvisor iso: missing --out FILE; see tlbvisor iso --help\n");
		return EXIT_USAGE;
	}
	/* Reuse run's option parser for the matrix: the same syntax and errors. */
	char *run_argv[41] = { "iso" };
	int run_argc = 1;
	for (int i = 0; i < ndims; i++)
		run_argv[run_argc++] = dims[i];
	struct matrix m;
	if (run_parse_matrix(run_argc, run_argv, &m) < 0)
		return EXIT_USAGE;
	char err[512];
	struct payload p;
	if (payload_load(&p, payload_path, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor iso: %s\n", err);
		return EXIT_USAGE;
	}
	char cmdline[4096], work[4200];
	vmx_cmdline(&m, BACKEND_QEMU, tsc_hz > 0 ? tsc_hz : 2e9, probe, cmdline, sizeof cmdline);
	snprintf(work, sizeof work, "%s.d", out);
	if (vmx_build_iso(out, work, &p, cmdline, true, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor iso: %s\n", err);
		return 1;
	}
	printf("wrote %s\nhypervisor command line: %s\n", out, cmdline);
	return 0;
}
