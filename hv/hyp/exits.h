/* Exits of the guest, vendor-neutral: the context one cell's guest runs in,
 * the per-cell histogram (one slot per row of the vendor's exit table), a
 * bounds-checked dispatch through that table, and the handling both vendors
 * share: the payload's port ABI and CPUID. */
#ifndef TLBVISOR_HYP_EXITS_H
#define TLBVISOR_HYP_EXITS_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_regs.h"
#include "hv/common/port_abi.h"

/* Rows of a vendor's exit table, plus one slot for codes it does not list. */
#define HV_EXIT_SLOTS 96

enum exit_action { EXIT_CONTINUE = 0, EXIT_DONE = 1, EXIT_FAIL = 2 };

struct exit_ctx;
typedef int (*exit_handler)(struct exit_ctx *x);

/* One row of an exit table (built from the vendor's X-macro): the code the
 * processor reports, its name in the histogram, and its handler (NULL: an
 * exit the hypervisor does not expect, which fails the cell). */
struct exit_row {
	uint64_t code;
	const char *name;
	exit_handler handler;
};

struct exit_table {
	const struct exit_row *rows;
	unsigned n;       /* at most HV_EXIT_SLOTS - 1 */
};

/* Define the exit table `table` from a vendor's X-macro of rows
 * X(code, name, handler); the handlers must be declared before. */
#define EXIT_TABLE_ROW(code, name, handler) { code, #name, handler },
#define DEFINE_EXIT_TABLE(table, ROWS) \
	static const struct exit_row table##_rows[] = { ROWS(EXIT_TABLE_ROW) }; \
	_Static_assert(sizeof table##_rows / sizeof table##_rows[0] < HV_EXIT_SLOTS, \
		       "the histogram needs a slot per row and one more"); \
	const struct exit_table table = { table##_rows, sizeof table##_rows / sizeof table##_rows[0] }

struct exit_ctx {
	struct guest_regs regs;
	volatile struct tv_params *params;
	const struct exit_table *table;
	uint64_t histogram[HV_EXIT_SLOTS]; /* [table row], [table->n] = unlisted codes */
	uint64_t total_exits;
	uint64_t io_commands;      /* commands given to the payload */
	uint64_t tick_exits;       /* TV_PORT_TICK exits the payload made on purpose */
	uint64_t timer_exits;      /* timer exits asked for (exit_ticks) */
	uint32_t done_status;
	char error[512];           /* why the guest could not go on, with addresses */
	/* Vendor state for the run loop. */
	bool launched;             /* VMX: VMLAUNCH done, VMRESUME next */
	uint64_t watchdog_ticks;   /* budget of one entry in the vendor's timer ticks (0: no watchdog) */
	uint64_t exit_ticks;       /* a timer exit every N ticks on purpose (0: off) */
	uint64_t command_tsc;      /* TSC ticks one whole command may take (0: no limit) */
	void *vendor;              /* the vendor's control block for this cell */
};

/* Count the exit and call its handler; an unlisted code or a row without a
 * handler fails the cell, naming the code. */
int exit_dispatch(struct exit_ctx *x, uint64_t code, uint64_t rip);

/* The payload's port access (see hv/common/port_abi.h). */
int exit_on_port(struct exit_ctx *x, const struct tv_port_access *a);
/* CPUID executed by the guest: the host's answer, into the guest's registers. */
void exit_emulate_cpuid(struct exit_ctx *x);
/* x->error = what, followed by up to three "key=0x..." fields (key NULL: none). */
int exit_fail(struct exit_ctx *x, const char *what, const char *k1, uint64_t v1, const char *k2, uint64_t v2,
	      const char *k3, uint64_t v3);
/* The histogram's name of slot i (the unlisted slot is "other"). */
const char *exit_slot_name(const struct exit_table *t, unsigned slot);

#endif
