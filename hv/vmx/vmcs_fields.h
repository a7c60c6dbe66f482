/*
 * The VMCS fields tlbvisor uses, with names, as one X-macro table
 * (encodings: SDM Vol. 3C appendix B). The table drives three things: every
 * field is written at setup (the VMCS lives in memory and an unwritten field
 * reads whatever the page held), a failed VM entry prints every field by
 * name, and the code refers to fields by these names.
 * X(name, encoding, group)
 */
#ifndef TLBVISOR_VMCS_FIELDS_H
#define TLBVISOR_VMCS_FIELDS_H

#define VMCS_FIELDS(X) \
	/* 16-bit control */ \
	X(VPID, 0x0000, CTRL) \
	/* 16-bit guest state */ \
	X(GUEST_ES_SEL, 0x0800, GUEST) X(GUEST_CS_SEL, 0x0802, GUEST) X(GUEST_SS_SEL, 0x0804, GUEST) \
	X(GUEST_DS_SEL, 0x0806, GUEST) X(GUEST_FS_SEL, 0x0808, GUEST) X(GUEST_GS_SEL, 0x080a, GUEST) \
	X(GUEST_LDTR_SEL, 0x080c, GUEST) X(GUEST_TR_SEL, 0x080e, GUEST) \
	/* 16-bit host state */ \
	X(HOST_ES_SEL, 0x0c00, HOST) X(HOST_CS_SEL, 0x0c02, HOST) X(HOST_SS_SEL, 0x0c04, HOST) \
	X(HOST_DS_SEL, 0x0c06, HOST) X(HOST_FS_SEL, 0x0c08, HOST) X(HOST_GS_SEL, 0x0c0a, HOST) \
	X(HOST_TR_SEL, 0x0c0c, HOST) \
	/* 64-bit control */ \
	X(IO_BITMAP_A, 0x2000, CTRL) X(IO_BITMAP_B, 0x2002, CTRL) X(MSR_BITMAP, 0x2004, CTRL) \
	X(EXIT_MSR_STORE_ADDR, 0x2006, CTRL) X(EXIT_MSR_LOAD_ADDR, 0x2008, CTRL) \
	X(ENTRY_MSR_LOAD_ADDR, 0x200a, CTRL) X(TSC_OFFSET, 0x2010, CTRL) X(EPT_POINTER, 0x201a, CTRL) \
	/* 64-bit read-only */ \
	X(GUEST_PHYSICAL_ADDRESS, 0x2400, EXIT) \
	/* 64-bit guest state */ \
	X(VMCS_LINK_POINTER, 0x2800, GUEST) X(GUEST_DEBUGCTL, 0x2802, GUEST) X(GUEST_PAT, 0x2804, GUEST) \
	X(GUEST_EFER, 0x2806, GUEST) \
	/* 64-bit host state */ \
	X(HOST_PAT, 0x2c00, HOST) X(HOST_EFER, 0x2c02, HOST) \
	/* 32-bit control */ \
	X(PIN_CONTROLS, 0x4000, CTRL) X(PROC_CONTROLS, 0x4002, CTRL) X(EXCEPTION_BITMAP, 0x4004, CTRL) \
	X(PF_ERROR_MASK, 0x4006, CTRL) X(PF_ERROR_MATCH, 0x4008, CTRL) X(CR3_TARGET_COUNT, 0x400a, CTRL) \
	X(EXIT_CONTROLS, 0x400c, CTRL) X(EXIT_MSR_STORE_COUNT, 0x400e, CTRL) \
	X(EXIT_MSR_LOAD_COUNT, 0x4010, CTRL) X(ENTRY_CONTROLS, 0x4012, CTRL) \
	X(ENTRY_MSR_LOAD_COUNT, 0x4014, CTRL) X(ENTRY_INTR_INFO, 0x4016, CTRL) \
	X(ENTRY_EXCEPTION_ERROR, 0x4018, CTRL) X(ENTRY_INSTR_LEN, 0x401a, CTRL) \
	X(TPR_THRESHOLD, 0x401c, CTRL) X(PROC_CONTROLS2, 0x401e, CTRL) \
	/* 32-bit read-only */ \
	X(VM_INSTRUCTION_ERROR, 0x4400, EXIT) X(EXIT_REASON, 0x4402, EXIT) \
	X(EXIT_INTR_INFO, 0x4404, EXIT) X(EXIT_INTR_ERROR, 0x4406, EXIT) \
	X(IDT_VECTORING_INFO, 0x4408, EXIT) X(IDT_VECTORING_ERROR, 0x440a, EXIT) \
	X(EXIT_INSTR_LEN, 0x440c, EXIT) X(EXIT_INSTR_INFO, 0x440e, EXIT) \
	/* 32-bit guest state */ \
	X(GUEST_ES_LIMIT, 0x4800, GUEST) X(GUEST_CS_LIMIT, 0x4802, GUEST) X(GUEST_SS_LIMIT, 0x4804, GUEST) \
	X(GUEST_DS_LIMIT, 0x4806, GUEST) X(GUEST_FS_LIMIT, 0x4808, GUEST) X(GUEST_GS_LIMIT, 0x480a, GUEST) \
	X(GUEST_LDTR_LIMIT, 0x480c, GUEST) X(GUEST_TR_LIMIT, 0x480e, GUEST) \
	X(GUEST_GDTR_LIMIT, 0x4810, GUEST) X(GUEST_IDTR_LIMIT, 0x4812, GUEST) \
	X(GUEST_ES_AR, 0x4814, GUEST) X(GUEST_CS_AR, 0x4816, GUEST) X(GUEST_SS_AR, 0x4818, GUEST) \
	X(GUEST_DS_AR, 0x481a, GUEST) X(GUEST_FS_AR, 0x481c, GUEST) X(GUEST_GS_AR, 0x481e, GUEST) \
	X(GUEST_LDTR_AR, 0x4820, GUEST) X(GUEST_TR_AR, 0x4822, GUEST) \
	X(GUEST_INTERRUPTIBILITY, 0x4824, GUEST) X(GUEST_ACTIVITY_STATE, 0x4826, GUEST) \
	X(GUEST_SMBASE, 0x4828, GUEST) X(GUEST_SYSENTER_CS, 0x482a, GUEST) \
	X(PREEMPTION_TIMER, 0x482e, GUEST) \
	/* 32-bit host state */ \
	X(HOST_SYSENTER_CS, 0x4c00, HOST) \
	/* natural-width control */ \
	X(CR0_MASK, 0x6000, CTRL) X(CR4_MASK, 0x6002, CTRL) X(CR0_SHADOW, 0x6004, CTRL) \
	X(CR4_SHADOW, 0x6006, CTRL) X(CR3_TARGET0, 0x6008, CTRL) \
	/* natural-width read-only */ \
	X(EXIT_QUALIFICATION, 0x6400, EXIT) X(GUEST_LINEAR_ADDRESS, 0x640a, EXIT) \
	/* natural-width guest state */ \
	X(GUEST_CR0, 0x6800, GUEST) X(GUEST_CR3, 0x6802, GUEST) X(GUEST_CR4, 0x6804, GUEST) \
	X(GUEST_ES_BASE, 0x6806, GUEST) X(GUEST_CS_BASE, 0x6808, GUEST) X(GUEST_SS_BASE, 0x680a, GUEST) \
	X(GUEST_DS_BASE, 0x680c, GUEST) X(GUEST_FS_BASE, 0x680e, GUEST) X(GUEST_GS_BASE, 0x6810, GUEST) \
	X(GUEST_LDTR_BASE, 0x6812, GUEST) X(GUEST_TR_BASE, 0x6814, GUEST) \
	X(GUEST_GDTR_BASE, 0x6816, GUEST) X(GUEST_IDTR_BASE, 0x6818, GUEST) X(GUEST_DR7, 0x681a, GUEST) \
	X(GUEST_RSP, 0x681c, GUEST) X(GUEST_RIP, 0x681e, GUEST) X(GUEST_RFLAGS, 0x6820, GUEST) \
	X(GUEST_PENDING_DBG, 0x6822, GUEST) X(GUEST_SYSENTER_ESP, 0x6824, GUEST) \
	X(GUEST_SYSENTER_EIP, 0x6826, GUEST) \
	/* natural-width host state */ \
	X(HOST_CR0, 0x6c00, HOST) X(HOST_CR3, 0x6c02, HOST) X(HOST_CR4, 0x6c04, HOST) \
	X(HOST_FS_BASE, 0x6c06, HOST) X(HOST_GS_BASE, 0x6c08, HOST) X(HOST_TR_BASE, 0x6c0a, HOST) \
	X(HOST_GDTR_BASE, 0x6c0c, HOST) X(HOST_IDTR_BASE, 0x6c0e, HOST) \
	X(HOST_SYSENTER_ESP, 0x6c10, HOST) X(HOST_SYSENTER_EIP, 0x6c12, HOST) \
	X(HOST_RSP, 0x6c14, HOST) X(HOST_RIP, 0x6c16, HOST)

#define VMCS_ENUM(name, enc, group) VMCS_##name = enc,
enum vmcs_field { VMCS_FIELDS(VMCS_ENUM) };
#undef VMCS_ENUM

enum vmcs_group { VMCS_GROUP_CTRL, VMCS_GROUP_EXIT, VMCS_GROUP_GUEST, VMCS_GROUP_HOST };

struct vmcs_field_info {
	const char *name;
	unsigned encoding;
	enum vmcs_group group;
};

extern const struct vmcs_field_info vmcs_field_table[];
extern const unsigned vmcs_field_count;

/* Zero every writable field in the table (fields the CPU does not support are
 * skipped); returns the number of fields written. */
unsigned vmcs_zero_all(void);
/* Print every field by name (after a failed VM entry). */
void vmcs_dump(void);
const char *vmx_instruction_error_str(uint64_t err);
const char *vmx_exit_reason_name(unsigned reason);

#endif
