#include "bench/backends/payload.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/files.h"

extern const uint8_t tv_payload_elf[];
extern const size_t tv_payload_elf_size;

int payload_load(struct payload *p, const char *path, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	if (!path) {
		p->image = tv_payload_elf;
		p->size = tv_payload_elf_size;
		snprintf(p->source, sizeof p->source, "embedded");
		return 0;
	}
	size_t size;
	char *buf = file_read_all(path, 16 << 20, &size);
	if (!buf) {
		if (errno == EFBIG)
			snprintf(err, errlen, "payload %s has an implausible size (more than 16 MiB)", path);
		else
			snprintf(err, errlen, "cannot open payload %s: %s; fix: give the path of a payload ELF built by tlbvisor",
				 path, errno == EINVAL ? "not a regular file" : strerror(errno));
		return -1;
	}
	if (size < 4 || memcmp(buf, "\x7f" "ELF", 4) != 0) {
		free(buf);
		snprintf(err, errlen, "payload %s is not an ELF file; fix: give the payload.elf that the build produced", path);
		return -1;
	}
	p->image = buf;
	p->size = size;
	snprintf(p->source, sizeof p->source, "%s", path);
	return 0;
}

void payload_free(struct payload *p)
{
	if (p->image && p->image != tv_payload_elf)
		free((void *)p->image);
	p->image = NULL;
}
