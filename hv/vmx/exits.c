#include "exits.h"

#include <stddef.h>

#include "console.h"
#include "io.h"
#include "vmcs_fields.h"
#include "vmx_insn.h"
#include "workloads/tsc.h"

int vmx_run(struct guest_regs *regs, int launched);

static uint64_t vmr(uint64_t field)
{
	uint64_t v = 0;
	vmread(field, &v);
	return v;
}

/* Write "key=0x.. " pairs into x->detail. */
static void detail(struct exit_ctx *x, const char *k1, uint64_t v1, const char *k2, uint64_t v2,
		   const char *k3, uint64_t v3)
{
	const char *keys[3] = { k1, k2, k3 };
	uint64_t vals[3] = { v1, v2, v3 };
	unsigned n = 0;
	for (int i = 0; i < 3; i++) {
		if (!keys[i])
			continue;
		for (const char *k = keys[i]; *k && n + 24 < sizeof x->detail; k++)
			x->detail[n++] = *k;
		x->detail[n++] = '=';
		x->detail[n++] = '0';
		x->detail[n++] = 'x';
		char buf[17];
		int len = 0;
		uint64_t v = vals[i];
		do {
			buf[len++] = "0123456789abcdef"[v & 15];
			v >>= 4;
		} while (v);
		while (len)
			x->detail[n++] = buf[--len];
		x->detail[n++] = ' ';
	}
	x->detail[n ? n - 1 : 0] = 0;
}

static void skip_instruction(void)
{
	vmwrite(VMCS_GUEST_RIP, vmr(VMCS_GUEST_RIP) + vmr(VMCS_EXIT_INSTR_LEN));
}

/* I/O instruction, SDM Vol. 3C table 28-5: size 2:0, IN 3, string 4, port 31:16. */
static int on_io(struct exit_ctx *x)
{
	uint64_t q = vmr(VMCS_EXIT_QUALIFICATION);
	unsigned port = (unsigned)(q >> 16), size = (unsigned)(q & 7) + 1;
	bool in = q & 8, string = q & 16;
	if (in || string || size != 4) {
		x->error = "guest made an unexpected port access";
		detail(x, "port", port, "qualification", q, "rip", vmr(VMCS_GUEST_RIP));
		return EXIT_FAIL;
	}
	uint32_t value = (uint32_t)x->regs.rax;
	if (port == TV_PORT_DONE) {
		x->done_status = value;
		skip_instruction();
		return EXIT_DONE;
	}
	if (port == TV_PORT_TICK) {
		x->tick_exits++;
		skip_instruction();
		return EXIT_CONTINUE;
	}
	if (port == TV_PORT_FAULT) {
		x->error = "guest exception";
		detail(x, "vector", x->params->fault_vector, "rip", x->params->fault_rip, "cr2",
		       x->params->fault_cr2);
		return EXIT_FAIL;
	}
	x->error = "guest wrote to an unknown port";
	detail(x, "port", port, "value", value, "rip", vmr(VMCS_GUEST_RIP));
	return EXIT_FAIL;
}

static int on_cpuid(struct exit_ctx *x)
{
	uint32_t a, b, c, d;
	cpuid((uint32_t)x->regs.rax, (uint32_t)x->regs.rcx, &a, &b, &c, &d);
	x->regs.rax = a;
	x->regs.rbx = b;
	x->regs.rcx = c;
	x->regs.rdx = d;
	skip_instruction();
	return EXIT_CONTINUE;
}

/* EPT violation, SDM Vol. 3C table 28-7: bit 0 read, 1 write, 2 fetch. */
static int on_ept_violation(struct exit_ctx *x)
{
	x->error = "EPT violation: the guest touched a guest-physical address the EPT does not map";
	detail(x, "gpa", vmr(VMCS_GUEST_PHYSICAL_ADDRESS), "qualification", vmr(VMCS_EXIT_QUALIFICATION),
	       "guest_linear", vmr(VMCS_GUEST_LINEAR_ADDRESS));
	return EXIT_FAIL;
}

static int on_ept_misconfig(struct exit_ctx *x)
{
	x->error = "EPT misconfiguration";
	detail(x, "gpa", vmr(VMCS_GUEST_PHYSICAL_ADDRESS), "rip", vmr(VMCS_GUEST_RIP), NULL, 0);
	return EXIT_FAIL;
}

static int on_triple_fault(struct exit_ctx *x)
{
	x->error = "guest triple fault";
	detail(x, "rip", vmr(VMCS_GUEST_RIP), "rsp", vmr(VMCS_GUEST_RSP), "cr3", vmr(VMCS_GUEST_CR3));
	return EXIT_FAIL;
}

