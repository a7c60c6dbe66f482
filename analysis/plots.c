#include "plots.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "escape.h"
#include "machines.h"
#include "lib/process.h"
#include "lib/strmap.h"
#include "lib/units.h"

#define MAX_LINES 64

/* A configuration: the cell name without its working set. */
static void config_key(const char *name, char *key, size_t len)
{
	const char *ws = strstr(name, "/ws:");
	if (!ws) {
		snprintf(key, len, "%s", name);
		return;
	}
	const char *rest = strchr(ws + 1, '/');
	snprintf(key, len, "%.*s%s", (int)(ws - name), name, rest ? rest : "");
}

struct point {
	uint32_t line;
	const struct cell_view *c;
};

static int by_line_then_ws(const void *a, const void *b)
{
	const struct point *x = a, *y = b;
	if (x->line != y->line)
		return (x->line > y->line) - (x->line < y->line);
	return (x->c->ws_bytes > y->c->ws_bytes) - (x->c->ws_bytes < y->c->ws_bytes);
}

/* Each data TLB's reach (entries x page size, per page size it holds) as a
 * dashed vertical line with its name, where it falls inside [lo, hi]: the
 * knees of the latency curves read against the hardware. From the run's
 * context.tlb_geometry (CPUID); nothing when the results predate it. */
static void tlb_markers(FILE *script, json_t *ctx, uint64_t lo, uint64_t hi)
{
	size_t i, k;
	json_t *t, *size;
	json_array_foreach(json_object_get(json_object_get(ctx, "tlb_geometry"), "tlbs"), i, t) {
		const char *kind = json_str(t, "kind");
		if (!strcmp(kind, "instruction"))
			continue;
		json_array_foreach(json_object_get(t, "page_sizes"), k, size) {
			uint64_t page, reach;
			if (!json_is_string(size) || page_size_parse(json_string_value(size), &page) < 0)
				continue;
			reach = (uint64_t)json_integer_value(json_object_get(t, "entries")) * page;
			if (reach < lo || reach > hi)
				continue;
			char label[96], r[32];
			format_size(reach, r, sizeof r);
			snprintf(label, sizeof label, "L%lld %s TLB, %s pages: %s", (long long)json_integer_value(json_object_get(t, "level")),
				 kind, json_string_value(size), r);
			fprintf(script, "set arrow from %llu, graph 0 to %llu, graph 1 nohead dt 2 lc rgb '#888888'\n",
				(unsigned long long)reach, (unsigned long long)reach);
			fprintf(script, "set label ");
			escape_gnuplot(script, label);
			fprintf(script, " at %llu, graph %.2f rotate by 90 right offset -0.8,0 front font ',9' tc rgb '#555555'\n",
				(unsigned long long)reach, 0.97);
		}
	}
}

/* Latency versus working set, one line per configuration (at most 64).
 * Paths in the script are relative: it runs in the plots directory. */
