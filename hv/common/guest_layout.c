#include "guest_layout.h"

#include "hv/common/descriptors.h"
#include "hv/paging/pt_arena.h"

/* Segment descriptors, SDM Vol. 3A 3.4.5 and 5.2.1: 64-bit code has L=1. */
#define GDT_KCODE 0x00af9a000000ffffull
#define GDT_KDATA 0x00cf92000000ffffull
#define GDT_UCODE 0x00affa000000ffffull
#define GDT_UDATA 0x00cff2000000ffffull

static void fill(uint8_t *p, uint8_t v, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		p[i] = v;
}

static void write_gdt(uint8_t *sys)
{
	uint64_t *gdt = (uint64_t *)(sys + TV_GDT_ADDR);
	gdt[0] = 0;
	gdt[1] = GDT_KCODE;
	gdt[2] = GDT_KDATA;
	gdt[3] = GDT_UCODE;
	gdt[4] = GDT_UDATA;
	/* Busy 64-bit TSS: it matches the loaded TR. */
	desc_tss64(&gdt[5], TV_TSS_ADDR, GUEST_TSS_LIMIT, DESC_TYPE_TSS64_BUSY);
}

/* Interrupt gates to the payload's CPL0 stubs, SDM Vol. 3A 6.14.1. */
static void write_idt(uint8_t *sys, const struct tv_payload_header *hdr)
{
	uint64_t *idt = (uint64_t *)(sys + TV_IDT_ADDR);
	fill((uint8_t *)idt, 0, GUEST_IDT_LIMIT + 1);
	for (uint64_t v = 0; v < hdr->stub_count && v < 32; v++)
		desc_gate64(&idt[2 * v], hdr->fault_stubs + v * hdr->stub_size, TV_SEL_KCODE);
}

static void write_tss(uint8_t *sys)
{
	uint8_t *tss = sys + TV_TSS_ADDR;
	fill(tss, 0, GUEST_TSS_SIZE);
	uint64_t rsp0 = TV_KSTACK_TOP;
	for (int i = 0; i < 8; i++)
		tss[4 + i] = (uint8_t)(rsp0 >> (8 * i));
	tss[102] = GUEST_TSS_SIZE & 0xff; /* I/O map base */
	tss[103] = GUEST_TSS_SIZE >> 8;
	uint8_t *bitmap = tss + GUEST_TSS_SIZE;
	fill(bitmap, 0xff, GUEST_IOBITMAP_BYTES + 1);
	/* A clear bit allows the port at CPL3; a 32-bit access checks 4 bits. */
	for (unsigned port = TV_PORT_DONE; port <= TV_PORT_TICK + 3; port++)
		bitmap[port / 8] &= (uint8_t)~(1u << (port % 8));
}

uint64_t guest_layout_sys_size(uint64_t ws_mem_size, uint64_t guest_page)
{
	/* Leaf tables, one level above them, the top levels and the sys map. */
	uint64_t leaves = (ws_mem_size + guest_page - 1) / guest_page;
	uint64_t tables = (leaves + 511) / 512 + (leaves + 512 * 512 - 1) / (512 * 512) + 16;
	uint64_t bytes = TV_PT_POOL_ADDR + tables * 4096;
	return (bytes + (2ull << 20) - 1) & ~((2ull << 20) - 1);
}

enum pt_status guest_layout_build(uint8_t *sys, uint64_t sys_size,
				  const struct tv_payload_header *hdr, uint64_t ws_mem_size,
				  uint64_t guest_page, struct guest_layout *out)
{
	write_gdt(sys);
	write_idt(sys, hdr);
	write_tss(sys);
	struct pt_arena arena;
	pt_arena_init(&arena, sys + TV_PT_POOL_ADDR, TV_PT_POOL_ADDR, sys_size - TV_PT_POOL_ADDR);
	struct pt_table t;
	enum pt_status s = pt_init(&t, &pt_format_x86, 4, pt_arena_mem(&arena));
	/* Page 0 stays unmapped so a null pointer in the payload faults. */
	if (s == PT_OK)
		s = pt_map(&t, 0x1000, 0x1000, TV_PT_POOL_ADDR - 0x1000, PT_SIZE_4K,
			   PT_R | PT_W | PT_X | PT_U);
	if (s == PT_OK)
		s = pt_map(&t, TV_WS_ADDR, TV_WS_ADDR, ws_mem_size, guest_page, PT_R | PT_W | PT_U);
	if (s != PT_OK)
		return s;
	out->cr3 = t.root;
	out->pt_tables = t.tables_allocated;
	return PT_OK;
}
