/* The benchmark matrix inside the hypervisor: parsed from the Multiboot2
 * command line, run cell by cell, each reported as one JSON line on the
 * serial console. */
#ifndef TLBVISOR_VMX_CELLS_H
#define TLBVISOR_VMX_CELLS_H

#include <stdbool.h>
#include <stdint.h>

#include "matrix_parse.h"
#include "vmx.h"

/* Host-physical memory the cells use, found in the memory map by main.c. */
struct hv_memory {
	uint8_t *sys;        /* guest-physical [0, sys_size) */
	uint64_t sys_size;
	uint8_t *ept_pool;   /* EPT tables */
	uint64_t ept_pool_size;
	uint8_t *ws;         /* guest working set */
	uint64_t ws_size;
	uint64_t ws_align;   /* its alignment: the largest EPT/guest leaf it can back */
	const void *payload; /* the payload ELF (a GRUB module) */
	uint64_t payload_size;
};

void hv_run_matrix(const struct hv_matrix *m, const struct vmx_caps *caps, const struct hv_memory *mem);

#endif
