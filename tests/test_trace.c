/* bench/kvm_trace: exit reasons bucketed from a synthetic perf sample ring,
 * laid out as the kernel writes it (include/uapi/linux/perf_event.h: a
 * metadata page, then a power-of-two data ring of records, each a
 * perf_event_header; PERF_SAMPLE_RAW samples carry a u32 size and the
 * tracepoint's raw record). VMX and SVM reasons, a ring that wraps, lost
 * records, records of other types, and a torn record. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/backends/kvm/kvm_trace.h"

/* kvm:kvm_exit's raw record as this test lays it out: exit_reason at 8, isa
 * at 24 (kvm_trace reads the offsets from the tracepoint's format file). */
#define REASON_OFFSET 8
#define ISA_OFFSET 24
#define RAW_SIZE 44 /* 8-byte header + 4-byte size + 44 = 56, a multiple of 8 */
#define ISA_VMX 1
#define ISA_SVM 2

struct ring {
	struct kvm_trace t;
	uint8_t *data;
	uint64_t size, head;
};

static void ring_init(struct ring *r, uint64_t start)
{
	memset(r, 0, sizeof *r);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	r->t.ring_size = (1 + KVM_TRACE_RING_PAGES) * page;
	r->t.ring = mmap(NULL, r->t.ring_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	cr_assert_neq(r->t.ring, MAP_FAILED);
	r->t.fd = open("/dev/null", O_RDONLY);
	r->t.reason_offset = REASON_OFFSET;
	r->t.isa_offset = ISA_OFFSET;
	r->data = (uint8_t *)r->t.ring + page;
	r->size = (uint64_t)KVM_TRACE_RING_PAGES * page;
	r->head = start;
	((struct perf_event_mmap_page *)r->t.ring)->data_tail = start;
}

static void put(struct ring *r, const void *bytes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		r->data[(r->head + i) % r->size] = ((const uint8_t *)bytes)[i];
	r->head += n;
}

static void sample(struct ring *r, uint32_t isa, uint32_t reason)
{
	struct perf_event_header h = { .type = PERF_RECORD_SAMPLE, .size = sizeof h + 4 + RAW_SIZE };
	uint8_t raw[RAW_SIZE] = { 0 };
	uint32_t raw_size = RAW_SIZE;
	memcpy(raw + REASON_OFFSET, &reason, 4);
	memcpy(raw + ISA_OFFSET, &isa, 4);
	put(r, &h, sizeof h);
	put(r, &raw_size, 4);
	put(r, raw, RAW_SIZE);
}

static void lost(struct ring *r, uint64_t n)
{
	struct perf_event_header h = { .type = PERF_RECORD_LOST, .size = sizeof h + 16 };
	uint64_t id = 7;
	put(r, &h, sizeof h);
	put(r, &id, 8);
	put(r, &n, 8);
}

static void publish(struct ring *r)
{
	__atomic_store_n(&((struct perf_event_mmap_page *)r->t.ring)->data_head, r->head, __ATOMIC_RELEASE);
}

Test(trace, vmx_and_svm_reasons_bucketed_across_a_wrapping_ring)
{
	struct ring r;
	/* Start 100 bytes before the end of the ring: the first records wrap. */
	ring_init(&r, (uint64_t)KVM_TRACE_RING_PAGES * (uint64_t)sysconf(_SC_PAGESIZE) - 100);
	for (int i = 0; i < 5; i++)
		sample(&r, ISA_VMX, 30);                 /* I/O instruction */
	for (int i = 0; i < 3; i++)
		sample(&r, ISA_VMX, 0x80000000u | 48);   /* EPT violation, entry-failure bit set: basic reason 48 */
	sample(&r, ISA_VMX, 10);                         /* CPUID */
	for (int i = 0; i < 4; i++)
		sample(&r, ISA_SVM, 0x7b);               /* SVM IOIO */
	sample(&r, ISA_SVM, 0x400);                      /* SVM NPF */
	sample(&r, ISA_SVM, 0x72);                       /* SVM CPUID */
	sample(&r, ISA_SVM, 0x10000);                    /* beyond the table */
	lost(&r, 6);
	struct perf_event_header other = { .type = PERF_RECORD_THROTTLE, .size = sizeof other + 24 };
	uint8_t pad[24] = { 0 };
	put(&r, &other, sizeof other);
	put(&r, pad, sizeof pad);
	publish(&r);
	kvm_trace_drain(&r.t);
	cr_assert_eq(r.t.counts[30], 5);
	cr_assert_eq(r.t.counts[48], 3);
	cr_assert_eq(r.t.counts[10], 1);
	cr_assert_eq(r.t.counts[0x7b], 4);
	cr_assert_eq(r.t.counts[0x400], 1);
	cr_assert_eq(r.t.counts[0x72], 1);
	cr_assert_eq(r.t.counts[KVM_TRACE_REASONS], 1, "a reason beyond the table counts as other");
	cr_assert_eq(r.t.total, 16);
	cr_assert_eq(r.t.lost, 6);
	uint64_t sum = 0;
	for (int i = 0; i <= KVM_TRACE_REASONS; i++)
		sum += r.t.counts[i];
	cr_assert_eq(sum, 16, "nothing counted twice or elsewhere");
	cr_assert_eq(((struct perf_event_mmap_page *)r.t.ring)->data_tail, r.head, "the ring is consumed");
	/* More samples later are added; a reset clears. */
	sample(&r, ISA_VMX, 30);
	publish(&r);
	kvm_trace_drain(&r.t);
	cr_assert_eq(r.t.counts[30], 6);
	kvm_trace_reset(&r.t);
	cr_assert_eq(r.t.counts[30], 0);
	cr_assert_eq(r.t.total, 0);
	kvm_trace_close(&r.t);
}

Test(trace, a_torn_record_stops_the_drain_and_counts_as_lost)
{
	struct ring r;
	ring_init(&r, 0);
	sample(&r, ISA_VMX, 12);
	struct perf_event_header torn = { .type = PERF_RECORD_SAMPLE, .size = 4 };
	put(&r, &torn, sizeof torn);
	sample(&r, ISA_VMX, 12);
	publish(&r);
	kvm_trace_drain(&r.t);
	cr_assert_eq(r.t.counts[12], 1);
	cr_assert_eq(r.t.total, 1);
	cr_assert_eq(r.t.lost, 1);
	cr_assert_eq(((struct perf_event_mmap_page *)r.t.ring)->data_tail, r.head);
	kvm_trace_close(&r.t);
}
