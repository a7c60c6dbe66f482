/* SVM bring-up, as APM Vol. 2 15.4 ("Enabling SVM") and 15.30 describe it:
 * CPUID for SVM and its features, VM_CR for a firmware lock, EFER.SVME,
 * VM_HSAVE_PA, and the hypervisor's own VMSAVE state to come back to. The
 * local APIC timer is the watchdog (SVM has no VMX-preemption timer). */
#include "svm.h"

#include "hv/hyp/apic.h"
#include "hv/hyp/host.h"
#include "hv/hyp/x86.h"

struct svm_caps svm_caps;

const char *svm_bringup(void)
{
	static uint8_t hsave[4096] __attribute__((aligned(4096)));
	static uint8_t host_save[4096] __attribute__((aligned(4096)));
	struct svm_caps *c = &svm_caps;
	uint32_t a, b, cx, d;
	c->usable = false;
	cpuid(0x80000000, 0, &a, &b, &cx, &d);
	if (a < 0x8000000a)
		return "processor has no CPUID leaf 8000000AH (SVM features)";
	cpuid(0x80000001, 0, &a, &b, &cx, &d);
	if (!(cx & (1u << 2)))
		return "processor has no SVM (CPUID.80000001H:ECX.SVM = 0)";
	c->page1gb = d & (1u << 26);
	cpuid(0x8000000a, 0, &a, &b, &cx, &d);
	c->revision = a & 0xff;
	c->nasid = b;
	c->features = d;
	c->la57 = host_la57_available();
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
		return "SVM disabled by firmware (VM_CR.SVMDIS = 1, APM 15.30.1): enable SVM (AMD-V) in the BIOS";
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, (uint64_t)(uintptr_t)hsave);
	/* VMRUN and #VMEXIT switch only part of the state; TR, FS, GS, LDTR
	 * and the SYSCALL MSRs move with VMLOAD/VMSAVE (15.5.2). Keep the
	 * hypervisor's own to load back after every exit. */
	c->host_save_pa = (uint64_t)(uintptr_t)host_save;
	__asm__ volatile("vmsave %%rax" ::"a"(c->host_save_pa) : "memory");
	c->timer_why = apic_timer_init();
	c->usable = true;
	return 0;
}
