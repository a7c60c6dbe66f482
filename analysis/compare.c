#include "compare.h"

#include <math.h>
#include <string.h>

#include "mwu.h"
#include "results_view.h"

int compare_runs(json_t *base, json_t *new_doc, const struct compare_options *o, FILE *out,
		 struct compare_summary *s, char *err, size_t errlen)
{
	struct results_view a, b;
	memset(s, 0, sizeof *s);
	if (results_view_build(base, &a, err, errlen) < 0)
		return -1;
	if (results_view_build(new_doc, &b, err, errlen) < 0) {
		results_view_free(&a);
		return -1;
	}
	fprintf(out, "## tlbvisor compare\n\n");
	fprintf(out, "Threshold %.1f%%, Mann-Whitney U two-sided, alpha %.3g. A cell regressed when its median grew by more than the threshold and the change is significant.\n\n",
		o->threshold * 100, o->alpha);
	fprintf(out, "| cell | base cycles | new cycles | change | p-value | verdict |\n|---|---:|---:|---:|---:|---|\n");
	double log_sum = 0;
	for (int i = 0; i < b.n; i++) {
		const struct cell_view *nc = &b.cells[i];
		const struct cell_view *bc = results_view_find(&a, nc->name);
		if (!bc) {
			s->only_new++;
			continue;
		}
		if (strcmp(bc->status, "ok") || strcmp(nc->status, "ok") || !bc->nreps || !nc->nreps)
			continue;
		double bm = isnan(bc->median) ? bc->reps[0] : bc->median;
		double nm = isnan(nc->median) ? nc->reps[0] : nc->median;
		struct mwu t;
		mwu_test(bc->reps, (size_t)bc->nreps, nc->reps, (size_t)nc->nreps, &t);
		double change = bm > 0 ? nm / bm - 1 : 0;
		const char *verdict = "no change";
		if (t.p < o->alpha && change > o->threshold) {
			verdict = "**regression**";
			s->regressions++;
		} else if (t.p < o->alpha && change < -o->threshold) {
			verdict = "improvement";
			s->improvements++;
		} else {
			s->unchanged++;
		}
		s->cells++;
		if (bm > 0 && nm > 0)
			log_sum += log(nm / bm);
		fprintf(out, "| %s | %.1f | %.1f | %+.1f%% | %.4f | %s |\n", nc->name, bm, nm, change * 100, t.p, verdict);
	}
	for (int i = 0; i < a.n; i++)
		if (!results_view_find(&b, a.cells[i].name))
			s->only_base++;
	s->geomean = s->cells ? exp(log_sum / s->cells) : 1.0;
	fprintf(out, "\nGeometric mean of new/base: %.4f (%+.1f%%) over %d cells; %d regressions, %d improvements, %d unchanged",
		s->geomean, (s->geomean - 1) * 100, s->cells, s->regressions, s->improvements, s->unchanged);
	if (s->only_base || s->only_new)
		fprintf(out, "; %d cells only in base, %d only in new", s->only_base, s->only_new);
	fprintf(out, ".\n\n**Verdict: %s**\n", s->regressions ? "REGRESSION" : "no significant regression");
	results_view_free(&a);
	results_view_free(&b);
	return 0;
}
