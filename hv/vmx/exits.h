/* Running the guest and handling its VM exits through a table indexed by the
 * basic exit reason (SDM Vol. 3C appendix C), with a per-cell histogram. */
#ifndef TLBVISOR_VMX_EXITS_H
#define TLBVISOR_VMX_EXITS_H

#include <stdbool.h>
#include <stdint.h>

#include "vmx.h"
#include "workloads/tv_abi.h"

#define EXIT_REASONS 64

struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
};

enum exit_action { EXIT_CONTINUE = 0, EXIT_DONE = 1, EXIT_FAIL = 2 };

struct exit_ctx {
	struct guest_regs regs;
	bool launched;
	volatile struct tv_params *params;
	uint32_t watchdog_ticks;   /* preemption-timer budget per entry (0: no timer) */
	uint64_t watchdog_tsc;     /* TSC cycles one command may take in all (0: no limit) */
	uint64_t exit_ticks;       /* exit every N ticks on purpose (0: off) */
	uint64_t histogram[EXIT_REASONS];
	uint64_t total_exits;
	uint64_t io_commands;
	uint64_t timer_exits;
	uint64_t tick_exits;       /* TV_PORT_TICK exits the payload made on purpose */
	uint32_t done_status;
	const char *error;         /* why the guest could not go on */
	char detail[256];          /* addresses and qualification for the error */
};

/* Enter the guest until it reports a command done (EXIT_DONE) or cannot go
 * on (EXIT_FAIL, ctx->error set). */
int exits_run_guest(struct exit_ctx *x);

struct vmcs_setup {
	const struct vmx_caps *caps;
	uint8_t *vmcs;
	uint64_t eptp;
	uint16_t vpid;   /* 0 = VPID off */
	uint64_t cr3, rip, rsp;
	bool preemption;
};

/* Clear, load and write every field of the VMCS for a new cell. NULL on
 * success, else the reason. */
const char *vmcs_setup_cell(const struct vmcs_setup *s);

#endif
