/* Files and directories tlbvisor writes. */
#ifndef TLBVISOR_FILES_H
#define TLBVISOR_FILES_H

#include <stdio.h>

/* Write size bytes to path (replacing it); -1 with err saying why. */
int file_write(const char *path, const void *data, size_t size, char *err, size_t errlen);
/* The whole of a regular file, NUL-terminated, malloc'd; its length in
 * *len. NULL with errno set (EFBIG when it holds more than max bytes). */
char *file_read_all(const char *path, size_t max, size_t *len);
/* mkdir -p; -1 with errno set. */
int mkdirs(const char *path);

/* A file replaced atomically: written to PATH.tmp, synced, then renamed over
 * PATH, so that a crash or a kill leaves the previous complete file, never a
 * torn one. */
FILE *atomic_file_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen);
/* Flush, sync and rename; on failure the temporary file is removed. */
int atomic_file_commit(FILE *f, const char *tmp, const char *path, char *err, size_t errlen);
/* Give up: close and remove the temporary file. */
void atomic_file_abandon(FILE *f, const char *tmp);
/* Replace path atomically with head, the parts that are not NULL joined by
 * sep, and tail. -1 with err saying why. */
int atomic_write_parts(const char *path, const char *head, char *const *parts, int n, const char *sep,
		       const char *tail, char *err, size_t errlen);

#endif
