/* The guest payload: embedded in tlbvisor at build time, or read from a file
 * given with --payload (for payload development and hostile-guest tests). */
#ifndef TLBVISOR_PAYLOAD_H
#define TLBVISOR_PAYLOAD_H

#include <stddef.h>

struct payload {
	const void *image;
	size_t size;
	char source[256]; /* "embedded" or the file it came from */
};

/* path NULL: the embedded payload. -1 with err saying what is wrong and the fix. */
int payload_load(struct payload *p, const char *path, char *err, size_t errlen);
void payload_free(struct payload *p);

#endif