static int on_hlt(struct exit_ctx *x)
{
	x->error = "guest halted";
	detail(x, "rip", vmr(VMCS_GUEST_RIP), NULL, 0, NULL, 0);
	return EXIT_FAIL;
}

static int on_preemption_timer(struct exit_ctx *x)
{
	if (x->exit_ticks) {
		x->timer_exits++;
		return EXIT_CONTINUE;
	}
	x->error = "guest ran away: no answer within --guest-timeout of guest time (watchdog: the VMX-preemption timer expired)";
	detail(x, "rip", vmr(VMCS_GUEST_RIP), NULL, 0, NULL, 0);
	return EXIT_FAIL;
}

typedef int (*exit_handler)(struct exit_ctx *x);

static const exit_handler handlers[EXIT_REASONS] = {
	[2] = on_triple_fault,
	[10] = on_cpuid,
	[12] = on_hlt,
	[30] = on_io,
	[48] = on_ept_violation,
	[49] = on_ept_misconfig,
	[52] = on_preemption_timer,
};

/* A guest that keeps exiting (timer ticks, port ticks, CPUID) re-arms the
 * preemption timer at every entry and would never trip it: the time of the
 * whole command is watched too. The TSC read here counts the guest's time as
 * well as ours (under Bochs: emulated time), so the limit is in guest time,
 * whatever the emulator's speed. */
static int watchdog_expired(struct exit_ctx *x, uint64_t start, uint64_t timer_exits_before)
{
	if (!x->watchdog_tsc || tsc_read_fenced() - start <= x->watchdog_tsc)
		return 0;
	x->error = x->timer_exits > timer_exits_before
		? "guest ran away: no answer within --guest-timeout of guest time (guest-time watchdog) while VMX-preemption-timer exits kept interrupting it; fix: if the guest is not spinning, give it more time between exits (raise --exit-every-ticks) or raise --guest-timeout"
		: "guest ran away: no answer within --guest-timeout of guest time (guest-time watchdog) although it kept exiting; fix: if the guest is not spinning, raise --guest-timeout";
	detail(x, "rip", vmr(VMCS_GUEST_RIP), "exits", x->total_exits, "timer_exits", x->timer_exits - timer_exits_before);
	return 1;
}

int exits_run_guest(struct exit_ctx *x)
{
	uint64_t start = tsc_read_fenced(), timer_exits_before = x->timer_exits;
	for (;;) {
		if (x->watchdog_ticks)
			vmwrite(VMCS_PREEMPTION_TIMER, x->exit_ticks ? x->exit_ticks : x->watchdog_ticks);
		if (vmx_run(&x->regs, x->launched)) {
			uint64_t err = vmr(VMCS_VM_INSTRUCTION_ERROR);
			kprintf("VM entry failed: VM-instruction error %lu (%s); VMCS:\n", err,
				vmx_instruction_error_str(err));
			vmcs_dump();
			x->error = vmx_instruction_error_str(err);
			detail(x, "vm_instruction_error", err, NULL, 0, NULL, 0);
			return EXIT_FAIL;
		}
		x->launched = true;
		uint64_t reason = vmr(VMCS_EXIT_REASON);
		unsigned basic = (unsigned)(reason & 0xffff);
		if (reason & 0x80000000u) {
			/* VM-entry failure after the checks on the guest state (SDM 27.8). */
			kprintf("VM entry failed on guest state: exit reason %lu, qualification 0x%lx; VMCS:\n",
				reason & 0xffff, vmr(VMCS_EXIT_QUALIFICATION));
			vmcs_dump();
			x->error = "VM entry failed: invalid guest state";
			detail(x, "exit_reason", reason, "qualification", vmr(VMCS_EXIT_QUALIFICATION), NULL, 0);
			x->launched = false;
			return EXIT_FAIL;
		}
		x->total_exits++;
		if (basic < EXIT_REASONS)
			x->histogram[basic]++;
		exit_handler h = basic < EXIT_REASONS ? handlers[basic] : 0;
		if (!h) {
			x->error = "unexpected VM exit";
			detail(x, "exit_reason", basic, "rip", vmr(VMCS_GUEST_RIP), "qualification",
			       vmr(VMCS_EXIT_QUALIFICATION));
			return EXIT_FAIL;
		}
		int action = h(x);
		if (action != EXIT_CONTINUE)
			return action;
		if (watchdog_expired(x, start, timer_exits_before))
			return EXIT_FAIL;
	}
}
