/* KVM binary statistics (KVM_GET_STATS_FD, Linux 5.14+): the descriptors are
 * read once, the data block with one pread per snapshot. */
#ifndef TLBVISOR_KVM_STATS_H
#define TLBVISOR_KVM_STATS_H

#include <stdint.h>

#define KVM_STATS_MAX 128
#define KVM_STATS_NAME 48

struct kvm_stats {
	int fd;
	unsigned count;
	uint64_t data_offset;
	char names[KVM_STATS_MAX][KVM_STATS_NAME];
	uint32_t offset[KVM_STATS_MAX];   /* in u64 units from the data block */
	uint32_t size[KVM_STATS_MAX];     /* u64 values per stat (histograms: many) */
	uint32_t flags[KVM_STATS_MAX];    /* KVM_STATS_TYPE_* | UNIT | BASE */
	uint32_t data_words;
};

struct kvm_stats_snapshot {
	uint64_t value[KVM_STATS_MAX]; /* first value of each stat */
};

/* Takes ownership of stats_fd. Returns 0, or -1 with errno set. */
int kvm_stats_open(struct kvm_stats *s, int stats_fd);
void kvm_stats_close(struct kvm_stats *s);
int kvm_stats_read(const struct kvm_stats *s, struct kvm_stats_snapshot *snap);
/* Index of a stat by name, or -1. */
int kvm_stats_find(const struct kvm_stats *s, const char *name);
/* Is the stat cumulative (a delta is meaningful) rather than an instant value? */
int kvm_stats_is_cumulative(const struct kvm_stats *s, int index);

#endif
