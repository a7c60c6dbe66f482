/* The benchmark matrix inside the hypervisor: parsed from the Multiboot2
 * command line, run cell by cell, each reported as one JSON line on the
 * serial console. Vendor-neutral: the extension's parts come through struct
 * hv_vendor. */
#ifndef TLBVISOR_HYP_CELLS_H
#define TLBVISOR_HYP_CELLS_H

#include <stdbool.h>
#include <stdint.h>

#include "matrix_parse.h"
#include "vendor.h"

/* Host-physical memory the cells use, found in the memory map by main.c.
 * A size of 0 means there was not enough RAM for it: the cells that need
 * it are skipped with the reason. */
struct hv_memory {
	uint8_t *sys;        /* guest-physical [0, sys_size) */
	uint64_t sys_size;
	uint8_t *nested_pool; /* second-level (EPT / NPT) tables */
	uint64_t nested_pool_size;
	uint8_t *ws;         /* guest working set */
	uint64_t ws_size;
	uint64_t ws_align;   /* its alignment: the largest nested/guest leaf it can back */
	const void *payload; /* the payload ELF (a GRUB module) */
	uint64_t payload_size;
};

/* Run every cell of m with vendor v; why_not (v NULL or unusable) skips
 * every cell with that reason. */
void hv_run_matrix(const struct hv_matrix *m, const struct hv_vendor *v, const char *why_not,
		   const struct hv_memory *mem);

/* One JSON line per cell (cell_report.c). */
struct measure_result;
struct pt_walk;
struct cell_outcome {
	const struct hv_cell *cell;
	const struct exit_ctx *x;
	const struct measure_result *mr;
	int rc;                            /* MEASURE_OK or why not */
	uint64_t phase_exits[3];           /* build, warm-up, measure */
	const struct pt_walk *nested_walk; /* the working set's translation, or NULL */
	const struct pt_walk *pt_walk;     /* the guest page tables' translation, or NULL */
	const struct hv_pmu *pmu;
};
void report_skip(const struct hv_cell *c, const char *reason);
void report_outcome(const struct cell_outcome *o);

#endif
