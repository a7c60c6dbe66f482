#include "lib/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FIX_PATH "fix: give a path in an existing, writable directory"

static const char *kind(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device"
	       : S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* Where writing path lands: path itself, or the file its symbolic link names. */
static int resolve_target(const char *path, char *target, size_t len, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "cannot write %s: %s; " FIX_PATH, path, strerror(errno));
			return -1;
		}
		snprintf(target, len, "%s", path);
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		char real[PATH_MAX];
		if (!realpath(path, real) || stat(real, &st) < 0) {
			snprintf(err, errlen, "refusing to write %s: it is a symbolic link to a file that does not exist; fix: remove the link or give another path",
				 path);
			return -1;
		}
		snprintf(target, len, "%s", real);
	} else {
		snprintf(target, len, "%s", path);
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "refusing to write %s: it is %s, not a regular file; fix: give the path of a file (tlbvisor replaces it whole)",
			 path, kind(st.st_mode));
		return -1;
	}
	return 0;
}

/* A new temporary file beside target, with the target's permissions (or
 * those a new file gets). */
static int make_tmp(const char *path, const char *target, char *tmp, size_t len, char *err, size_t errlen)
{
	char dir_copy[4096], base_copy[4096];
	snprintf(dir_copy, sizeof dir_copy, "%s", target);
	snprintf(base_copy, sizeof base_copy, "%s", target);
	snprintf(tmp, len, "%s/.%.200s.tmp-XXXXXX", dirname(dir_copy), basename(base_copy));
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot write %s: %s; " FIX_PATH, path, strerror(errno));
		return -1;
	}
	struct stat st;
	mode_t mode;
	if (stat(target, &st) == 0) {
		mode = st.st_mode & 07777;
	} else {
		mode_t mask = umask(0);
		umask(mask);
		mode = 0666 & ~mask;
	}
	if (fchmod(fd, mode) < 0) {
		snprintf(err, errlen, "cannot write %s: %s; " FIX_PATH, path, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	return fd;
}

int output_check(const char *path, char *err, size_t errlen)
{
	char target[4096], tmp[4200];
	if (resolve_target(path, target, sizeof target, err, errlen) < 0)
		return -1;
	int fd = make_tmp(path, target, tmp, sizeof tmp, err, errlen);
	if (fd < 0)
		return -1;
	close(fd);
	unlink(tmp);
	return 0;
}

FILE *output_open(struct output_file *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	if (resolve_target(path, o->target, sizeof o->target, err, errlen) < 0)
		return NULL;
	int fd = make_tmp(path, o->target, o->tmp, sizeof o->tmp, err, errlen);
	if (fd < 0)
		return NULL;
	o->f = fdopen(fd, "w");
	if (!o->f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(o->tmp);
	}
	return o->f;
}

int output_commit(struct output_file *o, char *err, size_t errlen)
{
	FILE *f = o->f;
	o->f = NULL;
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "writing %s failed: %s", o->target, strerror(errno));
		fclose(f);
		unlink(o->tmp);
		return -1;
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "writing %s failed: %s", o->target, strerror(errno));
		unlink(o->tmp);
		return -1;
	}
	if (rename(o->tmp, o->target) != 0) {
		snprintf(err, errlen, "cannot replace %s: %s", o->target, strerror(errno));
		unlink(o->tmp);
		return -1;
	}
	return 0;
}

void output_abandon(struct output_file *o)
{
	if (o->f) {
		fclose(o->f);
		unlink(o->tmp);
	}
	o->f = NULL;
}

/* What identifies a file: device and inode when it exists, else its
 * directory's device and inode and its name. */
struct file_key {
	int exists;
	dev_t dev;
	ino_t ino;
	char name[256];
};

static int key_of(const char *path, struct file_key *k)
{
	struct stat st;
	memset(k, 0, sizeof *k);
	if (stat(path, &st) == 0) {
		k->exists = 1;
	} else {
		char dir_copy[4096], base_copy[4096];
		snprintf(dir_copy, sizeof dir_copy, "%s", path);
		snprintf(base_copy, sizeof base_copy, "%s", path);
		if (stat(dirname(dir_copy), &st) < 0)
			return -1;
		snprintf(k->name, sizeof k->name, "%s", basename(base_copy));
	}
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	return 0;
}

static int same_key(const struct file_key *a, const struct file_key *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino && !strcmp(a->name, b->name);
}

int same_file(const char *a, const char *b)
{
	struct file_key x, y;
	return key_of(a, &x) == 0 && key_of(b, &y) == 0 && same_key(&x, &y);
}

int outputs_distinct(const struct named_file *files, int n, char *err, size_t errlen)
{
	for (int i = 0; i < n; i++) {
		struct file_key a, b;
		if (!files[i].path || key_of(files[i].path, &a) < 0)
			continue;
		for (int j = i + 1; j < n; j++) {
			if (!files[j].path || (!files[i].output && !files[j].output) || key_of(files[j].path, &b) < 0 ||
			    !same_key(&a, &b))
				continue;
			const struct named_file *out = files[i].output ? &files[i] : &files[j];
			const struct named_file *other = out == &files[i] ? &files[j] : &files[i];
			if (other->output)
				snprintf(err, errlen, "%s %s and %s %s are the same file; fix: give each output its own file",
					 files[i].option, files[i].path, files[j].option, files[j].path);
			else
				snprintf(err, errlen, "%s %s is the same file as %s %s, which it would overwrite; fix: write the output to another file",
					 out->option, out->path, other->option, other->path);
			return -1;
		}
	}
	return 0;
}

int outputs_ready(const struct named_file *files, int n, char *err, size_t errlen)
{
	if (outputs_distinct(files, n, err, errlen) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (files[i].output && files[i].path && output_check(files[i].path, err, errlen) < 0)
			return -1;
	return 0;
}
