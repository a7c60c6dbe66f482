/* Matrix files: sections, overrides, errors with file, line and key, the
 * presets as files, and a canonical form that reads back as itself. */
#include <criterion/criterion.h>
#include <string.h>

#include "bench/cli/matrix_file.h"
#include "bench/matrix/matrix.h"
#include "bench/matrix/run_config.h"

static struct run_request base(void)
{
	struct run_request r;
	memset(&r, 0, sizeof r);
	run_defaults(&r.matrix, &r.cfg);
	return r;
}

static int parse(const char *text, struct matrix_plan *p, char *err)
{
	struct run_request b = base();
	return matrix_plan_parse("m.ini", text, strlen(text), &b, p, err, 768);
}

Test(matrix_file, globals_and_sections)
{
	const char *text =
		"; a comment\n"
		"repetitions = 9\n"
		"ws = 16k,64m\n"
		"\n"
		"[native]\n"
		"backend = native\n"
		"host-page = 4k,thp\n"
		"[kvm]\n"
		"backend = kvm\n"
		"guest-page = 2m   ; inline comment\n"
		"repetitions = 3\n";
	struct matrix_plan p;
	char err[768] = "";
	cr_assert_eq(parse(text, &p, err), 0, "%s", err);
	cr_assert_eq(p.n, 2);
	cr_assert_str_eq(p.sections[0].name, "native");
	cr_assert_eq(p.sections[0].req.cfg.repetitions, 9);
	cr_assert_eq(p.sections[0].req.matrix.nbackends, 1);
	cr_assert_eq(p.sections[0].req.matrix.backends[0], BACKEND_NATIVE);
	cr_assert_eq(p.sections[0].req.matrix.nhost_pages, 2);
	cr_assert_eq(p.sections[0].req.matrix.nws, 2);
	cr_assert_eq(p.sections[0].req.matrix.ws[1], 64ull << 20);
	cr_assert_eq(p.sections[1].req.cfg.repetitions, 3, "a section overrides the globals");
	cr_assert_eq(p.sections[1].req.matrix.guest_pages[0], 2ull << 20);
	cr_assert_eq(p.sections[1].req.matrix.nguest_pages, 1);
	cr_assert_eq(p.sections[1].req.matrix.nws, 2, "globals reach every section");
	matrix_plan_free(&p);
}

Test(matrix_file, no_sections_is_one_matrix)
{
	struct matrix_plan p;
	char err[768] = "";
	cr_assert_eq(parse("ws = 1m\nbackend = native\n", &p, err), 0, "%s", err);
	cr_assert_eq(p.n, 1);
	cr_assert_str_eq(p.sections[0].name, "");
	cr_assert_eq(p.sections[0].req.matrix.ws[0], 1ull << 20);
	matrix_plan_free(&p);
}

static void expect_error(const char *text, const char *want)
{
	struct matrix_plan p;
	char err[768] = "";
	cr_assert_eq(parse(text, &p, err), -1, "accepted: %s", text);
	cr_assert(strstr(err, want), "error '%s' lacks '%s'", err, want);
}

Test(matrix_file, errors_name_file_line_key_and_what_is_allowed)
{
	expect_error("ws = 16k\n\nws = 16x\n", "m.ini:3: key 'ws': invalid size '16x'");
	expect_error("[a]\nbackend = native\ncolour = blue\n", "m.ini:3: [a] key 'colour': not a matrix key; the keys are backend, preset, ws");
	expect_error("out = x.json\n", "m.ini:1: key 'out': not a matrix key");
	expect_error("[a]\nws=1m\n[b]\nws=2m\n[a]\nws=3m\n", "m.ini:6: [a] key 'ws': this section appeared earlier");
	expect_error("this line is not ini\n", "m.ini:1: not a [section] or a key = value line");
	expect_error("ws = 1m\npreset = quick\n", "m.ini:2: key 'preset': a preset may only be named first");
	expect_error("preset = huge\n", "unknown preset 'huge': known presets are quick, default");
	expect_error("exit-cost = maybe\n", "m.ini:1: key 'exit-cost': invalid value 'maybe': give true or false");
	expect_error("host-page = 4k,,2m\n", "m.ini:1: key 'host-page': invalid list");
}

Test(matrix_file, preset_as_starting_point)
{
	struct matrix_plan p;
	char err[768] = "";
	cr_assert_eq(parse("preset = quick\nrepetitions = 2\n[small]\nws = 16k\n", &p, err), 0, "%s", err);
	cr_assert_eq(p.sections[0].req.cfg.repetitions, 2);
	cr_assert_eq(p.sections[0].req.matrix.nws, 1);
	cr_assert_eq(p.sections[0].req.matrix.nguest_pages, 2, "from the quick preset");
	cr_assert_str_eq(p.sections[0].req.cfg.preset, "quick");
	matrix_plan_free(&p);
}

