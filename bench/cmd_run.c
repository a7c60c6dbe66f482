/* tlbvisor run: expand the matrix, run every cell, write results after each
 * cell so that nothing measured is lost to Ctrl-C or a crash. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "console.h"
#include "parse.h"
#include "results.h"
#include "version.h"
#include "vmx_backend.h"
#include "pmu.h"
#include "history.h"
#include "kvm_knobs.h"
#include <linux/perf_event.h>

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: tlbvisor run [--preset quick|default] [dimensions] [options]\n"
		"\n"
		"Runs every cell of the matrix (backend x pattern x guest page x host page x\n"
		"working set), prints a table row per cell and writes results after each cell.\n"
		"\n"
		"dimensions (comma-separated lists; they override the preset):\n"
		"  --backend LIST      native,kvm,bochs,qemu (default: native,kvm where /dev/kvm works);\n"
		"                      bochs/qemu boot tlbvisor's own hypervisor: bochs emulates VMX/EPT,\n"
		"                      qemu uses KVM where /dev/kvm offers nested VMX/SVM, else TCG, which\n"
		"                      emulates SVM/NPT (see tlbvisor list); there --host-page is the\n"
		"                      EPT/NPT leaf size, and emulated timings are not performance figures\n"
		"  --ws LIST           working-set sizes, e.g. 16k,1m,64m,512m\n"
		"  --pattern LIST      random,seq\n"
		"  --host-page LIST    4k,thp,2m,1g: the process's pages natively, the guest-memory\n"
		"                      backing under KVM (2m/1g are hugetlb and need reserved pages)\n"
		"  --guest-page LIST   4k,2m,1g: guest page-table leaves (kvm, bochs, qemu)\n"
		"  --tlb-tag LIST      on,off: the guest's TLB entries tagged (bochs/qemu: VPID under VMX,\n"
		"                      ASID under SVM; off flushes them on every entry); --vpid is the same;\n"
		"                      kvm reloads kvm_intel with enable_vpid (Intel hosts, only with\n"
		"                      --allow-module-reload; restored)\n"
		"  --ept-levels LIST   4,5: nested walk length, EPT or NPT (bochs, qemu; kvm on Intel via\n"
		"                      the guest MAXPHYADDR)\n"
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
		"  --exit-every-ticks T  (bochs, qemu) a timer exit every T ticks: VMX-preemption-timer\n"
		"                      ticks under VMX, TSC ticks (local APIC timer) under SVM\n"
		"  --vmx-timeout S     wall-clock limit for one Bochs/QEMU boot (default 900)\n"
		"  --guest-timeout S   a guest command that takes longer fails its cell (default 60;\n"
		"                      kvm: wall clock; bochs/qemu: guest TSC, via the VMX-preemption\n"
		"                      timer or, under SVM, the local APIC timer)\n"
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
		"  --probe-nested-fault  (bochs, qemu) first run a cell whose guest touches a guest-physical\n"
		"                      address the EPT/NPT does not map; it must be reported (EPT violation,\n"
		"                      #NPF); --probe-ept-violation is the same\n"
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

static int bad(const char *what, const char *value, const char *hint)
{
	fprintf(stderr, "tlbvisor run: invalid %s '%s': %s\n", what, value, hint);
	return -1;
}

/* Parse one list option into the matrix; -1 after printing the error. */
static int parse_dimension(struct matrix *m, int opt, char *arg)
{
	char copy[1024];
	char *items[MATRIX_MAX];
	snprintf(copy, sizeof copy, "%s", arg);
	int n = split_list(copy, items, MATRIX_MAX);
	if (n <= 0)
		return bad("list", arg, "give comma-separated values without empty items (at most 32)");
	for (int i = 0; i < n; i++) {
		switch (opt) {
		case 'b':
			if (n > BACKEND_COUNT || backend_parse(items[i], &m->backends[i]) < 0)
				return bad("backend", items[i], "known backends are native, kvm, bochs, qemu");
			break;
		case 'w':
			if (parse_size(items[i], &m->ws[i]) < 0)
				return bad("size", items[i], "use a number with an optional k, m or g suffix (e.g. 64m)");
			if (m->ws[i] < 64)
				return bad("working set", items[i], "it must hold at least one 64-byte cache line");
			break;
		case 'p':
			if (n > 2 || pattern_parse(items[i], &m->patterns[i]) < 0)
				return bad("pattern", items[i], "known patterns are random, seq");
			break;
		case 'H':
			if (n > HOST_PAGE_COUNT || host_page_parse(items[i], &m->host_pages[i]) < 0)
				return bad("host page", items[i], "known host pages are 4k, thp, 2m, 1g");
			break;
		case 'G':
			if (n > 3 || guest_page_parse(items[i], &m->guest_pages[i]) < 0)
				return bad("guest page", items[i], "known guest pages are 4k, 2m, 1g");
			break;
		case 'V': case 'v':
			if (n > 2 || (strcmp(items[i], "on") && strcmp(items[i], "off")))
				return bad(opt == 'v' ? "tlb-tag" : "vpid", items[i], "give on, off or on,off");
			m->vpids[i] = !strcmp(items[i], "on");
			break;
		case 'E':
			if (n > 2 || (strcmp(items[i], "4") && strcmp(items[i], "5")))
				return bad("EPT depth", items[i], "give 4, 5 or 4,5");
			m->ept_levels[i] = (unsigned)atoi(items[i]);
			break;
		}
	}
	switch (opt) {
	case 'b': m->nbackends = n; break;
	case 'w': m->nws = n; break;
	case 'p': m->npatterns = n; break;
	case 'H': m->nhost_pages = n; break;
	case 'G': m->nguest_pages = n; break;
	case 'V': case 'v': m->nvpids = n; m->vpid_given = true; break;
	case 'E': m->nept_levels = n; m->levels_given = true; break;
	}
	return 0;
}

