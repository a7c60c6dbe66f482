/* The words of the hypervisor's command line (the Multiboot2 command line
 * GRUB passes): written by tlbvisor (bench/backends/hypervisor/boot.c) and parsed by the
 * hypervisor (hv/hyp/matrix_parse.c), from this one list. key=value words,
 * lists comma-separated; flags are bare words. */
#ifndef TLBVISOR_HYP_CMDLINE_KEYS_H
#define TLBVISOR_HYP_CMDLINE_KEYS_H

#define HV_KEY_WS "ws"                   /* working-set sizes */
#define HV_KEY_PATTERN "pattern"         /* random, seq */
#define HV_KEY_GUEST "guest"             /* guest page sizes */
#define HV_KEY_NESTED "ept"              /* second-level (EPT / NPT) leaf sizes */
#define HV_KEY_TLB_TAG "vpid"            /* on, off: tagged guest TLB (VPID / ASID) */
#define HV_KEY_LEVELS "levels"           /* second-level depth: 4, 5 */
#define HV_KEY_REPS "reps"
#define HV_KEY_MAX_WARMUP "max_warmup"
#define HV_KEY_MIN_CYCLES "min_cycles"   /* TSC cycles a repetition lasts at least */
#define HV_KEY_STRIDE "stride"
#define HV_KEY_GROUP "group"
#define HV_KEY_SEED "seed"
#define HV_KEY_EXIT_TICKS "exit_ticks"   /* a timer exit every N ticks */
#define HV_KEY_EXIT_EVERY "exit_every"   /* a port exit every N accesses */
#define HV_KEY_WATCHDOG_TICKS "watchdog_ticks" /* TSC ticks a guest may run without an exit */
#define HV_KEY_PMU "pmu"                 /* raw event-select encodings */
#define HV_FLAG_PROBE "probe_ept_violation" /* first a cell that touches an address the nested table lacks */
#define HV_FLAG_EXIT_COST "exit_cost"    /* also time I/O and CPUID exit round trips */
#define HV_FLAG_PT_SPLIT "pt_split"      /* the sys region (guest page tables) with 4K leaves, not the cell's */

#define HV_KEYS_KNOWN HV_KEY_WS " " HV_KEY_GUEST " " HV_KEY_NESTED " " HV_KEY_LEVELS " " HV_KEY_TLB_TAG " " \
	HV_KEY_PATTERN " " HV_KEY_REPS " " HV_KEY_MAX_WARMUP " " HV_KEY_MIN_CYCLES " " HV_KEY_STRIDE " " \
	HV_KEY_GROUP " " HV_KEY_SEED " " HV_KEY_EXIT_TICKS " " HV_KEY_EXIT_EVERY " " HV_KEY_WATCHDOG_TICKS " " \
	HV_KEY_PMU " " HV_FLAG_PROBE " " HV_FLAG_EXIT_COST " " HV_FLAG_PT_SPLIT

#endif
