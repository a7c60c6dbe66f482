/* VM-exit reasons from the kvm:kvm_exit tracepoint: one sample per exit of
 * this thread's vCPU, grouped by exit_reason and named by the vendor's table. Where the tracepoint is not
 * permitted or not fired (kvm_pvm never fires it) the cell says why. */
#ifndef TLBVISOR_KVM_TRACE_H
#define TLBVISOR_KVM_TRACE_H

#include <stddef.h>
#include <stdint.h>

/* Distinct exit reasons counted one by one; more go to "other". */
#define KVM_TRACE_SLOTS 32
/* Pages of the sample ring (a power of two, after the metadata page). */
#define KVM_TRACE_RING_PAGES 256

/* kvm:kvm_exit's isa field (arch/x86/kvm/trace.h: KVM_ISA_VMX, KVM_ISA_SVM). */
enum kvm_trace_isa { KVM_TRACE_ISA_UNKNOWN = 0, KVM_TRACE_ISA_VMX = 1, KVM_TRACE_ISA_SVM = 2 };

struct kvm_trace_count {
	uint32_t reason;
	uint64_t n;
};

struct kvm_trace {
	int fd;
	void *ring;
	size_t ring_size;
	unsigned reason_offset, isa_offset;
	enum kvm_trace_isa isa;       /* of the last sample (one VM, one vendor) */
	struct kvm_trace_count counts[KVM_TRACE_SLOTS]; /* distinct reasons, in order of arrival */
	int nslots;
	uint64_t other;               /* samples of reasons beyond the slots */
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
/* Samples counted for one reason. */
uint64_t kvm_trace_count(const struct kvm_trace *t, uint32_t reason);
/* The reason's name by the sample's ISA: the VMX basic exit reason or the SVM
 * exit code as named in the hypervisor's tables (hv/vmx/vmx_exit_reasons.h,
 * hv/svm/svm_exit_codes.h), else its number. */
const char *kvm_trace_reason_name(const struct kvm_trace *t, uint32_t reason, char *buf, size_t len);

#endif
