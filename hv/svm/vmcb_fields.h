/*
 * The VMCB fields tlbvisor uses, named once, as one X-macro table (AMD APM
 * Vol. 2 appendix B: table B-1 control area, table B-2 state-save area at
 * offset 400h). X(name, offset, bytes). The table drives the code's names
 * for fields (vmcb_read/vmcb_write by name) and the dump of every field by
 * name after a VMRUN that failed its consistency checks (VMEXIT_INVALID).
 */
#ifndef TLBVISOR_VMCB_FIELDS_H
#define TLBVISOR_VMCB_FIELDS_H

#include <stdint.h>

#define VMCB_SEGMENT(X, seg, at) \
	X(seg##_SEL, at, 2) X(seg##_ATTRIB, at + 2, 2) X(seg##_LIMIT, at + 4, 4) X(seg##_BASE, at + 8, 8)

#define VMCB_FIELDS(X) \
	/* control area, table B-1 */ \
	X(INTERCEPT_CR, 0x000, 4) X(INTERCEPT_DR, 0x004, 4) X(INTERCEPT_EXCEPTIONS, 0x008, 4) \
	X(INTERCEPT_MISC1, 0x00c, 4) X(INTERCEPT_MISC2, 0x010, 4) X(INTERCEPT_MISC3, 0x014, 4) \
	X(PAUSE_FILTER_THRESHOLD, 0x03c, 2) X(PAUSE_FILTER_COUNT, 0x03e, 2) \
	X(IOPM_BASE_PA, 0x040, 8) X(MSRPM_BASE_PA, 0x048, 8) X(TSC_OFFSET, 0x050, 8) \
	X(GUEST_ASID, 0x058, 4) X(TLB_CONTROL, 0x05c, 1) X(V_INTR, 0x060, 4) X(V_INTR_VECTOR, 0x064, 4) \
	X(INTERRUPT_SHADOW, 0x068, 8) X(EXITCODE, 0x070, 8) X(EXITINFO1, 0x078, 8) X(EXITINFO2, 0x080, 8) \
	X(EXITINTINFO, 0x088, 8) X(NP_ENABLE, 0x090, 8) X(AVIC_APIC_BAR, 0x098, 8) X(GHCB_PA, 0x0a0, 8) \
	X(EVENTINJ, 0x0a8, 8) X(N_CR3, 0x0b0, 8) X(LBR_VIRTUALIZATION, 0x0b8, 8) X(VMCB_CLEAN, 0x0c0, 4) \
	X(NRIP, 0x0c8, 8) X(INSN_BYTES_FETCHED, 0x0d0, 1) \
	/* state-save area, table B-2 */ \
	VMCB_SEGMENT(X, ES, 0x400) VMCB_SEGMENT(X, CS, 0x410) VMCB_SEGMENT(X, SS, 0x420) \
	VMCB_SEGMENT(X, DS, 0x430) VMCB_SEGMENT(X, FS, 0x440) VMCB_SEGMENT(X, GS, 0x450) \
	X(GDTR_LIMIT, 0x464, 4) X(GDTR_BASE, 0x468, 8) VMCB_SEGMENT(X, LDTR, 0x470) \
	X(IDTR_LIMIT, 0x484, 4) X(IDTR_BASE, 0x488, 8) VMCB_SEGMENT(X, TR, 0x490) \
	X(CPL, 0x4cb, 1) X(EFER, 0x4d0, 8) X(CR4, 0x548, 8) X(CR3, 0x550, 8) X(CR0, 0x558, 8) \
	X(DR7, 0x560, 8) X(DR6, 0x568, 8) X(RFLAGS, 0x570, 8) X(RIP, 0x578, 8) X(RSP, 0x5d8, 8) \
	X(RAX, 0x5f8, 8) X(STAR, 0x600, 8) X(LSTAR, 0x608, 8) X(CSTAR, 0x610, 8) X(SFMASK, 0x618, 8) \
	X(KERNEL_GS_BASE, 0x620, 8) X(SYSENTER_CS, 0x628, 8) X(SYSENTER_ESP, 0x630, 8) \
	X(SYSENTER_EIP, 0x638, 8) X(CR2, 0x640, 8) X(G_PAT, 0x668, 8) X(DBGCTL, 0x670, 8)

#define VMCB_ENUM(name, offset, bytes) VMCB_##name,
enum vmcb_field { VMCB_FIELDS(VMCB_ENUM) VMCB_FIELD_COUNT };
#undef VMCB_ENUM

struct vmcb_field_info {
	const char *name;
	uint16_t offset;
	uint8_t bytes;
};
extern const struct vmcb_field_info vmcb_field_table[VMCB_FIELD_COUNT];

uint64_t vmcb_read(const uint8_t *vmcb, enum vmcb_field f);
void vmcb_write(uint8_t *vmcb, enum vmcb_field f, uint64_t v);
/* Print every field by name (after VMEXIT_INVALID). */
void vmcb_dump(const uint8_t *vmcb);

#endif