/* The built-in presets are the files in bench/matrices: the same text. */
Test(matrix_file, presets_are_the_shipped_files)
{
	const char *names[] = { "quick", "default" };
	for (int i = 0; i < 2; i++) {
		char path[512];
		snprintf(path, sizeof path, "%s/bench/matrices/%s.ini", SOURCE_ROOT, names[i]);
		FILE *f = fopen(path, "r");
		cr_assert_not_null(f, "%s", path);
		static char buf[1 << 16];
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		size_t len;
		const char *text = matrix_preset_text(names[i], &len);
		cr_assert(text && len == n && !memcmp(text, buf, n), "preset %s differs from %s", names[i], path);
	}
	struct matrix m;
	struct run_config cfg;
	cr_assert_eq(run_preset("quick", &m, &cfg), 0);
	cr_assert_eq(matrix_expand(&m, NULL, 0), 24, "2 native host pages + 2x2 kvm, at 4 working sets");
}

/* The canonical form reads back as the same matrix, and so the same text
 * and hash; a changed value changes the hash. */
Test(matrix_file, canonical_round_trip)
{
	const char *text =
		"backend = native,kvm\nseed = 0x1234\nmin-time = 20ms\nexit-every = 1000\n"
		"[a]\nws = 4k,2m\nhost-page = 4k,thp,2m\nvpid = on,off\nraw-events = 0x108,0x149\n"
		"[b]\nbackend = bochs\nept-levels = 4,5\nexit-cost = true\nguest-timeout = 2.5\n";
	struct matrix_plan p, q;
	char err[768] = "";
	cr_assert_eq(parse(text, &p, err), 0, "%s", err);
	char *canon = matrix_plan_canonical(&p);
	cr_assert_not_null(canon, "every option has a canonical form");
	cr_assert(strstr(canon, "[a]\nbackend = native,kvm\n"), "%s", canon);
	cr_assert(strstr(canon, "min-time = 0.02\n"), "%s", canon);
	cr_assert(strstr(canon, "vpid = on,off\n"), "%s", canon);
	cr_assert(strstr(canon, "raw-events = 0x108,0x149\n"), "%s", canon);
	cr_assert(!strstr(canon + (strstr(canon, "[b]") - canon), "vpid ="), "vpid not given in [b]: not written");
	cr_assert_eq(parse(canon, &q, err), 0, "the canonical form parses: %s\n%s", err, canon);
	char *again = matrix_plan_canonical(&q);
	cr_assert_str_eq(again, canon);
	for (int i = 0; i < p.n; i++) {
		cr_assert_eq(matrix_expand(&p.sections[i].req.matrix, NULL, 0),
			     matrix_expand(&q.sections[i].req.matrix, NULL, 0));
		cr_assert_eq(memcmp(&p.sections[i].req.matrix, &q.sections[i].req.matrix, sizeof(struct matrix)), 0);
	}
	char h1[17], h2[17];
	matrix_hash(canon, h1);
	matrix_hash(again, h2);
	cr_assert_str_eq(h1, h2);
	cr_assert_eq(strlen(h1), 16);
	matrix_plan_free(&q);
	cr_assert_eq(parse("backend = native,kvm\nseed = 0x1235\n", &q, err), 0);
	char *other = matrix_plan_canonical(&q);
	matrix_hash(other, h2);
	cr_assert_str_neq(h1, h2);
	free(canon);
	free(again);
	free(other);
	matrix_plan_free(&p);
	matrix_plan_free(&q);
}

/* A matrix written with the names both vendors share (tlb-tag,
 * probe-nested-fault) is the same matrix as with the VMX names: the same
 * canonical form and hash, each alias written once under its first name. */
Test(matrix_file, aliases_are_one_option)
{
	struct matrix_plan p, q;
	char err[768] = "";
	cr_assert_eq(parse("backend = qemu\ntlb-tag = off\nprobe-nested-fault = true\n", &p, err), 0, "%s", err);
	cr_assert_eq(parse("backend = qemu\nvpid = off\nprobe-ept-violation = true\n", &q, err), 0, "%s", err);
	char *a = matrix_plan_canonical(&p), *b = matrix_plan_canonical(&q);
	cr_assert_not_null(a);
	cr_assert_str_eq(a, b);
	cr_assert(strstr(a, "vpid = off\n") && strstr(a, "probe-ept-violation = true\n"), "%s", a);
	cr_assert(!strstr(a, "tlb-tag") && !strstr(a, "probe-nested-fault"), "%s", a);
	free(a);
	free(b);
	matrix_plan_free(&p);
	matrix_plan_free(&q);
}
