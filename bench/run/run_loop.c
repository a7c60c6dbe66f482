#include "bench/run/run_loop.h"

#include <stdio.h>
#include <string.h>

#include "bench/backends/measure_host.h"
#include "bench/run/display.h"
#include "bench/run/matrix.h"
#include "bench/run/run_config.h"
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
	for (int i = 0; i < n && !run_interrupted; i++) {
		struct cell_result *r = &results[i];
		if (kept[i]) {
			progress_cell_done(&prog, &r->cell);
			continue;
		}
		progress_show(&prog, &r->cell);
		const struct backend_ops *ops = backend_ops(r->cell.backend);
		double start = monotonic_seconds();
		int res = ops->run_cell ? ops->run_cell(&envs[r->cell.section], r) : MEASURE_OK; /* else: ran as a batch */
		if (ops->run_cell)
			record_wall(r, monotonic_seconds() - start);
		progress_clear(&prog);
		if (res == MEASURE_INTERRUPTED || r->status == CELL_PENDING) {
			result_init(r, &r->cell); /* an unfinished cell is not a result */
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
	run->interrupted = run_interrupted != 0;
}
