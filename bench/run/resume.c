#include "bench/run/resume.h"

#include <stdio.h>
#include <string.h>

#include "analysis/escape.h"
#include "lib/json_util.h"
#include "lib/strmap.h"

static int refuse(const char *path, json_t *ctx, const char *what, char *err, size_t errlen)
{
	char cmd[600];
	escape_message(cmd, sizeof cmd, json_str(ctx, "command_line"));
	snprintf(err, errlen, "cannot resume from %s: %s; fix: give the options of the interrupted run%s%s%s", path,
		 what, cmd[0] ? " (" : "", cmd, cmd[0] ? ")" : "");
	return -1;
}

/* The first cell of done that results does not have, and how many there are. */
static int foreign_cells(const struct cell_result *done, int ndone, const struct cell_result *results, int n,
			 const char **example)
{
	struct strmap names = { 0 };
	int foreign = 0;
	for (int i = 0; i < n; i++)
		if (!strmap_find(&names, results[i].cell.name) && strmap_put(&names, results[i].cell.name, (uint32_t)i) < 0) {
			strmap_free(&names);
			return -1;
		}
	for (int k = 0; k < ndone; k++)
		if (!strmap_find(&names, done[k].cell.name) && !foreign++)
			*example = done[k].cell.name;
	strmap_free(&names);
	return foreign;
}

static void describe_shard(char *buf, size_t len, int index, int count)
{
	if (count)
		snprintf(buf, len, "shard %d/%d", index, count);
	else
		snprintf(buf, len, "the whole matrix");
}

/* One line of a canonical form ("key = value" or "[section]"): its length. */
static size_t line_len(const char *s)
{
	const char *nl = strchr(s, '\n');
	return nl ? (size_t)(nl - s) : strlen(s);
}

/* What differs between the file's canonical matrix and this run's, as the
 * options that would give the file's: the first line that differs. */
static void matrix_difference(const char *then, const char *now, char *buf, size_t len)
{
	char section[96] = ""; /* a matrix file's section the line is in */
	while (*then && *now) {
		size_t a = line_len(then), b = line_len(now);
		if (a != b || memcmp(then, now, a))
			break;
		if (then[0] == '[' && strncmp(then, "[matrix]", a))
			snprintf(section, sizeof section, " in section %.*s", (int)a, then);
		then += a + (then[a] == '\n');
		now += b + (now[b] == '\n');
	}
	size_t a = line_len(then), b = line_len(now);
	const char *eq_then = memchr(then, '=', a), *eq_now = memchr(now, '=', b);
	char key[128], was[256], is[256];
	if (eq_then && eq_now && eq_then - then == eq_now - now && !memcmp(then, now, (size_t)(eq_now - now))) {
		snprintf(key, sizeof key, "%.*s", (int)(eq_now - now - 1), now);
		snprintf(was, sizeof was, "%.*s", (int)(a - (size_t)(eq_then - then) - 2), eq_then + 2);
		snprintf(is, sizeof is, "%.*s", (int)(b - (size_t)(eq_now - now) - 2), eq_now + 2);
		snprintf(buf, len, "it was measured with --%s %s%s, this run asks for %s", key, was, section, is);
	} else {
		snprintf(was, sizeof was, "%.*s", (int)a, then);
		snprintf(is, sizeof is, "%.*s", (int)b, now);
		snprintf(buf, len, "its matrix has '%s' where this run's has '%s'", was[0] ? was : "(nothing)",
			 is[0] ? is : "(nothing)");
	}
}

int resume_check(const char *path, json_t *ctx, const struct resume_run *now, const struct cell_result *done,
		 int ndone, const struct cell_result *results, int n, char *err, size_t errlen)
{
	char what[1200], a[300], b[300];
	json_t *shard = json_object_get(ctx, "shard");
	int index = (int)json_int(shard, "index"), count = (int)json_int(shard, "count");
	if (index != now->shard_index || count != now->shard_count) {
		describe_shard(a, sizeof a, index, count);
		describe_shard(b, sizeof b, now->shard_index, now->shard_count);
		snprintf(what, sizeof what, "it holds %s, this run is %s", a, b);
		return refuse(path, ctx, what, err, errlen);
	}
	const char *example = NULL;
	int foreign = foreign_cells(done, ndone, results, n, &example);
	if (foreign < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (foreign) {
		escape_message(a, sizeof a, example);
		snprintf(what, sizeof what, "it holds %d cells this run does not have (e.g. %s)", foreign, a);
		return refuse(path, ctx, what, err, errlen);
	}
	if (json_is_string(json_object_get(ctx, "payload")) && strcmp(json_str(ctx, "payload"), now->payload)) {
		escape_message(a, sizeof a, json_str(ctx, "payload"));
		snprintf(what, sizeof what, "it was measured with the payload %s, this run uses %s", a, now->payload);
		return refuse(path, ctx, what, err, errlen);
	}
	/* Files written before runs recorded their matrix say nothing to compare. */
	json_t *matrix = json_object_get(ctx, "matrix");
	if (json_is_string(json_object_get(matrix, "hash")) && strcmp(json_str(matrix, "hash"), now->matrix_hash)) {
		char diff[800];
		escape_message(a, sizeof a, json_str(matrix, "hash"));
		matrix_difference(json_str(matrix, "canonical"), now->matrix_canonical, diff, sizeof diff);
		escape_message(what, sizeof what, diff);
		snprintf(diff, sizeof diff, "%s (matrix %s, this run's %s)", what, a, now->matrix_hash);
		return refuse(path, ctx, diff, err, errlen);
	}
	return 0;
}
