/* AMD-V (SVM) for tlbvisor's hypervisor (hv/hyp/vendor.h): capabilities and
 * bring-up, the VMCB for a cell, the VMRUN loop, following the AMD64
 * Architecture Programmer's Manual Vol. 2, chapter 15 ("APM"). */
#ifndef TLBVISOR_SVM_H
#define TLBVISOR_SVM_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hyp/vendor.h"

/* MSRs, APM 15.30. */
#define MSR_VM_CR 0xc0010114
#define VM_CR_SVMDIS (1ull << 4)     /* firmware disabled SVM: EFER.SVME cannot be set */
#define MSR_VM_HSAVE_PA 0xc0010117   /* where VMRUN saves the host state (15.30.4) */
#define EFER_SVME (1ull << 12)       /* SVM enable (15.4) */

/* CPUID 8000_000AH (15.4, APM Vol. 3 appendix E): EAX revision, EBX number
 * of ASIDs, EDX features. */
#define SVM_FEATURE_NP (1u << 0)           /* nested paging */
#define SVM_FEATURE_NRIPS (1u << 3)        /* next RIP saved on #VMEXIT */
#define SVM_FEATURE_FLUSH_BY_ASID (1u << 6) /* TLB_CONTROL 3 and 7 */

/* Intercept bits, VMCB table B-1: word at 00Ch ... */
#define INTERCEPT_INTR (1u << 0)
#define INTERCEPT_NMI (1u << 1)
#define INTERCEPT_CPUID (1u << 18)
#define INTERCEPT_HLT (1u << 24)
#define INTERCEPT_IOIO_PROT (1u << 27)
#define INTERCEPT_SHUTDOWN (1u << 31)
/* ... and at 010h: VMRUN must be intercepted or VMRUN fails (15.5.1). */
#define INTERCEPT_VMRUN (1u << 0)

/* TLB_CONTROL, APM 15.16. */
#define TLB_CONTROL_NOTHING 0
#define TLB_CONTROL_FLUSH_ALL 1
#define TLB_CONTROL_FLUSH_ASID 3

#define V_INTR_MASKING (1u << 24)    /* V_INTR at 060h: host RFLAGS.IF masks physical interrupts (15.21.1) */
#define NP_ENABLE (1ull << 0)        /* 090h: nested paging on (15.25.3) */

/* IOIO intercept EXITINFO1, APM 15.10.2. */
#define IOIO_IN (1u << 0)
#define IOIO_STRING (1u << 2)
#define IOIO_REP (1u << 3)
#define IOIO_SIZE(i) ((i) & (1u << 4) ? 1u : (i) & (1u << 5) ? 2u : 4u) /* SZ8, SZ16, SZ32 */
#define IOIO_PORT(i) (((i) >> 16) & 0xffff)

/* I/O and MSR permission maps (15.10.1, 15.11): 12 KiB and 8 KiB. */
#define IOPM_BYTES (12u << 10)
#define MSRPM_BYTES (8u << 10)

struct svm_caps {
	bool usable;
	uint32_t revision, nasid, features;
	bool page1gb, la57;
	const char *timer_why;      /* why the APIC timer (watchdog, exit_ticks) is unusable, or NULL */
	uint64_t host_save_pa;      /* VMSAVE area with the hypervisor's own TR, FS, GS ... */
};

extern struct svm_caps svm_caps;

const char *svm_bringup(void);

/* One cell's VMCB and the entry loop's state. */
struct svm_cell {
	uint8_t *vmcb;
	uint64_t vmcb_pa;
	bool tagged;
	bool first_entry;           /* flush the ASID's stale entries before the first VMRUN */
	uint64_t entry_tsc;         /* TSC at the last VMRUN */
	uint64_t ran;               /* TSC ticks from that VMRUN to its #VMEXIT */
	uint64_t budget;            /* TSC ticks the command may still run (watchdog) */
	uint64_t timer_seen;        /* host_timer_interrupts at the last VMRUN */
};

/* Program the VMCB of s for guest g (svm_setup.c). */
void svm_setup_vmcb(struct svm_cell *s, const struct hv_guest *g, uint32_t asid);
int svm_run_guest(struct exit_ctx *x);
extern const struct exit_table svm_exit_table;

void svm_pmu_probe(struct hv_pmu *p, const uint64_t *raw, unsigned nraw);

#endif
