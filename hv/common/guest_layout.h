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
#define GUEST_EFER 0xd00ull      /* NXE LMA LME */
/* IOPL=3 (bits 13:12): CPL3 port I/O is then allowed without consulting the
 * TSS I/O bitmap (SDM Vol. 1 19.5.1; APM Vol. 2 13.3). The TR stays a busy
 * TSS (type 11), as VM entry demands in IA-32e mode (SDM 26.3.1.2), and
 * QEMU's TCG, which checks the bitmap only for a TR of type 9, lets the
 * payload reach its ports too. Bit 1 is reserved, always 1. */
#define GUEST_RFLAGS 0x3002ull

struct guest_layout {
	uint64_t cr3;
	uint64_t pt_tables;   /* page-table pages built */
};

/* Builds everything; returns PT_OK or the paging engine's error. */
enum pt_status guest_layout_build(uint8_t *sys, uint64_t sys_size,
				  const struct tv_payload_header *hdr, uint64_t ws_mem_size,
				  uint64_t guest_page, struct guest_layout *out);

/* Bytes of guest system memory for a working set mapped with guest_page. */
uint64_t guest_layout_sys_size(uint64_t ws_mem_size, uint64_t guest_page);

#endif
