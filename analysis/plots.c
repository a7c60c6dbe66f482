#include "plots.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/process.h"

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

static int by_ws(const void *a, const void *b)
{
	const struct cell_view *x = *(const struct cell_view *const *)a, *y = *(const struct cell_view *const *)b;
	return (x->ws_bytes > y->ws_bytes) - (x->ws_bytes < y->ws_bytes);
}

static int latency_plot(const struct results_view *v, const char *dir, const char *pattern, FILE *script,
			struct plot *p)
{
	char keys[64][160];
	int nkeys = 0;
	for (int i = 0; i < v->n && nkeys < 64; i++) {
		const struct cell_view *c = &v->cells[i];
		if (strcmp(c->pattern, pattern) || strcmp(c->status, "ok") || isnan(c->median) || !c->ws_bytes)
			continue;
		char key[160];
		config_key(c->name, key, sizeof key);
		int seen = 0;
		for (int k = 0; k < nkeys; k++)
			seen |= !strcmp(keys[k], key);
		if (!seen)
			snprintf(keys[nkeys++], sizeof keys[0], "%s", key);
	}
	if (!nkeys)
		return 0;
	snprintf(p->file, sizeof p->file, "latency-%s.svg", pattern);
	snprintf(p->title, sizeof p->title, "Latency versus working set (%s chase)", pattern);
	fprintf(script, "set output '%s/%s'\n", dir, p->file);
	fprintf(script, "set title '%s'\nset logscale x 2\nset logscale y\nunset logscale cb\n", p->title);
	fprintf(script, "set xlabel 'working set (bytes)'\nset ylabel 'cycles per access (median)'\n");
	fprintf(script, "set key outside right top\nset grid\nset format x '%%.0b%%BB'\n");
	fprintf(script, "plot ");
	const struct cell_view **pts = calloc((size_t)v->n, sizeof *pts);
	for (int k = 0; k < nkeys; k++) {
		char data[4096];
		snprintf(data, sizeof data, "%s/latency-%s-%d.dat", dir, pattern, k);
		FILE *f = fopen(data, "w");
		if (!f)
			continue;
		int n = 0;
		for (int i = 0; i < v->n; i++) {
			const struct cell_view *c = &v->cells[i];
			char key[160];
			config_key(c->name, key, sizeof key);
			if (!strcmp(key, keys[k]) && !strcmp(c->status, "ok") && !isnan(c->median) && c->ws_bytes)
				pts[n++] = c;
		}
		qsort(pts, (size_t)n, sizeof *pts, by_ws);
		for (int i = 0; i < n; i++)
			fprintf(f, "%llu %.6g\n", (unsigned long long)pts[i]->ws_bytes, pts[i]->median);
		fclose(f);
		/* The legend: the configuration without the pattern prefix. */
		const char *label = keys[k];
		const char *slash = strchr(label + (strncmp(label, "chase/", 6) ? 0 : 6), '/');
		fprintf(script, "%s'%s' using 1:2 with linespoints lw 2 title '%s'", k ? ", \\\n  " : "", data,
			slash ? slash + 1 : label);
	}
	free(pts);
	fprintf(script, "\nunset logscale\nunset title\n");
	return 1;
}

static const char *const pages[] = { "4k", "thp", "2m", "1g" };