struct run_options {
	const char *preset;
	const char *out;
	const char *csv;
	const char *payload;
	bool backend_given;
	double vmx_timeout;
	bool probe_nested_fault;
	bool events_given;
	const char *pmu_preset;
	const char *db;
	bool no_db;
	const char *resume;
};

static int parse_options(int argc, char **argv, struct matrix *m, struct run_options *o)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "preset", required_argument, NULL, 'P' },
		{ "backend", required_argument, NULL, 'b' },
		{ "ws", required_argument, NULL, 'w' },
		{ "pattern", required_argument, NULL, 'p' },
		{ "host-page", required_argument, NULL, 'H' },
		{ "guest-page", required_argument, NULL, 'G' },
		{ "repetitions", required_argument, NULL, 'r' },
		{ "min-time", required_argument, NULL, 't' },
		{ "stride", required_argument, NULL, 's' },
		{ "group", required_argument, NULL, 'g' },
		{ "seed", required_argument, NULL, 'S' },
		{ "max-warmup", required_argument, NULL, 'W' },
		{ "guest-mem", required_argument, NULL, 'M' },
		{ "out", required_argument, NULL, 'o' },
		{ "csv", required_argument, NULL, 'c' },
		{ "payload", required_argument, NULL, 'L' },
		{ "vpid", required_argument, NULL, 'V' },
		{ "tlb-tag", required_argument, NULL, 'v' },
		{ "ept-levels", required_argument, NULL, 'E' },
		{ "exit-every", required_argument, NULL, 'X' },
		{ "vmx-timeout", required_argument, NULL, 'T' },
		{ "probe-ept-violation", no_argument, NULL, 'Q' },
		{ "probe-nested-fault", no_argument, NULL, 'Q' },
		{ "exit-every-ticks", required_argument, NULL, 'K' },
		{ "events", required_argument, NULL, 'e' },
		{ "allow-module-reload", no_argument, NULL, 'R' },
		{ "exit-cost", no_argument, NULL, 'C' },
		{ "db", required_argument, NULL, 'D' },
		{ "guest-timeout", required_argument, NULL, 'Y' },
		{ "resume", required_argument, NULL, 'Z' },
		{ "raw-events", required_argument, NULL, 'J' },
		{ "no-db", no_argument, NULL, 'N' },
		{ "pmu-preset", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	/* The preset is applied first so that dimensions override it. */
	o->preset = "quick";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--preset") && i + 1 < argc)
			o->preset = argv[i + 1];
		else if (!strncmp(argv[i], "--preset=", 9))
			o->preset = argv[i] + 9;
	}
	if (matrix_preset(m, o->preset) < 0) {
		fprintf(stderr, "tlbvisor run: unknown preset '%s': known presets are quick, default\n", o->preset);
		return -1;
	}
	opterr = 0;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		char *end;
		switch (opt) {
		case 'h':
			run_usage(stdout);
			exit(0);
		case 'P':
			break;
		case 'b':
			o->backend_given = true;
			/* fall through */
		case 'w': case 'p': case 'H': case 'G': case 'V': case 'v': case 'E':
			if (parse_dimension(m, opt, optarg) < 0)
				return -1;
			break;
		case 'r': {
			long v = strtol(optarg, &end, 10);
			m->repetitions = v >= 1 && v <= RESULT_MAX_REPS ? (int)v : 0;
			if (*end || end == optarg || !m->repetitions) {
				fprintf(stderr, "tlbvisor run: invalid --repetitions '%s': give a whole number from 1 to %d\n",
					optarg, RESULT_MAX_REPS);
				return -1;
			}
			break;
		}
		case 'W': {
			long v = strtol(optarg, &end, 10);
			m->max_warmup_passes = v >= 1 && v <= 1000 ? (int)v : 0;
			if (*end || end == optarg || !m->max_warmup_passes) {
				fprintf(stderr, "tlbvisor run: invalid --max-warmup '%s': give a whole number from 1 to 1000\n", optarg);
				return -1;
			}
			break;
		}
		case 't':
			if (parse_seconds(optarg, &m->min_time) < 0 || m->min_time > 60) {
				fprintf(stderr, "tlbvisor run: invalid --min-time '%s': give seconds (0.05, 2s or 50ms), at most 60\n", optarg);
				return -1;
			}
			break;
		case 's':
			if (parse_size(optarg, &m->stride) < 0 || m->stride % 64) {
				fprintf(stderr, "tlbvisor run: invalid --stride '%s': give a size that is a multiple of 64 (e.g. 64, 4k)\n", optarg);
				return -1;
			}
			break;
		case 'g':
			if (parse_size(optarg, &m->group) < 0) {
				fprintf(stderr, "tlbvisor run: invalid --group '%s': give a size (e.g. 2m)\n", optarg);
				return -1;
			}
			break;
		case 'S':
			errno = 0;
			m->seed = strtoull(optarg, &end, 0);
			if (errno || *end || end == optarg || optarg[0] == '-') {
				fprintf(stderr, "tlbvisor run: invalid --seed '%s': give a whole number\n", optarg);
				return -1;
			}
			break;
		case 'M':
			if (parse_size(optarg, &m->guest_mem) < 0) {
				fprintf(stderr, "tlbvisor run: invalid --guest-mem '%s': give a size (e.g. 2g)\n", optarg);
				return -1;
			}
			break;
		case 'X':
			errno = 0;
			m->exit_every = strtoull(optarg, &end, 0);
			if (errno || *end || end == optarg || m->exit_every == 0) {
				fprintf(stderr, "tlbvisor run: invalid --exit-every '%s': give a positive number of accesses\n", optarg);
				return -1;
			}
			break;
		case 'T':
			if (parse_seconds(optarg, &o->vmx_timeout) < 0 || o->vmx_timeout <= 0) {
				fprintf(stderr, "tlbvisor run: invalid --vmx-timeout '%s': give seconds (e.g. 600)\n", optarg);
				return -1;
			}
			break;
		case 'Q': o->probe_nested_fault = true; break;
		case 'R': m->allow_module_reload = true; break;
		case 'C': m->exit_cost = true; break;
		case 'D': o->db = optarg; break;
		case 'Z': o->resume = optarg; break;
		case 'J': {
			char copy[512];
			char *items[4];
			snprintf(copy, sizeof copy, "%s", optarg);
			int ne = split_list(copy, items, 4);
			for (int i = 0; i < ne; i++) {
				errno = 0;
				m->raw_events[i] = strtoull(items[i], &end, 0);
				if (errno || *end || end == items[i] || m->raw_events[i] > 0xffffffffull)
					ne = -1;
			}
			if (ne <= 0) {
				fprintf(stderr, "tlbvisor run: invalid --raw-events '%s': give up to 4 IA32_PERFEVTSEL encodings (event | umask << 8, e.g. 0x0108)\n", optarg);
				return -1;
			}
			m->nraw_events = ne;
			break;
		}
		case 'Y':
			if (parse_seconds(optarg, &m->guest_timeout) < 0 || m->guest_timeout <= 0 || m->guest_timeout > 86400) {
				fprintf(stderr, "tlbvisor run: invalid --guest-timeout '%s': give seconds (e.g. 60)\n", optarg);
				return -1;
			}
			break;
		case 'N': o->no_db = true; break;
		case 'e': {
			char copy[1024];
			char *items[PMU_MAX_EVENTS];
			snprintf(copy, sizeof copy, "%s", optarg);
			int ne = split_list(copy, items, PMU_MAX_EVENTS);
			if (ne <= 0) {
				fprintf(stderr, "tlbvisor run: invalid --events '%s': give up to %d comma-separated libpfm4 event names\n", optarg, PMU_MAX_EVENTS);
				return -1;
			}
			char err[256];
			if (pmu_init(err, sizeof err) < 0) {
				fprintf(stderr, "tlbvisor run: --events: %s\n", err);
				return -1;
			}
			for (int i = 0; i < ne; i++) {
				struct perf_event_attr attr;
				if (pmu_encode(items[i], PMU_USER, &attr, err, sizeof err) < 0) {
					fprintf(stderr, "tlbvisor run: invalid event '%s': %s; see tlbvisor list for this PMU's events\n", items[i], err);
					return -1;
				}
				snprintf(m->events[i], sizeof m->events[i], "%s", items[i]);
			}
			m->nevents = ne;
			o->events_given = true;
			break;
		}
		case 'u':
			o->pmu_preset = optarg;
			if (strcmp(optarg, "walk") && strcmp(optarg, "basic") && strcmp(optarg, "none")) {
				fprintf(stderr, "tlbvisor run: invalid --pmu-preset '%s': known presets are walk, basic, none\n", optarg);
				return -1;
			}
			break;
		case 'K':
			errno = 0;
			m->exit_ticks = strtoull(optarg, &end, 0);
			if (errno || *end || end == optarg || m->exit_ticks == 0 || m->exit_ticks > 0xffffffffull) {
				fprintf(stderr, "tlbvisor run: invalid --exit-every-ticks '%s': give a number of timer ticks from 1 to 4294967295\n", optarg);
				return -1;
			}
			break;
		case 'o': o->out = optarg; break;
		case 'c': o->csv = optarg; break;
		case 'L': o->payload = optarg; break;
		case ':':
			fprintf(stderr, "tlbvisor run: option '%s' needs a value; see tlbvisor run --help\n", argv[optind - 1]);
			return -1;
		default:
			fprintf(stderr, "tlbvisor run: unknown option '%s'; see tlbvisor run --help\n", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tlbvisor run: unexpected argument '%s'; see tlbvisor run --help\n", argv[optind]);
		return -1;
	}
	/* PMU events: explicit --events, else the preset for the detected PMU. */
	if (!o->events_given && (!o->pmu_preset || strcmp(o->pmu_preset, "none"))) {
		char err[256];
		const char *names[PMU_MAX_EVENTS];
		int ne = pmu_init(err, sizeof err) == 0
			 ? pmu_preset_events(o->pmu_preset ? o->pmu_preset : "walk", names) : 0;
		for (int i = 0; i < ne; i++)
			snprintf(m->events[i], sizeof m->events[i], "%s", names[i]);
		m->nevents = ne > 0 ? ne : 0;
	}
	if (m->group && m->stride && m->group % m->stride) {
		fprintf(stderr, "tlbvisor run: --group must be a multiple of --stride\n");
		return -1;
	}
	return 0;
}

