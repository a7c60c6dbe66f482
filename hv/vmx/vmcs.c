/* The VMCS field table: names, zero-fill, dump. */
#include <stdint.h>

#include "hv/hyp/serial.h"
#include "vmcs_fields.h"
#include "vmx_insn.h"

#define VMCS_ENTRY(name, enc) { #name, enc },
const struct vmcs_field_info vmcs_field_table[] = { VMCS_FIELDS(VMCS_ENTRY) };
#undef VMCS_ENTRY
const unsigned vmcs_field_count = sizeof vmcs_field_table / sizeof vmcs_field_table[0];

unsigned vmcs_zero_all(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < vmcs_field_count; i++) {
		if (vmcs_group(vmcs_field_table[i].encoding) == VMCS_GROUP_EXIT)
			continue; /* read-only */
		if (vmwrite(vmcs_field_table[i].encoding, 0) == 0)
			n++;
	}
	return n;
}

void vmcs_dump(void)
{
	for (unsigned i = 0; i < vmcs_field_count; i++) {
		uint64_t v;
		if (vmread(vmcs_field_table[i].encoding, &v) == 0)
			kprintf("  %s = 0x%lx\n", vmcs_field_table[i].name, v);
	}
}

/* SDM Vol. 3C 31.4, table 31-1. */
const char *vmx_instruction_error_str(uint64_t err)
{
	static const char *const msgs[] = {
		[1] = "VMCALL executed in VMX root operation",
		[2] = "VMCLEAR with invalid physical address",
		[3] = "VMCLEAR with VMXON pointer",
		[4] = "VMLAUNCH with non-clear VMCS",
		[5] = "VMRESUME with non-launched VMCS",
		[6] = "VMRESUME after VMXOFF",
		[7] = "VM entry with invalid control field(s)",
		[8] = "VM entry with invalid host-state field(s)",
		[9] = "VMPTRLD with invalid physical address",
		[10] = "VMPTRLD with VMXON pointer",
		[11] = "VMPTRLD with incorrect VMCS revision identifier",
		[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
		[13] = "VMWRITE to read-only VMCS component",
		[15] = "VMXON executed in VMX root operation",
		[26] = "VM entry with events blocked by MOV SS",
		[28] = "invalid operand to INVEPT/INVVPID",
	};
	if (err < sizeof msgs / sizeof msgs[0] && msgs[err])
		return msgs[err];
	return "unknown VM-instruction error";
}
