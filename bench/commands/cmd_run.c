/* tlbvisor run: expand the matrix, run every cell, write results after each
 * cell so that nothing measured is lost to Ctrl-C or a crash. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench/cli/commands.h"
#include "bench/cli/run_options.h"
#include "bench/run/display.h"
#include "lib/units.h"
#include "bench/results/results_json.h"
#include "version.h"
#include "bench/backends/backend.h"
#include "bench/backends/measure_host.h"
#include "bench/backends/payload.h"
#include "bench/host/perf_counters.h"
#include "bench/results/history.h"
#include "bench/backends/kvm/kvm_knobs.h"
#include <linux/perf_event.h>

static void run_usage(void)
{
	printf(
		"usage: tlbvisor run [--preset quick|default] [dimensions] [options]\n"
		"\n"
		"Runs every cell of the matrix (backend x pattern x guest page x host page x\n"
		"working set), prints a table row per cell and writes results after each cell.\n"
		"\n"
		"dimensions (comma-separated lists; they override the preset):\n"
		"  --backend LIST      native,kvm,bochs,qemu (default: native,kvm where /dev/kvm works);\n"
		"                      bochs/qemu boot tlbvisor's VMX hypervisor; for bochs --host-page\n"
		"                      is the EPT leaf size, and its timings are emulated, not performance\n"
		"  --ws LIST           working-set sizes, e.g. 16k,1m,64m,512m\n"
		"  --pattern LIST      random,seq\n"
		"  --host-page LIST    4k,thp,2m,1g: the process's pages natively, the guest-memory\n"
		"                      backing under KVM (2m/1g are hugetlb and need reserved pages)\n"
		"  --guest-page LIST   4k,2m,1g: guest page-table leaves (kvm, bochs, qemu)\n"
		"  --vpid LIST         on,off: bochs/qemu set it in the VMCS; kvm reloads kvm_intel with\n"
		"                      enable_vpid (Intel hosts, only with --allow-module-reload; restored)\n"
		"  --ept-levels LIST   4,5: EPT walk length (bochs, qemu; kvm on Intel via the guest MAXPHYADDR)\n"
		"\n"
		"protocol:\n"
		"  --repetitions N     timed repetitions per cell (default 5)\n"
		"  --min-time S        seconds each repetition lasts at least (e.g. 0.05, 50ms)\n"
		"  --stride SIZE       bytes between chased elements (default 4k: one line per page)\n"
		"  --group SIZE        TLB-locality group: visit each group's elements together\n"
		"  --seed N            permutation seed\n"
		"  --max-warmup N      warm-up passes at most (default 20)\n"
		"  --guest-mem SIZE    KVM guest memory limit (default: sized to each working set)\n"
		"  --exit-every N      the guest exits (port I/O) every N accesses during timing\n"
		"  --allow-module-reload  let tlbvisor reload kvm_intel to switch enable_vpid\n"
		"  --exit-cost         add cells timing the round trip of an I/O exit and of a CPUID\n"
		"                      exit (kvm, bochs, qemu): exit/io/..., exit/cpuid/...\n"
		"  --exit-every-ticks T  (bochs, qemu) a VMX-preemption-timer exit every T timer ticks\n"
		"  --vmx-timeout S     wall-clock limit for one Bochs/QEMU boot (default 900)\n"
		"  --guest-timeout S   a guest command that takes longer fails its cell (default 60;\n"
		"                      kvm: wall clock; bochs/qemu: guest TSC via the preemption timer)\n"
		"\n"
		"output:\n"
		"  --out FILE          results JSON, Google Benchmark schema (default results/tlbvisor-DATE.json)\n"
		"  --csv FILE          also write CSV\n"
		"  --resume FILE       continue an interrupted run: cells FILE already holds are kept\n"
		"                      (not run again) and results go on into FILE; give the same matrix\n"
		"  --db FILE           history database (SQLite; default: tlbvisor.db beside --out);\n"
		"                      every finished cell is committed at once. --no-db: none\n"
		"  --payload FILE      use this guest payload ELF instead of the embedded one\n"
		"  --events LIST       PMU events (libpfm4 names) read around every phase\n"
		"  --raw-events LIST   bochs/qemu/bare metal: IA32_PERFEVTSEL encodings the hypervisor\n"
		"                      counts in the guest beside the architectural events\n"
		"  --pmu-preset P      walk (default: page-walk events of this CPU), basic, none\n"
		"  --probe-ept-violation  (bochs, qemu) first run a cell whose guest touches a\n"
		"                      guest-physical address the EPT does not map; it must be reported\n"
		"\n"
		"presets: quick (CI-sized, about a minute here), default (4 KiB to 1 GiB sweep, every\n"
		"page size, random and sequential).  Ctrl-C stops after writing every finished cell.\n");
}

static void on_signal(int sig)
{
	(void)sig;
	protocol_interrupted = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: KVM_RUN must return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void join_args(int argc, char **argv, char *buf, size_t len)
{
	snprintf(buf, len, "tlbvisor");
	for (int i = 0; i < argc; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, " %s", argv[i]);
	}
}

static int default_out(char *buf, size_t len, const char *stamp)
{
	if (mkdir("results", 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "tlbvisor run: cannot create results/: %s; fix: give --out FILE\n", strerror(errno));
		return -1;
	}
	snprintf(buf, len, "results/tlbvisor-%s.json", stamp);
	return 0;
}

/* Mark the cells an earlier run already wrote to path; they keep its entries. */
static int resume_cells(const char *path, struct cell_result *results, int n)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc) {
		fprintf(stderr, "tlbvisor run: cannot resume from %s: %s; fix: give the results JSON of the interrupted run\n",
			path, je.text);
		return -1;
	}
	json_t *list = json_object_get(doc, "benchmarks");
	if (!json_is_array(list)) {
		fprintf(stderr, "tlbvisor run: cannot resume from %s: it has no 'benchmarks' array\n", path);
		json_decref(doc);
		return -1;
	}
	int kept = 0, foreign = 0;
	size_t k;
	json_t *e;
	json_array_foreach(list, k, e) {
		const char *name = json_string_value(json_object_get(e, "run_name"));
		const char *status = json_string_value(json_object_get(e, "status"));
		int found = 0;
		for (int i = 0; name && i < n; i++) {
			if (strcmp(results[i].cell.name, name))
				continue;
			found = 1;
			if (!results[i].carried) {
				results[i].carried = json_array();
				results[i].status = !status || !strcmp(status, "ok") ? CELL_OK
						    : !strcmp(status, "skipped") ? CELL_SKIPPED : CELL_FAILED;
				kept++;
			}
			json_array_append(results[i].carried, e);
		}
		foreign += !found;
	}
	json_decref(doc);
	fprintf(stderr, "tlbvisor: resuming %s: %d cells kept, %d to run%s\n", path, kept, n - kept,
		foreign ? "; entries of cells not in this matrix are dropped (give the same matrix options)" : "");
	return 0;
}

