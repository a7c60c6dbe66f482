#include "bench/outputs/run_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The PID written by the holder, or 0 when it has not written it yet. */
static long holder(int fd)
{
	char buf[32] = "";
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	long pid = 0;
	return sscanf(buf, "%ld", &pid) == 1 ? pid : 0;
}

int run_lock_take(struct run_lock *l, const char *file, const char *what, char *err, size_t errlen)
{
	l->fd = -1;
	snprintf(l->path, sizeof l->path, "%s.lock", file);
	for (;;) {
		int fd = open(l->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		if (fd < 0) {
			snprintf(err, errlen, "cannot lock the %s %s: %s: %s", what, file, l->path, strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			long pid = errno == EWOULDBLOCK ? holder(fd) : -1;
			if (pid >= 0) {
				char who[64] = "another tlbvisor run";
				if (pid > 0)
					snprintf(who, sizeof who, "another tlbvisor run (PID %ld)", pid);
				snprintf(err, errlen, "the %s %s is in use by %s; fix: wait for it to finish or give another %s",
					 what, file, who, strcmp(what, "history") ? "--out" : "--db (or --no-db)");
			} else {
				snprintf(err, errlen, "cannot lock the %s %s: %s", what, file, strerror(errno));
			}
			close(fd);
			return -1;
		}
		/* The holder before us may have removed the file between our open
		 * and our lock: then we locked a file nobody else will see. */
		struct stat a, b;
		if (fstat(fd, &a) == 0 && stat(l->path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			char pid[32];
			int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
			if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
				snprintf(err, errlen, "cannot write the lock %s: %s", l->path, strerror(errno));
				close(fd);
				return -1;
			}
			l->fd = fd;
			return 0;
		}
		close(fd);
	}
}

void run_lock_release(struct run_lock *l)
{
	if (l->fd < 0)
		return;
	unlink(l->path);
	close(l->fd);
	l->fd = -1;
}
