/*
 * The VMCS fields tlbvisor uses, with names, as one X-macro table
 * (encodings: SDM Vol. 3C appendix B). The table drives three things: every
 * field is written at setup (the VMCS lives in memory and an unwritten field
 * reads whatever the page held), a failed VM entry prints every field by
 * name, and the code refers to fields by these names. A field's group
 * (control, VM-exit information, guest or host state) is not repeated here:
 * it is the "type" in bits 11:10 of the encoding (SDM Vol. 3C 25.11.2).
 * X(name, encoding)
 */
#ifndef TLBVISOR_VMCS_FIELDS_H
#define TLBVISOR_VMCS_FIELDS_H

#define VMCS_FIELDS(X) \
	/* 16-bit control */ \
	X(VPID, 0x0000) \
	/* 16-bit guest state */ \
	X(GUEST_ES_SEL, 0x0800) X(GUEST_CS_SEL, 0x0802) X(GUEST_SS_SEL, 0x0804) \
	X(GUEST_DS_SEL, 0x0806) X(GUEST_FS_SEL, 0x0808) X(GUEST_GS_SEL, 0x080a) \
	X(GUEST_LDTR_SEL, 0x080c) X(GUEST_TR_SEL, 0x080e) \
	/* 16-bit host state */ \
	X(HOST_ES_SEL, 0x0c00) X(HOST_CS_SEL, 0x0c02) X(HOST_SS_SEL, 0x0c04) \
	X(HOST_DS_SEL, 0x0c06) X(HOST_FS_SEL, 0x0c08) X(HOST_GS_SEL, 0x0c0a) \
	X(HOST_TR_SEL, 0x0c0c) \
	/* 64-bit control */ \
	X(IO_BITMAP_A, 0x2000) X(IO_BITMAP_B, 0x2002) X(MSR_BITMAP, 0x2004) \
	X(EXIT_MSR_STORE_ADDR, 0x2006) X(EXIT_MSR_LOAD_ADDR, 0x2008) \
	X(ENTRY_MSR_LOAD_ADDR, 0x200a) X(TSC_OFFSET, 0x2010) X(EPT_POINTER, 0x201a) \
	/* 64-bit read-only */ \
	X(GUEST_PHYSICAL_ADDRESS, 0x2400) \
	/* 64-bit guest state */ \
	X(VMCS_LINK_POINTER, 0x2800) X(GUEST_DEBUGCTL, 0x2802) X(GUEST_PAT, 0x2804) \
	X(GUEST_EFER, 0x2806) \
	/* 64-bit host state */ \
	X(HOST_PAT, 0x2c00) X(HOST_EFER, 0x2c02) \
	/* 32-bit control */ \
	X(PIN_CONTROLS, 0x4000) X(PROC_CONTROLS, 0x4002) X(EXCEPTION_BITMAP, 0x4004) \
	X(PF_ERROR_MASK, 0x4006) X(PF_ERROR_MATCH, 0x4008) X(CR3_TARGET_COUNT, 0x400a) \
	X(EXIT_CONTROLS, 0x400c) X(EXIT_MSR_STORE_COUNT, 0x400e) \
	X(EXIT_MSR_LOAD_COUNT, 0x4010) X(ENTRY_CONTROLS, 0x4012) \
	X(ENTRY_MSR_LOAD_COUNT, 0x4014) X(ENTRY_INTR_INFO, 0x4016) \
	X(ENTRY_EXCEPTION_ERROR, 0x4018) X(ENTRY_INSTR_LEN, 0x401a) \
	X(TPR_THRESHOLD, 0x401c) X(PROC_CONTROLS2, 0x401e) \
	/* 32-bit read-only */ \
	X(VM_INSTRUCTION_ERROR, 0x4400) X(EXIT_REASON, 0x4402) \
	X(EXIT_INTR_INFO, 0x4404) X(EXIT_INTR_ERROR, 0x4406) \
	X(IDT_VECTORING_INFO, 0x4408) X(IDT_VECTORING_ERROR, 0x440a) \
	X(EXIT_INSTR_LEN, 0x440c) X(EXIT_INSTR_INFO, 0x440e) \
	/* 32-bit guest state */ \
	X(GUEST_ES_LIMIT, 0x4800) X(GUEST_CS_LIMIT, 0x4802) X(GUEST_SS_LIMIT, 0x4804) \
	X(GUEST_DS_LIMIT, 0x4806) X(GUEST_FS_LIMIT, 0x4808) X(GUEST_GS_LIMIT, 0x480a) \
	X(GUEST_LDTR_LIMIT, 0x480c) X(GUEST_TR_LIMIT, 0x480e) \
	X(GUEST_GDTR_LIMIT, 0x4810) X(GUEST_IDTR_LIMIT, 0x4812) \
	X(GUEST_ES_AR, 0x4814) X(GUEST_CS_AR, 0x4816) X(GUEST_SS_AR, 0x4818) \
	X(GUEST_DS_AR, 0x481a) X(GUEST_FS_AR, 0x481c) X(GUEST_GS_AR, 0x481e) \
	X(GUEST_LDTR_AR, 0x4820) X(GUEST_TR_AR, 0x4822) \
	X(GUEST_INTERRUPTIBILITY, 0x4824) X(GUEST_ACTIVITY_STATE, 0x4826) \
	X(GUEST_SMBASE, 0x4828) X(GUEST_SYSENTER_CS, 0x482a) \
	X(PREEMPTION_TIMER, 0x482e) \
	/* 32-bit host state */ \
	X(HOST_SYSENTER_CS, 0x4c00) \
	/* natural-width control */ \
	X(CR0_MASK, 0x6000) X(CR4_MASK, 0x6002) X(CR0_SHADOW, 0x6004) \
	X(CR4_SHADOW, 0x6006) X(CR3_TARGET0, 0x6008) \
	/* natural-width read-only */ \
	X(EXIT_QUALIFICATION, 0x6400) X(GUEST_LINEAR_ADDRESS, 0x640a) \
	/* natural-width guest state */ \
	X(GUEST_CR0, 0x6800) X(GUEST_CR3, 0x6802) X(GUEST_CR4, 0x6804) \
	X(GUEST_ES_BASE, 0x6806) X(GUEST_CS_BASE, 0x6808) X(GUEST_SS_BASE, 0x680a) \
	X(GUEST_DS_BASE, 0x680c) X(GUEST_FS_BASE, 0x680e) X(GUEST_GS_BASE, 0x6810) \
	X(GUEST_LDTR_BASE, 0x6812) X(GUEST_TR_BASE, 0x6814) \
	X(GUEST_GDTR_BASE, 0x6816) X(GUEST_IDTR_BASE, 0x6818) X(GUEST_DR7, 0x681a) \
	X(GUEST_RSP, 0x681c) X(GUEST_RIP, 0x681e) X(GUEST_RFLAGS, 0x6820) \
	X(GUEST_PENDING_DBG, 0x6822) X(GUEST_SYSENTER_ESP, 0x6824) \
	X(GUEST_SYSENTER_EIP, 0x6826) \
	/* natural-width host state */ \
	X(HOST_CR0, 0x6c00) X(HOST_CR3, 0x6c02) X(HOST_CR4, 0x6c04) \
	X(HOST_FS_BASE, 0x6c06) X(HOST_GS_BASE, 0x6c08) X(HOST_TR_BASE, 0x6c0a) \
	X(HOST_GDTR_BASE, 0x6c0c) X(HOST_IDTR_BASE, 0x6c0e) \
	X(HOST_SYSENTER_ESP, 0x6c10) X(HOST_SYSENTER_EIP, 0x6c12) \
	X(HOST_RSP, 0x6c14) X(HOST_RIP, 0x6c16)

#define VMCS_ENUM(name, enc) VMCS_##name = enc,
enum vmcs_field { VMCS_FIELDS(VMCS_ENUM) };
#undef VMCS_ENUM

/* Encoding bits 11:10 (type), SDM Vol. 3C 25.11.2. */
enum vmcs_group { VMCS_GROUP_CTRL = 0, VMCS_GROUP_EXIT = 1, VMCS_GROUP_GUEST = 2, VMCS_GROUP_HOST = 3 };
static inline enum vmcs_group vmcs_group(unsigned encoding)
{
	return (enum vmcs_group)((encoding >> 10) & 3);
}

struct vmcs_field_info {
	const char *name;
	unsigned encoding;
};

extern const struct vmcs_field_info vmcs_field_table[];
extern const unsigned vmcs_field_count;

/* Zero every writable field in the table (fields the CPU does not support are
 * skipped); returns the number of fields written. */
unsigned vmcs_zero_all(void);
/* Print every field by name (after a failed VM entry). */
void vmcs_dump(void);
const char *vmx_instruction_error_str(uint64_t err);

#endif
