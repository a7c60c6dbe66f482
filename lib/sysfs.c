#include "sysfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sysfs_read(const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int rc = fgets(buf, (int)len, f) ? 0 : -1;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return rc;
}

long sysfs_read_long(const char *path)
{
	char line[64], *end;
	if (sysfs_read(path, line, sizeof line) < 0)
		return -1;
	errno = 0;
	long v = strtol(line, &end, 10);
	return errno || end == line ? -1 : v;
}

bool sysfs_value_yes(const char *value)
{
	return value[0] == 'Y' || value[0] == '1';
}

bool sysfs_yes(const char *path)
{
	char v[16];
	return sysfs_read(path, v, sizeof v) == 0 && sysfs_value_yes(v);
}

/* The value of key on this line, or NULL ("model\t\t: 85" has key "model"). */
static char *value_of(char *line, const char *key)
{
	char *colon = strchr(line, ':');
	if (!colon)
		return NULL;
	size_t klen = (size_t)(colon - line);
	while (klen && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
		klen--;
	if (klen != strlen(key) || strncmp(line, key, klen))
		return NULL;
	char *v = colon + 1;
	v += strspn(v, " \t");
	v[strcspn(v, "\n")] = '\0';
	return v;
}

/* Lines of cpuinfo's flags are long: getline, not a fixed buffer. */
static char *find_field(const char *path, const char *key, char **line)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 0;
	char *v = NULL;
	while (getline(line, &cap, f) > 0 && !(v = value_of(*line, key)))
		;
	fclose(f);
	return v;
}

int proc_field(const char *path, const char *key, char *buf, size_t len)
{
	char *line = NULL;
	char *v = find_field(path, key, &line);
	snprintf(buf, len, "%s", v ? v : "");
	free(line);
	return v ? 0 : -1;
}

bool proc_field_has_word(const char *path, const char *key, const char *word)
{
	char *line = NULL;
	char *v = find_field(path, key, &line);
	bool found = false;
	size_t len = strlen(word);
	for (char *p = v ? strstr(v, word) : NULL; p && !found; p = strstr(p + 1, word))
		found = (p == v || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0');
	free(line);
	return found;
}
