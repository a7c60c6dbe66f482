#include "bench/cli/matrix_file.h"

#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/matrix/matrix.h"
#include "bench/matrix/run_config.h"
#include "lib/files.h"

/* The presets, generated from the INI files in bench/matrices by embed_blob.py. */
extern const unsigned char tv_matrix_quick[], tv_matrix_default[];
extern const size_t tv_matrix_quick_size, tv_matrix_default_size;

static const struct {
	const char *name;
	const unsigned char *text;
	const size_t *size;
} presets[] = {
	{ "quick", tv_matrix_quick, &tv_matrix_quick_size },
	{ "default", tv_matrix_default, &tv_matrix_default_size },
};

/* The table's own copy of a preset's name (lives as long as the program). */
static const char *preset_name(const char *name)
{
	for (size_t i = 0; i < sizeof presets / sizeof *presets; i++)
		if (!strcmp(presets[i].name, name))
			return presets[i].name;
	return NULL;
}

const char *matrix_preset_text(const char *name, size_t *len)
{
	for (size_t i = 0; i < sizeof presets / sizeof *presets; i++)
		if (!strcmp(presets[i].name, name)) {
			*len = *presets[i].size;
			return (const char *)presets[i].text;
		}
	return NULL;
}

const char *matrix_preset_names(void)
{
	return "quick, default";
}

/* ---- parsing -------------------------------------------------------------- */

/* inih reads through this, so the handler knows the line it is on. */
struct reader {
	const char *p, *end;
	int line;
};

static char *read_line(char *buf, int size, void *stream)
{
	struct reader *r = stream;
	if (r->p >= r->end || size < 2)
		return NULL;
	int n = 0;
	while (r->p < r->end && n < size - 1) {
		char c = *r->p++;
		buf[n++] = c;
		if (c == '\n')
			break;
	}
	buf[n] = 0;
	r->line++;
	return buf;
}

struct parse_state {
	const char *source;
	struct reader rd;
	const struct run_request *base;
	struct run_request global;
	bool keys_seen;            /* a key was read: no preset after it */
	bool global_keys_done;     /* a section has started: no more global keys */
	struct matrix_plan *plan;
	int cap;
	char err[768];
};

/* The keys a matrix file may set: run's matrix and protocol options, and
 * the backends. Files, history, PMU and host options belong to the command
 * line of the run. */
static const struct cli_option *find_key(const char *name)
{
	for (int i = 0; i < run_nmatrix_options; i++)
		if (!strcmp(run_matrix_options[i].name, name))
			return &run_matrix_options[i];
	for (int i = 0; i < run_nhost_options; i++)
		if (!strcmp(run_host_options[i].name, name) && !strcmp(name, "backend"))
			return &run_host_options[i];
	return NULL;
}

static void allowed_keys(char *buf, size_t len)
{
	snprintf(buf, len, "backend");
	for (int i = 0; i < run_nmatrix_options; i++) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, ", %s", run_matrix_options[i].name);
	}
}

static int fail(struct parse_state *s, const char *section, const char *key, const char *fmt, const char *what)
{
	char where[160];
	if (section && *section)
		snprintf(where, sizeof where, "[%s] ", section);
	else
		where[0] = 0;
	char msg[600];
	snprintf(msg, sizeof msg, fmt, what);
	snprintf(s->err, sizeof s->err, "%s:%d: %skey '%s': %s", s->source, s->rd.line, where, key, msg);
	return 0;
}

static int apply_key(struct parse_state *s, struct run_request *req, const char *section, const char *key,
		     const char *value)
{
	if (!strcmp(key, "preset")) {
		if (section[0] || s->keys_seen)
			return fail(s, section, key, "%s", "a preset may only be named first, before every other key and "
				    "section: it is where the whole file starts from");
		s->keys_seen = true;
		const char *name = preset_name(value);
		size_t len;
		const char *text = name ? matrix_preset_text(name, &len) : NULL;
		if (!text) {
			char hint[128];
			snprintf(hint, sizeof hint, "unknown preset '%%s': known presets are %s", matrix_preset_names());
			return fail(s, section, key, hint, value);
		}
		struct matrix_plan p = { 0 };
		char err[768], src[64];
		snprintf(src, sizeof src, "preset %s", name);
		if (matrix_plan_parse(src, text, len, s->base, &p, err, sizeof err) < 0) {
			snprintf(s->err, sizeof s->err, "%s", err);
			return 0;
		}
		*req = p.sections[0].req;
		req->cfg.preset = name;
		matrix_plan_free(&p);
		return 1;
	}
	s->keys_seen = true;
	const struct cli_option *o = find_key(key);
	if (!o) {
		char keys[1024], hint[1200];
		allowed_keys(keys, sizeof keys);
		snprintf(hint, sizeof hint, "not a matrix key; the keys are %s (files and history are given on the command line)", keys);
		return fail(s, section, key, "%s", hint);
	}
	char err[512];
	if (cli_apply(o, req, value, err, sizeof err) < 0)
		return fail(s, section, key, "%s", err);
	return 1;
}

static struct matrix_section *section_named(struct matrix_plan *p, const char *name)
{
	for (int i = 0; i < p->n; i++)
		if (!strcmp(p->sections[i].name, name))
			return &p->sections[i];
	return NULL;
}

