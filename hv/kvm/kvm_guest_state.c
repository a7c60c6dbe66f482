#include "kvm_guest_state.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hv/paging/paging.h"
#include "hv/paging/pt_arena.h"

#define CPUID_MAX_ENTRIES 256
#define CPUID_80000001_EDX_PAGE1GB (1u << 26)

static struct kvm_cpuid2 *cpuid_alloc(void)
{
	return calloc(1, sizeof(struct kvm_cpuid2) + CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
}

/* Give the guest what KVM supports (long mode must be in CPUID or KVM refuses
 * EFER.LME), ask for Page1GB, then read back what the guest really got:
 * KVM_GET_SUPPORTED_CPUID is not the truth on every KVM. */
int kvm_guest_set_cpuid(struct kvm_guest *g, char *err, size_t errlen)
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
	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function == 0x80000001)
			c->entries[i].edx |= CPUID_80000001_EDX_PAGE1GB;
	if (ioctl(g->vcpu_fd, KVM_SET_CPUID2, c) < 0) {
		snprintf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
		free(c);
		return -1;
	}
	memset(c, 0, sizeof(struct kvm_cpuid2));
	c->nent = CPUID_MAX_ENTRIES;
	g->guest_pdpe1gb = false;
	if (ioctl(g->vcpu_fd, KVM_GET_CPUID2, c) == 0)
		for (unsigned i = 0; i < c->nent; i++)
			if (c->entries[i].function == 0x80000001)
				g->guest_pdpe1gb = (c->entries[i].edx & CPUID_80000001_EDX_PAGE1GB) != 0;
	free(c);
	return 0;
}

/* Segment descriptors, SDM Vol. 3A 3.4.5 / 5.2.1: 64-bit code has L=1. */
#define GDT_KCODE 0x00af9a000000ffffull
#define GDT_KDATA 0x00cf92000000ffffull
#define GDT_UCODE 0x00affa000000ffffull
#define GDT_UDATA 0x00cff2000000ffffull

/* 64-bit TSS, SDM Vol. 3A 8.7: RSP0 at 4, I/O map base at 102; the bitmap
 * follows the 104-byte TSS and ends with an all-ones byte (SDM 20.5.2). */
#define TSS_SIZE 104u
#define IOBITMAP_BYTES 8192u
#define TSS_LIMIT (TSS_SIZE + IOBITMAP_BYTES)

