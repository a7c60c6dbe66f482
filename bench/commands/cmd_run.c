/* tlbvisor run: expand the matrix, run every cell, write results after each
 * cell so that nothing measured is lost to Ctrl-C or a crash. The options
 * are in cli/run_options.c, the loop over the cells in run/run_loop.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/backends/backend.h"
#include "bench/backends/payload.h"
#include "bench/cli/commands.h"
#include "bench/cli/matrix_file.h"
#include "bench/cli/run_options.h"
#include "bench/host/host_caps.h"
#include "bench/results/recorder.h"
#include "bench/results/results_read.h"
#include "bench/outputs/run_outputs.h"
#include "bench/matrix/plan.h"
#include "bench/run/resume.h"
#include "bench/matrix/run_config.h"
#include "bench/run/run_loop.h"
#include "lib/clock.h"
#include "lib/json_util.h"
#include "version.h"


/* The run's cells and what became of them. */
struct cells {
	int n;
	int matrix_cells;         /* of the whole matrix, every shard */
	struct cell_result *results;
	bool *kept;   /* finished by the run being resumed */
	struct cell_result *done; /* --resume: the cells its file holds */
	int ndone;
	json_t *done_context;     /* and its context */
};

/* The matrix as sections: a matrix file's, or the one of the preset and the
 * command line. Options on the command line override every section. */
struct sections {
	struct matrix_plan plan;
	struct plan_section list[64];
	int n;
	char *canonical;
	char hash[17];
	struct shard_spec shard;
};

static void join_args(int argc, char **argv, char *buf, size_t len)
{
	snprintf(buf, len, "tlbvisor");
	for (int i = 0; i < argc; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, " %s", argv[i]);
	}
}

/* Without --backend: the default backends this host can run. */
static void drop_unavailable(struct matrix *m, const struct host_caps *h)
{
	for (int b = 0; b < m->nbackends; b++) {
		char why[512];
		if (!backend_available(m->backends[b], h, why, sizeof why)) {
			fprintf(stderr, "tlbvisor: %s backend not used: %s\n", backend_name(m->backends[b]), why);
			memmove(&m->backends[b], &m->backends[b + 1], (size_t)(m->nbackends - b - 1) * sizeof *m->backends);
			m->nbackends--;
			b--;
		}
	}
}

static void print_shard(const struct sections *sec, const struct cells *c)
{
	if (sec->shard.count > 1)
		fprintf(stderr, "tlbvisor: shard %s: %d of the matrix's %d cells\n", sec->shard.how, c->n, c->matrix_cells);
}

/* The matrix's cells (this shard's), pending, or kept from the run being
 * resumed (a file of another run refused: run/resume.h). */
