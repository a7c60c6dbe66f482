#include "kvm_guest_state.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv/common/descriptors.h"
#include "hv/common/guest_layout.h"

#define CPUID_MAX_ENTRIES 256
#define CPUID_80000001_EDX_PAGE1GB (1u << 26)
#define CPUID_7_ECX_LA57 (1u << 16)

static struct kvm_cpuid2 *cpuid_alloc(void)
{
	return calloc(1, sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
}

/* Give the guest what KVM supports (long mode must be in CPUID or KVM refuses
 * EFER.LME), ask for Page1GB, then read back what the guest really got:
 * KVM_GET_SUPPORTED_CPUID is not the truth on every KVM. */
int kvm_guest_set_cpuid(struct kvm_guest *g, unsigned phys_bits, char *err, size_t errlen)
{
	struct kvm_cpuid2 *c = cpuid_alloc();
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->nent = CPUID_MAX_ENTRIES;
	if (ioctl(g->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		free(c);
		return -1;
	}
	for (unsigned i = 0; i < c->nent; i++) {
		if (c->entries[i].function == 0x80000001)
			c->entries[i].edx |= CPUID_80000001_EDX_PAGE1GB;
		/* MAXPHYADDR in EAX[7:0]: KVM picks 5-level TDP above 48 bits. */
		if (c->entries[i].function == 0x80000008 && phys_bits)
			c->entries[i].eax = (c->entries[i].eax & ~0xffu) | phys_bits;
	}
	if (ioctl(g->vcpu_fd, KVM_SET_CPUID2, c) < 0) {
		snprintf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
		free(c);
		return -1;
	}
	memset(c, 0, sizeof(struct kvm_cpuid2));
	c->nent = CPUID_MAX_ENTRIES;
	g->guest_pdpe1gb = g->guest_la57 = false;
	if (ioctl(g->vcpu_fd, KVM_GET_CPUID2, c) == 0)
		for (unsigned i = 0; i < c->nent; i++) {
			if (c->entries[i].function == 0x80000001)
				g->guest_pdpe1gb = (c->entries[i].edx & CPUID_80000001_EDX_PAGE1GB) != 0;
			if (c->entries[i].function == 7 && c->entries[i].index == 0)
				g->guest_la57 = (c->entries[i].ecx & CPUID_7_ECX_LA57) != 0;
		}
	free(c);
	return 0;
}

static struct kvm_segment seg(uint16_t sel, uint8_t type, uint8_t dpl, bool code)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = sel, .type = type, .present = 1,
		.dpl = dpl, .db = code ? 0 : 1, .s = 1, .l = code ? 1 : 0, .g = 1,
	};
}

int kvm_guest_build_state(struct kvm_guest *g, const struct tv_payload_header *hdr, uint64_t entry,
			  uint64_t ws_mem_size, uint64_t guest_page, unsigned levels, char *err,
			  size_t errlen)
{
	struct guest_layout layout;
	enum pt_status ps = guest_layout_build_levels(g->sys, g->sys_size, hdr, ws_mem_size, guest_page,
						      levels, &layout);
	if (ps != PT_OK) {
		snprintf(err, errlen, "building guest page tables: %s", pt_status_str(ps));
		return -1;
	}
	g->pt_tables = layout.pt_tables;

	struct kvm_sregs sr;
	if (ioctl(g->vcpu_fd, KVM_GET_SREGS, &sr) < 0) {
		snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	/* Long mode directly: CR0.PE|PG, CR4.PAE, EFER.LME|LMA (SDM Vol. 3A 10.8.5). */
	sr.cr0 = GUEST_CR0;
	sr.cr4 = GUEST_CR4 | (levels == 5 ? GUEST_CR4_LA57 : 0);
	sr.efer = GUEST_EFER;
	sr.cr3 = layout.cr3;
	sr.cs = seg(TV_SEL_UCODE, 11, 3, true);
	sr.ss = sr.ds = sr.es = sr.fs = sr.gs = seg(TV_SEL_UDATA, 3, 3, false);
	sr.tr = (struct kvm_segment){ .base = TV_TSS_ADDR, .limit = GUEST_TSS_LIMIT, .selector = TV_SEL_TSS,
				      .type = DESC_TYPE_TSS64_BUSY, .present = 1 }; /* see guest_layout.h */
	sr.ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	sr.gdt.base = TV_GDT_ADDR;
	sr.gdt.limit = GUEST_GDT_LIMIT;
	sr.idt.base = TV_IDT_ADDR;
	sr.idt.limit = GUEST_IDT_LIMIT;
	if (ioctl(g->vcpu_fd, KVM_SET_SREGS, &sr) < 0) {
		if (levels == 5) {
			snprintf(err, errlen, "this KVM refused CR4.LA57 (5-level guest paging) in KVM_SET_SREGS: %s",
				 strerror(errno));
			return KVM_GUEST_UNSUPPORTED;
		}
		snprintf(err, errlen, "KVM_SET_SREGS (64-bit CPL3 state): %s", strerror(errno));
		return -1;
	}
	struct kvm_regs regs = { .rip = entry, .rsp = TV_USTACK_TOP, .rflags = GUEST_RFLAGS };
	if (ioctl(g->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		snprintf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}
