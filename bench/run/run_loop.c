#include "bench/run/run_loop.h"

#include <stdio.h>
#include <string.h>

#include "bench/backends/measure_host.h"
#include "bench/run/display.h"
#include "bench/matrix/matrix.h"
#include "bench/matrix/run_config.h"
#include "hv/common/measure.h"
#include "lib/clock.h"
#include "lib/json_util.h"

volatile sig_atomic_t run_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	run_interrupted = 1;
	measure_host_on_signal(); /* a native repetition in progress is abandoned */
}

void run_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART: KVM_RUN must return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* The cell's wall time, and what its measured phases leave of it: setup. */
static void record_wall(struct cell_result *r, double seconds)
{
	r->wall_seconds = seconds;
	double rest = seconds;
	for (int p = CELL_PHASE_SETUP + 1; p < CELL_PHASES; p++)
		rest -= r->phase_seconds[p];
	r->phase_seconds[CELL_PHASE_SETUP] = rest > 0 ? rest : 0;
}

/* How many cells from i on are measured round-robin: the following cells
 * not yet done of the same section, backend, workload, pattern, working
 * set and module knobs, when the backend can (1: this cell alone). */
static int group_size(const struct backend_env *env, const struct cell_result *results, const bool *kept, int i, int n)
{
	const struct cell *c = &results[i].cell;
	if (env->cfg->sequential || !backend_ops(c->backend)->run_group)
		return 1;
	int g = 1;
	while (i + g < n && g < BACKEND_MAX_GROUP && !kept[i + g]) {
		const struct cell *d = &results[i + g].cell;
		if (d->section != c->section || d->backend != c->backend || d->workload != c->workload ||
		    d->pattern != c->pattern || d->ws != c->ws ||
		    /* module knobs (kvm) are the host's: one setting per group */
		    d->vpid_set != c->vpid_set || d->vpid != c->vpid || d->ept_levels != c->ept_levels)
			break;
		g++;
	}
	return g;
}

/* Backends that boot once for all their cells (tlbvisor's hypervisor). */
static void run_batches(const struct backend_env *env, struct cell_result *results, int n, json_t *extra)
{
	if (n == 0)
		return;
	const struct matrix *m = env->matrix;
	for (int b = 0; b < m->nbackends && !run_interrupted; b++) {
		enum backend be = m->backends[b];
		if (!backend_ops(be)->run_batch)
			continue;
		json_t *ctx = NULL;
		backend_ops(be)->run_batch(env, be, results, n, &ctx);
		if (!ctx)
			continue;
		json_object_set_new(extra, backend_name(be), ctx);
		json_t *probe = json_object_get(ctx, "probe_nested_fault");
		if (env->cfg->probe_nested_fault && probe)
			fprintf(stderr, "tlbvisor: %s nested-fault probe: %s\n", backend_name(be), json_str(probe, "reason"));
	}
}

void run_loop(const struct backend_env *envs, int nenvs, struct cell_result *results, const bool *kept, int n,
	      struct run_info *run, struct recorder *rec, struct run_tally *t)
{
	memset(t, 0, sizeof *t);
	for (int s = 0, first = 0; s < nenvs; s++) {
		int end = first;
		while (end < n && results[end].cell.section == s)
			end++;
		run_batches(&envs[s], results + first, end - first, run->extra_context);
		first = end;
	}
	recorder_set_context(rec, run);
	display_set_name_width(results, n);
	display_header(stdout);
	struct progress prog;
	progress_init(&prog, results, n);
	for (int i = 0; i < n && !run_interrupted;) {
		struct cell_result *r = &results[i];
		if (kept[i]) {
			progress_cell_done(&prog, &r->cell);
			i++;
			continue;
		}
		progress_show(&prog, &r->cell);
		const struct backend_ops *ops = backend_ops(r->cell.backend);
		const struct backend_env *env = &envs[r->cell.section];
		int g = group_size(env, results, kept, i, n), res;
		if (g > 1) {
			res = ops->run_group(env, r, g);
			for (int j = i; j < i + g; j++)
				record_wall(&results[j], results[j].wall_seconds);
		} else {
			double start = monotonic_seconds();
			res = ops->run_cell ? ops->run_cell(env, r) : MEASURE_OK; /* else: ran as a batch */
			if (ops->run_cell)
				record_wall(r, monotonic_seconds() - start);
		}
		progress_clear(&prog);
		bool stop = false;
		for (int j = i; j < i + g && !stop; j++) {
			r = &results[j];
			/* A group's cells that finished before a signal are results. */
			if ((g == 1 && res == MEASURE_INTERRUPTED) || r->status == CELL_PENDING) {
				for (int k = j; k < i + g; k++)
					result_init(&results[k], &results[k].cell); /* an unfinished cell is not a result */
				stop = true;
				break;
			}
			progress_cell_done(&prog, &r->cell);
			t->ok += r->status == CELL_OK;
			t->skipped += r->status == CELL_SKIPPED;
			t->failed += r->status == CELL_FAILED;
			t->write_errors += recorder_add(rec, r);
			/* Printed only once it is on disk: every row shown is safe. */
			display_row(stdout, r);
		}
		if (stop)
			break;
		i += g;
	}
	run->interrupted = run_interrupted != 0;
}
