/*
 * The guest ABI shared by the payload and every hypervisor backend.
 *
 * The host places struct tv_params at TV_PARAMS_ADDR (guest-virtual ==
 * guest-physical) and starts the payload in 64-bit CPL3 at its entry. The
 * payload executes params->cmd and reports completion with a 32-bit `out` of
 * the status to TV_PORT_DONE; the host then writes the next command and
 * resumes. A CPU exception lands in the payload's CPL0 stubs, which store the
 * vector, error code, RIP and CR2 here and `out` the vector to TV_PORT_FAULT.
 * Port access from CPL3 is granted by the TSS I/O permission bitmap.
 */
#ifndef TLBVISOR_TV_ABI_H
#define TLBVISOR_TV_ABI_H

#include <stdint.h>

#include "chase.h"

#define TV_ABI_VERSION 1u
#define TV_PARAMS_MAGIC 0x56424c54u  /* "TLBV" */
#define TV_PAYLOAD_MAGIC 0x44504c54u /* "TLPD" */

#define TV_PORT_DONE 0x5e0
#define TV_PORT_FAULT 0x5e1
#define TV_PORT_TICK 0x5e2  /* an exit on purpose during a chase (exit_every) */

/* Guest memory layout (guest-virtual == guest-physical). */
#define TV_PARAMS_ADDR 0x1000ull
#define TV_GDT_ADDR 0x2000ull
#define TV_IDT_ADDR 0x3000ull
#define TV_TSS_ADDR 0x4000ull       /* TSS + I/O bitmap: 0x4000..0x6068 */
#define TV_KSTACK_TOP 0x10000ull    /* CPL0 stack for exception stubs */
#define TV_PAYLOAD_ADDR 0x100000ull /* the payload is linked here */
#define TV_PAYLOAD_MAX 0xc0000ull
#define TV_USTACK_TOP 0x1f0000ull   /* CPL3 stack */
#define TV_PT_POOL_ADDR 0x200000ull /* guest page tables from here */
#define TV_WS_ADDR 0x40000000ull    /* working set: 1 GiB, aligned for any leaf */

/* GDT selectors (index << 3 | RPL). */
#define TV_SEL_KCODE 0x08
#define TV_SEL_KDATA 0x10
#define TV_SEL_UCODE 0x1b
#define TV_SEL_UDATA 0x23
#define TV_SEL_TSS 0x28

enum tv_cmd {
	TV_CMD_NOP = 0,      /* report done; used to take baselines */
	TV_CMD_BUILD = 1,    /* chase_build(&chase) */
	TV_CMD_RUN = 2,      /* timed chase of 'steps' from chase_start */
	TV_CMD_TOUCH = 3,    /* read one quadword at touch_addr */
	TV_CMD_TIMER = 4,    /* cycles = chase_timer_overhead() */
	TV_CMD_EXIT_COST = 5, /* 'steps' exits of exit_kind, timed: the exit round trip */
};

enum tv_status {
	TV_STATUS_OK = 0,
	TV_STATUS_BAD_CMD = 1,
	TV_STATUS_BAD_CONFIG = 2,
	TV_STATUS_BAD_MAGIC = 3,
};

struct tv_params {
	uint32_t magic;
	uint32_t abi_version;
	uint32_t cmd;
	uint32_t status;
	struct chase_config chase;
	uint64_t steps;
	uint64_t touch_addr;
	/* results */
	uint64_t cycles;
	uint64_t final_ptr;
	uint64_t value;
	/* exception report, written by the CPL0 stubs */
	uint64_t fault_vector;
	uint64_t fault_error;
	uint64_t fault_rip;
	uint64_t fault_cr2;
	/* RUN: write TV_PORT_TICK every exit_every accesses (0: never), so the
	 * cost of refilling the TLB after an exit shows in the timing. */
	uint64_t exit_every;
	/* EXIT_COST: which exit to make (enum tv_exit_kind). */
	uint64_t exit_kind;
};

enum tv_exit_kind {
	TV_EXIT_IO = 0,     /* out to TV_PORT_TICK: an I/O exit */
	TV_EXIT_CPUID = 1,  /* CPUID: exits under VMX unconditionally (SDM 26.1.2) */
};

/* At the very start of the payload image: how the host enters it. */
struct tv_payload_header {
	uint32_t magic;
	uint32_t abi_version;
	uint64_t entry;        /* CPL3 entry point */
	uint64_t fault_stubs;  /* address of stub 0; stub v at fault_stubs + v * stub_size */
	uint64_t stub_size;
	uint64_t stub_count;   /* exception vectors covered (32) */
};

#endif
