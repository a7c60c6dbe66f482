/* VM-exit reasons from the kvm:kvm_exit tracepoint: one sample per exit of
 * this thread's vCPU, grouped by exit_reason. Where the tracepoint is not
 * permitted or not fired (kvm_pvm never fires it) the cell says why. */
#ifndef TLBVISOR_KVM_TRACE_H
#define TLBVISOR_KVM_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* Exit reasons counted one by one: VMX basic exit reasons (SDM Vol. 3D
 * appendix C, below 80) and SVM exit codes up to VMEXIT_NPF 0x400 and the
 * AVIC/VMGEXIT codes after it (AMD APM Vol. 2 appendix C); above: "other". */
#define KVM_TRACE_REASONS 0x404
/* Pages of the sample ring (a power of two, after the metadata page). */
#define KVM_TRACE_RING_PAGES 256

struct kvm_trace {
	int fd;
	void *ring;
	size_t ring_size;
	unsigned reason_offset, isa_offset;
	uint64_t counts[KVM_TRACE_REASONS + 1]; /* last slot: reasons beyond the table */
	uint64_t total, lost;
	char why[256];    /* why there are no exit reasons ("" when open) */
};

/* Open kvm:kvm_exit on the calling thread; on failure t->why says why not. */
void kvm_trace_open(struct kvm_trace *t);
/* The same for any kvm:<event>, grouped by one of its 32-bit fields. */
void kvm_trace_open_event(struct kvm_trace *t, const char *event, const char *field);
/* Fold the samples so far into the counts (call at phase ends). */
void kvm_trace_drain(struct kvm_trace *t);
void kvm_trace_reset(struct kvm_trace *t);
void kvm_trace_close(struct kvm_trace *t);

#endif
