#include "bench/backends/kvm/kvm_trace.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const tracefs_roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static int read_format(const char *root, const char *event, const char *field, unsigned *id,
		       unsigned *reason_off, unsigned *isa_off)
{
	char path[256], line[512], want[80];
	snprintf(path, sizeof path, "%s/events/kvm/%s/format", root, event);
	snprintf(want, sizeof want, " %s;", field);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	*id = 0;
	*reason_off = *isa_off = ~0u;
	while (fgets(line, sizeof line, f)) {
		unsigned v;
		if (sscanf(line, "ID: %u", &v) == 1)
			*id = v;
		char *off = strstr(line, "offset:");
		if (!off)
			continue;
		if (strstr(line, want))
			*reason_off = (unsigned)atoi(off + 7);
		else if (strstr(line, " isa;"))
			*isa_off = (unsigned)atoi(off + 7);
	}
	fclose(f);
	return *id && *reason_off != ~0u ? 0 : -1;
}

void kvm_trace_open(struct kvm_trace *t)
{
	kvm_trace_open_event(t, "kvm_exit", "exit_reason");
}

void kvm_trace_open_event(struct kvm_trace *t, const char *event, const char *field)
{
	memset(t, 0, sizeof *t);
	t->fd = -1;
	unsigned id = 0;
	const char *root = NULL;
	for (size_t i = 0; i < sizeof tracefs_roots / sizeof *tracefs_roots && !root; i++)
		if (read_format(tracefs_roots[i], event, field, &id, &t->reason_offset, &t->isa_offset) == 0)
			root = tracefs_roots[i];
	if (!root) {
		snprintf(t->why, sizeof t->why,
			 access("/sys/kernel/tracing/events", F_OK) == 0
				 ? "the kvm tracepoint is not available on this kernel"
				 : "tracefs is not mounted (fix: mount -t tracefs nodev /sys/kernel/tracing) or not readable");
		return;
	}
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.size = sizeof attr;
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = id;
	attr.sample_period = 1;
	attr.sample_type = PERF_SAMPLE_RAW;
	attr.wakeup_events = 1u << 30;
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(t->why, sizeof t->why, "perf_event_open(kvm:%s) failed: %s%s", event, strerror(errno),
			 errno == EACCES || errno == EPERM ? " (fix: run as root or lower /proc/sys/kernel/perf_event_paranoid)" : "");
		return;
	}
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	t->ring_size = (1 + KVM_TRACE_RING_PAGES) * page;
	t->ring = mmap(NULL, t->ring_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (t->ring == MAP_FAILED) {
		t->ring = NULL;
		snprintf(t->why, sizeof t->why, "mmap of the kvm:kvm_exit sample buffer failed: %s", strerror(errno));
		close(fd);
		return;
	}
	t->fd = fd;
}

void kvm_trace_drain(struct kvm_trace *t)
{
	if (t->fd < 0)
		return;
	struct perf_event_mmap_page *meta = t->ring;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *data = (uint8_t *)t->ring + page;
	uint64_t size = (uint64_t)KVM_TRACE_RING_PAGES * page;
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = meta->data_tail;
	uint8_t rec[512];
	while (tail < head) {
		struct perf_event_header h;
		for (size_t i = 0; i < sizeof h; i++)
			((uint8_t *)&h)[i] = data[(tail + i) % size];
		if (h.size < sizeof h) {
			t->lost++; /* a malformed record: give up on what is in the ring */
			tail = head;
			break;
		}
		size_t n = h.size < sizeof rec ? h.size : sizeof rec;
		for (size_t i = 0; i < n; i++)
			rec[i] = data[(tail + i) % size];
		if (h.type == PERF_RECORD_SAMPLE && n >= sizeof h + 4) {
			uint32_t raw_size;
			memcpy(&raw_size, rec + sizeof h, 4);
			const uint8_t *raw = rec + sizeof h + 4;
			if (t->reason_offset + 4 <= raw_size && sizeof h + 4 + raw_size <= n) {
				uint32_t reason;
				memcpy(&reason, raw + t->reason_offset, 4);
				uint32_t isa = 0;
				if (t->isa_offset != ~0u && t->isa_offset + 4 <= raw_size)
					memcpy(&isa, raw + t->isa_offset, 4);
				if (isa == 1) /* VMX: the basic exit reason is bits 15:0 */
					reason &= 0xffff;
				t->counts[reason < KVM_TRACE_REASONS ? reason : KVM_TRACE_REASONS]++;
				t->total++;
			}
		} else if (h.type == PERF_RECORD_LOST && n >= sizeof h + 16) {
			uint64_t lost;
			memcpy(&lost, rec + sizeof h + 8, 8);
			t->lost += lost;
		}
		tail += h.size;
	}
	__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
}

void kvm_trace_reset(struct kvm_trace *t)
{
	kvm_trace_drain(t);
	memset(t->counts, 0, sizeof t->counts);
	t->total = t->lost = 0;
}

void kvm_trace_close(struct kvm_trace *t)
{
	if (t->ring)
		munmap(t->ring, t->ring_size);
	if (t->fd >= 0)
		close(t->fd);
	t->ring = NULL;
	t->fd = -1;
}
