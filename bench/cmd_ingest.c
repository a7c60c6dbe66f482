/* tlbvisor ingest: results JSON from the serial log of a bare-metal run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "results.h"
#include "version.h"
#include "vmx_backend.h"

int cmd_ingest(int argc, char **argv)
{
	const char *in = NULL, *out = NULL;
	double tsc_hz = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: tlbvisor ingest SERIAL.LOG --out results.json [--tsc-ghz F]\n\n"
			       "Turns the JSON lines tlbvisor's hypervisor printed on the serial console into\n"
			       "results JSON (Google Benchmark schema, backend 'baremetal'). The TSC rate comes\n"
			       "from the log (CPUID.15H, or measured against the PIT) unless --tsc-ghz gives it.\n");
			return 0;
		}
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--tsc-ghz") && i + 1 < argc) {
			tsc_hz = atof(argv[++i]) * 1e9;
			if (!isfinite(tsc_hz) || tsc_hz <= 0) {
				fprintf(stderr, "tlbvisor ingest: invalid --tsc-ghz '%s': give a frequency in GHz (e.g. 2.1)\n", argv[i]);
				return EXIT_USAGE;
			}
		} else if (argv[i][0] != '-' && !in)
			in = argv[i];
		else {
			fprintf(stderr, "tlbvisor ingest: unexpected argument '%s'; see tlbvisor ingest --help\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!in || !out) {
		fprintf(stderr, "tlbvisor ingest: need SERIAL.LOG and --out FILE; see tlbvisor ingest --help\n");
		return EXIT_USAGE;
	}
	char err[512];
	struct vmx_log log;
	if (vmx_log_read(in, &log, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor ingest: %s\n", err);
		return 1;
	}
	if (!log.hello) {
		fprintf(stderr, "tlbvisor ingest: %s has no hello line from tlbvisor's hypervisor: is it the serial log of a tlbvisor boot?\n", in);
		vmx_log_free(&log);
		return 1;
	}
	if (tsc_hz <= 0)
		tsc_hz = (double)json_integer_value(json_object_get(log.hello, "tsc_hz"));
	if (tsc_hz <= 0) {
		fprintf(stderr, "tlbvisor ingest: the log has no TSC rate (the hypervisor found neither CPUID.15H nor a PIT to measure it against); give it with --tsc-ghz\n");
		vmx_log_free(&log);
		return EXIT_USAGE;
	}
	size_t n = json_array_size(log.cells);
	struct cell_result *results = calloc(n ? n : 1, sizeof *results);
	size_t k;
	json_t *line;
	int bad = 0;
	json_array_foreach(log.cells, k, line) {
		struct cell c;
		if (vmx_line_to_cell(line, BACKEND_QEMU, &c) < 0) {
			bad++;
			continue;
		}
		/* A real machine: name the backend for what it is. */
		char *b = strstr(c.name, "backend:qemu");
		if (b) {
			char rest[160];
			snprintf(rest, sizeof rest, "%s", b + strlen("backend:qemu"));
			snprintf(b, sizeof c.name - (size_t)(b - c.name), "backend:baremetal%s", rest);
		}
		result_init(&results[k], &c);
		vmx_line_to_result(line, tsc_hz, &results[k]);
	}
	struct matrix m;
	matrix_preset(&m, "quick");
	struct host_caps h;
	memset(&h, 0, sizeof h);
	h.tsc_hz = tsc_hz;
	snprintf(h.tsc_source, sizeof h.tsc_source, "serial log");
	snprintf(h.cpu_model, sizeof h.cpu_model, "%s", json_string_value(json_object_get(log.hello, "cpu")) ?: "");
	json_t *extra = json_object();
	json_object_set(extra, "hypervisor", log.hello);
	json_object_set_new(extra, "ingested_from", json_string(in));
	json_object_set_new(extra, "completed", json_boolean(log.done));
	if (log.panic)
		json_object_set(extra, "panic", log.panic);
	char cmdline[1024];
	snprintf(cmdline, sizeof cmdline, "tlbvisor ingest %s", in);
	struct run_info run = { .version = TLBVISOR_VERSION, .command_line = cmdline,
				.cells_total = (int)n, .extra_context = extra };
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(run.date, sizeof run.date, "%Y-%m-%dT%H:%M:%S%z", &tm);
	int rc = results_write_json(out, &run, &h, &m, results, (int)n, err, sizeof err);
	json_decref(extra);
	vmx_log_free(&log);
	free(results);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor ingest: %s\n", err);
		return 1;
	}
	fprintf(stderr, "tlbvisor: %zu cells from %s written to %s%s\n", n - (size_t)bad, in, out,
		log.done ? "" : " (the log ends before the hypervisor finished)");
	return 0;
}
