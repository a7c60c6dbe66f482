/* The hypervisor's own descriptor tables, needed as VMCS host state. */
#ifndef TLBVISOR_VMX_HOST_H
#define TLBVISOR_VMX_HOST_H

#include <stdint.h>

#define HOST_SEL_CODE 0x08
#define HOST_SEL_DATA 0x10
#define HOST_SEL_TSS 0x18

extern uint64_t boot_gdt[];
extern uint8_t host_tss[104];
extern uint64_t host_idt[64];
void vmx_exit_entry(void);

#endif
