/* What tlbvisor's hypervisor needs from a virtualization extension. The
 * vendor-neutral parts (boot, memory, matrix, cells, exits, reports) call
 * these; hv/vmx (Intel VT-x, SDM Vol. 3C) and hv/svm (AMD-V, APM Vol. 2
 * chapter 15) provide them and never include each other. At boot, main.c
 * reads CPUID and uses whichever extension the processor has. */
#ifndef TLBVISOR_HYP_VENDOR_H
#define TLBVISOR_HYP_VENDOR_H

#include <stdbool.h>
#include <stdint.h>

#include "exits.h"
#include "hv_pmu.h"
#include "matrix_parse.h"
#include "hv/paging/paging.h"

/* One cell of the matrix. */
struct hv_cell {
	unsigned index;
	uint64_t ws, guest_page, nested_page;
	unsigned levels;      /* nested paging depth: 4 or 5 */
	bool tagged;          /* the guest's TLB entries carry a tag (VPID / ASID) */
	uint32_t pattern;
	bool probe;           /* touch a guest-physical address the nested table does not map */
	uint32_t exit_kind;   /* exit-cost cells: TV_EXIT_IO or TV_EXIT_CPUID */
	bool exit_cost;
};

/* Everything a vendor needs to enter one cell's guest. */
struct hv_guest {
	const struct hv_cell *cell;
	const struct pt_table *nested; /* second-level table (EPT / NPT) the cell built */
	uint64_t cr3, rip, rsp;        /* the guest's state at entry (64-bit CPL3) */
	uint64_t watchdog_tsc;         /* TSC ticks one entry may run (0: as long as the timer allows) */
	uint64_t exit_ticks;           /* a timer exit every N ticks on purpose (0: off) */
};

struct hv_vendor {
	const char *name;         /* "vmx" / "svm": the hello line's key */
	const char *tlb_tag;      /* "vpid" / "asid" */
	const char *nested;       /* "EPT" / "NPT", for messages */
	const struct pt_format *nested_format;
	/* Probe CPUID and MSRs, then enable the extension. NULL, or why it
	 * cannot be used (a static message, said on serial and per cell). */
	const char *(*bringup)(void);
	/* The vendor's fields of the hello line, each as ,"key":value. */
	void (*hello)(void);
	/* Why this processor cannot run cell c, or NULL. */
	const char *(*unsupported)(const struct hv_cell *c, const struct hv_matrix *m);
	/* Program the control block (VMCS / VMCB) for g and make sure no stale
	 * translation of an earlier cell survives. NULL, or why the cell is skipped. */
	const char *(*prepare)(const struct hv_guest *g, struct exit_ctx *x);
	/* Enter the guest until the payload reports a command done (EXIT_DONE)
	 * or cannot go on (EXIT_FAIL, x->error set). */
	int (*run)(struct exit_ctx *x);
	/* After the cell: leave nothing switched on that the next cell (or the
	 * other depth) must not inherit. */
	void (*finish)(void);
	const struct exit_table *exits;
	void (*pmu_probe)(struct hv_pmu *p, const uint64_t *raw, unsigned nraw);
};

extern const struct hv_vendor hv_vendor_vmx;
extern const struct hv_vendor hv_vendor_svm;

#endif
