#include "files.h"

#include "output_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_write(const char *path, const void *data, size_t size, char *err, size_t errlen)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	return 0;
}

char *file_read_all(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		int e = errno;
		bool regular = S_ISREG(st.st_mode);
		fclose(f);
		errno = !regular ? EINVAL : (size_t)st.st_size > max ? EFBIG : e;
		return NULL;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
	int e = errno;
	fclose(f);
	if (!buf || got != (size_t)st.st_size) {
		free(buf);
		errno = buf ? (e ? e : EIO) : ENOMEM;
		return NULL;
	}
	buf[got] = 0;
	*len = got;
	return buf;
}

int mkdirs(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int atomic_write_parts(const char *path, const char *head, char *const *parts, int n, const char *sep,
		       const char *tail, char *err, size_t errlen)
{
	struct output_file o;
	FILE *f = output_open(&o, path, err, errlen);
	if (!f)
		return -1;
	fputs(head, f);
	for (int i = 0, first = 1; i < n; i++)
		if (parts[i]) {
			if (!first)
				fputs(sep, f);
			fputs(parts[i], f);
			first = 0;
		}
	fputs(tail, f);
	return output_commit(&o, err, errlen);
}
