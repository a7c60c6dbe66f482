/* tlbvisor ingest: results JSON from the serial log of a bare-metal run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/backends/hypervisor/serial_log.h"
#include "bench/cli/args.h"
#include "bench/cli/commands.h"
#include "bench/results/results_csv.h"
#include "bench/results/results_json.h"
#include "lib/clock.h"
#include "lib/json_util.h"
#include "lib/output_file.h"
#include "version.h"

struct ingest_options {
	const char *out, *csv;
	double tsc_hz;
};

static const char help[] =
	"usage: tlbvisor ingest SERIAL.LOG --out results.json [--csv FILE] [--tsc-ghz F]\n\n"
	"Turns the JSON lines tlbvisor's hypervisor printed on the serial console into\n"
	"results JSON (Google Benchmark schema, backend 'baremetal'). The TSC rate comes\n"
	"from the log (CPUID.15H, or measured against the PIT) unless --tsc-ghz gives it.\n";

int cmd_ingest(int argc, char **argv)
{
	static const struct cli_command cmd = { "ingest", help, 0, 1, NULL };
	static const struct cli_option options[] = {
		{ "out", CLI_STRING, offsetof(struct ingest_options, out), NULL, NULL },
		{ "csv", CLI_STRING, offsetof(struct ingest_options, csv), NULL, NULL },
		{ "tsc-ghz", CLI_VALUE, offsetof(struct ingest_options, tsc_hz), cli_set_ghz, NULL },
	};
	struct ingest_options o = { 0 };
	const struct cli_options sets[] = { { options, 3, &o } };
	const char *in;
	int nargs;
	int status;
	if (!cli_parse(&cmd, argc, argv, sets, 1, &in, &nargs, &status))
		return status;
	if (!nargs || !o.out) {
		fprintf(stderr, "tlbvisor ingest: need SERIAL.LOG and --out FILE; see tlbvisor ingest --help\n");
		return EXIT_USAGE;
	}
	const char *out = o.out;
	double tsc_hz = o.tsc_hz;
	char err[1024];
	const struct named_file files[] = { { "SERIAL.LOG", in, 0 }, { "--out", out, 1 }, { "--csv", o.csv, 1 } };
	if (outputs_ready(files, 3, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor ingest: %s\n", err);
		return EXIT_USAGE;
	}
	struct serial_log log;
	if (serial_log_read(in, &log, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor ingest: %s\n", err);
		return 1;
	}
	if (!log.hello) {
		fprintf(stderr, "tlbvisor ingest: %s has no hello line from tlbvisor's hypervisor: is it the serial log of a tlbvisor boot?\n", in);
		serial_log_free(&log);
		return 1;
	}
	if (tsc_hz <= 0)
		tsc_hz = (double)json_int(log.hello, "tsc_hz");
	if (tsc_hz <= 0) {
		fprintf(stderr, "tlbvisor ingest: the log has no TSC rate (the hypervisor found neither CPUID.15H nor a PIT to measure it against); give it with --tsc-ghz\n");
		serial_log_free(&log);
		return EXIT_USAGE;
	}
	size_t n = json_array_size(log.cells);
	struct cell_result *results = calloc(n ? n : 1, sizeof *results);
	size_t k;
	json_t *line;
	int bad = 0;
	json_array_foreach(log.cells, k, line) {
		struct cell c;
		if (serial_line_to_cell(line, BACKEND_BAREMETAL, &c) < 0) {
			bad++;
			continue;
		}
		result_init(&results[k], &c);
		serial_line_to_result(line, tsc_hz, &results[k]);
	}
	/* The context says what the log says: the machine's hypervisor, its
	 * TSC rate, whether it finished. No host of this process is involved. */
	json_t *extra = json_object();
	json_object_set_new(extra, "cpu_model", json_string(json_str(log.hello, "cpu")));
	json_object_set_new(extra, "tsc_hz", json_real(tsc_hz));
	/* The hypervisor says where its rate came from (cpuid_15h, pit); logs
	 * from before it said so had only CPUID.15H. */
	const char *hv_source = json_str(log.hello, "tsc_source");
	char source[80];
	snprintf(source, sizeof source, "the hypervisor (%s)", hv_source[0] ? hv_source : "cpuid_15h");
	json_object_set_new(extra, "tsc_source", json_string(o.tsc_hz > 0 ? "--tsc-ghz" : source));
	json_object_set(extra, "hypervisor", log.hello);
	json_object_set_new(extra, "ingested_from", json_string(in));
	json_object_set_new(extra, "completed", json_boolean(log.done));
	if (log.panic)
		json_object_set(extra, "panic", log.panic);
	char cmdline[1024];
	snprintf(cmdline, sizeof cmdline, "tlbvisor ingest %s", in);
	struct run_info run = { .version = TLBVISOR_VERSION, .command_line = cmdline,
				.cells_total = (int)n, .extra_context = extra };
	clock_format_local(time(NULL), CLOCK_ISO8601, run.date, sizeof run.date);
	int rc = results_write_json(out, &run, results, (int)n, err, sizeof err);
	if (rc == 0 && o.csv)
		rc = results_write_csv(o.csv, results, (int)n, err, sizeof err);
	bool done = log.done; /* serial_log_free clears log */
	json_decref(extra);
	serial_log_free(&log);
	free(results);
	if (rc < 0) {
		fprintf(stderr, "tlbvisor ingest: %s\n", err);
		return 1;
	}
	fprintf(stderr, "tlbvisor: %zu cells from %s written to %s%s\n", n - (size_t)bad, in, out,
		done ? "" : " (the log ends before the hypervisor finished)");
	return 0;
}
