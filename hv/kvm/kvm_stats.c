#include "kvm_stats.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int kvm_stats_open(struct kvm_stats *s, int stats_fd)
{
	memset(s, 0, sizeof *s);
	s->fd = stats_fd;
	struct kvm_stats_header h;
	if (pread(stats_fd, &h, sizeof h, 0) != (ssize_t)sizeof h)
		goto fail;
	size_t desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	uint8_t *descs = calloc(h.num_desc, desc_size);
	if (!descs)
		goto fail;
	if (pread(stats_fd, descs, h.num_desc * desc_size, h.desc_offset) !=
	    (ssize_t)(h.num_desc * desc_size)) {
		free(descs);
		goto fail;
	}
	s->data_offset = h.data_offset;
	for (uint32_t i = 0; i < h.num_desc && s->count < KVM_STATS_MAX; i++) {
		const struct kvm_stats_desc *d = (const void *)(descs + i * desc_size);
		unsigned k = s->count++;
		strncpy(s->names[k], d->name, KVM_STATS_NAME - 1);
		s->offset[k] = d->offset / sizeof(uint64_t);
		s->size[k] = d->size;
		s->flags[k] = d->flags;
		uint32_t end = s->offset[k] + d->size;
		if (end > s->data_words)
			s->data_words = end;
	}
	free(descs);
	return 0;
fail:
	close(stats_fd);
	s->fd = -1;
	if (!errno)
		errno = EIO;
	return -1;
}

void kvm_stats_close(struct kvm_stats *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int kvm_stats_read(const struct kvm_stats *s, struct kvm_stats_snapshot *snap)
{
	uint64_t buf[4096];
	size_t words = s->data_words < 4096 ? s->data_words : 4096;
	if (pread(s->fd, buf, words * sizeof(uint64_t), (off_t)s->data_offset) !=
	    (ssize_t)(words * sizeof(uint64_t)))
		return -1;
	for (unsigned i = 0; i < s->count; i++)
		snap->value[i] = s->offset[i] < words ? buf[s->offset[i]] : 0;
	return 0;
}

int kvm_stats_find(const struct kvm_stats *s, const char *name)
{
	for (unsigned i = 0; i < s->count; i++)
		if (!strcmp(s->names[i], name))
			return (int)i;
	return -1;
}

int kvm_stats_is_cumulative(const struct kvm_stats *s, int index)
{
	return (s->flags[index] & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_CUMULATIVE;
}
