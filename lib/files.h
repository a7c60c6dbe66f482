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

/* Replace path atomically (lib/output_file.h: a temporary file unique to this
 * process, synced, then renamed over path, so a crash or a kill leaves the
 * previous complete file) with head, the parts that are not NULL joined by
 * sep, and tail. -1 with err saying why. */
int atomic_write_parts(const char *path, const char *head, char *const *parts, int n, const char *sep,
		       const char *tail, char *err, size_t errlen);

#endif
