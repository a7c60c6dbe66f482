/* tlbvisor-hv: tlbvisor's own hypervisor, one image for Intel VT-x (VMX/EPT)
 * and AMD-V (SVM/NPT). Booted by GRUB (Multiboot2, BIOS or UEFI) with the
 * benchmark matrix on its command line and the guest payload as a module;
 * reads CPUID for the extension the processor has, runs every cell (or skips
 * each with the reason) and reports JSON lines on the serial console. */
#include <stdint.h>

#include "cells.h"
#include "host.h"
#include "mb2.h"
#include "pmem.h"
#include "serial.h"
#include "tsc.h"
#include "vendor.h"
#include "x86.h"

#define HV_VERSION "0.2.0"

extern uint8_t __kernel_start[], __kernel_end[];

/* The payload module: the one GRUB loaded with the word "payload". */
static const struct mb2_module *payload_module(const struct mb2_info *mb)
{
	static const char word[] = "payload";
	for (unsigned i = 0; i < mb->nmodules; i++) {
		const char *s = mb->modules[i].cmdline;
		unsigned k = 0;
		while (word[k] && s[k] == word[k])
			k++;
		if (!word[k])
			return &mb->modules[i];
	}
	return mb->nmodules ? &mb->modules[0] : 0;
}

/* VMX where CPUID.1:ECX.VMX[bit 5] (SDM Vol. 3C 24.6), else SVM where
 * CPUID.80000001H:ECX.SVM[bit 2] (APM Vol. 2 15.4); NULL when neither. */
static const struct hv_vendor *pick_vendor(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 5))
		return &hv_vendor_vmx;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		if (c & (1u << 2))
			return &hv_vendor_svm;
	}
	return 0;
}

#define SYS_SIZE (16ull << 20)
#define NESTED_POOL_SIZE (16ull << 20)

/* Guest memory from the physical allocator: first the system structures
 * and the nested tables (small, anywhere), then the working set as the
 * largest block at a 1 GiB boundary (1G leaves need it), else at 2 MiB.
 * What does not fit stays 0: those cells are skipped, nothing panics. */
static struct hv_memory find_memory(const struct mb2_info *mb, uint64_t info)
{
	struct pmem pm;
	pmem_init(&pm, mb, info, (uint64_t)(uintptr_t)__kernel_start, (uint64_t)(uintptr_t)__kernel_end);
	struct hv_memory mem = { 0 };
	uint64_t sys = pmem_alloc(&pm, SYS_SIZE, 2ull << 20);
	uint64_t nested = sys ? pmem_alloc(&pm, NESTED_POOL_SIZE, 4096) : 0;
	if (sys && nested) {
		mem.sys = (uint8_t *)(uintptr_t)sys;
		mem.sys_size = SYS_SIZE;
		mem.nested_pool = (uint8_t *)(uintptr_t)nested;
		mem.nested_pool_size = NESTED_POOL_SIZE;
	}
	uint64_t ws_size, ws_align = 1ull << 30;
	uint64_t ws = pmem_largest(&pm, ws_align, &ws_size);
	if (ws_size < (64ull << 20)) {
		ws_align = 2ull << 20;
		ws = pmem_largest(&pm, ws_align, &ws_size);
	}
	if (ws)
		ws = pmem_alloc(&pm, ws_size, ws_align);
	if (ws) {
		mem.ws = (uint8_t *)(uintptr_t)ws;
		mem.ws_size = ws_size;
		mem.ws_align = ws_align;
	}
	return mem;
}

/* Provenance: brand string (CPUID 80000002-4H), signature, TSC rate (0 =
 * unknown) and where it came from. */
static void hello_cpu(void)
{
	char brand[49] = { 0 };
	uint32_t r[4], sig, a, b, cx, d;
	cpuid(0x80000000, 0, &a, &b, &cx, &d);
	if (a >= 0x80000004)
		for (unsigned i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, &r[0], &r[1], &r[2], &r[3]);
			for (unsigned j = 0; j < 16; j++)
				brand[i * 16 + j] = (char)(r[j / 4] >> (8 * (j % 4)));
		}
	cpuid(1, 0, &sig, &b, &cx, &d);
	const char *source;
	uint64_t tsc_hz = tsc_rate(&source);
	kputs(",\"cpu\":\"");
	kput_json_string(brand);
	kprintf("\",\"cpuid_signature\":\"0x%x\",\"tsc_hz\":%lu,\"tsc_source\":\"%s\",\"la57\":%s", sig, tsc_hz,
		source, host_la57_available() ? "true" : "false");
}

void hv_main(uint32_t magic, uint64_t info)
{
	console_init();
	host_tables();
	kputs("\ntlbvisor-hv " HV_VERSION "\n");
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not booted by a Multiboot2 loader (magic 0x%x)", magic);
	struct mb2_info mb;
	if (mb2_parse(info, &mb) < 0)
		panic("malformed Multiboot2 boot information");
	if (mb.nmodules < 1)
		panic("no payload module: GRUB must load the payload with module2");
	struct hv_memory mem = find_memory(&mb, info);
	const struct mb2_module *payload = payload_module(&mb);
	mem.payload = (const void *)(uintptr_t)payload->start;
	mem.payload_size = payload->end - payload->start;

	const struct hv_vendor *v = pick_vendor();
	const char *why_not = v ? v->bringup()
				: "processor has neither VMX (CPUID.1:ECX bit 5) nor SVM (CPUID.80000001H:ECX bit 2): no hardware virtualization to run a guest under";

	struct hv_matrix m;
	const char *bad = 0;
	int bad_rc = hv_matrix_parse(mb.cmdline, &m, &bad);
	kprintf("{\"tlbvisor\":\"hello\",\"version\":\"%s\",\"vendor\":\"%s\",\"vmx\":%s,\"svm\":%s,\"reason\":\"",
		HV_VERSION, v ? v->name : "none", v == &hv_vendor_vmx && !why_not ? "true" : "false",
		v == &hv_vendor_svm && !why_not ? "true" : "false");
	kput_json_string(why_not ? why_not : "");
	kputs("\"");
	if (v) {
		kprintf(",\"tlb_tag\":\"%s\",\"nested\":\"%s\"", v->tlb_tag, v->nested);
		v->hello();
	}
	kprintf(",\"firmware\":\"%s\",\"guest_memory\":%lu,\"system_memory\":%lu,\"cmdline\":\"",
		mb.efi ? "uefi" : "bios", mem.ws_size, mem.sys_size);
	kput_json_string(mb.cmdline);
	kputs("\"");
	hello_cpu();
	kputs("}\n");
	if (bad_rc) {
		kputs("{\"tlbvisor\":\"error\",\"reason\":\"");
		kput_json_string(bad);
		kputs("\"}\n");
		machine_stop(2);
	}
	hv_run_matrix(&m, v, why_not, &mem);
	kputs("{\"tlbvisor\":\"done\"}\n");
	machine_stop(0);
}