static int latency_plot(const struct results_view *v, const char *work, const char *pattern, FILE *script,
			struct plot *p)
{
	struct strmap lines = { 0 };
	struct str_arena keys = { 0 };
	const char *line_key[MAX_LINES];
	struct point *pts = malloc(((size_t)v->n + 1) * sizeof *pts);
	size_t n = 0;
	uint32_t nlines = 0;
	for (int i = 0; pts && i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (strcmp(c->pattern, pattern) || strcmp(c->status, "ok") || isnan(c->median) || !c->ws_bytes)
			continue;
		char key[1024];
		config_key(c->name, key, sizeof key);
		const struct strmap_slot *s = strmap_find(&lines, key);
		if (!s && nlines < MAX_LINES) {
			char *copy = str_arena_copy(&keys, key);
			if (copy && strmap_put(&lines, copy, nlines) == 0)
				line_key[nlines++] = copy;
			s = strmap_find(&lines, key);
		}
		if (s)
			pts[n++] = (struct point){ s->value, c };
	}
	int drawn = 0;
	if (pts && nlines) {
		qsort(pts, n, sizeof *pts, by_line_then_ws);
		snprintf(p->file, sizeof p->file, "latency-%s.svg", pattern);
		snprintf(p->title, sizeof p->title, "Latency versus working set (%s chase)", pattern);
		fprintf(script, "set output '%s'\nset title ", p->file);
		escape_gnuplot(script, p->title);
		fprintf(script, "\nset logscale x 2\nset logscale y\nunset logscale cb\n"
				"set xlabel 'working set (bytes)'\nset ylabel 'cycles per access (median)'\n"
				"set key outside right top\nset grid\nset format x '%%.0b%%BB'\n");
		uint64_t lo = UINT64_MAX, hi = 0;
		for (size_t k = 0; k < n; k++) {
			lo = pts[k].c->ws_bytes < lo ? pts[k].c->ws_bytes : lo;
			hi = pts[k].c->ws_bytes > hi ? pts[k].c->ws_bytes : hi;
		}
		tlb_markers(script, v->context, lo, hi);
		fprintf(script, "plot ");
		for (size_t i = 0; i < n;) {
			uint32_t line = pts[i].line;
			char data[64], path[4300];
			snprintf(data, sizeof data, "latency-%s-%u.dat", pattern, line);
			snprintf(path, sizeof path, "%s/%s", work, data);
			FILE *f = fopen(path, "w");
			/* Columns: working set, median, and its interval (the median
			 * itself where the cell carries none). */
			bool bars = false;
			for (; i < n && pts[i].line == line; i++) {
				const struct cell_view *c = pts[i].c;
				bool ci = !isnan(c->ci_low) && !isnan(c->ci_high);
				bars |= ci;
				if (f)
					fprintf(f, "%llu %.6g %.6g %.6g\n", (unsigned long long)c->ws_bytes, c->median,
						ci ? c->ci_low : c->median, ci ? c->ci_high : c->median);
			}
			if (!f || fclose(f) != 0)
				continue;
			/* The legend: the configuration without the pattern prefix. */
			const char *label = line_key[line];
			const char *slash = strchr(label + (strncmp(label, "chase/", 6) ? 0 : 6), '/');
			fprintf(script, bars ? "%s'%s' using 1:2:3:4 with yerrorlines lw 2 title "
					     : "%s'%s' using 1:2 with linespoints lw 2 title ",
				drawn ? ", \\\n  " : "", data);
			escape_gnuplot(script, slash ? slash + 1 : label);
			drawn++;
		}
		fprintf(script, "\nunset logscale\nunset title\nunset arrow\nunset label\n");
	}
	free(pts);
	strmap_free(&lines);
	str_arena_free(&keys);
	return drawn > 0;
}

static const char *const pages[] = { "4k", "thp", "2m", "1g" };

static int page_index(const char *p)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(p, pages[i]))
			return i;
	return -1;
}

static int random_ok(const struct cell_view *c)
{
	return !strcmp(c->status, "ok") && !strcmp(c->pattern, "random") && !isnan(c->median);
}

/* Virtualized / native 4K at the largest working set where both ran. */
static int heat_plot(const struct results_view *v, const char *work, const char *backend, const char *machine,
		     int index, FILE *script, struct plot *p)
{
	struct baseline natives;
	if (baseline_build(&natives, v) < 0)
		return 0;
	uint64_t ws = 0;
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (!strcmp(c->backend, backend) && random_ok(c) && c->ws_bytes > ws &&
		    baseline_find(&natives, "random", c->ws_bytes))
			ws = c->ws_bytes;
	}
	const struct cell_view *native = ws ? baseline_find(&natives, "random", ws) : NULL;
	baseline_free(&natives);
	if (!native)
		return 0;
	const struct cell_view *grid[4][4] = { { 0 } };
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		int g = page_index(c->guest_page), h = page_index(c->host_page);
		if (!strcmp(c->backend, backend) && c->ws_bytes == ws && random_ok(c) && g >= 0 && h >= 0 && !grid[g][h])
			grid[g][h] = c;
	}
	char data[64], path[4300];
	snprintf(data, sizeof data, index ? "heat-%s-%d.dat" : "heat-%s.dat", backend, index);
	snprintf(path, sizeof path, "%s/%s", work, data);
	FILE *f = fopen(path, "w");
	if (!f)
		return 0;
	int points = 0;
	for (int g = 0; g < 4; g++)
		for (int h = 0; h < 4; h++)
			if (grid[g][h]) {
				fprintf(f, "%d %d %.4f\n", h, g, grid[g][h]->median / native->median);
				points++;
			}
	if (fclose(f) != 0 || !points)
		return 0;
	snprintf(p->file, sizeof p->file, index ? "heat-%s-%d.svg" : "heat-%s.svg", backend, index);
	snprintf(p->title, sizeof p->title, "%s / native 4K at %s (random chase): guest page x host page%s%s", backend,
		 native->ws, machine[0] ? " on " : "", machine);
	fprintf(script, "set output '%s'\nset title ", p->file);
	escape_gnuplot(script, p->title);
	fprintf(script, "\nset xlabel 'host page (second-level backing)'\nset ylabel 'guest page'\n");
	fprintf(script, "set xtics ('4k' 0, 'thp' 1, '2m' 2, '1g' 3)\nset ytics ('4k' 0, 'thp' 1, '2m' 2, '1g' 3)\n");
	fprintf(script, "set xrange [-0.5:3.5]\nset yrange [-0.5:3.5]\nset cblabel 'virtualized / native'\nunset key\nunset grid\n");
	fprintf(script, "set palette defined (0 '#2c7bb6', 1 '#ffffbf', 2 '#d7191c')\n");
	/* One box per measured cell (missing combinations stay blank). */
	fprintf(script, "set style fill solid 1.0 noborder\n");
	fprintf(script, "plot '%s' using 1:2:(0.5):(0.5):3 with boxxyerror palette, '' using 1:2:(sprintf('%%.2f', $3)) with labels font ',14'\n", data);
	fprintf(script, "set xtics autofreq\nset ytics autofreq\nset autoscale\nset key\nset style fill empty\n");
	return 1;
}