static int run_matrix(int argc, char **argv, const struct run_request *req, const struct payload *pp)
{
	struct matrix m = req->matrix;
	struct run_config cfg = req->cfg;
	const struct payload payload = *pp;
	char err[512];
	int rc = 0;
	struct cell *cells = NULL;
	struct cell_result *results = NULL;
	json_t *extra = json_object();
	struct history hist = { 0 };
	int n = 0;

	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char stamp[32], out_path[1024];
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	if (!cfg.out && cfg.resume)
		cfg.out = cfg.resume;
	if (!cfg.out) {
		if (default_out(out_path, sizeof out_path, stamp) < 0) {
			rc = 1;
			goto done;
		}
		cfg.out = out_path;
	}

	struct host_caps h;
	host_caps_probe(&h);
	/* The default backends are those this host can run. */
	for (int b = 0; !req->backend_given && b < m.nbackends; b++) {
		char why[512];
		const struct backend_ops *ops = backend_ops(m.backends[b]);
		if (ops->available && !ops->available(&h, why, sizeof why)) {
			fprintf(stderr, "tlbvisor: %s backend not used: %s\n", backend_name(m.backends[b]), why);
			memmove(&m.backends[b], &m.backends[b + 1], (size_t)(m.nbackends - b - 1) * sizeof *m.backends);
			m.nbackends--;
			b--;
		}
	}

	n = matrix_expand(&m, NULL, 0);
	cells = calloc((size_t)n, sizeof *cells);
	results = calloc((size_t)n, sizeof *results);
	if (!cells || !results) {
		fprintf(stderr, "tlbvisor run: out of memory for %d cells\n", n);
		rc = 1;
		goto done;
	}
	matrix_expand(&m, cells, n);
	for (int i = 0; i < n; i++)
		result_init(&results[i], &cells[i]);
	if (cfg.resume && resume_cells(cfg.resume, results, n) < 0) {
		rc = EXIT_USAGE;
		goto done;
	}

	char cmdline[2048];
	join_args(argc, argv, cmdline, sizeof cmdline);
	struct run_info run = { .version = TLBVISOR_VERSION, .command_line = cmdline,
				.preset = cfg.preset, .payload = &payload, .cells_total = n };
	strftime(run.date, sizeof run.date, "%Y-%m-%dT%H:%M:%S%z", &tm);

	/* Refuse an unwritable output before measuring anything (the file then
	 * holds the cells kept by --resume, or none). */
	if (results_write_json(cfg.out, &run, &h, &cfg, results, n, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor run: %s\n", err);
		rc = 1;
		goto done;
	}

	/* The history: a run row now, a committed row per finished cell. */
	char db_path[1100];
	if (!cfg.no_db) {
		if (cfg.db) {
			snprintf(db_path, sizeof db_path, "%s", cfg.db);
		} else {
			const char *slash = strrchr(cfg.out, '/');
			snprintf(db_path, sizeof db_path, "%.*s%stlbvisor.db", slash ? (int)(slash - cfg.out) : 0,
				 cfg.out, slash ? "/" : "");
		}
		json_t *ctx = results_context_json(&run, &h, &cfg);
		/* The run row and the cells kept by --resume in one transaction: the
		 * newest run in the history always holds every cell of the JSON. */
		int hrc = history_open(&hist, db_path, err, sizeof err);
		if (hrc == 0)
			hrc = history_transaction(&hist, 0, err, sizeof err);
		if (hrc == 0)
			hrc = history_begin_run(&hist, ctx, cfg.resume ? "run --resume" : "run", err, sizeof err);
		for (int i = 0; hrc == 0 && i < n; i++)
			if (results[i].carried)
				hrc = history_add_cell(&hist, results[i].carried, err, sizeof err);
		if (hrc == 0)
			hrc = history_transaction(&hist, 1, err, sizeof err);
		if (hrc < 0) {
			fprintf(stderr, "tlbvisor run: %s\n", err);
			json_decref(ctx);
			rc = 1;
			goto done;
		}
		json_decref(ctx);
	}

	fprintf(stderr, "tlbvisor %s: %d cells, TSC %.3f GHz (%s), results to %s%s%s\n", TLBVISOR_VERSION, n,
		h.tsc_hz / 1e9, h.tsc_source, cfg.out, hist.db ? " and history " : "", hist.db ? db_path : "");
	atexit(kvm_knobs_restore);

	/* Batch backends (tlbvisor's hypervisor) boot once for all their cells. */
	run.extra_context = extra;
	struct backend_env env = { .matrix = &m, .cfg = &cfg, .host = &h, .payload = &payload };
	for (int b = 0; b < m.nbackends && !protocol_interrupted; b++) {
		enum backend be = m.backends[b];
		if (!backend_ops(be)->run_batch)
			continue;
		json_t *ctx = NULL;
		backend_ops(be)->run_batch(&env, be, results, n, &ctx);
		if (ctx)
			json_object_set_new(extra, backend_name(be), ctx);
		if (cfg.probe_ept_violation && ctx && json_object_get(ctx, "probe_ept_violation"))
			fprintf(stderr, "tlbvisor: %s EPT-violation probe: %s\n", backend_name(be),
				json_string_value(json_object_get(json_object_get(ctx, "probe_ept_violation"), "reason")));
	}
	console_set_name_width(cells, n);
	console_header(stdout);
	struct progress prog;
	progress_init(&prog, cells, n);
	int ok = 0, skipped = 0, failed = 0, write_errors = 0;
	for (int i = 0; i < n && !protocol_interrupted; i++) {
		if (results[i].carried) { /* kept from the run being resumed */
			progress_cell_done(&prog, &cells[i]);
			continue;
		}
		progress_show(&prog, &cells[i]);
		const struct backend_ops *ops = backend_ops(cells[i].backend);
		int res = ops->run_cell ? ops->run_cell(&env, &results[i]) : MEASURE_OK; /* else: ran as a batch */
		progress_clear(&prog);
		if (res == MEASURE_INTERRUPTED || results[i].status == CELL_PENDING) {
			result_init(&results[i], &cells[i]); /* an unfinished cell is not a result */
			break;
		}
		progress_cell_done(&prog, &cells[i]);
		ok += results[i].status == CELL_OK;
		skipped += results[i].status == CELL_SKIPPED;
		failed += results[i].status == CELL_FAILED;
		if (results_write_json(cfg.out, &run, &h, &cfg, results, n, err, sizeof err) < 0 ||
		    (cfg.csv && results_write_csv(cfg.csv, results, n, err, sizeof err) < 0)) {
			fprintf(stderr, "tlbvisor run: %s\n", err);
			write_errors++;
		}
		if (hist.db) {
			json_t *entries = results_cell_entries(&results[i]);
			if (history_add_cell(&hist, entries, err, sizeof err) < 0) {
				fprintf(stderr, "tlbvisor run: %s\n", err);
				write_errors++;
			}
			json_decref(entries);
		}
		/* Printed only once it is on disk: every row shown is safe. */
		console_row(stdout, &results[i]);
	}
	kvm_knobs_restore();
	run.interrupted = protocol_interrupted != 0;
	if (hist.db) {
		if (history_end_run(&hist, run.interrupted, err, sizeof err) < 0)
			fprintf(stderr, "tlbvisor run: %s\n", err);
		history_close(&hist);
	}
	if (run.interrupted) {
		if (results_write_json(cfg.out, &run, &h, &cfg, results, n, err, sizeof err) < 0)
			fprintf(stderr, "tlbvisor run: %s\n", err);
		if (cfg.csv && results_write_csv(cfg.csv, results, n, err, sizeof err) < 0)
			fprintf(stderr, "tlbvisor run: %s\n", err);
		int written = 0;
		for (int i = 0; i < n; i++)
			written += results[i].status != CELL_PENDING;
		fprintf(stderr, "tlbvisor: interrupted; %d of %d cells finished and written to %s\n",
			written, n, cfg.out);
		rc = EXIT_INTERRUPTED;
		goto done;
	}
	int kept = 0;
	for (int i = 0; i < n; i++)
		kept += results[i].carried != NULL;
	fprintf(stderr, "tlbvisor: %d ok, %d skipped, %d failed%s; results in %s%s%s\n", ok, skipped, failed,
		kept ? " (and the cells kept from the resumed run)" : "", cfg.out, cfg.csv ? " and " : "",
		cfg.csv ? cfg.csv : "");
	rc = write_errors ? 1 : failed ? 3 : 0;
done:
	history_close(&hist);
	json_decref(extra);
	for (int i = 0; results && i < n; i++)
		json_decref(results[i].carried);
	free(cells);
	free(results);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	/* First of all: a signal at any point from here on ends the run cleanly. */
	install_signals();
	static const struct cli_command cmd = { "run", run_usage, 0, 0, NULL };
	struct run_request req;
	if (run_request_init(&req, cmd.name, argc, argv) < 0)
		return EXIT_USAGE;
	const struct cli_options sets[] = {
		{ run_matrix_options, run_nmatrix_options, &req },
		{ run_file_options, run_nfile_options, &req },
		{ run_host_options, run_nhost_options, &req },
	};
	const char *args[1];
	int nargs;
	int status;
	if (!cli_parse(&cmd, argc, argv, sets, 3, args, &nargs, &status))
		return status;
	if (run_request_check(&req, cmd.name) < 0)
		return EXIT_USAGE;
	run_request_default_events(&req);
	char err[512];
	struct payload payload;
	if (payload_load(&payload, req.cfg.payload, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor run: %s\n", err);
		return EXIT_USAGE;
	}
	int rc = run_matrix(argc, argv, &req, &payload);
	payload_free(&payload);
	return rc;
}