static int heat_plot(const struct results_view *v, const char *dir, const char *backend, FILE *script,
		     struct plot *p)
{
	/* The largest working set where this backend and native 4K both ran. */
	uint64_t ws = 0;
	for (int i = 0; i < v->n; i++) {
		const struct cell_view *c = &v->cells[i];
		if (strcmp(c->backend, backend) || strcmp(c->status, "ok") || strcmp(c->pattern, "random") ||
		    isnan(c->median) || c->ws_bytes <= ws)
			continue;
		for (int j = 0; j < v->n; j++) {
			const struct cell_view *n = &v->cells[j];
			if (!strcmp(n->backend, "native") && !strcmp(n->host_page, "4k") && n->ws_bytes == c->ws_bytes &&
			    !strcmp(n->status, "ok") && !strcmp(n->pattern, "random"))
				ws = c->ws_bytes;
		}
	}
	if (!ws)
		return 0;
	double native = NAN;
	const char *ws_name = "";
	for (int j = 0; j < v->n; j++) {
		const struct cell_view *n = &v->cells[j];
		if (!strcmp(n->backend, "native") && !strcmp(n->host_page, "4k") && n->ws_bytes == ws &&
		    !strcmp(n->status, "ok") && !strcmp(n->pattern, "random")) {
			native = n->median;
			ws_name = n->ws;
		}
	}
	char data[4096];
	snprintf(data, sizeof data, "%s/heat-%s.dat", dir, backend);
	FILE *f = fopen(data, "w");
	if (!f)
		return 0;
	int points = 0;
	for (int g = 0; g < 4; g++)
		for (int h = 0; h < 4; h++)
			for (int i = 0; i < v->n; i++) {
				const struct cell_view *c = &v->cells[i];
				if (!strcmp(c->backend, backend) && c->ws_bytes == ws && !strcmp(c->status, "ok") &&
				    !strcmp(c->pattern, "random") && !strcmp(c->guest_page, pages[g]) &&
				    !strcmp(c->host_page, pages[h]) && !isnan(c->median)) {
					fprintf(f, "%d %d %.4f\n", h, g, c->median / native);
					points++;
					break;
				}
			}
	fclose(f);
	if (!points)
		return 0;
	snprintf(p->file, sizeof p->file, "heat-%s.svg", backend);
	snprintf(p->title, sizeof p->title, "%s / native 4K at %s (random chase): guest page x host page", backend, ws_name);
	fprintf(script, "set output '%s/%s'\n", dir, p->file);
	fprintf(script, "set title '%s'\n", p->title);
	fprintf(script, "set xlabel 'host page (second-level backing)'\nset ylabel 'guest page'\n");
	fprintf(script, "set xtics ('4k' 0, 'thp' 1, '2m' 2, '1g' 3)\nset ytics ('4k' 0, 'thp' 1, '2m' 2, '1g' 3)\n");
	fprintf(script, "set xrange [-0.5:3.5]\nset yrange [-0.5:3.5]\nset cblabel 'virtualized / native'\nunset key\nunset grid\n");
	fprintf(script, "set palette defined (0 '#2c7bb6', 1 '#ffffbf', 2 '#d7191c')\n");
	/* One box per measured cell (missing combinations stay blank). */
	fprintf(script, "set style fill solid 1.0 noborder\n");
	fprintf(script, "plot '%s' using 1:2:(0.5):(0.5):3 with boxxyerror palette, '' using 1:2:(sprintf('%%.2f', $3)) with labels font ',14'\n", data);
	fprintf(script, "set xtics autofreq\nset ytics autofreq\nset autoscale\nset key\nset style fill empty\n");
	return 1;
}

static int gnuplot(const char *script_path, const char *log_path)
{
	char *argv[] = { "gnuplot", (char *)script_path, NULL };
	struct spawn_options o = { .output_path = log_path };
	return spawn_run(argv, &o, NULL);
}

int plots_render(const struct results_view *v, const char *dir, struct plot *plots, char *why, size_t whylen)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(why, whylen, "cannot create %s: %s", dir, strerror(errno));
		return 0;
	}
	char script_path[4096], log_path[4096];
	snprintf(script_path, sizeof script_path, "%s/plots.gp", dir);
	snprintf(log_path, sizeof log_path, "%s/gnuplot.log", dir);
	FILE *script = fopen(script_path, "w");
	if (!script) {
		snprintf(why, whylen, "cannot write %s: %s", script_path, strerror(errno));
		return 0;
	}
	fprintf(script, "# generated by tlbvisor report\nset terminal svg size 960,540 dynamic font 'sans,11' background '#ffffff'\nset termoption noenhanced\n");
	int n = 0;
	static const char *const patterns[] = { "random", "seq" };
	for (int p = 0; p < 2 && n < PLOTS_MAX; p++)
		n += latency_plot(v, dir, patterns[p], script, &plots[n]);
	static const char *const backends[] = { "kvm", "bochs", "qemu", "baremetal" };
	for (int b = 0; b < 4 && n < PLOTS_MAX; b++)
		n += heat_plot(v, dir, backends[b], script, &plots[n]);
	fclose(script);
	if (!n) {
		snprintf(why, whylen, "no finished cells to plot");
		return 0;
	}
	int rc = gnuplot(script_path, log_path);
	if (rc != 0) {
		snprintf(why, whylen, rc < 0 ? "gnuplot is not installed; fix: apt-get install gnuplot-nox"
					     : "gnuplot failed (see %s)", log_path);
		return 0;
	}
	return n;
}