int run_parse_matrix(int argc, char **argv, struct matrix *m)
{
	struct run_options o = { 0 };
	return parse_options(argc, argv, m, &o);
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

static int run_cell(const struct matrix *m, const struct host_caps *h, const struct payload *p,
		    struct cell_result *r)
{
	switch (r->cell.backend) {
	case BACKEND_NATIVE: return backend_native_run(m, h, r);
	case BACKEND_KVM: return backend_kvm_run(m, h, p, r);
	default: return MEASURE_OK; /* VMX backends ran as a batch before the loop */
	}
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

static int run_matrix(int argc, char **argv, struct matrix *mp, struct run_options *op,
		      const struct payload *pp)
{
	struct matrix m = *mp;
	struct run_options o = *op;
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
	if (!o.out && o.resume)
		o.out = o.resume;
	if (!o.out) {
		if (default_out(out_path, sizeof out_path, stamp) < 0) {
			rc = 1;
			goto done;
		}
		o.out = out_path;
	}

	struct host_caps h;
	host_caps_probe(&h);
	if (!o.backend_given && !h.kvm_ok) {
		fprintf(stderr, "tlbvisor: kvm backend not used: %s\n", h.kvm_reason);
		m.backends[0] = BACKEND_NATIVE;
		m.nbackends = 1;
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
	if (o.resume && resume_cells(o.resume, results, n) < 0) {
		rc = EXIT_USAGE;
		goto done;
	}

	char cmdline[2048];
	join_args(argc, argv, cmdline, sizeof cmdline);
	struct run_info run = { .version = TLBVISOR_VERSION, .command_line = cmdline,
				.preset = o.preset, .payload = &payload, .cells_total = n };
	strftime(run.date, sizeof run.date, "%Y-%m-%dT%H:%M:%S%z", &tm);

	/* Refuse an unwritable output before measuring anything (the file then
	 * holds the cells kept by --resume, or none). */
	if (results_write_json(o.out, &run, &h, &m, results, n, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor run: %s\n", err);
		rc = 1;
		goto done;
	}

	/* The history: a run row now, a committed row per finished cell. */
	char db_path[1100];
	if (!o.no_db) {
		if (o.db) {
			snprintf(db_path, sizeof db_path, "%s", o.db);
		} else {
			const char *slash = strrchr(o.out, '/');
			snprintf(db_path, sizeof db_path, "%.*s%stlbvisor.db", slash ? (int)(slash - o.out) : 0,
				 o.out, slash ? "/" : "");
		}
		json_t *ctx = results_context_json(&run, &h, &m);
		/* The run row and the cells kept by --resume in one transaction: the
		 * newest run in the history always holds every cell of the JSON. */
		int hrc = history_open(&hist, db_path, err, sizeof err);
		if (hrc == 0)
			hrc = history_transaction(&hist, 0, err, sizeof err);
		if (hrc == 0)
			hrc = history_begin_run(&hist, ctx, o.resume ? "run --resume" : "run", err, sizeof err);
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
		h.tsc_hz / 1e9, h.tsc_source, o.out, hist.db ? " and history " : "", hist.db ? db_path : "");
	atexit(kvm_knobs_restore);

	/* The VMX backends boot their hypervisor once for all their cells. */
	run.extra_context = extra;
	for (int b = 0; b < m.nbackends && !protocol_interrupted; b++) {
		enum backend be = m.backends[b];
		if (!BACKEND_IS_VMX(be))
			continue;
		char dir[1100];
		snprintf(dir, sizeof dir, "%s.%s", o.out, backend_name(be));
		struct vmx_options vo = { .timeout_s = o.vmx_timeout,
					  .probe_nested_fault = o.probe_nested_fault, .artifacts_dir = dir };
		qemu_flavour(&h, &vo.qemu);
		json_t *ctx = NULL;
		vmx_backend_run(be, &m, &h, &payload, &vo, results, n, &ctx);
		if (ctx)
			json_object_set_new(extra, backend_name(be), ctx);
		if (o.probe_nested_fault && ctx && json_object_get(ctx, "probe_nested_fault"))
			fprintf(stderr, "tlbvisor: %s nested-fault probe: %s\n", backend_name(be),
				json_string_value(json_object_get(json_object_get(ctx, "probe_nested_fault"), "reason")));
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
		int res = BACKEND_IS_VMX(cells[i].backend) ? MEASURE_OK : run_cell(&m, &h, &payload, &results[i]);
		progress_clear(&prog);
		if (res == MEASURE_INTERRUPTED || results[i].status == CELL_PENDING) {
			result_init(&results[i], &cells[i]); /* an unfinished cell is not a result */
			break;
		}
		progress_cell_done(&prog, &cells[i]);
		ok += results[i].status == CELL_OK;
		skipped += results[i].status == CELL_SKIPPED;
		failed += results[i].status == CELL_FAILED;
		if (results_write_json(o.out, &run, &h, &m, results, n, err, sizeof err) < 0 ||
		    (o.csv && results_write_csv(o.csv, results, n, err, sizeof err) < 0)) {
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
		if (results_write_json(o.out, &run, &h, &m, results, n, err, sizeof err) < 0)
			fprintf(stderr, "tlbvisor run: %s\n", err);
		if (o.csv && results_write_csv(o.csv, results, n, err, sizeof err) < 0)
			fprintf(stderr, "tlbvisor run: %s\n", err);
		int written = 0;
		for (int i = 0; i < n; i++)
			written += results[i].status != CELL_PENDING;
		fprintf(stderr, "tlbvisor: interrupted; %d of %d cells finished and written to %s\n",
			written, n, o.out);
		rc = EXIT_INTERRUPTED;
		goto done;
	}
	int kept = 0;
	for (int i = 0; i < n; i++)
		kept += results[i].carried != NULL;
	fprintf(stderr, "tlbvisor: %d ok, %d skipped, %d failed%s; results in %s%s%s\n", ok, skipped, failed,
		kept ? " (and the cells kept from the resumed run)" : "", o.out, o.csv ? " and " : "",
		o.csv ? o.csv : "");
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
	struct matrix m;
	struct run_options o = { .vmx_timeout = 900 };
	if (parse_options(argc, argv, &m, &o) < 0)
		return EXIT_USAGE;
	char err[512];
	struct payload payload;
	if (payload_load(&payload, o.payload, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor run: %s\n", err);
		return EXIT_USAGE;
	}
	int rc = run_matrix(argc, argv, &m, &o, &payload);
	payload_free(&payload);
	return rc;
}
