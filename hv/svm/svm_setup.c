/* Programming the VMCB for one cell (APM Vol. 2 appendix B): intercepts and
 * permission maps (15.7-15.14), the ASID (15.16), nested paging (15.25) and
 * the 64-bit CPL3 guest state VMRUN and VMLOAD load (15.5). Every byte is
 * cleared first, so that no field keeps the previous cell's value. */
#include "svm.h"

#include "hv/common/descriptors.h"
#include "hv/common/guest_layout.h"
#include "vmcb_fields.h"

/* Segment attributes in the VMCB's compressed form (table B-2 note):
 * descriptor bits 47:40 (type, S, DPL, P) in 7:0 and bits 55:52 (AVL, L,
 * D/B, G) in 11:8. */
#define ATTR_CODE64_DPL3 0xafb   /* execute/read accessed, S, DPL 3, P; L, G */
#define ATTR_DATA_DPL3 0xcf3     /* read/write accessed, S, DPL 3, P; D/B, G */
#define ATTR_TSS_BUSY (DESC_P | DESC_TYPE_TSS64_BUSY)

/* Power-on PAT (APM Vol. 2 7.8.2): with nested paging the guest's memory
 * types come from G_PAT, and an all-zero one would make every access UC. */
#define PAT_DEFAULT 0x0007040600070406ull

static uint8_t iopm[IOPM_BYTES] __attribute__((aligned(4096)));
static uint8_t msrpm[MSRPM_BYTES] __attribute__((aligned(4096)));

static void fill(uint8_t *p, uint8_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = v;
}

static void segment(uint8_t *v, enum vmcb_field sel, uint16_t selector, uint16_t attrib, uint32_t limit,
		    uint64_t base)
{
	/* The four fields of a segment follow each other in the table. */
	vmcb_write(v, sel, selector);
	vmcb_write(v, (enum vmcb_field)(sel + 1), attrib);
	vmcb_write(v, (enum vmcb_field)(sel + 2), limit);
	vmcb_write(v, (enum vmcb_field)(sel + 3), base);
}

void svm_setup_vmcb(struct svm_cell *s, const struct hv_guest *g, uint32_t asid)
{
	uint8_t *v = s->vmcb;
	fill(v, 0, 4096);
	/* Every port exits (like VMX's unconditional I/O exiting); the MSR map
	 * must be valid even though MSR accesses are not intercepted (CPL3
	 * RDMSR faults in the guest first). */
	fill(iopm, 0xff, sizeof iopm);
	fill(msrpm, 0xff, sizeof msrpm);
	vmcb_write(v, VMCB_INTERCEPT_MISC1,
		   INTERCEPT_INTR | INTERCEPT_CPUID | INTERCEPT_HLT | INTERCEPT_IOIO_PROT | INTERCEPT_SHUTDOWN);
	vmcb_write(v, VMCB_INTERCEPT_MISC2, INTERCEPT_VMRUN);
	vmcb_write(v, VMCB_IOPM_BASE_PA, (uint64_t)(uintptr_t)iopm);
	vmcb_write(v, VMCB_MSRPM_BASE_PA, (uint64_t)(uintptr_t)msrpm);
	vmcb_write(v, VMCB_GUEST_ASID, asid);
	/* The guest's RFLAGS.IF masks only virtual interrupts; a physical one
	 * (the watchdog's APIC timer) exits through the INTR intercept. */
	vmcb_write(v, VMCB_V_INTR, V_INTR_MASKING);
	vmcb_write(v, VMCB_NP_ENABLE, NP_ENABLE);
	vmcb_write(v, VMCB_N_CR3, g->nested->root);

	/* Guest state: 64-bit CPL3, entered directly at the payload entry. */
	segment(v, VMCB_CS_SEL, TV_SEL_UCODE, ATTR_CODE64_DPL3, 0xffffffff, 0);
	static const enum vmcb_field data[] = { VMCB_SS_SEL, VMCB_DS_SEL, VMCB_ES_SEL, VMCB_FS_SEL, VMCB_GS_SEL };
	for (unsigned i = 0; i < sizeof data / sizeof data[0]; i++)
		segment(v, data[i], TV_SEL_UDATA, ATTR_DATA_DPL3, 0xffffffff, 0);
	segment(v, VMCB_TR_SEL, TV_SEL_TSS, ATTR_TSS_BUSY, GUEST_TSS_LIMIT, TV_TSS_ADDR);
	segment(v, VMCB_LDTR_SEL, 0, 0, 0, 0);
	vmcb_write(v, VMCB_GDTR_BASE, TV_GDT_ADDR);
	vmcb_write(v, VMCB_GDTR_LIMIT, GUEST_GDT_LIMIT);
	vmcb_write(v, VMCB_IDTR_BASE, TV_IDT_ADDR);
	vmcb_write(v, VMCB_IDTR_LIMIT, GUEST_IDT_LIMIT);
	vmcb_write(v, VMCB_CPL, 3);
	/* EFER.SVME must be set in the guest's EFER too (15.5.1). */
	vmcb_write(v, VMCB_EFER, GUEST_EFER | EFER_SVME);
	vmcb_write(v, VMCB_CR0, GUEST_CR0);
	vmcb_write(v, VMCB_CR3, g->cr3);
	vmcb_write(v, VMCB_CR4, GUEST_CR4);
	vmcb_write(v, VMCB_DR6, 0xffff0ff0);
	vmcb_write(v, VMCB_DR7, 0x400);
	vmcb_write(v, VMCB_RFLAGS, GUEST_RFLAGS);
	vmcb_write(v, VMCB_RIP, g->rip);
	vmcb_write(v, VMCB_RSP, g->rsp);
	vmcb_write(v, VMCB_G_PAT, PAT_DEFAULT);
	s->tagged = g->cell->tagged;
	s->first_entry = true;
}