static int make_cells(const struct sections *sec, const struct run_config *cfg, const struct payload *payload,
		      struct cells *c)
{
	struct cell *cells;
	char err[1024];
	if (plan_expand(sec->list, sec->n, &cells, &c->n, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor run: %s\n", err);
		return EXIT_USAGE;
	}
	c->matrix_cells = c->n;
	if (sec->shard.count > 1) {
		double *costs = plan_costs_from_results(cfg->shard_costs, cells, c->n);
		c->n = plan_select_shard(cells, c->n, sec->list, costs, &sec->shard);
		free(costs);
		if (c->n < 0) {
			fprintf(stderr, "tlbvisor run: out of memory for the shard's cells\n");
			free(cells);
			return 1;
		}
	}
	c->results = calloc((size_t)c->n + 1, sizeof *c->results);
	c->kept = calloc((size_t)c->n + 1, sizeof *c->kept);
	if (!c->results || !c->kept) {
		fprintf(stderr, "tlbvisor run: out of memory for %d cells\n", c->n);
		free(cells);
		return 1;
	}
	for (int i = 0; i < c->n; i++)
		result_init(&c->results[i], &cells[i]);
	free(cells);
	if (!cfg->resume) {
		print_shard(sec, c);
		return 0;
	}
	const struct resume_run now = { .matrix_hash = sec->hash, .matrix_canonical = sec->canonical,
					.shard_index = sec->shard.count > 1 ? sec->shard.index : 0,
					.shard_count = sec->shard.count > 1 ? sec->shard.count : 0,
					.payload = payload->source };
	if (resume_check(cfg->resume, c->done_context, &now, c->done, c->ndone, c->results, c->n, err,
			 sizeof err) < 0) {
		fprintf(stderr, "tlbvisor run: %s\n", err);
		return EXIT_USAGE;
	}
	print_shard(sec, c);
	int nkept, foreign;
	results_resume(c->results, c->kept, c->n, c->done, c->ndone, &nkept, &foreign);
	fprintf(stderr, "tlbvisor: resuming %s: %d cells kept, %d to run\n", cfg->resume, nkept, c->n - nkept);
	return 0;
}

/* The plan, and nothing written. */
static void print_dry_run(const struct sections *sec, const struct cells *c)
{
	printf("matrix %s: %d cells%s%s\n", sec->hash, c->matrix_cells, sec->shard.count > 1 ? "; shard " : "",
	       sec->shard.count > 1 ? sec->shard.how : "");
	for (int i = 0; i < c->n; i++)
		printf("%s%s%s%s\n", c->results[i].cell.name, c->results[i].cell.section_name[0] ? "  [" : "",
		       c->results[i].cell.section_name, c->results[i].cell.section_name[0] ? "]" : "");
}

/* The outputs settled, checked and locked before anything runs
 * (results/run_outputs.h); the files are the run's, whatever the section. */
static int prepare_outputs(struct sections *sec, struct run_config *cfg, time_t now, struct run_outputs *ro)
{
	char stamp[32], err[1024];
	clock_format_local(now, "%Y%m%d-%H%M%S", stamp, sizeof stamp);
	const struct run_output_request rq = { .out = cfg->out, .csv = cfg->csv, .db = cfg->db, .resume = cfg->resume,
					       .payload = cfg->payload, .no_db = cfg->no_db, .stamp = stamp };
	int rc = run_outputs_prepare(ro, &rq, err, sizeof err);
	if (rc) {
		fprintf(stderr, "tlbvisor run: %s\n", err);
		return rc;
	}
	for (int i = 0; i < sec->n; i++)
		((struct run_config *)sec->list[i].cfg)->out = ro->out;
	return 0;
}

static int run_matrix(int argc, char **argv, struct sections *sec, const struct payload *payload)
{
	struct run_config *cfg = (struct run_config *)sec->list[0].cfg;
	time_t now = time(NULL);
	char cmdline[2048], run_id[64] = "";
	struct run_outputs ro = { .out_lock.fd = -1, .db_lock.fd = -1 };
	if (!cfg->dry_run) {
		int rc = prepare_outputs(sec, cfg, now, &ro);
		if (rc)
			return rc;
	}
	/* A file to resume that cannot be read is refused before anything else. */
	struct cells c = { 0 };
	char err[1024];
	int rc = 0;
	struct run_info run = { .extra_context = json_object() };
	if (cfg->resume && results_read_file(cfg->resume, &c.done, &c.ndone, &c.done_context, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor run: %s\n", err);
		rc = EXIT_USAGE;
		goto done;
	}
	struct host_caps h;
	host_caps_probe(&h);
	for (int i = 0; i < sec->n; i++)
		if (!sec->plan.sections[i].req.backend_given)
			drop_unavailable(&sec->plan.sections[i].req.matrix, &h);
	rc = make_cells(sec, cfg, payload, &c);
	if (rc || cfg->dry_run) {
		if (!rc)
			print_dry_run(sec, &c);
		goto done;
	}
	/* A resumed run keeps its id: the history goes on with its row. */
	snprintf(run_id, sizeof run_id, "%s", json_str(c.done_context, "run_id"));
	if (!run_id[0])
		results_new_run_id(run_id, sizeof run_id);
	join_args(argc, argv, cmdline, sizeof cmdline);
	run = (struct run_info){ .version = TLBVISOR_VERSION, .command_line = cmdline, .run_id = run_id,
				 .cells_total = c.n, .cfg = cfg, .host = &h, .payload = payload,
				 .extra_context = run.extra_context, .matrix_file = cfg->matrix_file,
				 .matrix_canonical = sec->canonical, .matrix_hash = sec->hash,
				 .matrix_cells = c.matrix_cells };
	if (sec->shard.count > 1) {
		run.shard_index = sec->shard.index;
		run.shard_count = sec->shard.count;
	}
	for (int i = 0; i < sec->n && i < RUN_INFO_MAX_SECTIONS; i++)
		run.sections[run.nsections++] = sec->list[i].name;
	clock_format_local(now, CLOCK_ISO8601, run.date, sizeof run.date);
	struct recorder rec;
	const char *history = ro.db[0] ? ro.db : NULL;
	if (recorder_open(&rec, "run", &run, cfg->out, cfg->csv, history, cfg->resume ? "run --resume" : "run",
			  c.results, c.kept, c.n) < 0) {
		rc = 1;
		goto done;
	}
	fprintf(stderr, "tlbvisor %s: %d cells, TSC %.3f GHz (%s), results to %s%s%s\n", TLBVISOR_VERSION, c.n,
		h.tsc_hz / 1e9, h.tsc_source, cfg->out, history ? " and history " : "", history ? history : "");
	atexit(backends_restore_host);
	struct backend_env envs[64];
	for (int i = 0; i < sec->n; i++)
		envs[i] = (struct backend_env){ .matrix = sec->list[i].matrix, .cfg = sec->list[i].cfg, .host = &h,
						.payload = payload };
	struct run_tally t;
	run_loop(envs, sec->n, c.results, c.kept, c.n, &run, &rec, &t);
	backends_restore_host();
	t.write_errors += recorder_finish(&rec, &run);
	int kept = 0, written = 0;
	for (int i = 0; i < c.n; i++) {
		kept += c.kept[i];
		written += c.results[i].status != CELL_PENDING;
	}
	if (run.interrupted) {
		fprintf(stderr, "tlbvisor: interrupted; %d of %d cells finished and written to %s\n", written, c.n, cfg->out);
		rc = EXIT_INTERRUPTED;
	} else if (t.write_errors) {
		fprintf(stderr, "tlbvisor: %d ok, %d skipped, %d failed%s; %d writes failed (see above): the outputs may miss cells, every finished cell is in %s or the history\n",
			t.ok, t.skipped, t.failed, kept ? " (and the cells kept from the resumed run)" : "", t.write_errors,
			cfg->out);
		rc = 1;
	} else {
		fprintf(stderr, "tlbvisor: %d ok, %d skipped, %d failed%s; results in %s%s%s\n", t.ok, t.skipped, t.failed,
			kept ? " (and the cells kept from the resumed run)" : "", cfg->out, cfg->csv ? " and " : "",
			cfg->csv ? cfg->csv : "");
		rc = t.failed ? 3 : 0;
	}
done:
	run_outputs_release(&ro);
	json_decref(run.extra_context);
	json_decref(c.done_context);
	free(c.results);
	free(c.kept);
	free(c.done);
	return rc;
}

/* The sections of the run: --matrix FILE's, each with the command line's
 * options over it, or the one the preset and the command line make. */
static int make_sections(const struct cli_command *cmd, int argc, char **argv, struct run_request *req,
			 struct sections *sec)
{
	memset(sec, 0, sizeof *sec);
	char err[1024];
	if (!req->cfg.matrix_file) {
		sec->plan.sections = calloc(1, sizeof *sec->plan.sections);
		if (!sec->plan.sections)
			return -1;
		sec->plan.n = 1;
		sec->plan.sections[0].req = *req;
	} else {
		for (int i = 1; i < argc; i++)
			if (!strcmp(argv[i], "--preset") || !strncmp(argv[i], "--preset=", 9)) {
				fprintf(stderr, "tlbvisor run: give --preset or --matrix, not both (a matrix file may start "
					"from a preset: preset = quick)\n");
				return -1;
			}
		struct run_request base = { 0 };
		run_defaults(&base.matrix, &base.cfg);
		if (matrix_plan_load(req->cfg.matrix_file, &base, &sec->plan, err, sizeof err) < 0) {
			fprintf(stderr, "tlbvisor run: %s\n", err);
			return -1;
		}
		if (sec->plan.n > 64) {
			fprintf(stderr, "tlbvisor run: %s has %d sections; at most 64\n", req->cfg.matrix_file, sec->plan.n);
			return -1;
		}
		for (int i = 0; i < sec->plan.n; i++) {
			struct run_request *r = &sec->plan.sections[i].req;
			bool backend_in_file = r->backend_given;
			const struct cli_options sets[] = {
				{ run_matrix_options, run_nmatrix_options, r },
				{ run_file_options, run_nfile_options, r },
				{ run_host_options, run_nhost_options, r },
			};
			int nargs, status;
			/* The command line was read once already: it parses again. */
			if (!cli_parse(cmd, argc, argv, sets, 3, NULL, &nargs, &status))
				return -1;
			r->backend_given |= backend_in_file;
			r->cfg.preset = NULL;
			if (run_request_check(r, cmd->name, sec->plan.sections[i].name) < 0)
				return -1;
			run_request_default_events(r);
		}
	}
	sec->n = sec->plan.n;
	for (int i = 0; i < sec->n; i++)
		sec->list[i] = (struct plan_section){ sec->plan.sections[i].name, &sec->plan.sections[i].req.matrix,
						      &sec->plan.sections[i].req.cfg };
	sec->canonical = matrix_plan_canonical(&sec->plan);
	if (!sec->canonical) {
		fprintf(stderr, "tlbvisor run: out of memory for the matrix's canonical form\n");
		return -1;
	}
	matrix_hash(sec->canonical, sec->hash);
	if (req->cfg.shard && shard_parse(req->cfg.shard, &sec->shard, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor run: %s\n", err);
		return -1;
	}
	return 0;
}

int cmd_run(int argc, char **argv)
{
	/* First of all: a signal at any point from here on ends the run cleanly. */
	run_catch_signals();
	static const struct cli_command cmd = { "run", cmd_run_help, 0, 0, NULL };
	struct run_request req;
	if (run_request_init(&req, cmd.name, argc, argv) < 0)
		return EXIT_USAGE;
	const struct cli_options sets[] = {
		{ run_matrix_options, run_nmatrix_options, &req },
		{ run_file_options, run_nfile_options, &req },
		{ run_host_options, run_nhost_options, &req },
	};
	int nargs, status;
	if (!cli_parse(&cmd, argc, argv, sets, 3, NULL, &nargs, &status))
		return status;
	/* A matrix file's sections are checked each, with the command line over them. */
	if (!req.cfg.matrix_file && run_request_check(&req, cmd.name, NULL) < 0)
		return EXIT_USAGE;
	run_request_default_events(&req);
	struct sections sec;
	if (make_sections(&cmd, argc, argv, &req, &sec) < 0) {
		matrix_plan_free(&sec.plan);
		free(sec.canonical);
		return EXIT_USAGE;
	}
	char err[512];
	struct payload payload;
	int rc = EXIT_USAGE;
	if (payload_load(&payload, req.cfg.payload, err, sizeof err) < 0) {
		fprintf(stderr, "tlbvisor run: %s\n", err);
	} else {
		rc = run_matrix(argc, argv, &sec, &payload);
		payload_free(&payload);
	}
	matrix_plan_free(&sec.plan);
	free(sec.canonical);
	return rc;
}
