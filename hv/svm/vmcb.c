/* The VMCB field table: access by name and the dump. */
#include "vmcb_fields.h"

#include "hv/hyp/serial.h"

#define VMCB_ROW(name, offset, bytes) [VMCB_##name] = { #name, offset, bytes },
const struct vmcb_field_info vmcb_field_table[VMCB_FIELD_COUNT] = { VMCB_FIELDS(VMCB_ROW) };
#undef VMCB_ROW

/* Every field is naturally aligned in the VMCB. */
uint64_t vmcb_read(const uint8_t *vmcb, enum vmcb_field f)
{
	const void *p = vmcb + vmcb_field_table[f].offset;
	switch (vmcb_field_table[f].bytes) {
	case 1: return *(const volatile uint8_t *)p;
	case 2: return *(const volatile uint16_t *)p;
	case 4: return *(const volatile uint32_t *)p;
	default: return *(const volatile uint64_t *)p;
	}
}

void vmcb_write(uint8_t *vmcb, enum vmcb_field f, uint64_t v)
{
	void *p = vmcb + vmcb_field_table[f].offset;
	switch (vmcb_field_table[f].bytes) {
	case 1: *(volatile uint8_t *)p = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
	case 4: *(volatile uint32_t *)p = (uint32_t)v; break;
	default: *(volatile uint64_t *)p = v; break;
	}
}

void vmcb_dump(const uint8_t *vmcb)
{
	for (unsigned f = 0; f < VMCB_FIELD_COUNT; f++)
		kprintf("  %s = 0x%lx\n", vmcb_field_table[f].name, vmcb_read(vmcb, (enum vmcb_field)f));
}