/* gnuplot in dir (its script names files relative to it). */
static int gnuplot(const char *dir)
{
	char *argv[] = { "gnuplot", "plots.gp", NULL };
	struct spawn_options o = { .dir = dir, .output_path = "gnuplot.log" };
	return spawn_run(argv, &o, NULL);
}

/* The script and the data, written in work. */
static int render(const struct results_view *v, const char *work, struct plot *plots, char *why, size_t whylen)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/plots.gp", work);
	FILE *script = fopen(path, "w");
	if (!script) {
		snprintf(why, whylen, "cannot write plots.gp: %s", strerror(errno));
		return 0;
	}
	fprintf(script, "# generated by tlbvisor report; run it in this directory\n"
			"set terminal svg size 960,540 dynamic font 'sans,11' background '#ffffff'\nset termoption noenhanced\n");
	int n = 0;
	static const char *const patterns[] = { "random", "seq" };
	for (int p = 0; p < 2 && n < PLOTS_MAX; p++)
		n += latency_plot(v, work, patterns[p], script, &plots[n]);
	/* Heat maps relate cells to native ones: within one machine each. */
	static const char *const backends[] = { "kvm", "bochs", "qemu", "baremetal" };
	const char *machines[MACHINES_MAX];
	int nm = machines_list(v, machines, MACHINES_MAX);
	for (int m = 0; m < nm; m++) {
		struct results_view one;
		if (nm > 1 && machines_view(v, machines[m], &one) < 0)
			break;
		for (int b = 0; b < 4 && n < PLOTS_MAX; b++)
			n += heat_plot(nm > 1 ? &one : v, work, backends[b], nm > 1 ? machines[m] : "", nm > 1 ? m + 1 : 0,
				       script, &plots[n]);
		if (nm > 1)
			machines_view_free(&one);
	}
	if (fclose(script) != 0) {
		snprintf(why, whylen, "cannot write plots.gp: %s", strerror(errno));
		return 0;
	}
	return n;
}

/* Every file of from moved into to (rename replaces a file or a symbolic
 * link, never writes through one), then from removed. */
static int move_all(const char *from, const char *to, char *why, size_t whylen)
{
	DIR *d = opendir(from);
	if (!d) {
		snprintf(why, whylen, "cannot read %s: %s", from, strerror(errno));
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char a[4400], b[4400];
		snprintf(a, sizeof a, "%s/%s", from, e->d_name);
		snprintf(b, sizeof b, "%s/%s", to, e->d_name);
		if (rename(a, b) != 0 && rc == 0) {
			snprintf(why, whylen, "cannot write %s: %s", b, strerror(errno));
			rc = -1;
		}
		unlink(a);
	}
	closedir(d);
	rmdir(from);
	return rc;
}

int plots_render(const struct results_view *v, const char *dir, struct plot *plots, char *why, size_t whylen)
{
	struct stat st;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(why, whylen, "cannot create %s: %s", dir, strerror(errno));
		return 0;
	}
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s is not a directory; fix: remove it or give another --out", dir);
		return 0;
	}
	/* A fresh private directory: nothing planted in the plots directory can
	 * redirect a write; the finished files are then renamed into it. */
	char work[4200];
	snprintf(work, sizeof work, "%s/.plots-XXXXXX", dir);
	if (!mkdtemp(work)) {
		snprintf(why, whylen, "cannot create a directory in %s: %s", dir, strerror(errno));
		return 0;
	}
	int n = render(v, work, plots, why, whylen);
	int rc = n ? gnuplot(work) : 0;
	if (move_all(work, dir, why, whylen) < 0)
		return 0;
	if (!n) {
		if (!why[0])
			snprintf(why, whylen, "no finished cells to plot");
		return 0;
	}
	if (rc != 0) {
		snprintf(why, whylen, rc < 0 ? "gnuplot is not installed; fix: apt-get install gnuplot-nox"
					     : "gnuplot failed (see %s/gnuplot.log)", dir);
		return 0;
	}
	return n;
}
