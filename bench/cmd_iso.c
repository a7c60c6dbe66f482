/* tlbvisor iso: a bootable GRUB ISO of the VMX hypervisor for a real machine. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/output_file.h"
#include "commands.h"
#include "parse.h"
#include "vmx_backend.h"

int cmd_iso(int argc, char **argv)
{
	const char *out = NULL, *payload_path = NULL;
	char *dims[16];
	int ndims = 0;
	bool probe = false;
	double tsc_hz = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tlbvisor iso --out FILE [--tsc-ghz F] [--preset P] [--ws LIST] [--pattern LIST]\n"
			       "                    [--guest-page LIST] [--host-page LIST] [--vpid LIST] [--ept-levels LIST]\n"
			       "                    [--repetitions N] [--min-time S] [--exit-every N] [--probe-ept-violation]\n\n"
			       "Writes a GRUB ISO that boots tlbvisor's VMX hypervisor with the matrix on its\n"
			       "command line (--host-page is the EPT leaf size). Boot it on the machine to\n"
			       "measure (USB stick or PXE, see docs/baremetal.md), capture COM1, then run\n"
			       "tlbvisor ingest SERIAL.LOG --out results.json. --tsc-ghz sets the TSC rate used\n"
			       "to size repetitions from --min-time (default 2.0).\n");
			return 0;
		}
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--payload") && i + 1 < argc)
			payload_path = argv[++i];
		else if (!strcmp(argv[i], "--probe-ept-violation"))
			probe = true;
		else if (!strcmp(argv[i], "--tsc-ghz") && i + 1 < argc) {
			tsc_hz = atof(argv[++i]) * 1e9;
			if (!isfinite(tsc_hz))
				tsc_hz = -1;
			if (tsc_hz <= 0) {
				fprintf(stderr, "tlbvisor iso: invalid --tsc-ghz '%s': give a frequency in GHz (e.g. 2.1)\n", argv[i]);
				return EXIT_USAGE;
			}
		} else if (argv[i][0] == '-' && i + 1 < argc && ndims + 2 < 16) {
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
	char *run_argv[20] = { "iso" };
	int run_argc = 1;
	for (int i = 0; i < ndims; i++)
		run_argv[run_argc++] = dims[i];
	struct matrix m;
	if (run_parse_matrix(run_argc, run_argv, &m) < 0)
		return EXIT_USAGE;
	/* The ISO's matrix is what the hypervisor runs: nothing may be dropped. */
	for (int i = 0; i < m.nhost_pages; i++)
		if (m.host_pages[i] == HOST_PAGE_THP) {
			fprintf(stderr, "tlbvisor iso: invalid --host-page 'thp': thp is not an EPT leaf (on bare metal --host-page is the EPT leaf size); give 4k, 2m or 1g\n");
			return EXIT_USAGE;
		}
	char err[1024];
	const struct named_file files[] = { { "--payload", payload_path, 0 }, { "--out", out, 1 } };
	if (outputs_ready(files, 2, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor iso: %s\n", err);
		return EXIT_USAGE;
	}
	struct payload p;
	if (payload_load(&p, payload_path, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor iso: %s\n", err);
		return EXIT_USAGE;
	}
	char cmdline[4096], work[4200];
	vmx_cmdline(&m, BACKEND_QEMU, tsc_hz > 0 ? tsc_hz : 2e9, probe, cmdline, sizeof cmdline);
	snprintf(work, sizeof work, "%s.d", out);
	/* grub-mkrescue writes a temporary file that replaces out when complete. */
	struct output_file iso;
	int rc = output_open(&iso, out, err, sizeof err) ? 0 : -1;
	if (rc == 0)
		rc = vmx_build_iso(iso.tmp, work, &p, cmdline, err, sizeof err);
	if (rc == 0)
		rc = output_commit(&iso, err, sizeof err);
	else
		output_abandon(&iso);
	payload_free(&p);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor iso: %s\n", err);
		return 1;
	}
	printf("wrote %s\nhypervisor command line: %s\n", out, cmdline);
	return 0;
}