static void write_gdt(uint8_t *sys)
{
	uint64_t *gdt = (uint64_t *)(sys + TV_GDT_ADDR);
	gdt[0] = 0;
	gdt[1] = GDT_KCODE;
	gdt[2] = GDT_KDATA;
	gdt[3] = GDT_UCODE;
	gdt[4] = GDT_UDATA;
	uint64_t base = TV_TSS_ADDR, limit = TSS_LIMIT;
	/* System descriptor, type 0xB = busy 64-bit TSS (matches the loaded TR). */
	gdt[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x8bull << 40) |
		 (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[6] = base >> 32;
}

/* Interrupt gates to the payload's CPL0 stubs, SDM Vol. 3A 6.14.1. */
static void write_idt(uint8_t *sys, const struct tv_payload_header *hdr)
{
	uint64_t *idt = (uint64_t *)(sys + TV_IDT_ADDR);
	for (uint64_t v = 0; v < hdr->stub_count && v < 32; v++) {
		uint64_t off = hdr->fault_stubs + v * hdr->stub_size;
		idt[2 * v] = (off & 0xffff) | ((uint64_t)TV_SEL_KCODE << 16) | (0x8eull << 40) |
			     (((off >> 16) & 0xffff) << 48);
		idt[2 * v + 1] = off >> 32;
	}
}

static void write_tss(uint8_t *sys)
{
	uint8_t *tss = sys + TV_TSS_ADDR;
	memset(tss, 0, TSS_LIMIT + 1);
	uint64_t rsp0 = TV_KSTACK_TOP;
	memcpy(tss + 4, &rsp0, sizeof rsp0);
	uint16_t iomap = TSS_SIZE;
	memcpy(tss + 102, &iomap, sizeof iomap);
	uint8_t *bitmap = tss + TSS_SIZE;
	memset(bitmap, 0xff, IOBITMAP_BYTES + 1);
	/* A clear bit allows the port at CPL3. */
	for (unsigned port = TV_PORT_DONE; port <= TV_PORT_FAULT; port++)
		for (unsigned b = 0; b < 4; b++) /* 32-bit accesses span 4 port bits */
			bitmap[(port + b) / 8] &= (uint8_t)~(1u << ((port + b) % 8));
}

static int build_page_tables(struct kvm_guest *g, uint64_t ws_mem_size, uint64_t guest_page,
			     uint64_t *cr3, char *err, size_t errlen)
{
	struct pt_arena arena;
	pt_arena_init(&arena, g->sys + TV_PT_POOL_ADDR, TV_PT_POOL_ADDR, g->sys_size - TV_PT_POOL_ADDR);
	struct pt_table t;
	enum pt_status s = pt_init(&t, &pt_format_x86, 4, pt_arena_mem(&arena));
	/* Page 0 stays unmapped so a null pointer in the payload faults. */
	if (s == PT_OK)
		s = pt_map(&t, 0x1000, 0x1000, TV_PT_POOL_ADDR - 0x1000, PT_SIZE_4K,
			   PT_R | PT_W | PT_X | PT_U);
	if (s == PT_OK)
		s = pt_map(&t, TV_WS_ADDR, TV_WS_ADDR, ws_mem_size, guest_page, PT_R | PT_W | PT_U);
	if (s != PT_OK) {
		snprintf(err, errlen, "building guest page tables: %s", pt_status_str(s));
		return -1;
	}
	g->pt_tables = t.tables_allocated;
	*cr3 = t.root;
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
			  uint64_t ws_mem_size, uint64_t guest_page, char *err, size_t errlen)
{
	uint64_t cr3;
	write_gdt(g->sys);
	write_idt(g->sys, hdr);
	write_tss(g->sys);
	if (build_page_tables(g, ws_mem_size, guest_page, &cr3, err, errlen) < 0)
		return -1;

	struct kvm_sregs sr;
	if (ioctl(g->vcpu_fd, KVM_GET_SREGS, &sr) < 0) {
		snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
		return -1;
	}
	/* Long mode directly: CR0.PE|PG, CR4.PAE, EFER.LME|LMA (SDM Vol. 3A 10.8.5). */
	sr.cr0 = (1u << 0) | (1u << 1) | (1u << 4) | (1u << 5) | (1u << 16) | (1u << 31); /* PE MP ET NE WP PG */
	sr.cr4 = (1u << 5) | (1u << 9) | (1u << 10); /* PAE OSFXSR OSXMMEXCPT */
	sr.efer = (1u << 8) | (1u << 10) | (1u << 11); /* LME LMA NXE */
	sr.cr3 = cr3;
	sr.cs = seg(TV_SEL_UCODE, 11, 3, true);
	sr.ss = sr.ds = sr.es = sr.fs = sr.gs = seg(TV_SEL_UDATA, 3, 3, false);
	sr.tr = (struct kvm_segment){ .base = TV_TSS_ADDR, .limit = TSS_LIMIT, .selector = TV_SEL_TSS,
				      .type = 11, .present = 1 };
	sr.ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	sr.gdt.base = TV_GDT_ADDR;
	sr.gdt.limit = 7 * 8 - 1;
	sr.idt.base = TV_IDT_ADDR;
	sr.idt.limit = 32 * 16 - 1;
	if (ioctl(g->vcpu_fd, KVM_SET_SREGS, &sr) < 0) {
		snprintf(err, errlen, "KVM_SET_SREGS (64-bit CPL3 state): %s", strerror(errno));
		return -1;
	}
	struct kvm_regs regs = { .rip = entry, .rsp = TV_USTACK_TOP, .rflags = 0x2 };
	if (ioctl(g->vcpu_fd, KVM_SET_REGS, &regs) < 0) {
		snprintf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}
