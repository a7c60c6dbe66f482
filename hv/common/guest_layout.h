/*
 * The guest's system structures, shared by every hypervisor backend (KVM and
 * the VMX hypervisor): GDT, IDT pointing at the payload's exception stubs,
 * 64-bit TSS with the I/O permission bitmap that lets CPL3 reach the ABI
 * ports, and the guest page tables built by hv/paging. Freestanding.
 *
 * 'sys' is the host view of guest-physical [0, sys_size); the working set is
 * mapped at TV_WS_ADDR (guest-virtual == guest-physical).
 */
#ifndef TLBVISOR_GUEST_LAYOUT_H
#define TLBVISOR_GUEST_LAYOUT_H

#include <stdint.h>

#include "hv/paging/paging.h"
#include "workloads/tv_abi.h"

/* 64-bit TSS (SDM Vol. 3A 8.7) followed by the I/O bitmap and its all-ones
 * terminating byte (SDM Vol. 1 19.5.2). */
#define GUEST_TSS_SIZE 104u
#define GUEST_IOBITMAP_BYTES 8192u
#define GUEST_TSS_LIMIT (GUEST_TSS_SIZE + GUEST_IOBITMAP_BYTES)
#define GUEST_GDT_LIMIT (7 * 8 - 1)
#define GUEST_IDT_LIMIT (32 * 16 - 1)

/* Architectural state of the guest at entry, 64-bit CPL3. */
#define GUEST_CR0 0x80010033ull  /* PG WP NE ET MP PE */
#define GUEST_CR4 0x620ull       /* OSXMMEXCPT OSFXSR PAE */
#define GUEST_CR4_LA57 0x1000ull /* 5-level paging, SDM Vol. 3A 4.5 */
#define GUEST_EFER 0xd00ull      /* NXE LMA LME */
/*
 * Port I/O from the CPL3 payload: TR holds a busy TSS and RFLAGS.IOPL is 3,
 * under every backend (KVM, VMX, SVM).
 *
 * TR holds a busy 64-bit TSS (type 11, DESC_TYPE_TSS64_BUSY), as on every CPU
 * after LTR (SDM Vol. 3A 8.2.4, "Task Register"). VMX demands it: VM entry
 * checks that guest TR's type is 11 in IA-32e mode (SDM Vol. 3C 26.3.1.2,
 * "Checks on Guest Segment Registers"); with type 9 every entry fails
 * (reason 0x80000021, Bochs: "VMCS guest incorrect TR type"). AMD's VMRUN
 * does not check the TR type (APM Vol. 2 15.5.1: its consistency checks omit
 * it).
 *
 * QEMU TCG, the CPU under the emulated kvm_amd and tlbvisor's SVM
 * hypervisor, caches TR with the available type (9) after LTR, and its
 * I/O-permission check (target/i386 seg_helper.c, check_io: "TSS must be a
 * valid 32 bit one") refuses any TR whose cached type is not exactly 9. A
 * busy TR loaded from the VMCB (what KVM_SET_SREGS gave it) made the
 * payload's first `out` #GP there: an emulator behaviour, not KVM's or AMD's.
 *
 * The TSS I/O permission bitmap is consulted only when CPL > IOPL (SDM Vol. 1
 * 19.5.1-19.5.2; APM Vol. 1 3.8.3, "Protected-Mode I/O"). With IOPL=3
 * (RFLAGS bits 13:12) the payload's port I/O never reads it wherever IOPL is
 * honoured (QEMU TCG, Bochs, kvm_intel and kvm_amd), so type 11 is right
 * everywhere and no vendor needs its own TR; the ports still exit, every
 * hypervisor intercepts them. kvm_pvm drops an IOPL set through KVM_SET_REGS;
 * there the bitmap (guest_layout.c) decides, so it stays. Bit 1 is reserved,
 * always 1.
 */
#define GUEST_RFLAGS 0x3002ull

struct guest_layout {
	uint64_t cr3;
	uint64_t pt_tables;   /* page-table pages built */
};

/* Builds everything with 4-level guest paging; returns PT_OK or the paging
 * engine's error. */
enum pt_status guest_layout_build(uint8_t *sys, uint64_t sys_size,
				  const struct tv_payload_header *hdr, uint64_t ws_mem_size,
				  uint64_t guest_page, struct guest_layout *out);
/* The same with 'levels' of guest paging: 4, or 5 for CR4.LA57. */
enum pt_status guest_layout_build_levels(uint8_t *sys, uint64_t sys_size,
					 const struct tv_payload_header *hdr, uint64_t ws_mem_size,
					 uint64_t guest_page, unsigned levels, struct guest_layout *out);

/* Bytes of guest system memory for a working set mapped with guest_page. */
uint64_t guest_layout_sys_size(uint64_t ws_mem_size, uint64_t guest_page);

#endif