static int on_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *s = user;
	struct matrix_plan *p = s->plan;
	if (!section[0]) {
		if (s->global_keys_done)
			return fail(s, section, key, "%s", "keys for every section must come before the first section");
		return apply_key(s, &s->global, section, key, value);
	}
	if (strlen(section) >= MATRIX_SECTION_NAME)
		return fail(s, section, key, "%s", "the section name is too long (at most 63 characters)");
	s->global_keys_done = true;
	struct matrix_section *sec = p->n ? &p->sections[p->n - 1] : NULL;
	if (!sec || strcmp(sec->name, section)) {
		if (section_named(p, section))
			return fail(s, section, key, "%s", "this section appeared earlier in the file; give each section once");
		if (p->n == s->cap) {
			int cap = s->cap ? s->cap * 2 : 4;
			struct matrix_section *grown = realloc(p->sections, (size_t)cap * sizeof *grown);
			if (!grown)
				return fail(s, section, key, "%s", "out of memory");
			p->sections = grown;
			s->cap = cap;
		}
		sec = &p->sections[p->n++];
		memset(sec, 0, sizeof *sec);
		snprintf(sec->name, sizeof sec->name, "%s", section);
		sec->req = s->global;
	}
	return apply_key(s, &sec->req, section, key, value);
}

int matrix_plan_parse(const char *source, const char *text, size_t len, const struct run_request *base,
		      struct matrix_plan *plan, char *err, size_t errlen)
{
	memset(plan, 0, sizeof *plan);
	struct parse_state s = { .source = source, .rd = { text, text + len, 0 }, .base = base, .global = *base,
				 .plan = plan };
	/* Each key on its own line, no continuation lines (a wrapped list would
	 * otherwise be read as a second value for the same key), lines of any
	 * length, and the first error ends the parse. */
	ini_allow_multiline = false;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = 1 << 16;
	ini_stop_on_first_error = true;
	int rc = ini_parse_stream(read_line, &s.rd, on_key, &s);
	if (rc != 0) {
		if (s.err[0])
			snprintf(err, errlen, "%s", s.err);
		else if (rc > 0)
			snprintf(err, errlen, "%s:%d: not a [section] or a key = value line", source, rc);
		else
			snprintf(err, errlen, "%s: out of memory", source);
		matrix_plan_free(plan);
		return -1;
	}
	if (plan->n == 0) { /* no sections: the global keys are the matrix */
		plan->sections = calloc(1, sizeof *plan->sections);
		if (!plan->sections) {
			snprintf(err, errlen, "%s: out of memory", source);
			return -1;
		}
		plan->n = 1;
		plan->sections[0].req = s.global;
	}
	return 0;
}

int matrix_plan_load(const char *path, const struct run_request *base, struct matrix_plan *plan, char *err,
		     size_t errlen)
{
	size_t len;
	char *text = file_read_all(path, 1 << 20, &len);
	if (!text) {
		snprintf(err, errlen, "cannot read the matrix file %s: %s; give the path of an INI file of at most 1 MiB "
			 "(see docs/usage.md, \"Matrix files\")", path, errno == EINVAL ? "not a regular file" : strerror(errno));
		return -1;
	}
	int rc = matrix_plan_parse(path, text, len, base, plan, err, errlen);
	free(text);
	return rc;
}

void matrix_plan_free(struct matrix_plan *plan)
{
	free(plan->sections);
	plan->sections = NULL;
	plan->n = 0;
}

/* ---- presets, canonical form, hash ---------------------------------------- */

int run_preset(const char *name, struct matrix *m, struct run_config *cfg)
{
	struct run_request base = { 0 };
	run_defaults(&base.matrix, &base.cfg);
	size_t len;
	const char *pname = preset_name(name);
	const char *text = pname ? matrix_preset_text(pname, &len) : NULL;
	if (!text)
		return -1;
	struct matrix_plan p;
	char err[768], src[64];
	snprintf(src, sizeof src, "preset %s", pname);
	if (matrix_plan_parse(src, text, len, &base, &p, err, sizeof err) < 0 || p.n != 1) {
		/* The presets are part of tlbvisor: a broken one is a build defect. */
		fprintf(stderr, "tlbvisor: built-in %s\n", err);
		matrix_plan_free(&p);
		return -1;
	}
	*m = p.sections[0].req.matrix;
	*cfg = p.sections[0].req.cfg;
	cfg->preset = pname;
	matrix_plan_free(&p);
	return 0;
}

char *matrix_plan_canonical(const struct matrix_plan *plan)
{
	size_t cap = 4096 * (size_t)(plan->n ? plan->n : 1), used = 0;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	out[0] = 0;
	for (int i = 0; i < plan->n; i++) {
		const struct matrix_section *sec = &plan->sections[i];
		const char *missing;
		int n = snprintf(out + used, cap - used, "[%s]\n", sec->name[0] ? sec->name : "matrix");
		used += n > 0 ? (size_t)n : 0;
		n = run_request_canonical(&sec->req, out + used, cap - used, &missing);
		if (n < 0) {
			free(out);
			return NULL;
		}
		used += (size_t)n;
	}
	return out;
}

void matrix_hash(const char *canonical, char out[17])
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, 64-bit */
	for (const unsigned char *p = (const unsigned char *)canonical; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}
